import Foundation
import Imaging
@testable import Inspection
import TestSupport
import XCTest

final class DecisionCalibrationTests: XCTestCase {
    func testStudentTMatchesClosedForms() {
        for t in [-3.0, -0.5, 0, 0.7, 2, 10] {
            // nu = 1 (Cauchy): 1/2 - atan(t)/pi; nu = 2: 1/2 - t / (2 sqrt(2 + t^2)).
            XCTAssertEqual(StudentT.survival(t, degreesOfFreedom: 1), 0.5 - atan(t) / .pi, accuracy: 1e-10)
            XCTAssertEqual(StudentT.survival(t, degreesOfFreedom: 2), 0.5 - t / (2 * (2 + t * t).squareRoot()), accuracy: 1e-10)
        }
        // Large nu approaches the normal tail: P(Z >= 2) = 0.0227501.
        XCTAssertEqual(StudentT.survival(2, degreesOfFreedom: 1e6), 0.0227501, accuracy: 1e-5)
    }

    func testTailIsConformalInsideAndExponentialBeyond() {
        let tail = DecisionTail(referenceCount: 2, samples: (0..<99).map { Double($0) / 10 })  // 0.0 ... 9.8
        XCTAssertEqual(tail.exceedance(-1), 1)                         // (1 + 99) / 100
        XCTAssertEqual(tail.exceedance(5.0), Double(1 + 49) / 100, accuracy: 1e-12)
        var last = 1.0
        for u in stride(from: -2.0, through: 20, by: 0.25) {
            let p = tail.exceedance(u)
            XCTAssertLessThanOrEqual(p, last + 1e-12, "not monotone at \(u)")
            last = p
        }
        XCTAssertLessThan(tail.exceedance(12), 0.01)                   // extrapolated below 1 / (n + 1)
        XCTAssertGreaterThan(tail.exceedance(12), 0)
    }

    func testCategoryTailIsTheWorstCategorysAndSurvivesCoding() throws {
        // A narrow category (0 ... 1.9) and a wide one (0 ... 9.5): pooled, the wide one's top is diluted.
        let narrow = (0..<20).map { Double($0) / 10 }, wide = (0..<20).map { Double($0) / 2 }
        let pooled = DecisionTail(referenceCount: 1, samples: narrow + wide)
        let worst = DecisionTail(referenceCount: 1, samplesByCategory: [narrow, wide, [100]])  // 1 sample: too few for its own tail
        XCTAssertEqual(worst.samples, pooled.samples + [100])
        XCTAssertEqual(worst.categories?.count, 2)
        for u in stride(from: -1.0, through: 15, by: 0.5) {
            let p = worst.exceedance(u)
            XCTAssertEqual(p, max(DecisionTail.exceedance(u, sorted: worst.samples), DecisionTail.exceedance(u, sorted: narrow),
                                  DecisionTail.exceedance(u, sorted: wide)), accuracy: 1e-15)
            XCTAssertGreaterThanOrEqual(p, DecisionTail.exceedance(u, sorted: worst.samples))
        }
        // At u = 7 the wide category's own tail says 7 in 21 (6 of its 20 samples reach 7), the pooled tail 7 in 41.
        XCTAssertEqual(worst.exceedance(7), 7.0 / 21, accuracy: 1e-12)
        XCTAssertEqual(pooled.exceedance(7), 7.0 / 41, accuracy: 1e-12)
        // The threshold at a 1 % target sits higher with the worst category's tail.
        let normals = [-0.4, 0.1, 0.3]
        let a = DecisionCalibration(normalScores: normals, referenceCount: 1, tail: pooled, rule: DecisionRule())
        let b = DecisionCalibration(normalScores: normals, referenceCount: 1, tail: worst, rule: DecisionRule())
        XCTAssertGreaterThan(b.threshold, a.threshold)
        let decoded = try JSONDecoder().decode(DecisionTail.self, from: JSONEncoder().encode(worst))
        XCTAssertEqual(decoded, worst)
        // A file written before categories were kept still reads, as a pooled tail.
        let old = try JSONDecoder().decode(DecisionTail.self, from: Data(#"{"referenceCount":2,"samples":[0,1,2]}"#.utf8))
        XCTAssertNil(old.categories)
        XCTAssertEqual(old.exceedance(1), DecisionTail.exceedance(1, sorted: [0, 1, 2]))
    }

    func testThresholdHitsTheRateAndNormalisedScoreIsHalfThere() throws {
        let normals = [-0.4, 0.1, 0.3, -0.2, 0.6, 0.0]
        for tail in [nil, DecisionTail(referenceCount: 2, samples: (0..<200).map { sin(Double($0)) * 2 })] {
            let d = DecisionCalibration(normalScores: normals, referenceCount: 2, tail: tail, rule: DecisionRule(targetFalseAlarmRate: 0.05))
            XCTAssertEqual(d.falseAlarmRate(d.threshold), 0.05, accuracy: 1e-6)
            XCTAssertEqual(d.normalized(d.threshold), 0.5, accuracy: 1e-4)
            XCTAssertLessThan(d.normalized(d.location), 0.5)
            XCTAssertGreaterThan(d.normalized(d.threshold + 5 * d.spread), 0.5)
            XCTAssertGreaterThan(d.threshold, d.location)
        }
        // With a tail the estimate is the larger of the tail's and the Student-t one.
        let tail = DecisionTail(referenceCount: 2, samples: (0..<200).map { Double($0) / 50 - 2 })
        let both = DecisionCalibration(normalScores: normals, referenceCount: 2, tail: tail, rule: DecisionRule())
        for s in [-1.0, 0, 0.5, 1, 2, 4] {
            XCTAssertEqual(both.falseAlarmRate(s), max(both.studentTFalseAlarmRate(s), tail.exceedance(both.standardized(s))), accuracy: 1e-12)
        }
        // A lower target needs a higher score; the spread has a floor.
        let strict = DecisionCalibration(normalScores: normals, referenceCount: 2, tail: nil, rule: DecisionRule(targetFalseAlarmRate: 0.01))
        let loose = DecisionCalibration(normalScores: normals, referenceCount: 2, tail: nil, rule: DecisionRule(targetFalseAlarmRate: 0.05))
        XCTAssertGreaterThan(strict.threshold, loose.threshold)
        XCTAssertEqual(DecisionCalibration(normalScores: [1, 1], referenceCount: 1, tail: nil, rule: DecisionRule()).spread,
                       DecisionCalibration.minimumSpread)
    }

    func testSensitivityMovesTheRateByTenEitherWay() throws {
        XCTAssertEqual(DecisionRule(targetFalseAlarmRate: 0.01).effectiveRate, 0.01, accuracy: 1e-15)
        XCTAssertEqual(DecisionRule(targetFalseAlarmRate: 0.01, sensitivity: 1).effectiveRate, 0.1, accuracy: 1e-12)
        XCTAssertEqual(DecisionRule(targetFalseAlarmRate: 0.01, sensitivity: 0).effectiveRate, 0.001, accuracy: 1e-12)
        XCTAssertThrowsError(try DecisionRule(targetFalseAlarmRate: 0.7).validate())
        XCTAssertThrowsError(try DecisionRule(sensitivity: 1.5).validate())
    }

    func testTailsPickTheLargestFittedCountNotAboveK() {
        let t = DecisionTails(backbone: "b", spec: TinyInspection.spec, fittedOn: ["c"], seeds: [0], tails: [
            DecisionTail(referenceCount: 4, samples: [1]), DecisionTail(referenceCount: 1, samples: [2]),
            DecisionTail(referenceCount: 2, samples: [3]),
        ])
        XCTAssertEqual(t.tail(forReferences: 1)?.referenceCount, 1)
        XCTAssertEqual(t.tail(forReferences: 3)?.referenceCount, 2)
        XCTAssertEqual(t.tail(forReferences: 16)?.referenceCount, 4)
    }

    func testProfileCalibratesOnReferencesAndViewsAndKeepsItOnDisk() throws {
        var spec = TinyInspection.spec
        spec.calibrationViews = 2
        let model = try TinyInspection.model(spec)
        let refs = (0..<3).map { TinyInspection.texture(seed: UInt64($0)) }
        let before = model.extractor.passCount
        let profile = try model.makeProfile(references: refs)
        // 3 references + 2 views each + 2 synthetic anomalies, at 2 scales.
        XCTAssertEqual(model.extractor.passCount - before, (3 + 6 + 2) * 2)
        let d = try XCTUnwrap(profile.decision)
        XCTAssertEqual(d.normalScores.count, 3 * (1 + 2))
        XCTAssertEqual(profile.threshold?.method, .calibrated)
        XCTAssertEqual(profile.threshold?.threshold, d.threshold)
        let good = try model.inspect([TinyInspection.texture(seed: 7)], profile: profile)[0]
        let bad = try model.inspect([TinyInspection.withDefect(TinyInspection.texture(seed: 7))], profile: profile)[0]
        XCTAssertLessThan(try XCTUnwrap(bad.falseAlarmRate), try XCTUnwrap(good.falseAlarmRate))
        XCTAssertEqual(good.anomalous, good.score >= d.threshold)
        XCTAssertEqual(good.falseAlarmRate! <= d.rule.effectiveRate, good.anomalous)
        // The defect's region covers the painted square (20...33, 24...37).
        let region = try XCTUnwrap(bad.regions.first)
        XCTAssertTrue(region.x <= 33 && region.x + region.width >= 20 && region.y <= 37 && region.y + region.height >= 24, "\(region)")
        // Re-aiming the rule moves the threshold; saving keeps the calibration.
        profile.setRule(DecisionRule(targetFalseAlarmRate: 0.2))
        XCTAssertLessThan(profile.threshold!.threshold, d.threshold)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("decision-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try profile.save(to: url)
        let loaded = try Profile.load(from: url)
        XCTAssertEqual(loaded.decision, profile.decision)
        XCTAssertEqual(loaded.header.regionLevel, profile.header.regionLevel)
    }

    func testViewsCalibrateChannelsOnlyWhenAsked() throws {
        var spec = TinyInspection.spec
        spec.calibrationViews = 2
        let refs = (0..<3).map { TinyInspection.texture(seed: UInt64($0)) }
        let plain = try TinyInspection.model(spec).makeProfile(references: refs)
        spec.viewsCalibrateChannels = true
        let withViews = try TinyInspection.model(spec).makeProfile(references: refs)
        // References only: 3 leave-one-out values per channel; with views, 3 + 3 x 2, the first 3 the same.
        for (a, b) in zip(plain.calibration.channels, withViews.calibration.channels) {
            XCTAssertEqual(a.normalValues.count, 3)
            XCTAssertEqual(b.normalValues.count, 9)
            XCTAssertEqual(Array(b.normalValues.prefix(3)), a.normalValues)
            let mean = b.normalValues.reduce(0, +) / 9
            XCTAssertEqual(b.mean, mean, accuracy: 1e-9)
        }
        // The decision keeps its 9 normal samples either way; a defect still scores above a good part.
        XCTAssertEqual(withViews.decision?.normalScores.count, 9)
        let model = try TinyInspection.model(spec)
        let good = try model.inspect([TinyInspection.texture(seed: 7)], profile: withViews)[0]
        let bad = try model.inspect([TinyInspection.withDefect(TinyInspection.texture(seed: 7))], profile: withViews)[0]
        XCTAssertGreaterThan(bad.score, good.score)
        // A profile written before the option decodes as references-only.
        XCTAssertNil(try JSONDecoder().decode(EvidenceSpec.self, from: JSONEncoder().encode(TinyInspection.spec)).viewsCalibrateChannels)
    }

    func testMapFromAllChannelsAddsTheCoarseMap() throws {
        var base = TinyInspection.spec
        base.learnedWeightShare = 0                 // fixed family weights: the local map is the local channel alone
        var spec = base
        let refs = (0..<2).map { TinyInspection.texture(seed: UInt64($0)) }
        let localOnly = try TinyInspection.model(spec).makeProfile(references: refs)
        XCTAssertEqual(localOnly.calibration.mapWeights(spec: spec).map { $0 > 0 }, [true, false, false, false])
        spec.mapFromAllChannels = true
        let all = try TinyInspection.model(spec).makeProfile(references: refs)
        let w = all.calibration.mapWeights(spec: spec)
        XCTAssertEqual(w.map { $0 > 0 }, [true, true, false, false])     // both patch channels; mean-kNN and statistics draw no map
        XCTAssertEqual(w.reduce(0, +), 1, accuracy: 1e-12)
        let image = TinyInspection.withDefect(TinyInspection.texture(seed: 5))
        let a = try TinyInspection.model(base).inspect([image], profile: localOnly)[0]
        let b = try TinyInspection.model(spec).inspect([image], profile: all)[0]
        XCTAssertEqual(a.score, b.score, accuracy: 1e-9)                // the score does not change, only the map
        XCTAssertNotEqual(a.map.samples, b.map.samples)
    }

    func testFlipViewsMirrorTheImageAndKeepItsStatistics() {
        let image = TinyInspection.texture(seed: 3, width: 20, height: 12)
        let views = CalibrationViews.make(image, count: 3, kind: .flips)
        XCTAssertEqual(views.count, 3)
        XCTAssertEqual(views.map(\.samples), CalibrationViews.make(image, count: 3, kind: .flips).map(\.samples), "deterministic")
        // Jitter of view i is (v - 128) * c + 128 + b; undo it by comparing against the jittered original.
        let jitter = [(6.0, 1.05), (-6.0, 1.03), (3.0, 0.97)]
        for (i, v) in views.enumerated() {
            XCTAssertEqual([v.width, v.height, v.channels], [20, 12, 3])
            let same = image.adjusted(brightness: jitter[i].0, contrast: jitter[i].1)
            for (x, y) in [(0, 0), (7, 3), (19, 11)] {
                let (sx, sy) = [(19 - x, y), (x, 11 - y), (19 - x, 11 - y)][i]
                for c in 0..<3 { XCTAssertEqual(v.samples[(y * 20 + x) * 3 + c], same.samples[(sy * 20 + sx) * 3 + c]) }
            }
            // A mirror keeps the histogram: the sorted samples equal the jittered original's.
            XCTAssertEqual(v.samples.sorted(), same.samples.sorted())
        }
        // The default kind is the crop / rotation views.
        XCTAssertEqual(CalibrationViews.make(image, count: 2).map(\.samples), CalibrationViews.make(image, count: 2, kind: .cropsRotations).map(\.samples))
        XCTAssertNotEqual(CalibrationViews.make(image, count: 1).map(\.samples), CalibrationViews.make(image, count: 1, kind: .flips).map(\.samples))
    }

    func testOneReferenceIsSelfScoredWithItsViews() throws {
        var spec = TinyInspection.spec
        spec.calibrationViews = 3
        let profile = try TinyInspection.model(spec).makeProfile(references: [TinyInspection.texture(seed: 1)])
        XCTAssertEqual(profile.decision?.normalScores.count, 4)
        XCTAssertNotNil(profile.threshold)
    }

    func testCalibrationViewsAreDeterministicAndKeepTheSize() {
        let image = TinyInspection.texture(seed: 3, width: 50, height: 40)
        let a = CalibrationViews.make(image, count: 4), b = CalibrationViews.make(image, count: 4)
        XCTAssertEqual(a.count, 4)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.samples, y.samples)
            XCTAssertEqual([x.width, x.height], [50, 40])
            XCTAssertNotEqual(x.samples, image.samples)
        }
        XCTAssertEqual(CalibrationViews.make(image, count: 100).count, CalibrationViews.maxCount)
    }

    func testRegionsAreConnectedComponentsAboveTheLevel() {
        var m = [Float](repeating: 0, count: 20 * 10)
        for y in 2..<5 { for x in 3..<7 { m[y * 20 + x] = 2 } }   // 12 px, peak 2
        m[4 * 20 + 5] = 3                                         // peak 3 inside
        for y in 6..<8 { for x in 14..<19 { m[y * 20 + x] = 1.5 } } // 10 px
        m[0] = 5                                                   // a 1 px speck
        let map = Image(width: 20, height: 10, channels: 1, samples: m)
        let all = DefectRegions.find(in: map, level: 1, minArea: 1)
        XCTAssertEqual(all.count, 3)
        XCTAssertEqual(all[0].area, 1)                             // the speck has the highest peak
        let big = DefectRegions.find(in: map, level: 1, minArea: 5)
        XCTAssertEqual(big.map(\.area), [12, 10])
        XCTAssertEqual([big[0].x, big[0].y, big[0].width, big[0].height], [3, 2, 4, 3])
        XCTAssertEqual(big[0].peak, 3)
        XCTAssertEqual(big[0].mean, (11 * 2 + 3) / 12, accuracy: 1e-12)
        XCTAssertEqual(big[1].areaPercent, 5, accuracy: 1e-12)
        XCTAssertTrue(DefectRegions.find(in: map, level: 10, minArea: 1).isEmpty)
    }
}
