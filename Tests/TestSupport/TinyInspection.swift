import Backbones
import Foundation
import Imaging
import Inspection
import Tensor

/// A tiny random DINOv2 (patch 8, 4 blocks), a two-scale recipe and striped test textures with a painted
/// defect: fast enough for unit tests (InspectionTests, ServiceTests).
public enum TinyInspection {
    public static func backbone() throws -> DINOv2 {
        try DINOv2.synthetic(DINOv2Config(hiddenSize: 32, numHiddenLayers: 4, numAttentionHeads: 2, imageSize: 64, patchSize: 8))
    }

    public static let spec = EvidenceSpec(channels: [
        EvidenceChannel(.patchKNN, scale: 64, layer: 2, family: .local),
        EvidenceChannel(.patchKNN, scale: 32, layer: 4, family: .global),
        EvidenceChannel(.meanKNN, scale: 32, layer: 4, family: .global),
        EvidenceChannel(.featureStats, scale: 32, layer: 4, family: .global),
    ], syntheticPerFamily: 1)

    public static func model(_ spec: EvidenceSpec = spec) throws -> InspectionModel {
        try InspectionModel(name: "tiny", backbone: backbone(), spec: spec)
    }

    /// A striped texture with per-image phase jitter (the good parts), `width x height` RGB.
    public static func texture(seed: UInt64, width: Int = 64, height: Int = 64) -> Image8 {
        var rng = SeededRandom(seed: seed)
        let phase = rng.uniform(0, 6.28)
        var s = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let v = 128 + 60 * sin(Float(x) * 0.7 + phase) * cos(Float(y) * 0.5) + rng.uniform(-8, 8)
                for c in 0..<3 { s[(y * width + x) * 3 + c] = UInt8(min(max(v + Float(c) * 10, 0), 255)) }
            }
        }
        return Image8(width: width, height: height, channels: 3, samples: s)
    }

    /// `image` with a flat bright square of side `side` at (x, y).
    public static func withDefect(_ image: Image8, x: Int = 20, y: Int = 24, side: Int = 14) -> Image8 {
        var out = image
        for yy in y..<(y + side) { for xx in x..<(x + side) { for c in 0..<3 { out.samples[(yy * image.width + xx) * 3 + c] = c == 0 ? 250 : 30 } } }
        return out
    }
}
