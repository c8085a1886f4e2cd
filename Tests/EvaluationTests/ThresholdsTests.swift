import Inspection
import XCTest
@testable import Evaluation

final class ThresholdsTests: XCTestCase {
    func testFalseAlarmRateThreshold() throws {
        let normals = [0.30, 0.50, 0.42, 0.10, 0.20, 0.25, 0.33, 0.28, 0.45, 0.15]
        // Rate 0: nothing may alarm -> just above the maximum.
        let zero = try Thresholds.forFalseAlarmRate(0, normalScores: normals)
        XCTAssertGreaterThan(zero.threshold, 0.50)
        XCTAssertEqual(zero.threshold, 0.50.nextUp)
        XCTAssertEqual(zero.achievedFalseAlarmRate, 0)
        // Rate 0.2 of 10: two alarms allowed (0.50, 0.45); 0.42 must not alarm.
        let twenty = try Thresholds.forFalseAlarmRate(0.2, normalScores: normals)
        XCTAssertEqual(twenty.threshold, 0.42.nextUp)
        XCTAssertEqual(twenty.achievedFalseAlarmRate, 0.2)
        XCTAssertEqual(twenty.method, .falseAlarmRate)
        XCTAssertTrue(twenty.description.contains("false-alarm rate"))
        // Rate 1: everything may alarm.
        XCTAssertEqual(try Thresholds.forFalseAlarmRate(1, normalScores: normals).threshold, 0.10)
        // Ties: with 0.5 three times, a 0.1 rate (one alarm) must exclude all three.
        let tied = try Thresholds.forFalseAlarmRate(0.1, normalScores: [0.5, 0.5, 0.5, 0.1, 0.2, 0.3, 0.1, 0.1, 0.2, 0.3])
        XCTAssertEqual(tied.threshold, 0.5.nextUp)
        XCTAssertEqual(tied.achievedFalseAlarmRate, 0)
    }

    func testFalseAlarmRateErrors() {
        XCTAssertThrowsError(try Thresholds.forFalseAlarmRate(0.1, normalScores: []))
        XCTAssertThrowsError(try Thresholds.forFalseAlarmRate(1.5, normalScores: [0.1]))
        XCTAssertThrowsError(try Thresholds.forFalseAlarmRate(0.1, normalScores: [0.1, .nan]))
    }

    func testF1OptimalThreshold() throws {
        let scores = [0.1, 0.4, 0.35, 0.8, 0.9, 0.05]
        let labels = [false, false, true, true, true, false]
        let choice = try Thresholds.f1Optimal(scores: scores, labels: labels)
        // 0.35 separates perfectly (anomalous 0.35, 0.8, 0.9 are >= it, but normal 0.4 too): F1 = 6/7;
        // 0.8 gives tp 2, fp 0: F1 = 4/5. Best is 0.35.
        XCTAssertEqual(choice.threshold, 0.35)
        assertNear(choice.f1 ?? 0, 6.0 / 7.0, tol: 1e-12)
        assertNear(choice.achievedFalseAlarmRate ?? -1, 1.0 / 3.0, tol: 1e-12)
        XCTAssertEqual(choice.method, .f1Optimal)
        // Round trip through JSON (thresholds are exported).
        let data = try JSONEncoder().encode(choice)
        XCTAssertEqual(try JSONDecoder().decode(ThresholdChoice.self, from: data), choice)
    }
}
