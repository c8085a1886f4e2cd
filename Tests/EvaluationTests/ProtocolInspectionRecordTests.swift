import Foundation
import Inspection
import XCTest
import VTFusion
@testable import Evaluation
import TestSupport

/// What `eval` records per image for an inspection model, beside its score: the channel z the score is the
/// weighted sum of, the profile's channel calibration, and region counts against the masks.
final class ProtocolInspectionRecordTests: XCTestCase {
    func testInspectionRunsRecordChannelZCalibrationAndRegions() throws {
        let model = try TinyModel.make()
        let targets = try TinyBenchmark.categories("target")
        var options = ProtocolOptions()
        options.shots = [2]
        options.seeds = [0]
        options.datasetRoot = TinyBenchmark.root
        let extractor = FeatureExtractor(backbone: model.backbone, spec: TinyModels.dinov2Spec(imageSize: 64))
        let report = try ProtocolRunner(extractor: extractor, methods: [EvaluationMethod(name: "tiny", kind: .inspection(model))],
                                        options: options).run(categories: targets)
        XCTAssertEqual(report.runs.count, targets.count)
        for run in report.runs {
            let cal = try XCTUnwrap(run.calibration)
            XCTAssertEqual(cal.channels.count, model.spec.channels.count)
            XCTAssertTrue(cal.channels.allSatisfy { $0.normalValues.count == 2 })       // leave-one-out of k = 2
            let combined = try XCTUnwrap(cal.weights[EvidenceCalibration.all])
            for s in run.scores {
                let z = try XCTUnwrap(s.channelZ)
                XCTAssertEqual(z.count, model.spec.channels.count)
                // The recorded score is the calibration's weighted sum of the recorded z.
                XCTAssertEqual(s.score, zip(combined, z).reduce(0) { $0 + $1.0 * $1.1 }, accuracy: 1e-4 * max(1, abs(s.score)))
                let regions = try XCTUnwrap(s.regions, "\(s.image)")
                if s.anomalous { XCTAssertGreaterThan(regions.groundTruth, 0, "\(s.image)") } else {
                    XCTAssertEqual(regions.groundTruth, 0)
                    XCTAssertEqual(regions.predictedOnGoodImages, regions.predicted)
                }
                XCTAssertLessThanOrEqual(regions.groundTruthFound, regions.groundTruth)
                XCTAssertLessThanOrEqual(regions.predictedOnDefect, regions.predicted)
            }
        }
        // The decision rows carry the pooled region counts.
        let rows = report.decisionRows()
        XCTAssertFalse(rows.isEmpty)
        XCTAssertTrue(rows.allSatisfy { $0.regions != nil })
    }
}
