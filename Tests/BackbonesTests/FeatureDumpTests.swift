import Foundation
import NN
import Tensor
import XCTest
@testable import Backbones

final class FeatureDumpTests: XCTestCase {
    func testDumpFromModelDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-dump-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Safetensors.write(fixture("dinov2_tiny_hub"), to: dir.appendingPathComponent("model.safetensors"))
        var config = try JSONSerialization.jsonObject(with: JSONEncoder().encode(tinyDINOv2Config)) as! [String: Any]
        config["model_type"] = "dinov2"
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))

        let loaded = try LoadedModel.load(directory: dir)
        guard case let .dinov2(model) = loaded else { return XCTFail("expected DINOv2, got \(loaded)") }
        XCTAssertEqual(model.config, tinyDINOv2Config)
        var rng = SeededRandom(seed: 3)
        let images = Tensor.randn([2, 3, 56, 56], using: &rng)
        let out = try FeatureDump.features(vision: loaded.vision, images: images, layers: [1, 2], text: loaded, prompts: [])
        XCTAssertEqual(Set(out.keys), ["layer.1.patch_tokens", "layer.2.patch_tokens", "class_token"])
        let direct = try model.features(images: images, layers: [1, 2])
        XCTAssertEqual(out["layer.2.patch_tokens"]?.shape, [2, 16, 48])
        XCTAssertEqual(out["layer.1.patch_tokens"]?.scalars, direct.patchTokens[0].contiguous().scalars)
        XCTAssertEqual(out["class_token"]?.scalars, direct.classToken.contiguous().scalars)
        XCTAssertThrowsError(try FeatureDump.features(vision: loaded.vision, images: nil, layers: [], text: loaded, prompts: ["a"])) {
            XCTAssertTrue("\($0)".contains("no text encoder"), "\($0)")
        }
        // Without config.json the architecture must be given (a registry entry's); nothing is guessed.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try LoadedModel.load(directory: dir)) { XCTAssertTrue("\($0)".contains("model_type"), "\($0)") }
        XCTAssertThrowsError(try LoadedModel.load(directory: dir, architecture: .dinov2)) {
            XCTAssertTrue("\($0)".contains("config.json"), "the DINOv2 loader needs config.json next to the weights: \($0)")
        }
    }

    func testImageTensorNormalisation() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-img-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let x = Tensor(shape: [3, 2, 2], data: (0..<12).map { Float($0) / 12 })
        try Safetensors.write(["images": x], to: url)
        let mean: [Float] = [0.5, 0.4, 0.3], std: [Float] = [0.2, 0.25, 0.5]
        let y = try FeatureDump.readImageTensor(url, mean: mean, std: std, normalized: false)
        XCTAssertEqual(y.shape, [1, 3, 2, 2])
        let v = y.contiguous().scalars
        for c in 0..<3 { for i in 0..<4 { XCTAssertEqual(v[c * 4 + i], (Float(c * 4 + i) / 12 - mean[c]) / std[c], accuracy: 1e-6) } }
        XCTAssertEqual(try FeatureDump.readImageTensor(url, mean: mean, std: std, normalized: true).scalars, x.scalars)
        try Safetensors.write(["a": x, "b": x], to: url)
        XCTAssertThrowsError(try FeatureDump.readImageTensor(url, mean: mean, std: std, normalized: true)) {
            XCTAssertTrue("\($0)".contains("'images'"))
        }
    }
}
