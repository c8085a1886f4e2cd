import Foundation
import Imaging
import Inspection
import XCTest
@testable import Evaluation

/// `detect` and `eval` reach a score by the same route: the same references and images give the same scores.
final class OneInferencePathTests: XCTestCase {
    func testDetectAndEvalGiveTheSameScores() throws {
        let root = try temporaryDirectory()
        var refs: [URL] = [], images: [URL] = []
        for i in 0..<2 {
            refs.append(root.appendingPathComponent("refs/\(i).png"))
            try Pictures.write(Pictures.part(seed: UInt64(i)), refs.last!)
        }
        for i in 0..<3 {
            images.append(root.appendingPathComponent("test/\(i).png"))
            try Pictures.write(Pictures.part(seed: UInt64(10 + i), defect: i == 1), images.last!)
        }
        let model = try TinyModel.make()
        var settings = DetectSettings(references: refs.map(\.path), images: images.map(\.path),
                                      output: root.appendingPathComponent("out"))
        settings.seed = 0
        let detected = try DetectRun(model: model, settings: settings).run().entries.map { $0.score! }

        let cache = try InspectionFeatureCache(models: [model], testPaths: images, referencePaths: refs)
        let profile = try cache.profile(model: model, paths: refs.map(\.path), object: "object", seed: 0)
        let evaluated = try model.inspect(features: cache.test, profile: profile, smoothing: false).map(\.score)
        XCTAssertEqual(detected.count, 3)
        // Batches of different sizes reach BLAS, so float rounding may differ in the last digits; with
        // OpenBLAS's Haswell/Zen kernels the tiny random model's small calibration spreads magnify that to
        // ~3e-4 (generic kernels: < 1e-5). A second route to a score would differ by far more.
        for (a, b) in zip(detected, evaluated) { XCTAssertEqual(a, b, accuracy: 1e-3 * max(1, abs(a))) }
        XCTAssertGreaterThan(detected[1], max(detected[0], detected[2]))
    }
}
