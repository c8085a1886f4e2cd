import Inspection
import Foundation
import Imaging
import Tensor
import VTFusion
import XCTest
@testable import Backbones
@testable import Evaluation

/// The real adapter (backbone + VTFusion head) on a tiny random DINOv2: shapes and wiring, not accuracy.
final class DetectorScorerTests: XCTestCase {
    func makeScorer() throws -> DetectorScorer {
        let dino = DINOv2Config(hiddenSize: 48, numHiddenLayers: 2, numAttentionHeads: 4, imageSize: 56)
        let backbone = try DINOv2(config: dino, stateDict: SyntheticWeights.stateDict(DINOv2.parameterList(dino)))
        var config = VTFusionConfig()
        config.taps = [1, 2]
        config.layerWidths = [48, 48]
        config.classTokenWidth = 48
        config.imageSize = [56, 56]
        config.patchSize = 14
        try config.validate()
        let detector = Detector(model: try VTFusionModel(config: config), text: nil)
        return DetectorScorer(backbone: backbone, detector: detector, batchSize: 2)
    }

    func testFitAndInspectShapes() throws {
        let scorer = try makeScorer()
        try scorer.fit(references: (0..<3).map { Pictures.part(seed: UInt64($0)) })
        let results = try scorer.inspect([Pictures.part(seed: 9), Pictures.part(seed: 10, defect: true), Pictures.part(seed: 11, width: 17)])
        XCTAssertEqual(results.count, 3)
        for r in results {
            XCTAssertEqual(r.anomalyMap.shape, [56, 56])
            XCTAssertTrue(r.score.isFinite)
        }
        XCTAssertNotNil(scorer.detector.references)
    }

    func testDetectRunWithTheRealAdapter() throws {
        let root = try temporaryDirectory()
        var refs: [String] = [], images: [String] = []
        for i in 0..<2 {
            let r = root.appendingPathComponent("r\(i).png"); try Pictures.write(Pictures.part(seed: UInt64(i)), r); refs.append(r.path)
            let t = root.appendingPathComponent("t\(i).png"); try Pictures.write(Pictures.part(seed: UInt64(5 + i), defect: i == 1), t); images.append(t.path)
        }
        var settings = DetectSettings(references: refs, images: images, output: root.appendingPathComponent("out"))
        settings.threshold = .references(ReferenceThreshold(), syntheticPerReference: 1)
        let results = try DetectRun(scorer: try makeScorer(), settings: settings).run()
        XCTAssertEqual(results.summary.failed, 0)
        XCTAssertNotNil(results.threshold)
        XCTAssertTrue(results.entries.allSatisfy { $0.files?.panel != nil && $0.anomalous != nil })
    }
}
