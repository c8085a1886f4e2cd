import XCTest
@testable import Evaluation

final class ImageMetricsTests: XCTestCase {
    func testMatchesScikitLearnOnTiedRandomSets() throws {
        let fixtures = try loadFixture("eval_metrics", as: MetricFixtures.self)
        XCTAssertGreaterThanOrEqual(fixtures.image_sets.count, 6)
        for (n, set) in fixtures.image_sets.enumerated() {
            let m = try ImageMetrics.compute(scores: set.scores, labels: set.labels)
            assertNear(m.auroc, set.auroc, "AUROC set \(n)")
            assertNear(m.averagePrecision, set.ap, "AP set \(n)")
            assertNear(m.f1Max.value, set.f1max, "F1 set \(n)")
            XCTAssertEqual(m.f1Max.threshold, set.f1_threshold, "F1 threshold set \(n)")
            assertNear(m.f1Max.precision, set.f1_precision, "precision set \(n)")
            assertNear(m.f1Max.recall, set.f1_recall, "recall set \(n)")
            // The single-metric entry points agree with the combined sweep.
            XCTAssertEqual(try ClassificationMetrics.auroc(scores: set.scores, labels: set.labels), m.auroc)
            XCTAssertEqual(try ClassificationMetrics.averagePrecision(scores: set.scores, labels: set.labels), m.averagePrecision)
            XCTAssertEqual(try ClassificationMetrics.f1Max(scores: set.scores, labels: set.labels), m.f1Max)
        }
    }

    func testHandComputedExample() throws {
        // scikit-learn documentation example: AUROC 0.75, AP 0.8333...
        let scores = [0.1, 0.4, 0.35, 0.8]
        let labels = [false, false, true, true]
        let m = try ImageMetrics.compute(scores: scores, labels: labels)
        assertNear(m.auroc, 0.75, tol: 1e-12)
        assertNear(m.averagePrecision, (1.0 + 2.0 / 3.0) / 2.0, tol: 1e-12)
        // Thresholds 0.8 -> F1 2/3; 0.4 -> 1/2; 0.35 -> 0.8; 0.1 -> 2/3.
        assertNear(m.f1Max.value, 0.8, tol: 1e-12)
        XCTAssertEqual(m.f1Max.threshold, 0.35)
    }

    func testTiesAreOneStepAndOrderIndependent() throws {
        // A tie between a normal and an anomalous sample counts one half in AUROC.
        assertNear(try ClassificationMetrics.auroc(scores: [1, 1], labels: [true, false]), 0.5, tol: 0)
        let scores = [0.2, 0.2, 0.7, 0.7, 0.7, 0.1]
        let labels = [true, false, false, true, true, false]
        let a = try ImageMetrics.compute(scores: scores, labels: labels)
        let b = try ImageMetrics.compute(scores: scores.reversed(), labels: labels.reversed())
        XCTAssertEqual(a, b)
        // Pairs: anomalous {0.2, 0.7, 0.7} vs normal {0.2, 0.7, 0.1}: wins 1+2+2 = 5, ties 0.5*(1+1+1) = 1.5.
        assertNear(a.auroc, 6.5 / 9, tol: 1e-12)
    }

    func testDegenerateLabelSets() {
        XCTAssertThrowsError(try ClassificationMetrics.auroc(scores: [0.1, 0.2], labels: [false, false])) { error in
            XCTAssertEqual(error as? MetricError, .singleClass(metric: "AUROC", anomalous: 0, normal: 2))
        }
        XCTAssertThrowsError(try ClassificationMetrics.auroc(scores: [0.1, 0.2], labels: [true, true]))
        XCTAssertThrowsError(try ClassificationMetrics.averagePrecision(scores: [0.1], labels: [false]))
        XCTAssertThrowsError(try ClassificationMetrics.f1Max(scores: [0.1], labels: [false]))
        XCTAssertThrowsError(try ImageMetrics.compute(scores: [0.3, 0.4], labels: [true, true]))
        // All anomalous: AP and F1 are 1 (scikit-learn agrees), not an error.
        XCTAssertEqual(try ClassificationMetrics.averagePrecision(scores: [0.1, 0.5], labels: [true, true]), 1)
        XCTAssertEqual(try ClassificationMetrics.f1Max(scores: [0.1, 0.5], labels: [true, true]).value, 1)
        XCTAssertThrowsError(try ClassificationMetrics.auroc(scores: [], labels: [])) { error in
            XCTAssertEqual(error as? MetricError, .empty(metric: "AUROC"))
        }
        XCTAssertThrowsError(try ClassificationMetrics.auroc(scores: [0.1, 0.2], labels: [true])) { error in
            XCTAssertEqual(error as? MetricError, .lengthMismatch(scores: 2, labels: 1))
        }
        XCTAssertThrowsError(try ClassificationMetrics.auroc(scores: [0.1, .nan], labels: [true, false])) { error in
            XCTAssertEqual(error as? MetricError, .nanScore(index: 1, image: nil))
            XCTAssertTrue("\(error)".contains("NaN"))
        }
    }
}
