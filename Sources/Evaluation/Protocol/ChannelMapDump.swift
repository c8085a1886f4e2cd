import Foundation
import Imaging
import Inspection

extension ProtocolRunner {
    /// Development aid (`VTFUSION_DUMP_CHANNEL_MAPS=DIR`): per inspected image, each map channel's calibrated z map,
    /// the default's combined map and the ground truth, in the prepared frame averaged over 4 x 4 pixel cells,
    /// as `DIR/NAME.npy` `[N, channels + 2, size / 4, size / 4]` with `DIR/NAME.json` (labels, defect types, scores,
    /// channel indices and the profile's map weights). Read by `Scripts/map_head_lco.py`.
    static func dumpChannelMaps(dir: String, model: InspectionModel, profile: Profile, features: [ImageFeatures],
                                masks: [[UInt8]?], labels: [Bool], defects: [String?], maps: [[Float]],
                                scores: [Float], size: Int, name: String) throws {
        let cell = 4, r = size / cell
        func pooled(_ v: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: r * r)
            for y in 0..<(r * cell) { for x in 0..<(r * cell) { out[(y / cell) * r + x / cell] += v[y * size + x] } }
            return out.map { $0 / Float(cell * cell) }
        }
        var values: [Float] = [], channels: [Int] = []
        for (j, f) in features.enumerated() {
            let per = try model.channelMaps(f, profile: profile)
            channels = per.map(\.channel)
            for (_, m) in per { values += pooled(InspectionFeatureCache.preparedFrame(m, size: size)) }
            values += pooled(maps[j])
            values += pooled((masks[j] ?? [UInt8](repeating: 0, count: size * size)).map { $0 > 0 ? 1 : 0 })
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try NPYFile.write(values, shape: [features.count, channels.count + 2, r, r], to: "\(dir)/\(name).npy")
        let meta: [String: Any] = ["labels": labels, "defects": defects.map { $0 ?? "good" }, "scores": scores.map(Double.init),
                                   "channels": channels, "mapWeights": profile.calibration.mapWeights(spec: model.spec)]
        try JSONSerialization.data(withJSONObject: meta).write(to: URL(fileURLWithPath: "\(dir)/\(name).json"), options: .atomic)
    }
}
