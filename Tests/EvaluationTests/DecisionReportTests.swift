import Foundation
import Inspection
import XCTest
@testable import Evaluation

final class DecisionReportTests: XCTestCase {
    func score(_ category: String, _ anomalous: Bool, _ s: Double, far: Double, u: Double) -> EvaluationReport.ImageScore {
        var r = EvaluationReport.ImageScore(method: "m", category: category, k: 2, seed: 0, image: "x.png", defect: anomalous ? "d" : "good",
                                            anomalous: anomalous, score: s)
        r.falseAlarmRate = far
        r.standardized = u
        return r
    }

    func testRealisedRateRecallAndTheBestThresholdAtTheSameAlarms() throws {
        let plan = FewShotPlan(datasetRoot: nil)
        var report = EvaluationReport(plan: plan, methods: ["m"], shots: [2], seeds: [0])
        // Category a: 4 good (one flagged at 5 %), 3 defects (two flagged at 5 %, one at 1 %).
        let a = [score("a", false, 0, far: 0.5, u: 0), score("a", false, 1, far: 0.3, u: 1), score("a", false, 2, far: 0.2, u: 2),
                 score("a", false, 6, far: 0.03, u: 6),
                 score("a", true, 9, far: 0.001, u: 9), score("a", true, 5, far: 0.04, u: 5), score("a", true, 3, far: 0.1, u: 3)]
        let b = [score("b", false, 0, far: 0.6, u: -1), score("b", true, 4, far: 0.2, u: 4)]
        report.add(.init(method: "m", category: "a", k: 2, seed: 0, image: nil, pixel: nil, scores: a))
        report.add(.init(method: "m", category: "b", k: 2, seed: 0, image: nil, pixel: nil, scores: b))
        let rows = report.decisionRows()
        XCTAssertEqual(rows.map(\.target), [0.01, 0.05])
        let one = rows[0], five = rows[1]
        XCTAssertEqual([one.goodImages, one.falseAlarms, one.defects, one.caught], [5, 0, 4, 1])
        XCTAssertEqual([five.falseAlarms, five.caught], [1, 2])
        XCTAssertEqual(five.categoriesAboveTwiceTarget, ["a"])          // 1 / 4 > 10 %
        // Best at 0 alarms: a flags above 6 (9) and b above 0 (4): 2; at 1 alarm in a: above 2 -> 9, 5, 3, plus b's 4.
        XCTAssertEqual(one.bestCaughtAtSameFalseAlarms, 2)
        XCTAssertEqual(five.bestCaughtAtSameFalseAlarms, 4)
        XCTAssertTrue(report.decisionMarkdown().contains("| m | 2 | 0.05 | 1 / 5 |"), report.decisionMarkdown())
        // Tails come from the good images' standardised scores.
        XCTAssertEqual(report.decisionTails(method: "m").first?.samples, [-1, 0, 1, 2, 6])

        // Applying tails recomputes the estimates from the standardised scores, and survives runs.json.
        let tail = DecisionTail(referenceCount: 2, samples: (0..<99).map { Double($0) / 10 })
        let tails = DecisionTails(backbone: "b", spec: .knn224, fittedOn: ["aux"], seeds: [0], tails: [tail])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("decisions-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try report.write(to: dir)
        let applied = try EvaluationReport.load(runs: dir.appendingPathComponent("runs.json")).applying(tails, method: "m")
        // The larger of the recorded Student-t estimate (0.03) and the tail's.
        XCTAssertEqual(applied.runs[0].scores[3].falseAlarmRate!, max(0.03, tail.exceedance(6)), accuracy: 1e-12)
        XCTAssertEqual(applied.runs[0].scores[4].falseAlarmRate!, max(0.001, tail.exceedance(9)), accuracy: 1e-12)
        XCTAssertEqual(applied.runs[0].scores[0].falseAlarmRate!, 1, accuracy: 1e-12)
        XCTAssertEqual(applied.runs[0].scores.map(\.score), report.runs[0].scores.map(\.score))
    }
}
