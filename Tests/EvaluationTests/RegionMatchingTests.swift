import Foundation
import Imaging
import Inspection
import XCTest
@testable import Evaluation

final class RegionMatchingTests: XCTestCase {
    /// A 12 x 8 map with two hot blobs (one on the defect, one beside it) and one 1-pixel speck.
    func scene() -> (map: [Float], mask: [UInt8], w: Int, h: Int) {
        let (w, h) = (12, 8)
        var map = [Float](repeating: 0, count: w * h), mask = [UInt8](repeating: 0, count: w * h)
        for y in 1...3 { for x in 1...3 { map[y * w + x] = 2 } }          // blob A, 9 px
        for y in 5...6 { for x in 8...10 { map[y * w + x] = 3 } }         // blob B, 6 px
        map[0 * w + 11] = 5                                                // speck, 1 px
        for y in 2...4 { for x in 2...4 { mask[y * w + x] = 255 } }       // defect 1 overlaps A
        mask[7 * w + 0] = 1                                                // defect 2, nowhere near a region
        return (map, mask, w, h)
    }

    func testPeakFractionKeepsOnlyTheRegionsNearTheImagesPeak() {
        var s = scene()
        for y in 1...3 { for x in 1...3 { s.map[y * s.w + x] = 9 } }     // blob A (on the defect) is now the strongest
        // level 1, peak 9: fraction 0.5 keeps parts whose peak reaches 5: A only (B peaks at 3; the speck at 5 is
        // under minArea and its peak does not count against the floor more than A's).
        let all = RegionCounts.image(map: s.map, mask: s.mask, width: s.w, height: s.h, level: 1, minArea: 2, flagged: true)
        let near = RegionCounts.image(map: s.map, mask: s.mask, width: s.w, height: s.h, level: 1, peakFraction: 0.5, minArea: 2, flagged: true)
        XCTAssertEqual([all.predicted, all.predictedOnDefect], [2, 1])
        XCTAssertEqual([near.predicted, near.predictedOnDefect], [1, 1])
        XCTAssertEqual(near.groundTruthFound, all.groundTruthFound)
        // Fraction 0 is every part above the level; the regions `inspect` draws follow the same rule.
        XCTAssertEqual(RegionCounts.image(map: s.map, mask: s.mask, width: s.w, height: s.h, level: 1, peakFraction: 0, minArea: 2, flagged: true), all)
        let image = Image(width: s.w, height: s.h, channels: 1, samples: s.map)
        XCTAssertEqual(DefectRegions.find(in: image, level: 1, minArea: 2).count, 2)
        let kept = DefectRegions.find(in: image, level: 1, minArea: 2, peakFraction: 0.5)
        XCTAssertEqual(kept.map(\.peak), [9])
        XCTAssertEqual([kept[0].x, kept[0].y, kept[0].width, kept[0].height], [1, 1, 3, 3])
    }

    func testRegionsOnAndOffDefectsAndFoundTruth() {
        let s = scene()
        let c = RegionCounts.image(map: s.map, mask: s.mask, width: s.w, height: s.h, level: 1, minArea: 2, flagged: true)
        XCTAssertEqual(c.predicted, 2)              // A and B; the speck is under minArea
        XCTAssertEqual(c.predictedOnDefect, 1)      // A
        XCTAssertEqual(c.groundTruth, 2)
        XCTAssertEqual(c.groundTruthFound, 1)       // defect 1
        XCTAssertEqual(c.predictedOnGoodImages, 0)
        XCTAssertEqual(c.recall, 0.5); XCTAssertEqual(c.precision, 0.5)
        // With minArea 1 the speck counts as a third, false region; a higher level leaves only B.
        XCTAssertEqual(RegionCounts.image(map: s.map, mask: s.mask, width: s.w, height: s.h, level: 1, minArea: 1, flagged: true).predicted, 3)
        let high = RegionCounts.image(map: s.map, mask: s.mask, width: s.w, height: s.h, level: 2.5, minArea: 2, flagged: true)
        XCTAssertEqual([high.predicted, high.predictedOnDefect, high.groundTruthFound], [1, 0, 0])
        // Not flagged: nothing predicted, nothing found, the truth still counted.
        let passed = RegionCounts.image(map: s.map, mask: s.mask, width: s.w, height: s.h, level: 1, minArea: 2, flagged: false)
        XCTAssertEqual([passed.predicted, passed.groundTruth, passed.groundTruthFound], [0, 2, 0])
        // A good image: every region is false.
        let good = RegionCounts.image(map: s.map, mask: nil, width: s.w, height: s.h, level: 1, minArea: 2, flagged: true)
        XCTAssertEqual([good.predicted, good.predictedOnDefect, good.predictedOnGoodImages, good.groundTruth], [2, 0, 2, 0])
    }

    func testDecisionRowsCountRegionsOnlyOnFlaggedImages() {
        let s = scene()
        let counts = RegionCounts.image(map: s.map, mask: s.mask, width: s.w, height: s.h, level: 1, minArea: 2, flagged: true)
        func image(_ far: Double, _ anomalous: Bool) -> EvaluationReport.ImageScore {
            var r = EvaluationReport.ImageScore(method: "m", category: "a", k: 1, seed: 0, image: "x.png", defect: anomalous ? "d" : "good",
                                                anomalous: anomalous, score: 1 / far)
            r.falseAlarmRate = far
            r.regions = anomalous ? counts : RegionCounts.image(map: s.map, mask: nil, width: s.w, height: s.h, level: 1, minArea: 2, flagged: true)
            return r
        }
        var report = EvaluationReport(plan: FewShotPlan(datasetRoot: nil), methods: ["m"], shots: [1], seeds: [0])
        // One defect flagged at both targets, one only at 5 %, a good image flagged only at 5 %.
        report.add(.init(method: "m", category: "a", k: 1, seed: 0, image: nil, pixel: nil,
                         scores: [image(0.001, true), image(0.03, true), image(0.04, false), image(0.5, false)]))
        let rows = report.decisionRows()
        XCTAssertEqual(rows[0].regions, RegionCounts.image(map: s.map, mask: s.mask, width: s.w, height: s.h, level: 1, minArea: 2, flagged: true)
                       + RegionCounts.image(map: s.map, mask: s.mask, width: s.w, height: s.h, level: 1, minArea: 2, flagged: false))
        XCTAssertEqual(rows[0].regions?.groundTruth, 4)
        XCTAssertEqual(rows[0].regions?.groundTruthFound, 1)
        XCTAssertEqual(rows[1].regions?.groundTruthFound, 2)
        XCTAssertEqual(rows[1].regions?.predicted, 6)                   // 2 + 2 on defects, 2 on the flagged good image
        XCTAssertEqual(rows[1].regions?.predictedOnGoodImages, 2)
        XCTAssertTrue(report.decisionMarkdown().contains("| 1 / 4 (0.250) |"), report.decisionMarkdown())
    }
}
