@testable import Metrics
import XCTest
@testable import Evaluation
import Imaging

final class PixelMetricsTests: XCTestCase {
    func testMatchesScikitLearnAndScipyAUPRO() throws {
        let fixtures = try loadFixture("eval_metrics", as: MetricFixtures.self)
        XCTAssertEqual(fixtures.pixel_categories.count, 3)
        for cat in fixtures.pixel_categories {
            var results: [Double: PixelMetrics] = [:]
            for limit in [0.3, 1.0, 0.05] {
                let acc = PixelMetricAccumulator(proIntegrationLimit: limit)
                for (map, mask) in zip(cat.maps, cat.masks) {
                    // All-normal images go in without a mask, the others with their 0/1 mask.
                    try acc.add(scores: map, mask: mask.contains(1) ? mask : nil, width: cat.width, height: cat.height)
                }
                XCTAssertEqual(acc.imageCount, cat.maps.count)
                results[limit] = try acc.compute()
            }
            let m = results[0.3]!
            assertNear(m.auroc, cat.auroc, "\(cat.name) pixel AUROC")
            assertNear(m.averagePrecision, cat.ap, "\(cat.name) pixel AP")
            assertNear(m.f1Max.value, cat.f1max, "\(cat.name) pixel F1")
            XCTAssertEqual(m.f1Max.threshold, cat.f1_threshold, "\(cat.name) pixel F1 threshold")
            assertNear(m.aupro, cat.aupro, "\(cat.name) AUPRO@0.3")
            assertNear(results[1.0]!.aupro, cat.aupro_limit1, "\(cat.name) AUPRO@1")
            assertNear(results[0.05]!.aupro, cat.aupro_limit005, "\(cat.name) AUPRO@0.05")
            XCTAssertEqual(m.regions, cat.regions8, "\(cat.name) 8-connected regions")
            XCTAssertEqual(m.anomalousPixels + m.normalPixels, cat.maps.count * cat.width * cat.height)
        }
    }

    func testConnectedComponentsMatchScipyCounts() throws {
        let fixtures = try loadFixture("eval_metrics", as: MetricFixtures.self)
        for cat in fixtures.pixel_categories {
            let eight = cat.masks.map { ConnectedComponents.label($0, width: cat.width, height: cat.height).count }
            let four = cat.masks.map {
                ConnectedComponents.label($0, width: cat.width, height: cat.height, connectivity: .four).count
            }
            XCTAssertEqual(eight.reduce(0, +), cat.regions8)
            XCTAssertEqual(four.reduce(0, +), cat.regions4)
        }
        // Diagonal neighbours join under 8-connectivity only; sizes and raster numbering.
        let mask: [UInt8] = [1, 0, 0,
                             0, 1, 0,
                             0, 0, 0,
                             1, 1, 0]
        let l8 = ConnectedComponents.label(mask, width: 3, height: 4)
        XCTAssertEqual(l8.sizes, [2, 2])
        XCTAssertEqual(l8.labels, [1, 0, 0, 0, 1, 0, 0, 0, 0, 2, 2, 0])
        XCTAssertEqual(ConnectedComponents.label(mask, width: 3, height: 4, connectivity: .four).sizes, [1, 1, 2])
    }

    func testPerfectAndInvertedMaps() throws {
        // One 2x2 region in a 4x4 image. Scores equal to the mask: every metric is 1.
        let mask: [UInt8] = [0, 0, 0, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 0, 0, 0]
        let perfect = PixelMetricAccumulator()
        try perfect.add(scores: mask.map { Float($0) / 255 }, mask: mask, width: 4, height: 4)
        let p = try perfect.compute()
        XCTAssertEqual(p.auroc, 1)
        XCTAssertEqual(p.averagePrecision, 1)
        XCTAssertEqual(p.aupro, 1)
        XCTAssertEqual(p.f1Max.value, 1)
        XCTAssertEqual(p.f1Max.threshold, 1)
        // Inverted: the region scores lowest. FPR reaches 1 before any region pixel counts: AUPRO 0.
        let inverted = PixelMetricAccumulator()
        try inverted.add(scores: mask.map { $0 == 0 ? 1 : 0 }, mask: mask, width: 4, height: 4)
        let q = try inverted.compute()
        XCTAssertEqual(q.auroc, 0)
        XCTAssertEqual(q.aupro, 0)
        // Constant map: one tied step from (0,0) to (1,1): AUROC 0.5; AUPRO integrates y = x up to 0.3 -> 0.15.
        let constant = PixelMetricAccumulator()
        try constant.add(scores: [Float](repeating: 0.5, count: 16), mask: mask, width: 4, height: 4)
        let c = try constant.compute()
        assertNear(c.auroc, 0.5, tol: 1e-15)
        assertNear(c.aupro, 0.15, tol: 1e-15)
    }

    func testStreamingAgreesWithImageLevelSortOnLargeRandomSet() throws {
        // 40 maps of 64x64 with ties, negative scores and signed zeros: the radix-sorted stream must equal
        // the independent sort-based sweep over the same (score, label) pairs.
        var rng = TestRandom(state: 11)
        let acc = PixelMetricAccumulator()
        var allScores: [Double] = []
        var allLabels: [Bool] = []
        for _ in 0..<40 {
            var scores = [Float](repeating: 0, count: 64 * 64)
            var mask = [UInt8](repeating: 0, count: 64 * 64)
            let (cx, cy) = (Int(rng.next() % 64), Int(rng.next() % 64))
            for y in 0..<64 {
                for x in 0..<64 {
                    let inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) < 40
                    mask[y * 64 + x] = inside ? 1 : 0
                    var s = Float((rng.uniform() * 2 - 1 + (inside ? 0.6 : 0)) * 50).rounded() / 50
                    if s == 0 && rng.next() % 2 == 0 { s = -0.0 }
                    scores[y * 64 + x] = s
                }
            }
            try acc.add(scores: scores, mask: mask, width: 64, height: 64)
            allScores += scores.map(Double.init)
            allLabels += mask.map { $0 != 0 }
        }
        let stream = try acc.compute()
        let reference = try ImageMetrics.compute(scores: allScores, labels: allLabels)
        assertNear(stream.auroc, reference.auroc, tol: 1e-12)
        assertNear(stream.averagePrecision, reference.averagePrecision, tol: 1e-12)
        XCTAssertEqual(stream.f1Max.threshold, reference.f1Max.threshold)
        assertNear(stream.f1Max.value, reference.f1Max.value, tol: 1e-12)
        // Adding more after compute() still works (the stored keys were only reordered).
        try acc.add(scores: [Float](repeating: 5, count: 4), mask: [1, 1, 1, 1], width: 2, height: 2)
        XCTAssertEqual(try acc.compute().regions, stream.regions + 1)
        XCTAssertLessThanOrEqual(acc.storedBytes, 2 * (4 * stream.normalPixels + 8 * (stream.anomalousPixels + 4)))
    }

    func testRadixSortMatchesStandardSort() {
        var rng = TestRandom(state: 3)
        var keys = (0..<5000).map { i -> UInt32 in i % 7 == 0 ? UInt32(i % 13) : UInt32(truncatingIfNeeded: rng.next()) }
        let expected = keys.sorted()
        keys.withUnsafeMutableBufferPointer { InPlaceRadixSort.sort($0) }
        XCTAssertEqual(keys, expected)
        var wide = (0..<3000).map { _ in rng.next() & 0xFFFF_00FF_0000_FFFF }
        let expectedHigh = wide.map { $0 >> 32 }.sorted()
        let multiset = wide.sorted()
        wide.withUnsafeMutableBufferPointer { InPlaceRadixSort.sortByHighWord($0) }
        XCTAssertEqual(wide.map { $0 >> 32 }, expectedHigh)
        XCTAssertEqual(wide.sorted(), multiset, "payload bits travel with their keys")
        // Score keys order floats, including infinities, and fold the two zeros together.
        let floats: [Float] = [-.infinity, -3, -1e-30, -0.0, 0, 1e-30, 2, .infinity]
        let k = floats.map(OrderedScoreKey.key)
        XCTAssertEqual(k, k.sorted())
        XCTAssertEqual(k[3], k[4])
        XCTAssertEqual(Set(k).count, floats.count - 1)
        XCTAssertEqual(floats.map { OrderedScoreKey.value(OrderedScoreKey.key($0)) }.map { $0 == 0 ? 0 : $0 },
                       floats.map { $0 == 0 ? 0 : $0 })
    }

    func testPixelErrors() throws {
        let acc = PixelMetricAccumulator()
        XCTAssertThrowsError(try acc.compute()) { XCTAssertEqual($0 as? MetricError, .empty(metric: "pixel metrics")) }
        XCTAssertThrowsError(try acc.add(scores: [0, 1, 2], mask: [0, 1, 0, 0], width: 2, height: 2)) {
            XCTAssertEqual($0 as? MetricError, .mapSizeMismatch(expected: 4, scores: 3, mask: 4))
        }
        XCTAssertThrowsError(try acc.add(scores: [0, .nan, 2, 3], mask: nil, width: 2, height: 2)) {
            XCTAssertEqual($0 as? MetricError, .nanScore(index: 1, image: 0))
        }
        XCTAssertEqual(acc.pixelCount, 0, "a rejected image leaves nothing behind")
        try acc.add(scores: [0, 1, 2, 3], mask: nil, width: 2, height: 2)
        XCTAssertThrowsError(try acc.compute()) {
            XCTAssertEqual($0 as? MetricError, .singleClass(metric: "pixel metrics", anomalous: 0, normal: 4))
        }
        // Float masks: > 0.5 is anomalous.
        try acc.add(scores: [0, 1, 2, 3], mask: [0, 0.4, 0.6, 1], width: 2, height: 2)
        let m = try acc.compute()
        XCTAssertEqual(m.anomalousPixels, 2)
        XCTAssertEqual(m.regions, 1)
    }
}
