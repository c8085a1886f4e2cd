import Imaging
import Inspection
import TestSupport
import XCTest

/// ``EvidenceSpec/mapLayers``: which blocks' patch channels draw the anomaly map, and ``InspectionModel/channelMaps``.
final class MapLayersTests: XCTestCase {
    /// Two local patch channels (blocks 2 and 4 at 64 px) and the tiny recipe's global channels.
    static func spec(mapLayers: [Int]?) -> EvidenceSpec {
        var s = EvidenceSpec(channels: [
            EvidenceChannel(.patchKNN, scale: 64, layer: 2, family: .local),
            EvidenceChannel(.patchKNN, scale: 64, layer: 4, family: .local),
            EvidenceChannel(.patchKNN, scale: 32, layer: 4, family: .global),
            EvidenceChannel(.featureStats, scale: 32, layer: 4, family: .global),
        ], syntheticPerFamily: 1, learnedWeightShare: 0)
        s.mapLayers = mapLayers
        return s
    }

    func testOnlyTheNamedBlocksDrawTheMapAndTheScoreStays() throws {
        let refs = (0..<2).map { TinyInspection.texture(seed: UInt64($0)) }
        let image = TinyInspection.withDefect(TinyInspection.texture(seed: 5))
        let every = Self.spec(mapLayers: nil), mid = Self.spec(mapLayers: [2])
        let pEvery = try TinyInspection.model(every).makeProfile(references: refs)
        let pMid = try TinyInspection.model(mid).makeProfile(references: refs)
        XCTAssertEqual(pEvery.calibration.mapWeights(spec: every).map { $0 > 0 }, [true, true, false, false])
        XCTAssertEqual(pMid.calibration.mapWeights(spec: mid), [1, 0, 0, 0])
        // Blocks without a map channel fall back to every map channel.
        XCTAssertEqual(pMid.calibration.mapWeights(spec: Self.spec(mapLayers: [7])).map { $0 > 0 }, [true, true, false, false])
        let a = try TinyInspection.model(every).inspect([image], profile: pEvery)[0]
        let b = try TinyInspection.model(mid).inspect([image], profile: pMid)[0]
        XCTAssertEqual(a.score, b.score, accuracy: 1e-9)           // the score does not change, only the map
        XCTAssertNotEqual(a.map.samples, b.map.samples)
        // A profile written before the option decodes with every block drawing the map.
        XCTAssertNil(try JSONDecoder().decode(EvidenceSpec.self, from: JSONEncoder().encode(TinyInspection.spec)).mapLayers)
    }

    func testTheMapIsTheWeightedSumOfTheChannelMaps() throws {
        let spec = Self.spec(mapLayers: nil)
        let model = try TinyInspection.model(spec)
        let profile = try model.makeProfile(references: (0..<2).map { TinyInspection.texture(seed: UInt64($0)) })
        let image = TinyInspection.withDefect(TinyInspection.texture(seed: 9))
        let f = try model.features([image])
        let map = try model.inspect(features: f, profile: profile, smoothing: false)[0].map
        let per = try model.channelMaps(f[0], profile: profile)
        XCTAssertEqual(per.map(\.channel), [0, 1, 2])               // the patch channels; the statistics draw none
        let w = profile.calibration.mapWeights(spec: spec)
        var sum = [Float](repeating: 0, count: map.samples.count)
        for (i, m) in per {
            XCTAssertEqual([m.width, m.height], [map.width, map.height])
            for j in sum.indices { sum[j] += Float(w[i]) * m.samples[j] }
        }
        for j in stride(from: 0, to: sum.count, by: 97) { XCTAssertEqual(sum[j], map.samples[j], accuracy: 1e-4) }
        // The defect's channel map peaks above the good part's.
        let good = try model.channelMaps(try model.features([TinyInspection.texture(seed: 9)])[0], profile: profile)
        XCTAssertGreaterThan(per[0].map.samples.max()!, good[0].map.samples.max()!)
    }
}
