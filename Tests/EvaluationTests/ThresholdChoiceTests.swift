import Foundation
import Inspection
import XCTest
@testable import Evaluation

final class ThresholdChoiceTests: XCTestCase {
    func testEmpiricalQuantileForManyNormals() throws {
        let normals = (0..<200).map { Double($0) / 200 }
        let choice = try Thresholds.forFalseAlarmRate(0.01, normalScores: normals)
        XCTAssertEqual(choice.method, .falseAlarmRate)
        // Exactly 2 of 200 normal scores (0.995, 0.99) are flagged.
        XCTAssertEqual(normals.filter { $0 >= choice.threshold }.count, 2)
        XCTAssertThrowsError(try Thresholds.forFalseAlarmRate(0.01, normalScores: [0.1, .nan])) {
            XCTAssertEqual($0 as? ReferenceThresholdError, .nonFiniteScore(what: "normal", index: 1))
        }
        XCTAssertThrowsError(try Thresholds.forFalseAlarmRate(2, normalScores: [0.1]))
    }

    func testF1OptimalAndManual() throws {
        let c = try Thresholds.f1Optimal(scores: [0.1, 0.2, 0.8, 0.9], labels: [false, false, true, true])
        XCTAssertEqual(c.method, .f1Optimal)
        XCTAssertEqual(c.f1, 1)
        XCTAssertTrue(c.threshold > 0.2 && c.threshold <= 0.8)
        let m = ThresholdChoice.manual(0.42)
        XCTAssertEqual(m.threshold, 0.42)
        XCTAssertTrue(m.description.contains("given by the user"))
    }

    func testCalibratedChoiceCodableAndOldJSONStillReads() throws {
        let d = DecisionCalibration(normalScores: [0, 0.5, -0.5, 1], referenceCount: 2, tail: nil, rule: DecisionRule())
        let choice = ThresholdChoice.calibrated(d)
        XCTAssertEqual(choice.method, .calibrated)
        XCTAssertEqual(choice.threshold, d.threshold)
        XCTAssertEqual(choice.sampleCount, 4)
        XCTAssertTrue(choice.description.contains("Student-t"), choice.description)
        let data = try JSONEncoder().encode(choice)
        XCTAssertEqual(try JSONDecoder().decode(ThresholdChoice.self, from: data), choice)
        // Results written by earlier releases (the margin rule) still decode.
        let old = #"{"threshold": 0.5, "method": "referenceMargin", "sampleCount": 2, "margin": 0.5, "normalMax": 0.3}"#
        let decoded = try JSONDecoder().decode(ThresholdChoice.self, from: Data(old.utf8))
        XCTAssertEqual(decoded.method, .referenceMargin)
        XCTAssertEqual(decoded.margin, 0.5)
    }
}
