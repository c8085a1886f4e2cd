import Foundation
import XCTest
import Imaging
import Tensor
@testable import VTFusion
import TestSupport

/// Preprocessing geometry, model loading errors, feature caching helpers.
final class PipelinePiecesTests: XCTestCase {
    func testMaskFollowsImageGeometry() {
        // A 96x64 (w x h) mask with a 16x16 square at x 40..<56, y 24..<40 (the image center).
        var m = Image8(width: 96, height: 64, channels: 1, repeating: 0)
        for y in 24..<40 { for x in 40..<56 { m[x, y, 0] = 255 } }
        let pre = ImagePreprocessor(imageSize: 32, normalization: .imagenet)
        let out = pre.mask(m)
        XCTAssertEqual(out.count, 32 * 32)
        // Shorter side 64 -> 32 (scale 1/2): the square becomes 8x8 at x 20..<28 of 48, crop offset 8 -> 12..<20.
        for y in 0..<32 { for x in 0..<32 {
            let inside = (12..<20).contains(x) && (12..<20).contains(y)
            XCTAssertEqual(out[y * 32 + x], inside ? 1 : 0, "(\(x), \(y))")
        } }
        // Images take the same crop: a 96x64 image becomes 32x32.
        let img = Image8(width: 96, height: 64, channels: 3, repeating: 128)
        let t = pre.tensor(pre.prepare(img))
        XCTAssertEqual(t.shape, [3, 32, 32])
        XCTAssertEqual(t.scalars[0], (128 / 255 - 0.485) / 0.229, accuracy: 1e-5)
    }

    func testLoaderErrorsNameTheDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtf-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try ModelLoader.backbone(try BackboneSpec.named("dinov2-s-imgfocus"), directory: dir)) { e in
            XCTAssertTrue("\(e)".contains(dir.path) && "\(e)".contains("model.safetensors"), "\(e)")
        }
        XCTAssertThrowsError(try ModelLoader.textEncoder("minilm-l6", directory: dir)) { e in
            XCTAssertTrue("\(e)".contains("model.safetensors"), "\(e)")
        }
        XCTAssertThrowsError(try ModelLoader.textEncoder("gpt2", directory: dir)) { e in
            XCTAssertTrue("\(e)".contains("minilm-l6"), "\(e)")
        }
    }

    func testExtractorBatchesAndGatherKeepsImages() throws {
        let backbone = try TinyModels.dinov2()
        let ex = FeatureExtractor(backbone: backbone, spec: TinyModels.dinov2Spec(imageSize: 32), batchSize: 2)
        var rng = SeededRandom(seed: 2)
        let images = (0..<5).map { _ in Tensor.randn([3, 32, 32], using: &rng) }
        var calls: [Int] = []
        let all = try ex.features(images) { done, _ in calls.append(done) }
        XCTAssertEqual(calls, [2, 4, 5])
        XCTAssertEqual(all.batchSize, 5)
        XCTAssertEqual(all.patches.map(\.shape), [[5, 16, 32], [5, 16, 32]])
        // Batching does not change the result: image 3 alone equals row 3 of the batched run.
        let one = try ex.features([images[3]])
        let g = all.gather([3])
        for l in 0..<2 { assertClose(g.patches[l].contiguous(), one.patches[l].contiguous(), atol: 1e-4, "layer \(l)") }
        XCTAssertEqual(FeatureSet.concat([all.gather([0, 1]), all.gather([4])]).batchSize, 3)
    }
}
