import Inspection
import Foundation
import XCTest
@testable import Evaluation

final class ReferenceThresholdTests: XCTestCase {
    func testLeaveOneOutCallsAndMarginRule() throws {
        let scores: [Float] = [0.1, 0.3, 0.2]
        var calls: [(Int, [Int])] = []
        let choice = try ReferenceThreshold(targetFalseAlarmRate: 0.01, margin: 0.5)
            .estimate(referenceCount: 3, score: { i, refs in calls.append((i, refs)); return scores[i] })
        XCTAssertEqual(calls.map(\.0), [0, 1, 2])
        XCTAssertEqual(calls.map(\.1), [[1, 2], [0, 2], [0, 1]])
        XCTAssertEqual(choice.method, .referenceMargin)
        // max 0.3 + 0.5 * (0.3 - 0.1)
        assertNear(choice.threshold, 0.4, tol: 1e-6)
        XCTAssertEqual(choice.achievedFalseAlarmRate, 0)
        XCTAssertEqual(choice.sampleCount, 3)
        XCTAssertTrue(choice.description.contains("leave-one-out"), choice.description)
        XCTAssertTrue(choice.description.contains("margin 0.5"), choice.description)
    }

    func testSyntheticAnomaliesCapTheThreshold() throws {
        let rule = ReferenceThreshold(targetFalseAlarmRate: 0.01, margin: 0.5)
        // Far synthetic anomalies: the midpoint (0.3 + 0.9) / 2 = 0.6 is above the margin rule's 0.4.
        let far = try rule.choose(normalScores: [0.1, 0.3, 0.2], syntheticScores: [0.9, 0.8, 1.0])
        assertNear(far.threshold, 0.4, tol: 1e-9)
        XCTAssertEqual(far.syntheticDetectionRate, 1)
        // Close ones: median 0.35, midpoint 0.325 < 0.4 caps it; 0.32 is then missed.
        let near = try rule.choose(normalScores: [0.1, 0.3, 0.2], syntheticScores: [0.32, 0.35, 0.36])
        assertNear(near.threshold, 0.325, tol: 1e-9)
        assertNear(near.syntheticDetectionRate!, 2.0 / 3.0, tol: 1e-12)
        XCTAssertEqual(near.syntheticCount, 3)
        XCTAssertTrue(near.description.contains("3 synthetic anomalies"), near.description)
        // Not separated (median below the normal maximum): reported, threshold unchanged.
        let mixed = try rule.choose(normalScores: [0.1, 0.3, 0.2], syntheticScores: [0.05, 0.2, 0.5])
        assertNear(mixed.threshold, 0.4, tol: 1e-9)
        assertNear(mixed.syntheticDetectionRate!, 1.0 / 3.0, tol: 1e-12)
    }

    func testManyReferencesUseTheEmpiricalQuantile() throws {
        let normals = (0..<200).map { Double($0) / 200 }
        let choice = try ReferenceThreshold(targetFalseAlarmRate: 0.01).choose(normalScores: normals)
        XCTAssertEqual(choice.method, .falseAlarmRate)
        XCTAssertEqual(choice, try Thresholds.forFalseAlarmRate(0.01, normalScores: normals))
        // Exactly 2 of 200 normal scores (0.995, 0.99) are flagged.
        XCTAssertEqual(normals.filter { $0 >= choice.threshold }.count, 2)
    }

    func testIdenticalScoresStillGetAMargin() throws {
        let choice = try ReferenceThreshold(margin: 1).choose(normalScores: [0.5, 0.5])
        // spread = 5% of |max|
        assertNear(choice.threshold, 0.525, tol: 1e-12)
    }

    func testOneReference() throws {
        let rule = ReferenceThreshold()
        XCTAssertThrowsError(try rule.estimate(referenceCount: 1, score: { _, _ in 0.1 })) { error in
            XCTAssertEqual(error as? ReferenceThresholdError, .oneReferenceWithoutSynthetic)
        }
        var calls: [(Int, [Int])] = []
        let choice = try rule.estimate(referenceCount: 1, score: { i, r in calls.append((i, r)); return 0.1 },
                                       synthetic: { [0.5, 0.7, 0.9] })
        XCTAssertEqual(calls.map(\.1), [[0]])
        assertNear(choice.threshold, (0.1 + 0.7) / 2, tol: 1e-7)
        XCTAssertEqual(choice.selfScored, true)
        XCTAssertEqual(choice.syntheticDetectionRate, 1)
        XCTAssertTrue(choice.description.contains("against itself"), choice.description)
    }

    func testErrors() {
        XCTAssertThrowsError(try ReferenceThreshold().estimate(referenceCount: 0, score: { _, _ in 0 })) {
            XCTAssertEqual($0 as? ReferenceThresholdError, .noReferences)
        }
        XCTAssertThrowsError(try ReferenceThreshold().choose(normalScores: [0.1, .nan])) {
            XCTAssertEqual($0 as? ReferenceThresholdError, .nonFiniteScore(what: "reference", index: 1))
        }
        XCTAssertThrowsError(try ReferenceThreshold(targetFalseAlarmRate: 1.5).choose(normalScores: [0.1]))
        XCTAssertThrowsError(try ReferenceThreshold(margin: -1).choose(normalScores: [0.1]))
    }

    func testF1OptimalAndManual() throws {
        let c = try ReferenceThreshold.f1Optimal(scores: [0.1, 0.2, 0.8, 0.9], labels: [false, false, true, true])
        XCTAssertEqual(c.method, .f1Optimal)
        XCTAssertEqual(c.f1, 1)
        XCTAssertTrue(c.threshold > 0.2 && c.threshold <= 0.8)
        let m = ReferenceThreshold.manual(0.42)
        XCTAssertEqual(m.threshold, 0.42)
        XCTAssertTrue(m.description.contains("given by the user"))
    }

    func testChoiceCodableKeepsNewFieldsAndReadsOldJSON() throws {
        let choice = try ReferenceThreshold().choose(normalScores: [0.1, 0.3], syntheticScores: [0.9])
        let data = try JSONEncoder().encode(choice)
        XCTAssertEqual(try JSONDecoder().decode(ThresholdChoice.self, from: data), choice)
        let old = #"{"threshold": 0.5, "method": "falseAlarmRate", "sampleCount": 10, "targetFalseAlarmRate": 0.1}"#
        let decoded = try JSONDecoder().decode(ThresholdChoice.self, from: Data(old.utf8))
        XCTAssertEqual(decoded.threshold, 0.5)
        XCTAssertNil(decoded.margin)
    }
}

final class ReferenceThresholdFloorTests: XCTestCase {
    func testFloorRaisesOnlyTheFewReferenceRule() throws {
        let rule = ReferenceThreshold(targetFalseAlarmRate: 0.01, margin: 0.5, floor: 3)
        let low = try rule.choose(normalScores: [0.1, 0.4, -0.2])
        XCTAssertEqual(low.threshold, 3)
        XCTAssertEqual(low.floor, 3)
        XCTAssertTrue(low.description.contains("raised to the floor 3.0"), low.description)
        let high = try rule.choose(normalScores: [5, 6, 7])
        XCTAssertEqual(high.threshold, 8, accuracy: 1e-12)       // 7 + 0.5 x (7 - 5)
        XCTAssertNil(high.floor)
        // Synthetic anomalies still cap it halfway between the normals and them.
        let capped = try rule.choose(normalScores: [0.1, 0.4, -0.2], syntheticScores: [2, 2])
        XCTAssertEqual(capped.threshold, 1.2, accuracy: 1e-12)
    }
}
