import Backbones
import Foundation
import Imaging
import Inspection
import Tensor
import TestSupport
import XCTest

final class InspectionModelTests: XCTestCase {
    func testProfileRunsTheBackboneOncePerReferencePerScale() throws {
        let model = try TinyInspection.model()
        let refs = (0..<4).map { TinyInspection.texture(seed: UInt64($0)) }
        let before = model.extractor.passCount
        let profile = try model.makeProfile(references: refs)
        // 4 references + 2 synthetic anomalies (one per family), each at 2 scales.
        XCTAssertEqual(model.extractor.passCount - before, (4 + 2) * 2)
        XCTAssertEqual(profile.referenceCount, 4)
        XCTAssertEqual(profile.header.normalScores.count, 4)
        XCTAssertNotNil(profile.threshold)
        let before2 = model.extractor.passCount
        _ = try model.inspect([TinyInspection.texture(seed: 9)], profile: profile)
        XCTAssertEqual(model.extractor.passCount - before2, 2)
    }

    func testDefectScoresAboveGoodPartsAndTheMapPointsAtIt() throws {
        let model = try TinyInspection.model()
        for k in [1, 2] {
            let refs = (0..<k).map { TinyInspection.texture(seed: UInt64($0)) }
            let profile = try model.makeProfile(references: refs)
            let good = (10..<14).map { TinyInspection.texture(seed: UInt64($0)) }
            let bad = good.map { TinyInspection.withDefect($0) }
            let g = try model.inspect(good, profile: profile), b = try model.inspect(bad, profile: profile)
            XCTAssertGreaterThan(b.map(\.score).min()!, g.map(\.score).max()!, "k = \(k)")
            for r in b {
                XCTAssertEqual(r.map.width, 64); XCTAssertEqual(r.map.height, 64)
                let inside = r.map.samples[(24 + 7) * 64 + 20 + 7], outside = r.map.samples[4 * 64 + 56]
                XCTAssertGreaterThan(inside, outside, "k = \(k)")
            }
        }
    }

    func testSavedProfileInspectsIdentically() throws {
        let model = try TinyInspection.model()
        let profile = try model.makeProfile(references: (0..<2).map { TinyInspection.texture(seed: UInt64($0)) }, object: "plate")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("profile-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try profile.save(to: url)
        let loaded = try Profile.load(from: url)
        XCTAssertEqual(loaded.header, profile.header)
        let image = [TinyInspection.withDefect(TinyInspection.texture(seed: 5))]
        let a = try model.inspect(image, profile: profile)[0], b = try model.inspect(image, profile: loaded)[0]
        XCTAssertEqual(a.score, b.score, accuracy: 1e-9)
        XCTAssertEqual(a.map.samples, b.map.samples)
    }

    func testProfileOfAnotherRecipeIsRefused() throws {
        let model = try TinyInspection.model()
        let profile = try model.makeProfile(references: [TinyInspection.texture(seed: 0), TinyInspection.texture(seed: 1)])
        var other = TinyInspection.spec
        other.topFraction = 0.05
        let second = try TinyInspection.model(other)
        XCTAssertThrowsError(try second.inspect([TinyInspection.texture(seed: 3)], profile: profile)) { e in
            XCTAssertTrue("\(e)".contains("recipe"), "\(e)")
        }
    }

    func testNonSquareImagesKeepTheirAspectAndMapSize() throws {
        let model = try TinyInspection.model()
        let refs = (0..<2).map { TinyInspection.texture(seed: UInt64($0), width: 96, height: 64) }
        let features = try model.features(refs)
        XCTAssertEqual(features[0].at(64).grid.0, 8)
        XCTAssertEqual(features[0].at(64).grid.1, 12)
        let profile = try model.makeProfile(references: refs)
        let r = try model.inspect([TinyInspection.texture(seed: 7, width: 96, height: 64)], profile: profile)[0]
        XCTAssertEqual(r.map.width, 96); XCTAssertEqual(r.map.height, 64)
    }

    func testInvalidRecipeIsATypedError() throws {
        var spec = TinyInspection.spec
        spec.channels[0].layer = 9
        XCTAssertThrowsError(try TinyInspection.model(spec)) { e in
            XCTAssertEqual(e as? InspectionError, .invalidSpec("channel patch-knn@64/L9: layer 9 outside 1...4"))
        }
        spec = TinyInspection.spec
        spec.channels[0].scale = 5000
        XCTAssertThrowsError(try TinyInspection.model(spec))
    }
}

final class NearestNeighbourTests: XCTestCase {
    func testChunkedSearchMatchesBruteForce() {
        var rng = SeededRandom(seed: 3)
        let q = Tensor.randn([37, 16], using: &rng).l2Normalized(axis: -1).contiguous()
        let banks = [Tensor.randn([50, 16], using: &rng).l2Normalized(axis: -1).contiguous(),
                     Tensor.randn([23, 16], using: &rng).l2Normalized(axis: -1).contiguous()]
        let saved = NearestNeighbours.chunkRows
        NearestNeighbours.chunkRows = 7
        defer { NearestNeighbours.chunkRows = saved }
        let got = NearestNeighbours.maxSimilarity(q, banks: banks)
        let (qs, b0, b1) = (q.scalars, banks[0].scalars, banks[1].scalars)
        for i in 0..<37 {
            var best: Float = -2
            for (b, m) in [(b0, 50), (b1, 23)] {
                for j in 0..<m {
                    var s: Float = 0
                    for c in 0..<16 { s += qs[i * 16 + c] * b[j * 16 + c] }
                    best = max(best, s)
                }
            }
            XCTAssertEqual(got[i], best, accuracy: 1e-5)
        }
    }

    func testSelfDistancesSkipTheWindow() {
        // Four identical tokens far apart and distinct ones elsewhere: each identical token finds its twin.
        var rows: [[Float]] = (0..<25).map { i in (0..<5).map { $0 == i % 5 ? 1 : 0.1 * Float(i) } }
        rows[0] = [1, 0, 0, 0, 0]; rows[24] = [1, 0, 0, 0, 0]
        let t = Tensor(shape: [25, 5], data: rows.flatMap { $0 }).l2Normalized(axis: -1).contiguous()
        let d = NearestNeighbours.selfDistances(t, grid: (5, 5), radius: 1)
        XCTAssertEqual(d[0], 0, accuracy: 1e-5)
        XCTAssertEqual(d[24], 0, accuracy: 1e-5)
        XCTAssertGreaterThan(NearestNeighbours.selfDistances(t, grid: (5, 5), radius: 4)[0], 0)
    }

    func testTopMeanFollowsAnomalyDINO() {
        XCTAssertEqual(NearestNeighbours.topMean([1, 5, 3], fraction: 0.01), 5)
        let v = (0..<200).map(Float.init)
        XCTAssertEqual(NearestNeighbours.topMean(v, fraction: 0.01), 198.5)
    }
}

final class ScaleFrameTests: XCTestCase {
    func testMapToOriginalIsOneBilinearResampling() {
        // 100 x 60 image at scale 32, patch 8: resized 53 x 32, cropped to 48 x 32 (grid 4 x 6).
        let f = ScaleFrame(width: 100, height: 60, scale: 32, patchSize: 8)
        XCTAssertEqual(f.grid.0, 4); XCTAssertEqual(f.grid.1, 6)
        let grid = (0..<24).map { Float($0 % 6) }          // value = column index
        let m = f.mapToOriginal(grid)
        XCTAssertEqual(m.width, 100); XCTAssertEqual(m.height, 60)
        // Every row equals the column coordinate carried onto the grid, clamped at the crop's edges.
        let sx = 53.0 / 100.0
        for x in [0, 10, 50, 77, 99] {
            let g = min(max(((Double(x) + 0.5) * sx - Double(f.cropX)) / 8 - 0.5, 0), 5)
            XCTAssertEqual(Double(m.samples[30 * 100 + x]), g, accuracy: 1e-4)
        }
        XCTAssertEqual(m.samples[0], 0); XCTAssertEqual(m.samples[99], 5)
    }
}
