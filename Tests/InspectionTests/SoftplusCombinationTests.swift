import Foundation
@testable import Inspection
import TestSupport
import XCTest

/// ``EvidenceSpec/softplusFromReferences``: from that many references each channel's z enters the weighted sum
/// as log(1 + e^z), so a channel on which the image looks more normal than the references cannot cancel another
/// channel's evidence; below it the sum takes plain z.
final class SoftplusCombinationTests: XCTestCase {
    static func softplus(_ x: Double) -> Double { log(1 + exp(x)) }

    func testScoreIsTheWeightedSumOfSoftplusFromTwoReferences() throws {
        var spec = TinyInspection.spec
        spec.softplusFromReferences = 2
        let model = try TinyInspection.model(spec)
        let defect = TinyInspection.withDefect(TinyInspection.texture(seed: 9))

        let two = try model.makeProfile(references: (0..<2).map { TinyInspection.texture(seed: UInt64($0)) })
        XCTAssertEqual(two.calibration.softplus, true)
        let w = try XCTUnwrap(two.calibration.weights[EvidenceCalibration.all])
        for r in try model.inspect([defect, TinyInspection.texture(seed: 11)], profile: two) {
            XCTAssertEqual(r.score, zip(w, r.channelZ).reduce(0) { $0 + $1.0 * Self.softplus($1.1) }, accuracy: 1e-9)
            for (family, s) in r.familyScores {
                let fw = try XCTUnwrap(two.calibration.weights[family])
                XCTAssertEqual(s, zip(fw, r.channelZ).reduce(0) { $0 + $1.0 * Self.softplus($1.1) }, accuracy: 1e-9)
            }
        }
        // The decision's normal scores are on the same scale as the inspections' (softplus > 0, so > 0).
        XCTAssertTrue(two.header.normalScores.allSatisfy { $0 > 0 })

        // One reference: plain z.
        let one = try model.makeProfile(references: [TinyInspection.texture(seed: 0)])
        XCTAssertNotEqual(one.calibration.softplus, true)
        let w1 = try XCTUnwrap(one.calibration.weights[EvidenceCalibration.all])
        let r1 = try model.inspect([defect], profile: one)[0]
        XCTAssertEqual(r1.score, zip(w1, r1.channelZ).reduce(0) { $0 + $1.0 * $1.1 }, accuracy: 1e-9)
    }

    func testSoftplusOrdersLikeTheSumWithoutCancelling() {
        var c = EvidenceCalibration(channels: [], weights: [EvidenceCalibration.all: [0.5, 0.5]])
        c.softplus = true
        // A strong anomaly on one channel is not cancelled by a very normal other channel.
        let flaw = c.score(z: [6, -8]).score, normal = c.score(z: [0.5, 0.5]).score
        XCTAssertGreaterThan(flaw, normal)
        c.softplus = nil
        XCTAssertLessThan(c.score(z: [6, -8]).score, c.score(z: [0.5, 0.5]).score)
        // No overflow far out.
        c.softplus = true
        XCTAssertEqual(c.score(z: [1000, -1000]).score, 500, accuracy: 1e-9)
        XCTAssertEqual(c.score(z: [-1000, -1000]).score, 0, accuracy: 1e-12)
    }

    func testOutOfRangeIsRefused() throws {
        var spec = TinyInspection.spec
        spec.softplusFromReferences = 0
        XCTAssertThrowsError(try TinyInspection.model(spec)) { XCTAssertTrue("\($0)".contains("softplus_from_references"), "\($0)") }
        XCTAssertEqual(EvidenceSpec.standard.softplusFromReferences, 2)
    }
}
