import Foundation
import Imaging
import Tensor

/// Synthetic anomalies made from a profile's own reference images, to weigh its evidence channels: local
/// (Perlin-masked fills and CutPaste scars from ``AnomalySynthesizer``) and global (a change of the whole
/// surface or a large part of it from ``GlobalAnomalySynthesizer``: scale, orientation, density, blur,
/// contrast, colour or noise, with the mean brightness kept).
public enum CalibrationAnomalies {
    /// One synthetic anomaly of `family` made from `image`.
    public static func make(_ family: DefectFamily, from image: Image8, seed: UInt64) -> Image8 {
        var rng = SeededRandom(seed: seed)
        switch family {
        case .local:
            var config = SynthesisConfig()
            config.opacity = 0.5...1
            return AnomalySynthesizer(textures: nil, config: config).synthesize(image.rgb().toFloat(), rng: &rng).image.toUInt8()
        case .global:
            return GlobalAnomalySynthesizer().synthesize(image.rgb().toFloat(), rng: &rng).image.toUInt8()
        }
    }

    /// The anomalies of a profile: `perFamily` of each family, made round-robin from the references.
    /// Returns (family, index of the source reference, image).
    public static func plan(references: [Image8], perFamily: Int, seed: UInt64) -> [(DefectFamily, Int, Image8)] {
        guard !references.isEmpty else { return [] }
        var out: [(DefectFamily, Int, Image8)] = []
        for (f, family) in DefectFamily.allCases.enumerated() {
            for j in 0..<perFamily {
                let src = (j + f) % references.count
                out.append((family, src, make(family, from: references[src], seed: seed &+ UInt64(f * 1000 + j))))
            }
        }
        return out
    }
}
