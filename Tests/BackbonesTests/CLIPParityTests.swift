import Foundation
import NN
import Tensor
import XCTest
@testable import Backbones

/// The tiny CLIP of `Scripts/make_backbone_fixtures.py`.
let tinyCLIPConfig = CLIPConfig(
    textConfig: CLIPTextConfig(vocabSize: 100, hiddenSize: 48, intermediateSize: 80, numHiddenLayers: 2,
                               numAttentionHeads: 4, eosTokenId: 99),
    visionConfig: CLIPVisionConfig(hiddenSize: 64, intermediateSize: 96, numHiddenLayers: 2, numAttentionHeads: 4,
                                   imageSize: 32, patchSize: 8),
    projectionDim: 40)

final class CLIPParityTests: XCTestCase {
    /// Compares every output of `model` with a fixture made by `clip_outputs` in the script.
    func checkCLIP(_ model: CLIPModel, _ ref: StateDict, taps: [Int], file: StaticString = #filePath, line: UInt = #line) throws {
        let px = ref["pixel_values"]!, ids = intRows(ref["input_ids"]!)
        let raw = try model.vision.forward(images: px, layers: taps)
        let projected = try model.vision.forward(images: px, layers: taps, projected: true)
        let vv = try model.vision.forward(images: px, layers: taps, vvBlocks: 1)
        for (i, l) in taps.enumerated() {
            assertMaxAbs(raw.patchTokens[i], ref["patch_tokens.\(l)"], 1e-4, "patch tokens \(l)", file: file, line: line)
            assertMaxAbs(projected.patchTokens[i], ref["patch_tokens_projected.\(l)"], 1e-4, "projected \(l)", file: file, line: line)
            if let r = ref["vv_patch_tokens.\(l)"] { assertMaxAbs(vv.patchTokens[i], r, 1e-4, "V-V \(l)", file: file, line: line) }
        }
        assertMaxAbs(raw.imageEmbedding, ref["image_embeds"], 1e-4, "image embeds", file: file, line: line)
        assertMaxAbs(vv.imageEmbedding, ref["image_embeds"], 1e-4, "image embeds (V-V run)", file: file, line: line)
        assertMaxAbs(try model.text.encode(ids: ids), ref["text_embeds"], 1e-4, "text embeds", file: file, line: line)
        assertMaxAbs(try model.logits(images: px, ids: ids), ref["logits_per_image"], 1e-4, "logits", file: file, line: line)
    }

    func testTinyHFCheckpointMatchesTransformers() throws {
        let model = try CLIPModel(config: tinyCLIPConfig, stateDict: fixture("clip_tiny_hf"))
        try checkCLIP(model, fixture("clip_tiny_outputs"), taps: [1, 2])
        XCTAssertEqual(model.logitScale, 1 / 0.07, accuracy: 1e-3)
    }

    func testOpenAINamingLoadsToTheSameModel() throws {
        let sd = try fixture("clip_tiny_openai")
        XCTAssertNotNil(sd["visual.transformer.resblocks.0.attn.in_proj_weight"])
        let model = try CLIPModel(config: tinyCLIPConfig, stateDict: sd)
        try checkCLIP(model, fixture("clip_tiny_outputs"), taps: [1, 2])
    }

    func testShardedCheckpointLoadsToTheSameModel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtf-clip-shards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Safetensors.writeSharded(try fixture("clip_tiny_hf"), to: dir, maxShardBytes: 100_000)
        XCTAssertGreaterThan(try Safetensors.shardNames(index: dir.appendingPathComponent(Safetensors.indexFileName)).count, 2)
        for url in [dir, dir.appendingPathComponent(Safetensors.indexFileName)] {
            let model = try CLIPModel.load(safetensors: url, config: tinyCLIPConfig)
            try checkCLIP(model, fixture("clip_tiny_outputs"), taps: [1, 2])
        }
    }

    /// An OpenCLIP directory (open_clip_model.safetensors in OpenAI naming + open_clip_config.json, no
    /// config.json): the shapes give the architecture, `quick_gelu` the activation.
    func testOpenCLIPDirectoryLoads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtf-openclip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Safetensors.write(try fixture("clip_tiny_openai"), to: dir.appendingPathComponent("open_clip_model.safetensors"))
        let config = dir.appendingPathComponent("open_clip_config.json")
        let towers = #""vision_cfg": {"width": 64, "head_width": 16}, "text_cfg": {"width": 48, "heads": 4}"#
        try Data(#"{"model_cfg": {"embed_dim": 40, "quick_gelu": true, \#(towers)}}"#.utf8).write(to: config)
        guard case let .clip(model, tokenizer) = try LoadedModel.load(directory: dir) else { return XCTFail("not CLIP") }
        XCTAssertNil(tokenizer)
        XCTAssertEqual(model.config.visionConfig.hiddenAct, .quickGELU)
        XCTAssertEqual(model.config, tinyCLIPConfig, "shapes + open_clip_config.json give the whole architecture")
        try checkCLIP(model, fixture("clip_tiny_outputs"), taps: [1, 2])

        // LAION-trained OpenCLIP models use exact GELU: the same weights then give other outputs.
        try Data(#"{"model_cfg": {"embed_dim": 40, \#(towers)}}"#.utf8).write(to: config)
        let gelu = try CLIPModel.load(safetensors: dir)
        XCTAssertEqual(gelu.config.visionConfig.hiddenAct, .gelu)
        XCTAssertEqual(gelu.config.textConfig.hiddenAct, .gelu)
        let ref = try fixture("clip_tiny_outputs")
        let diff = (try gelu.vision.imageEmbeddings(ref["pixel_values"]!) - ref["image_embeds"]!).abs().max().item
        XCTAssertGreaterThan(diff, 1e-3)

        try Data(#"{"vision_cfg": {}}"#.utf8).write(to: config)
        XCTAssertThrowsError(try CLIPModel.load(safetensors: dir)) { e in
            guard case let BackboneError.invalidConfig(path, reason)? = e as? BackboneError else { return XCTFail("\(e)") }
            XCTAssertEqual(path, config.path)
            XCTAssertTrue(reason.contains("model_cfg"))
        }
    }

    func testNativeSizeSkipsInterpolation() throws {
        let model = try CLIPModel(config: tinyCLIPConfig, stateDict: fixture("clip_tiny_hf"))
        let ref = try fixture("clip_tiny_native_outputs")
        let f = try model.vision.forward(images: ref["pixel_values"]!, layers: [2])
        assertMaxAbs(f.patchTokens[0], ref["patch_tokens.2"], 1e-4, "patch tokens")
        assertMaxAbs(f.imageEmbedding, ref["image_embeds"], 1e-4, "image embeds")
        XCTAssertEqual(f.grid.height, 4); XCTAssertEqual(f.grid.width, 4)
    }

    /// Each registry architecture at its real widths, heads, patch size and activation, one block, with
    /// synthetic weights regenerated here (only inputs and outputs are stored).
    func testRealWidthConfigsMatchTransformers() throws {
        for name in ["ViT-B-32", "ViT-B-16", "ViT-L-14", "ViT-L-14-336", "ViT-B-16-plus-240"] {
            var config = try CLIPConfig.named(name).withLayers(1)
            config.textConfig.vocabSize = 1000
            config.textConfig.eosTokenId = 999
            let model = try CLIPModel.synthetic(config)
            try checkCLIP(model, fixture("clip_\(name)_synthetic_outputs"), taps: [1])
        }
    }

    func testBatchedEqualsPerImage() throws {
        let model = try CLIPModel(config: tinyCLIPConfig, stateDict: fixture("clip_tiny_hf"))
        let px = try fixture("clip_tiny_outputs")["pixel_values"]!
        let both = try model.vision.features(images: px, layers: [1])
        let second = try model.vision.features(images: px.sliced(axis: 0, start: 1, end: 2).contiguous(), layers: [1])
        assertMaxAbs(both.patchTokens[0].sliced(axis: 0, start: 1, end: 2), second.patchTokens[0], 1e-5, "row 1 tokens")
        assertMaxAbs(both.classToken.sliced(axis: 0, start: 1, end: 2), second.classToken, 1e-5, "row 1 embedding")
    }
}
