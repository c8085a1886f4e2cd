import Backbones
import Foundation
import Imaging
@testable import Inspection
import Tensor
import TestSupport
import XCTest

final class ForegroundMaskTests: XCTestCase {
    /// A `side x side` mask keeping the block `[lo, hi)` in both directions.
    func block(_ side: Int, _ lo: Int, _ hi: Int) -> [Bool] {
        (0..<(side * side)).map { i in (lo..<hi).contains(i / side) && (lo..<hi).contains(i % side) }
    }

    func testLooksLikeObjectTellsAnObjectFromASurface() {
        XCTAssertTrue(ForegroundMask.looksLikeObject(block(16, 3, 13), grid: (16, 16)))
        // Half the grid (a surface split by its first component) reaches the border.
        let half = (0..<256).map { $0 % 16 < 8 }
        XCTAssertFalse(ForegroundMask.looksLikeObject(half, grid: (16, 16)))
        // Stripes and everything-kept are surfaces too; so is a centre too small to be the object.
        XCTAssertFalse(ForegroundMask.looksLikeObject((0..<256).map { ($0 / 16) % 4 < 2 }, grid: (16, 16)))
        XCTAssertFalse(ForegroundMask.looksLikeObject([Bool](repeating: true, count: 256), grid: (16, 16)))
        XCTAssertFalse(ForegroundMask.looksLikeObject(block(16, 7, 9), grid: (16, 16)))
        // Too small a grid to tell, or a mask of the wrong size.
        XCTAssertFalse(ForegroundMask.looksLikeObject(block(3, 1, 2), grid: (3, 3)))
        XCTAssertFalse(ForegroundMask.looksLikeObject(block(16, 3, 13), grid: (8, 8)))
    }

    /// Unit tokens: `a` on the block, `b` elsewhere, with a little seeded noise.
    func tokens(side: Int, object: [Bool], seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        let c = 8
        var data = [Float]()
        for i in 0..<(side * side) {
            var v = (0..<c).map { j in (object[i] ? (j < 4 ? 1 : 0) : (j < 4 ? 0 : 1)) + rng.uniform(-0.1, 0.1) }
            let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            v = v.map { $0 / n }
            data += v
        }
        return Tensor(shape: [side * side, c], data: data)
    }

    func testMaskFindsTheObjectAndKeepsItsRows() throws {
        let object = block(16, 4, 12)
        let t = tokens(side: 16, object: object, seed: 1)
        let mask = try XCTUnwrap(ForegroundMask.estimate(t, grid: (16, 16)))
        // The object (flipped to it because it holds the centre), dilated by one patch.
        XCTAssertEqual(mask, block(16, 3, 13))
        XCTAssertTrue(ForegroundMask.looksLikeObject(mask, grid: (16, 16)))
        XCTAssertEqual(ForegroundMask.rows(t, mask: mask).shape, [100, 8])
        XCTAssertEqual(ForegroundMask.rows(t, mask: nil).shape, [256, 8])
        XCTAssertEqual(ForegroundMask.rows(t, mask: block(16, 0, 1)).shape, [256, 8], "fewer than 4 rows: all rows")
        // Feature statistics of the two halves read the foreground only: no background in either.
        let halves = FeatureStatistics.halves(t, grid: (16, 16), mask: mask)
        XCTAssertEqual(halves.count, 2)
        for h in halves { XCTAssertGreaterThan(h.mean.scalars[0], h.mean.scalars[4]) }
    }

    func testDihedralViewsAreTheSquaresOtherSymmetries() throws {
        var spec = TinyInspection.spec
        spec.views = .dihedral
        let model = try TinyInspection.model(spec)
        let (w, h) = (6, 4)
        let image = Image8(width: w, height: h, channels: 1, samples: (0..<(w * h)).map { UInt8($0) })
        let views = model.referenceViews(image)
        XCTAssertEqual(views.count, 7)
        let all = [image] + views
        XCTAssertEqual(Set(all.map(\.samples)).count, 8, "an asymmetric image has 8 distinct symmetric views")
        let mirror = views[3]
        for y in 0..<h { for x in 0..<w { XCTAssertEqual(mirror.samples[y * w + x], image.samples[y * w + (w - 1 - x)]) } }
        XCTAssertEqual(views[1].samples, image.samples.reversed(), "180 degrees")
        XCTAssertEqual(views[0].width, h); XCTAssertEqual(views[0].height, w)
        // Each reference's bank holds its own tokens and those of its 7 views (no token-grid copies).
        let refs = [TinyInspection.texture(seed: 0), TinyInspection.texture(seed: 1)]
        let profile = try model.makeProfile(references: refs)
        let bank = try XCTUnwrap(profile.references.banks[ReferenceSet.key(64, 2)])
        XCTAssertEqual(bank[0].shape[0], 8 * 64)
    }

    /// A striped square object (`side` px, placed with a little seeded jitter) on a plain, lightly noisy
    /// 128 px background.
    func objectImage(seed: UInt64, side: Int = 64) -> Image8 {
        let texture = TinyInspection.texture(seed: seed, width: 128, height: 128)
        var rng = SeededRandom(seed: seed &+ 100)
        var image = Image8(width: 128, height: 128, channels: 3,
                           samples: (0..<(128 * 128 * 3)).map { _ in UInt8(40 + rng.uniform(-4, 4)) })
        let lo = 64 - side / 2 + Int(rng.uniform(-4, 4))
        for y in lo..<(lo + side) {
            for x in lo..<(lo + side) { for c in 0..<3 { image.samples[(y * 128 + x) * 3 + c] = texture.samples[(y * 128 + x) * 3 + c] } }
        }
        return image
    }

    func testObjectProfilesScoreTheForegroundAndSurfaceProfilesDoNot() throws {
        var spec = EvidenceSpec(channels: [
            EvidenceChannel(.patchKNN, scale: 128, layer: 2, family: .local),
            EvidenceChannel(.meanKNN, scale: 64, layer: 4, family: .global),
            EvidenceChannel(.featureStats, scale: 64, layer: 4, family: .global),
        ], syntheticPerFamily: 1)
        spec.foregroundMask = true
        spec.maskObjectsOnly = true
        let model = try TinyInspection.model(spec)
        let objects = try model.makeProfile(references: (0..<2).map { objectImage(seed: UInt64($0)) })
        XCTAssertEqual(objects.header.foregroundMasked, true)
        XCTAssertTrue(objects.references.masked)
        let surfaces = try model.makeProfile(references: (0..<2).map { TinyInspection.texture(seed: UInt64($0), width: 128, height: 128) })
        XCTAssertEqual(surfaces.header.foregroundMasked, false)
        // Masked: every channel finite, a defect on the object still scores above a good part, and the
        // decision survives a save and load.
        let good = try model.inspect([objectImage(seed: 7)], profile: objects)[0]
        let bad = try model.inspect([TinyInspection.withDefect(objectImage(seed: 7), x: 56, y: 56, side: 16)], profile: objects)[0]
        XCTAssertTrue(good.channelValues.allSatisfy(\.isFinite))
        XCTAssertGreaterThan(bad.score, good.score)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("masked-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try objects.save(to: url)
        let loaded = try Profile.load(from: url)
        XCTAssertTrue(loaded.references.masked)
        XCTAssertEqual(try model.inspect([objectImage(seed: 7)], profile: loaded)[0].score, good.score, accuracy: 1e-9)
        // Always-mask (the flag alone) masks surfaces too.
        spec.maskObjectsOnly = nil
        let always = try TinyInspection.model(spec).makeProfile(references: [TinyInspection.texture(seed: 0, width: 128, height: 128)])
        XCTAssertEqual(always.header.foregroundMasked, true)
    }

    func testChannelSitsOutObjectProfilesOnly() throws {
        var spec = EvidenceSpec(channels: [
            EvidenceChannel(.patchKNN, scale: 128, layer: 2, family: .local),
            EvidenceChannel(.meanKNN, scale: 64, layer: 4, family: .global, onObjects: false),
            EvidenceChannel(.featureStats, scale: 64, layer: 4, family: .global),
        ], syntheticPerFamily: 0, learnedWeightShare: 0)
        spec.foregroundMask = true
        spec.maskObjectsOnly = true
        let model = try TinyInspection.model(spec)
        let objects = try model.makeProfile(references: (0..<2).map { objectImage(seed: UInt64($0)) })
        XCTAssertTrue(objects.references.masked)
        XCTAssertEqual(objects.calibration.weights[EvidenceCalibration.all], [0.5, 0, 0.5])
        // Still computed and recorded; the score is the weighted sum of the channels that count.
        let r = try model.inspect([TinyInspection.withDefect(objectImage(seed: 7), x: 56, y: 56, side: 16)], profile: objects)[0]
        XCTAssertEqual(r.channelZ.count, 3)
        XCTAssertTrue(r.channelZ[1].isFinite)
        XCTAssertEqual(r.score, 0.5 * r.channelZ[0] + 0.5 * r.channelZ[2], accuracy: 1e-9)
        // Surfaces keep it.
        let surfaces = try model.makeProfile(references: (0..<2).map { TinyInspection.texture(seed: UInt64($0), width: 128, height: 128) })
        XCTAssertFalse(surfaces.references.masked)
        let w = try XCTUnwrap(surfaces.calibration.weights[EvidenceCalibration.all])
        XCTAssertEqual(w, [1.0 / 3, 1.0 / 3, 1.0 / 3])
        // A recipe whose every channel sits out one-reference object profiles is refused.
        spec.channels = spec.channels.map { var c = $0; c.onObjects = false; return c }
        XCTAssertThrowsError(try TinyInspection.model(spec))
    }
}
