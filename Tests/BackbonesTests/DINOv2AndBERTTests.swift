import Foundation
import ModelStore
import NN
import Tensor
import XCTest
@testable import Backbones

let tinyDINOv2Config = DINOv2Config(hiddenSize: 48, numHiddenLayers: 2, numAttentionHeads: 4, imageSize: 56)
let tinyBERTConfig = BERTConfig(vocabSize: 120, hiddenSize: 48, numHiddenLayers: 2, numAttentionHeads: 4,
                                intermediateSize: 96, maxPositionEmbeddings: 64)

final class DINOv2AndBERTTests: XCTestCase {
    func testDINOv2MatchesTransformers() throws {
        let model = try DINOv2(config: tinyDINOv2Config, stateDict: fixture("dinov2_tiny_hub"))
        let ref = try fixture("dinov2_tiny_outputs")
        let px = ref["pixel_values"]!  // 70 x 42: a 5 x 3 grid from the 4 x 4 table
        let (taps, last) = try model.forward(images: px, layers: [1, 2])
        assertMaxAbs(last, ref["last_hidden_state"], 1e-4, "last hidden state")
        for (i, l) in [1, 2].enumerated() {
            assertMaxAbs(taps[i].sliced(axis: 1, start: 1), ref["patch_tokens.\(l)"], 1e-4, "raw tokens \(l)")
        }
        let f = try model.features(images: px, layers: [1, 2])
        assertMaxAbs(f.patchTokens[0], ref["patch_tokens_normed.1"], 1e-4, "normed tokens 1")
        assertMaxAbs(f.patchTokens[1], ref["patch_tokens_normed.2"], 1e-4, "normed tokens 2")
        assertMaxAbs(f.classToken, ref["pooler_output"], 1e-4, "pooled")
    }

    /// The forward pass fuses q/k/v into one weight and makes the originals views of it: the values (and so
    /// the weights fingerprint a trained head checks) stay the same, and no second copy is kept.
    func testFusedProjectionsKeepWeightsAndFingerprint() throws {
        let sd = try fixture("dinov2_tiny_hub")
        let model = try DINOv2(config: tinyDINOv2Config, stateDict: sd)
        let before = model.weightsFingerprint
        _ = try model.forward(images: try fixture("dinov2_tiny_outputs")["pixel_values"]!, layers: [1])
        XCTAssertEqual(model.weightsFingerprint, before)
        let p = "encoder.layer.0.attention.attention."
        for n in ["query", "key", "value"] {
            XCTAssertEqual(model.params[p + n + ".weight"].scalars, sd[p + n + ".weight"]!.scalars, n)
            XCTAssertEqual(model.params[p + n + ".bias"].scalars, sd[p + n + ".bias"]!.scalars, n)
        }
        XCTAssertTrue(model.params[p + "query.weight"].storage === model.params[p + "value.weight"].storage,
                      "q, k and v are views of one fused tensor")
    }

    /// A model directory holding a sharded checkpoint with a `config.json`, loaded as the store lays it out.
    func testDINOv2FromShardedDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtf-dino-shards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = try JSONSerialization.jsonObject(with: JSONEncoder().encode(tinyDINOv2Config)) as! [String: Any]
        config["model_type"] = "dinov2"
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))
        try Safetensors.writeSharded(try fixture("dinov2_tiny_hub"), to: dir, maxShardBytes: 20_000)
        guard case let .dinov2(model) = try LoadedModel.load(directory: dir) else { return XCTFail("not DINOv2") }
        XCTAssertEqual(model.config, tinyDINOv2Config)
        let ref = try fixture("dinov2_tiny_outputs")
        assertMaxAbs(try model.forward(images: ref["pixel_values"]!, layers: []).lastHiddenState, ref["last_hidden_state"],
                     1e-4, "last hidden state (sharded)")
    }

    func testDINOv2AcceptsTransformers5Naming() throws {
        var renamed: StateDict = [:]
        for (k, t) in try fixture("dinov2_tiny_hub") {
            renamed["dinov2." + k.replacingOccurrences(of: "attention.attention.query", with: "attention.q_proj")
                .replacingOccurrences(of: "attention.attention.key", with: "attention.k_proj")
                .replacingOccurrences(of: "attention.attention.value", with: "attention.v_proj")
                .replacingOccurrences(of: "attention.output.dense", with: "attention.o_proj")] = t
        }
        XCTAssertNotNil(renamed["dinov2.encoder.layer.0.attention.q_proj.weight"])
        let model = try DINOv2(config: tinyDINOv2Config, stateDict: renamed)
        let ref = try fixture("dinov2_tiny_outputs")
        assertMaxAbs(try model.forward(images: ref["pixel_values"]!, layers: []).lastHiddenState,
                     ref["last_hidden_state"], 1e-4, "last hidden state")
        XCTAssertThrowsError(try model.features(images: Tensor.zeros([1, 3, 30, 28]), layers: [1]))
    }

    func testBERTMeanPooledEmbeddingsMatchTransformers() throws {
        let model = try BERTModel(config: tinyBERTConfig, stateDict: fixture("bert_tiny"))
        let ref = try fixture("bert_tiny_outputs")
        let ids = intRows(ref["input_ids"]!), mask = intRows(ref["attention_mask"]!)
        let hidden = try model.lastHiddenState(embeddings: model.tokenEmbeddings(ids: ids), attentionMask: mask)
        // Padded positions differ in meaning only where the mask is 1; compare those rows.
        let m = Tensor(shape: [3, 12, 1], data: mask.flatMap { $0.map(Float.init) })
        assertMaxAbs(hidden * m, ref["last_hidden_state"]! * m, 1e-4, "last hidden state (unpadded)")
        assertMaxAbs(try model.encode(ids: ids, attentionMask: mask), ref["sentence_embedding"], 1e-4, "sentence embedding")
    }
}

/// Learnable context vectors (CoOp) through the frozen text towers.
final class PromptContextTests: XCTestCase {
    /// Central differences of `sum(encode(context) * w)` against the autodiff gradient of `context`.
    func checkContextGradient(_ encoder: TextEncoder, ids: [[Int]], placeholders: [[Int]], mask: [[Int]]? = nil,
                              file: StaticString = #filePath, line: UInt = #line) throws {
        let k = placeholders[0].count, e = encoder.embeddingWidth
        let context = Tensor(shape: [k, e], data: (0..<(k * e)).map { Float(sin(Double($0) * 1.3)) * 0.5 })
            .requiringGrad()
        let w = Tensor(shape: [ids.count, encoder.outputWidth],
                       data: (0..<(ids.count * encoder.outputWidth)).map { Float(cos(Double($0) * 0.7)) })
        let loss = { (c: Tensor) throws -> Tensor in
            (try encoder.encode(ids: ids, placeholders: placeholders, context: c, attentionMask: mask) * w).sum()
        }
        try loss(context).backward()
        let grad = try XCTUnwrap(context.grad, file: file, line: line).scalars
        XCTAssertGreaterThan(grad.map(abs).max()!, 1e-4, "gradient reaches the context", file: file, line: line)
        for i in stride(from: 0, to: k * e, by: 7) {
            var v = context.scalars
            let eps: Float = 1e-2
            v[i] += eps
            let up = try noGrad { try loss(Tensor(shape: [k, e], data: v)).item }
            v[i] -= 2 * eps
            let down = try noGrad { try loss(Tensor(shape: [k, e], data: v)).item }
            let numeric = (up - down) / (2 * eps)
            XCTAssertEqual(grad[i], numeric, accuracy: 2e-3 + 2e-2 * abs(numeric), "element \(i)", file: file, line: line)
        }
    }

    func testCLIPTextContextGradients() throws {
        let model = try CLIPModel(config: tinyCLIPConfig, stateDict: fixture("clip_tiny_hf"))
        let ids = [[98, 1, 1, 17, 42, 99, 0, 0], [98, 1, 1, 63, 99, 0, 0, 0]]
        let places = model.text.placeholderPositions(in: ids, placeholderID: 1)
        XCTAssertEqual(places, [[1, 2], [1, 2]])
        try checkContextGradient(model.text, ids: ids, placeholders: places)
    }

    func testBERTContextGradients() throws {
        let model = try BERTModel(config: tinyBERTConfig, stateDict: fixture("bert_tiny"))
        let ids = [[101, 7, 7, 30, 40, 102], [101, 7, 7, 55, 102, 0]]
        try checkContextGradient(model, ids: ids, placeholders: [[1, 2], [1, 2]], mask: [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]])
    }

    /// Inserting the placeholders' own token embeddings as "context" gives the plain encoding.
    func testContextOfOriginalEmbeddingsReproducesIDs() throws {
        let model = try CLIPModel(config: tinyCLIPConfig, stateDict: fixture("clip_tiny_hf"))
        let ids = [[98, 5, 6, 17, 99, 0], [98, 5, 6, 40, 41, 99]]
        let context = try model.text.tokenEmbeddings(ids: [[5, 6]]).reshaped([2, 48])
        let viaContext = try model.text.encode(ids: ids.map { [$0[0], 1, 1] + $0[3...] }, placeholders: [[1, 2], [1, 2]], context: context)
        assertMaxAbs(viaContext, try model.text.encode(ids: ids), 1e-5, "context path")
        // Per-row context [B, K, E] is accepted; a wrong width is a thrown error.
        let perRow = context.unsqueezed(0).expanded(to: [2, 2, 48]).contiguous()
        assertMaxAbs(try model.text.encode(ids: ids.map { [$0[0], 1, 1] + $0[3...] }, placeholders: [[1, 2], [1, 2]], context: perRow),
                     try model.text.encode(ids: ids), 1e-5, "per-row context")
        XCTAssertThrowsError(try model.text.encode(ids: ids, placeholders: [[1, 2], [1, 2]], context: Tensor.zeros([2, 47])))
    }
}
