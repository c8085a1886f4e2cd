import Backbones
import Foundation
import Imaging
import NN
import Tensor
import XCTest
@testable import VTFusion

/// PNG input of a feature dump: preprocessing geometry and normalisation, and the dumped file's keys/shapes.
final class FeatureImageInputTests: XCTestCase {
    /// Patch 8, native 32 px, mean 0.5 / std 0.25; tokens carry the tapped layer and the batch index.
    final class Stub: Backbone {
        let imageSize = 32, patchSize = 8, layerCount = 4, tokenWidth = 6
        let mean: [Float] = [0.5, 0.5, 0.5], std: [Float] = [0.25, 0.25, 0.25]
        func features(images: Tensor, layers: [Int]) throws -> (patchTokens: [Tensor], classToken: Tensor) {
            let b = images.shape[0], n = (images.shape[2] / 8) * (images.shape[3] / 8)
            return (layers.map { Tensor(shape: [b, n, 6], repeating: Float($0)) }, Tensor.zeros([b, 10]))
        }
    }

    func testPNGInputsAreResizedCroppedNormalisedAndDumped() throws {
        let dir = try temporaryDirectory(self)
        // A 40x30 solid colour and a 30x50 one: shorter side to 32, center crop 32x32.
        let a = dir.appendingPathComponent("a.png"), b = dir.appendingPathComponent("b.png")
        try ImageCodec.writePNG(Image8(width: 40, height: 30, channels: 3, samples: [UInt8]((0..<1200).flatMap { _ in [255, 0, 128] })), to: a.path)
        try ImageCodec.writePNG(Image8(width: 30, height: 50, channels: 1, repeating: 64), to: b.path)
        let vision = Stub()
        let pre = try FeatureImageInput.preprocessor(for: vision, name: "stub")
        XCTAssertEqual(pre.imageSize, 32)
        let batch = try FeatureImageInput.batch([a, b], preprocessor: pre, normalized: false)
        XCTAssertEqual(batch.shape, [2, 3, 32, 32])
        let x = batch.contiguous().scalars
        let plane = 32 * 32
        // (v / 255 - 0.5) / 0.25 per channel, constant over the plane; grey input is replicated to RGB.
        for (c, v) in [(0, 255), (1, 0), (2, 128)] {
            let expected = (Float(v) / 255 - 0.5) / 0.25
            XCTAssertEqual(x[c * plane], expected, accuracy: 1e-5)
            XCTAssertEqual(x[c * plane + plane - 1], expected, accuracy: 1e-5)
        }
        for c in 0..<3 { XCTAssertEqual(x[(3 + c) * plane + 100], (64 / 255 - 0.5) / 0.25, accuracy: 1e-5) }

        // The dump of that batch, written and read back.
        let out = dir.appendingPathComponent("f.safetensors")
        let dumped = try FeatureDump.features(vision: vision, images: batch, layers: [2, 4], text: nil, prompts: [])
        try Safetensors.write(dumped, to: out)
        let back = try Safetensors.read(out)
        XCTAssertEqual(Set(back.keys), ["layer.2.patch_tokens", "layer.4.patch_tokens", "class_token"])
        XCTAssertEqual(back["layer.4.patch_tokens"]?.shape, [2, 16, 6])
        XCTAssertEqual(back["layer.4.patch_tokens"]?.scalars.first, 4)
        XCTAssertEqual(back["class_token"]?.shape, [2, 10])

        // --image-size rounds down to the patch; images and tensors of other sizes are refused together.
        let pre48 = try FeatureImageInput.preprocessor(for: vision, name: "stub", imageSize: 50)
        XCTAssertEqual(try FeatureImageInput.batch([a], preprocessor: pre48, normalized: false).shape, [1, 3, 48, 48])
        let t = dir.appendingPathComponent("t.safetensors")
        try Safetensors.write(["images": Tensor.zeros([3, 16, 16])], to: t)
        XCTAssertThrowsError(try FeatureImageInput.batch([a, t], preprocessor: pre, normalized: false)) {
            XCTAssertTrue("\($0)".contains("t.safetensors"), "\($0)")
        }
        XCTAssertThrowsError(try FeatureImageInput.batch([dir.appendingPathComponent("missing.png")], preprocessor: pre, normalized: false)) {
            XCTAssertTrue("\($0)".contains("missing.png"), "\($0)")
        }
    }

    func testKnownBackboneNamesUseTheRegistrySpec() throws {
        final class Patch14: Backbone {
            let imageSize = 518, patchSize = 14, layerCount = 12, tokenWidth = 4
            let mean: [Float] = [0, 0, 0], std: [Float] = [1, 1, 1]
            func features(images: Tensor, layers: [Int]) throws -> (patchTokens: [Tensor], classToken: Tensor) {
                ([], Tensor.zeros([images.shape[0], 4]))
            }
        }
        let spec = try BackboneSpec.named("dinov2-s-imgfocus")
        let pre = try FeatureImageInput.preprocessor(for: Patch14(), name: "dinov2-s-imgfocus")
        XCTAssertEqual(pre, spec.preprocessor)
        XCTAssertEqual(pre.imageSize, 224)
        XCTAssertEqual(try FeatureImageInput.preprocessor(for: Patch14(), name: "other").imageSize, 518)
    }
}
