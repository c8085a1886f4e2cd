import Foundation
import XCTest
import Benchmark
import Imaging
import Tensor
import VTFusion
@testable import Evaluation
import TestSupport

/// A tiny MVTec-layout benchmark built once per test process from procedural textures (no GIMP needed):
/// 4 categories (2 auxiliary, 2 target) of 64x64 images, 6 train/good, 4 test/good, one defect per family.
enum TinyBenchmark {
    static let root: URL = {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-tinybench-\(getpid())")
        let textures = base.appendingPathComponent("textures")
        try! FileManager.default.createDirectory(at: textures, withIntermediateDirectories: true)
        for t in 0..<5 {
            var rng = SeededRandom(seed: UInt64(100 + t))
            let size = 96, freq = Float(2 + t) * 2 * .pi / Float(size)
            let tint = (0..<3).map { _ in rng.uniform(0.35, 0.65) }
            var px = [UInt8](repeating: 0, count: size * size * 3)
            for y in 0..<size { for x in 0..<size {
                let v = 0.5 + 0.25 * sin(freq * Float(x) + (t % 2 == 0 ? 0 : freq * Float(y)))
                for c in 0..<3 {
                    let s = min(1, max(0, v * tint[c] * 1.6 + rng.normal() * 0.02))
                    px[(y * size + x) * 3 + c] = UInt8(s * 255)
                }
            } }
            try! ImageCodec.writePNG(Image8(width: size, height: size, channels: 3, samples: px),
                                     to: textures.appendingPathComponent("tex\(t).png").path)
        }
        var config = BenchmarkConfig(textureDirectories: [textures.path])
        config.categories = 4
        config.imageSize = 64
        config.trainGood = 6
        config.testGood = 4
        config.defectsPerFamily = 1
        config.seed = 7
        let out = base.appendingPathComponent("bench")
        _ = try! BenchmarkBuilder.build(config, into: out.path)
        return out
    }()

    static func categories(_ role: String) throws -> [DatasetCategory] {
        let split = try XCTUnwrap(try BenchmarkSplit.read(root: root))
        return try DatasetLoader.load(format: .mvtec, root: root, categories: role == "auxiliary" ? split.auxiliary : split.target)
    }

    static func extractor() throws -> FeatureExtractor {
        FeatureExtractor(backbone: try TinyModels.dinov2(), spec: TinyModels.dinov2Spec(imageSize: 64))
    }
}
