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

    func testChannelSitsOutProfilesWithTooFewReferences() throws {
        var spec = TinyInspection.spec
        spec.learnedWeightShare = 0
        let plain = try TinyInspection.model(spec)
        spec.channels[2].minReferences = 2   // the mean distance
        let model = try TinyInspection.model(spec)
        let image = [TinyInspection.withDefect(TinyInspection.texture(seed: 7))]
        for k in [1, 2] {
            let refs = (0..<k).map { TinyInspection.texture(seed: UInt64($0)) }
            let profile = try model.makeProfile(references: refs)
            let w = try XCTUnwrap(profile.calibration.weights[EvidenceCalibration.all])
            XCTAssertEqual(w, k == 1 ? [1.0 / 3, 1.0 / 3, 0, 1.0 / 3] : [0.25, 0.25, 0.25, 0.25], "k = \(k)")
            // Every channel is still computed; the score is the weighted sum of the z that count.
            let r = try model.inspect(image, profile: profile)[0]
            XCTAssertEqual(r.channelZ.count, 4)
            XCTAssertEqual(r.score, zip(w, r.channelZ).reduce(0) { $0 + $1.0 * $1.1 }, accuracy: 1e-9)
            // With two references nothing changes against the recipe without the option.
            if k == 2 { XCTAssertEqual(r.score, try plain.inspect(image, profile: plain.makeProfile(references: refs))[0].score, accuracy: 1e-9) }
        }
        // Weights learned from synthetic anomalies leave it out too.
        spec.learnedWeightShare = 0.5
        let learned = try TinyInspection.model(spec).makeProfile(references: [TinyInspection.texture(seed: 0)])
        for name in [EvidenceCalibration.all, DefectFamily.global.rawValue] {
            XCTAssertEqual(try XCTUnwrap(learned.calibration.weights[name])[2], 0, name)
        }
        spec.channels = spec.channels.map { var c = $0; c.minReferences = 2; return c }
        XCTAssertThrowsError(try TinyInspection.model(spec))
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

    func testSplitDistancesScoreEachHalfAgainstTheOther() {
        // 4 x 4 grid: the left half holds e0 except patch 4 (= e1); the right half holds e1 except patch 7 (= e0).
        var rows = (0..<16).map { i -> [Float] in i % 4 < 2 ? [1, 0, 0] : [0, 1, 0] }
        rows[4] = [0, 1, 0]; rows[7] = [1, 0, 0]
        rows[13] = [0, 0, 1]   // matches nothing on the left
        let t = Tensor(shape: [16, 3], data: rows.flatMap { $0 })
        let (left, right) = try! XCTUnwrap(NearestNeighbours.halves(grid: (4, 4), topBottom: false))
        XCTAssertEqual(left, [0, 1, 4, 5, 8, 9, 12, 13])
        XCTAssertEqual(right, [2, 3, 6, 7, 10, 11, 14, 15])
        let d = NearestNeighbours.splitDistances(t, grid: (4, 4), topBottom: false)
        // Every left e0 finds patch 7, patch 4 finds the right's e1; every right patch finds its twin on the left.
        for i in left where i != 13 { XCTAssertEqual(d[i], 0, accuracy: 1e-6, "\(i)") }
        XCTAssertEqual(d[13], 1, accuracy: 1e-6)
        for i in right { XCTAssertEqual(d[i], 0, accuracy: 1e-6, "\(i)") }
        // Top/bottom: rows 0-1 against rows 2-3; patch 13 (bottom) finds no e2 on top.
        let (top, bottom) = try! XCTUnwrap(NearestNeighbours.halves(grid: (4, 4), topBottom: true))
        XCTAssertEqual(top, Array(0..<8)); XCTAssertEqual(bottom, Array(8..<16))
        XCTAssertEqual(NearestNeighbours.splitDistances(t, grid: (4, 4), topBottom: true)[13], 1, accuracy: 1e-6)
        XCTAssertNil(NearestNeighbours.halves(grid: (1, 4), topBottom: true))
    }

    func testOneReferenceProfileCalibratesHalfAgainstHalf() throws {
        var spec = TinyInspection.spec
        spec.singleReference = .halves
        spec.calibrationViews = 2
        spec.calibrationViewKind = .flips
        spec.viewsCalibrateChannels = true
        let halves = try TinyInspection.model(spec)
        spec.singleReference = nil
        let window = try TinyInspection.model(spec)
        let ref = [TinyInspection.texture(seed: 0)]
        let a = try halves.makeProfile(references: ref), b = try window.makeProfile(references: ref)
        // Two splits per image (the reference and each of its 2 views) against one window-scored sample each.
        XCTAssertEqual(a.header.normalScores.count, 2)
        XCTAssertEqual(b.header.normalScores.count, 1)
        XCTAssertEqual(a.calibration.channels[0].normalValues.count, 6)
        XCTAssertEqual(b.calibration.channels[0].normalValues.count, 3)
        // The first two samples are the reference's left/right and top/bottom splits, by definition.
        let s = try halves.features(ref)[0].at(64)
        for (i, topBottom) in [false, true].enumerated() {
            let d = NearestNeighbours.splitDistances(s.tokens(2), grid: s.grid, topBottom: topBottom)
            XCTAssertEqual(a.calibration.channels[0].normalValues[i], NearestNeighbours.topMean(d, fraction: spec.topFraction), accuracy: 1e-9)
        }
        let s32 = try halves.features(ref)[0].at(32)
        XCTAssertEqual(a.calibration.channels[3].normalValues[0],
                       FeatureStatistics.halvesDistance(s32.tokens(4), grid: s32.grid, leftRight: true), accuracy: 1e-9)
        XCTAssertNotEqual(a.calibration.channels[0].normalValues[0], b.calibration.channels[0].normalValues[0])
        // Still a working profile: defects above good parts.
        let good = (10..<14).map { TinyInspection.texture(seed: UInt64($0)) }
        let g = try halves.inspect(good, profile: a), d = try halves.inspect(good.map { TinyInspection.withDefect($0) }, profile: a)
        XCTAssertGreaterThan(d.map(\.score).min()!, g.map(\.score).max()!)
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
