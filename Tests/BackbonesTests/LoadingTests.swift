import Foundation
import NN
import Tensor
import XCTest
@testable import Backbones

final class LoadingTests: XCTestCase {
    func testStrictLoadNamesTheFirstBadKey() throws {
        var sd = try fixture("clip_tiny_hf")
        sd["vision_model.encoder.layers.1.mlp.fc1.bias"] = nil
        XCTAssertThrowsError(try CLIPModel(config: tinyCLIPConfig, stateDict: sd)) { e in
            XCTAssertEqual(e as? StrictLoadError, .missingKey(file: StrictLoadError.inMemory, key: "vision_model.encoder.layers.1.mlp.fc1.bias", expected: [96]))
        }
        sd = try fixture("clip_tiny_hf")
        sd["text_projection.weight"] = Tensor.zeros([41, 48])
        XCTAssertThrowsError(try CLIPModel(config: tinyCLIPConfig, stateDict: sd)) { e in
            XCTAssertEqual(e as? StrictLoadError, .shapeMismatch(file: StrictLoadError.inMemory, key: "text_projection.weight", expected: [40, 48], found: [41, 48]))
            XCTAssertTrue("\(e)".contains("text_projection.weight"))
        }
        sd = try fixture("clip_tiny_hf")
        sd["vision_model.extra.weight"] = Tensor.zeros([1])
        XCTAssertThrowsError(try CLIPModel(config: tinyCLIPConfig, stateDict: sd)) { e in
            XCTAssertEqual(e as? StrictLoadError, .unexpectedKey(file: StrictLoadError.inMemory, key: "vision_model.extra.weight", found: [1]))
        }
        XCTAssertNoThrow(try CLIPModel(config: tinyCLIPConfig, stateDict: sd, strict: false))
        // A checkpoint of a different architecture.
        XCTAssertThrowsError(try CLIPModel(config: tinyCLIPConfig.withLayers(3), stateDict: fixture("clip_tiny_hf")))
    }

    func testStrictLoadFromAFileNamesTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtf-strict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var sd = try fixture("dinov2_tiny_hub")
        let key = "encoder.layer.0.mlp.fc1.weight"
        let shape = try XCTUnwrap(sd[key]).shape
        sd[key] = Tensor.zeros([shape[0] + 1, shape[1]])
        let url = dir.appendingPathComponent("model.safetensors")
        try Safetensors.write(sd, to: url)
        XCTAssertThrowsError(try DINOv2.load(safetensors: url, config: tinyDINOv2Config)) { e in
            XCTAssertEqual(e as? StrictLoadError, .shapeMismatch(file: url.path, key: key, expected: shape, found: [shape[0] + 1, shape[1]]))
            XCTAssertTrue("\(e)".contains(url.path) && "\(e)".contains(key), "\(e)")
        }
    }

    func testSanitizeSplitsFusedAttentionAndTransposesProjections() throws {
        let hf = try fixture("clip_tiny_hf")
        let mapped = CLIPModel.sanitize(try fixture("clip_tiny_openai"))
        XCTAssertEqual(Set(mapped.keys), Set(hf.keys))
        for (k, t) in hf { XCTAssertEqual(mapped[k]!.scalars, t.scalars, k) }
        XCTAssertEqual(Set(CLIPModel.sanitize(hf).keys), Set(hf.keys), "HF naming passes through")
    }

    func testArchitectureInferredFromShapes() throws {
        let inferred = try CLIPConfig.inferred(from: fixture("clip_tiny_openai"))
        XCTAssertEqual(inferred.visionConfig.hiddenSize, 64)
        XCTAssertEqual(inferred.visionConfig.patchSize, 8)
        XCTAssertEqual(inferred.visionConfig.imageSize, 32)
        XCTAssertEqual(inferred.visionConfig.numHiddenLayers, 2)
        XCTAssertEqual(inferred.visionConfig.intermediateSize, 96)
        XCTAssertEqual(inferred.textConfig.numHiddenLayers, 2)
        XCTAssertEqual(inferred.textConfig.vocabSize, 100)
        XCTAssertEqual(inferred.projectionDim, 40)
        // Real shapes pick the registry entry, activation included (B-16-plus uses exact GELU).
        let plus = try CLIPConfig.named("ViT-B-16-plus-240")
        let shapes = CLIPModel.parameterList(plus).map { (name: $0.name, shape: $0.shape) }
        let fake = Dictionary(uniqueKeysWithValues: shapes.map { ($0.name, Tensor(storage: Storage(count: 1, repeating: 0), shape: $0.shape, strides: $0.shape.map { _ in 0 })) })
        XCTAssertEqual(try CLIPConfig.inferred(from: fake), plus)
    }

    func testConfigDecodesHFConfigJSON() throws {
        let json = """
        {"projection_dim": 768, "logit_scale_init_value": 2.6592,
         "text_config": {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12, "num_hidden_layers": 12,
                         "eos_token_id": 2, "hidden_act": "quick_gelu", "vocab_size": 49408},
         "vision_config": {"hidden_size": 1024, "intermediate_size": 4096, "num_attention_heads": 16, "num_hidden_layers": 24,
                           "image_size": 336, "patch_size": 14, "hidden_act": "quick_gelu"}}
        """
        let c = try JSONDecoder().decode(CLIPConfig.self, from: Data(json.utf8))
        var expected = try CLIPConfig.named("vit-l/14@336px")
        expected.textConfig.eosTokenId = 2
        XCTAssertEqual(c, expected)
        XCTAssertThrowsError(try CLIPConfig.named("ViT-H-99")) { e in XCTAssertTrue("\(e)".contains("ViT-B-16")) }
    }

    func testLegacyEOSPoolsAtArgmax() throws {
        var config = tinyCLIPConfig
        config.textConfig.eosTokenId = 2
        let model = try CLIPModel(config: config, stateDict: fixture("clip_tiny_hf"))
        XCTAssertEqual(model.text.poolingPositions([[98, 5, 2, 99, 0], [98, 99, 0, 0, 0]]), [3, 1])
        let hf = try CLIPModel(config: tinyCLIPConfig, stateDict: fixture("clip_tiny_hf"))
        XCTAssertEqual(hf.text.poolingPositions([[98, 99, 50, 99, 0]]), [1])
    }

    func testBicubicMatchesTorchOnARamp() {
        // torch.nn.functional.interpolate(arange(8) rows, size=(8, 16), mode="bicubic", align_corners=False),
        // row 3 (A = -0.75 overshoots at the clamped borders and does not reproduce a ramp exactly).
        let expected: [Float] = [-0.10546875, 0.19140625, 0.66796875, 1.296875, 1.703125, 2.296875, 2.703125, 3.296875,
                                 3.703125, 4.296875, 4.703125, 5.296875, 5.703125, 6.33203125, 6.80859375, 7.10546875]
        let g = Tensor(shape: [8, 8, 1], data: (0..<64).map { Float($0 % 8) })
        let r = PositionInterpolation.bicubic(g, height: 8, width: 16).scalars
        for x in 0..<16 { XCTAssertEqual(r[3 * 16 + x], expected[x], accuracy: 1e-5) }
        // Constant grids stay constant (weights sum to one), also when shrinking.
        let c = PositionInterpolation.bicubic(Tensor(shape: [7, 7, 2], repeating: 3), height: 3, width: 5).scalars
        for v in c { XCTAssertEqual(v, 3, accuracy: 1e-5) }
    }
}
