import Foundation
@testable import Inspection
import TestSupport
import XCTest

/// The synthetic anomalies that weigh a profile's channels are scored as its normal samples are: against the
/// other references with k >= 2, against themselves with k = 1 (not against a bank holding their own source,
/// whose untouched patches would match exactly). So an "anomaly" that is an unaltered copy of its source reference
/// scores exactly like that reference's own normal sample.
final class SyntheticCalibrationTests: XCTestCase {
    func testUnalteredSourceScoresLikeItsNormalSample() throws {
        var spec = TinyInspection.spec
        spec.syntheticPerFamily = 0
        let model = try TinyInspection.model(spec)
        for k in [1, 2, 3] {
            let images = (0..<k).map { TinyInspection.texture(seed: UInt64(40 + $0)) }
            let features = try model.features(images)
            let src = k - 1
            let profile = try model.makeProfile(referenceFeatures: features, referenceViews: images.map { _ in [] },
                                                synthetic: [(.local, src, features[src])],
                                                names: images.indices.map { "r\($0)" }, object: nil)
            let normal = profile.header.normalScores, synthetic = profile.header.syntheticScores
            XCTAssertEqual(synthetic.count, 1)
            // k = 1: the normal samples are the reference's self-comparisons (one per comparison); their mean.
            let expected = k >= 2 ? normal[src] : normal.reduce(0, +) / Double(normal.count)
            XCTAssertEqual(synthetic[0], expected, accuracy: 1e-9, "k = \(k)")
            for c in profile.calibration.channels {
                let z = try XCTUnwrap(c.syntheticZ[DefectFamily.local.rawValue])
                XCTAssertTrue(z.isFinite)
                if k == 1 { XCTAssertGreaterThan(z, -3, "\(c.name): an unaltered copy is not far below the normal samples") }
            }
        }
    }
}
