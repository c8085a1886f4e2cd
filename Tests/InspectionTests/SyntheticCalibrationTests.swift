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

    /// With one reference, a copy of it with a defect painted in is read against the reference outside each
    /// patch's window: the defect shows (above the normal sample on the patch channels) where a comparison of the
    /// copy with itself would not see a flaw that recurs, and the untouched copy stays exactly normal.
    func testOneReferenceDefectShowsAgainstItsSource() throws {
        var spec = TinyInspection.spec
        spec.syntheticPerFamily = 0
        let model = try TinyInspection.model(spec)
        let reference = TinyInspection.texture(seed: 3, width: 96, height: 96)
        // The same red square twice: each copy is the other's nearest neighbour outside the window.
        let flawed = TinyInspection.withDefect(TinyInspection.withDefect(reference, x: 8, y: 8, side: 16), x: 64, y: 64, side: 16)
        let f = try model.features([reference, flawed])
        let profile = try model.makeProfile(referenceFeatures: [f[0]], referenceViews: [[]], synthetic: [(.local, 0, f[1])],
                                            names: ["r0"], object: nil)
        // (Only the 64 px channel's 8 x 8 grid reaches outside a 5 x 5 window; at 32 px every patch is inside it.)
        for (i, c) in profile.calibration.channels.enumerated() where spec.channels[i].kind == .patchKNN && spec.channels[i].scale == 64 {
            let z = try XCTUnwrap(c.syntheticZ[DefectFamily.local.rawValue])
            XCTAssertGreaterThan(z, 1, "\(c.name): a painted defect is above the reference's own sample")
        }
        // Read against itself instead, the recurring square hides (the behaviour this replaces).
        let own = profile.references.evidence(f[1], spec: spec, comparison: .selfWindow)
        let cross = profile.references.evidence(f[1], spec: spec, comparison: .selfWindow, source: f[0])
        XCTAssertGreaterThan(cross.values[0], own.values[0])
    }

    func testCrossDistancesOfACopyAreTheOwnDistances() throws {
        let model = try TinyInspection.model()
        let s = try model.features([TinyInspection.texture(seed: 5)])[0].at(64)
        let t = s.tokens(2)
        XCTAssertEqual(NearestNeighbours.windowDistances(t, against: t, grid: s.grid), NearestNeighbours.selfDistances(t, grid: s.grid))
        XCTAssertEqual(NearestNeighbours.splitDistances(t, other: t, grid: s.grid, topBottom: true),
                       NearestNeighbours.splitDistances(t, grid: s.grid, topBottom: true))
        XCTAssertEqual(FeatureStatistics.crossHalvesDistance(t, other: t, grid: s.grid), FeatureStatistics.halvesDistance(t, grid: s.grid), accuracy: 1e-12)
    }
}
