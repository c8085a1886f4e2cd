import Foundation
import Imaging
import Tensor

/// Synthetic anomalies made from a profile's own reference images, to weigh its evidence channels: local
/// (Perlin-masked fills and CutPaste scars from ``AnomalySynthesizer``) and global (a change of the whole
/// surface: scale, orientation, blur, contrast, colour or noise, with the mean brightness kept).
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
            return globalChange(image.rgb(), rng: &rng)
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

    /// A global change of the image's texture statistics.
    static func globalChange(_ image: Image8, rng: inout SeededRandom) -> Image8 {
        let img = image.toFloat()
        let (w, h) = (img.width, img.height)
        var out: Image
        switch Int(rng.nextFloat() * 5) {
        case 0:   // finer or coarser texture: zoom about the centre
            let z = rng.nextFloat() < 0.5 ? rng.uniform(1.25, 1.45) : rng.uniform(0.7, 0.8)
            out = zoom(img, factor: z)
        case 1:   // orientation
            out = image.rotated(degrees: Double(rng.uniform(15, 35)) * (rng.nextFloat() < 0.5 ? -1 : 1)).toFloat()
        case 2:   // blur
            var planes: [[Float]] = (0..<3).map { img.channel($0).samples }
            let sigma = rng.uniform(1.2, 2.2)
            planes = planes.map { GaussianBlur.apply($0, width: w, height: h, sigma: sigma) }
            out = interleave(planes, w, h)
        case 3:   // contrast
            let gain = rng.nextFloat() < 0.5 ? rng.uniform(0.55, 0.75) : rng.uniform(1.35, 1.6)
            let m = img.samples.reduce(0, +) / Float(img.samples.count)
            out = Image(width: w, height: h, channels: 3, samples: img.samples.map { m + ($0 - m) * gain })
        default:  // colour cast plus grain
            let gains = (0..<3).map { _ in rng.uniform(0.85, 1.15) }
            var s = img.samples
            for i in s.indices { s[i] = s[i] * gains[i % 3] + (rng.nextFloat() - 0.5) * 0.12 }
            out = Image(width: w, height: h, channels: 3, samples: s)
        }
        // Keep the mean brightness: the change must be in the texture, not the exposure.
        let (m0, m1) = (img.samples.reduce(0, +) / Float(img.samples.count), out.samples.reduce(0, +) / Float(out.samples.count))
        return Image(width: w, height: h, channels: 3, samples: out.samples.map { min(max($0 - m1 + m0, 0), 1) }).toUInt8()
    }

    static func zoom(_ img: Image, factor: Float) -> Image {
        let (w, h) = (img.width, img.height)
        let (zw, zh) = (max(2, Int(Float(w) * factor)), max(2, Int(Float(h) * factor)))
        let scaled = img.resized(width: zw, height: zh, filter: .bicubic)
        var s = [Float](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {   // centre crop when larger, mirror-tile when smaller
                var sx = x + (zw - w) / 2, sy = y + (zh - h) / 2
                sx = ((sx % (2 * zw)) + 2 * zw) % (2 * zw); if sx >= zw { sx = 2 * zw - 1 - sx }
                sy = ((sy % (2 * zh)) + 2 * zh) % (2 * zh); if sy >= zh { sy = 2 * zh - 1 - sy }
                for c in 0..<3 { s[(y * w + x) * 3 + c] = scaled.samples[(sy * zw + sx) * 3 + c] }
            }
        }
        return Image(width: w, height: h, channels: 3, samples: s)
    }

    static func interleave(_ planes: [[Float]], _ w: Int, _ h: Int) -> Image {
        var s = [Float](repeating: 0, count: w * h * 3)
        for i in 0..<(w * h) { for c in 0..<3 { s[i * 3 + c] = planes[c][i] } }
        return Image(width: w, height: h, channels: 3, samples: s)
    }
}
