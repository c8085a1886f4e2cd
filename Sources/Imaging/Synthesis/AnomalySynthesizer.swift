import Foundation
import Tensor

/// Settings of the training-time anomaly synthesizer.
public struct SynthesisConfig: Sendable {
    /// Perlin lattice exponents: cells `2^k` per axis, k drawn independently per axis.
    public var perlinScales: ClosedRange<Int> = 0...5
    /// Noise threshold for the mask.
    public var threshold: Float = 0.5
    /// Rotation of the noise, uniform in `-maxRotation...maxRotation` degrees.
    public var maxRotation: Float = 90
    /// Opacity of the foreign content, uniform in this range (1 = fully replaced).
    public var opacity: ClosedRange<Float> = 0.15...1
    /// Probability of a CutPaste scar instead of a Perlin-shaped anomaly.
    public var cutPasteProbability: Float = 0.2
    /// Probability of filling with a grid-shuffled copy of the image itself (always when no textures).
    public var selfShuffleProbability: Float = 0.3
    /// Minimum mask area as a fraction of the image (of the foreground when given); masks are redrawn.
    public var minimumArea: Float = 0.002
    /// Redraws before giving up (the result then may have an empty mask and `isAnomalous == false`).
    public var maxAttempts: Int = 10

    public init() {}
}

/// An image with a synthetic anomaly and its exact mask.
public struct SynthesizedAnomaly: Sendable {
    /// RGB, 0...1, same size as the input.
    public var image: Image
    /// One channel, 1 where the image was altered, else 0.
    public var mask: Image
    /// False when no acceptable mask was found (the image is then unchanged).
    public var isAnomalous: Bool
    /// "perlin-texture", "perlin-shuffle", "cutpaste-scar" or "none".
    public var kind: String
}

/// Training anomaly synthesizer (DRAEM-style Perlin masks filled with foreign texture or a grid-shuffled
/// copy of the image, blended with random opacity; or CutPaste scars). Deterministic for a given
/// `SeededRandom` state.
public struct AnomalySynthesizer: Sendable {
    public var config: SynthesisConfig
    public let textures: TextureLibrary?

    public init(textures: TextureLibrary?, config: SynthesisConfig = SynthesisConfig()) {
        self.textures = textures
        self.config = config
    }

    /// Synthesizes one anomaly on `image` (converted to RGB). `foreground` (one channel, > 0.5 =
    /// object, same size) restricts the anomaly to the object.
    public func synthesize(_ image: Image, foreground: Image? = nil, rng: inout SeededRandom) -> SynthesizedAnomaly {
        let img = image.rgb()
        let w = img.width, h = img.height
        if let f = foreground { check(f.width == w && f.height == h, "foreground \(f.width)x\(f.height) vs image \(w)x\(h)") }
        let fgArea = foreground.map { f in f.samples.indices.filter { $0 % f.channels == 0 && f.samples[$0] > 0.5 }.count } ?? w * h
        let minPixels = max(1, Int(config.minimumArea * Float(max(fgArea, 1))))
        if rng.nextFloat() < config.cutPasteProbability {
            for _ in 0..<config.maxAttempts {
                if let r = CutPaste.scar(img, foreground: foreground, rng: &rng), r.area >= min(minPixels, 4) {
                    return SynthesizedAnomaly(image: r.image, mask: r.mask, isAnomalous: true, kind: "cutpaste-scar")
                }
            }
        }
        for _ in 0..<config.maxAttempts {
            var mask = PerlinNoise.mask(width: w, height: h, scales: config.perlinScales, threshold: config.threshold,
                                        maxRotation: config.maxRotation, rng: &rng)
            if let f = foreground { for i in 0..<w * h where f.samples[i * f.channels] <= 0.5 { mask.samples[i] = 0 } }
            let area = mask.samples.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
            if area < minPixels { continue }
            var useShuffle = textures == nil || rng.nextFloat() < config.selfShuffleProbability
            var source: Image
            if !useShuffle, let t = textures?.sample(width: w, height: h, rng: &rng) {
                source = TextureAugment.random(t, rng: &rng).toFloat()
            } else {
                useShuffle = true
                source = GridShuffle.apply(img, rng: &rng)
            }
            let opacity = rng.uniform(config.opacity.lowerBound, config.opacity.upperBound)
            var out = img
            for i in 0..<(w * h) where mask.samples[i] > 0 {
                for c in 0..<3 {
                    out.samples[3 * i + c] = (1 - opacity) * img.samples[3 * i + c] + opacity * source.samples[3 * i + c]
                }
            }
            // Exact mask: only pixels that actually changed.
            for i in 0..<(w * h) where mask.samples[i] > 0 {
                let changed = (0..<3).contains { abs(out.samples[3 * i + $0] - img.samples[3 * i + $0]) > 1e-6 }
                if !changed { mask.samples[i] = 0 }
            }
            if mask.samples.reduce(0, +) < Float(minPixels) { continue }
            return SynthesizedAnomaly(image: out, mask: mask, isAnomalous: true,
                                      kind: useShuffle ? "perlin-shuffle" : "perlin-texture")
        }
        return SynthesizedAnomaly(image: img, mask: Image(width: w, height: h, channels: 1, repeating: 0),
                                  isAnomalous: false, kind: "none")
    }

    /// Convenience: a fresh generator from `seed`.
    public func synthesize(_ image: Image, foreground: Image? = nil, seed: UInt64) -> SynthesizedAnomaly {
        var rng = SeededRandom(seed: seed)
        return synthesize(image, foreground: foreground, rng: &rng)
    }
}

/// Grid shuffle: the image cut into `g x g` cells (g in {2, 4, 8}) that are permuted at random.
/// Pixels beyond the last full cell keep their place.
public enum GridShuffle {
    public static func apply(_ img: Image, grid: Int? = nil, rng: inout SeededRandom) -> Image {
        let g = grid ?? [2, 4, 8][rng.int(3)]
        let cw = img.width / g, ch = img.height / g
        if cw == 0 || ch == 0 { return img }
        var order = Array(0..<(g * g))
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.int(i + 1)) }
        var out = img
        let c = img.channels
        for (dst, src) in order.enumerated() {
            let dx = (dst % g) * cw, dy = (dst / g) * ch, sx = (src % g) * cw, sy = (src / g) * ch
            for y in 0..<ch {
                let s = ((sy + y) * img.width + sx) * c, d = ((dy + y) * img.width + dx) * c
                out.samples.replaceSubrange(d..<(d + cw * c), with: img.samples[s..<(s + cw * c)])
            }
        }
        return out
    }
}

/// Random photometric changes of a texture (3 of: gamma, brightness, channel permutation, solarize,
/// posterize, invert, saturation), in the spirit of DRAEM's augmenters.
public enum TextureAugment {
    public static func random(_ t: Image8, rng: inout SeededRandom) -> Image8 {
        var ops = Array(0..<7)
        for i in stride(from: ops.count - 1, to: 0, by: -1) { ops.swapAt(i, rng.int(i + 1)) }
        var out = t.rgb()
        for op in ops.prefix(3) {
            var lut = (0..<256).map { UInt8($0) }
            switch op {
            case 0: let g = rng.uniform(0.5, 2); lut = (0..<256).map { UInt8((pow(Float($0) / 255, g) * 255).rounded()) }
            case 1: let m = rng.uniform(0.8, 1.2), a = rng.uniform(-30, 30)
                lut = (0..<256).map { UInt8(max(0, min(255, (Float($0) * m + a).rounded()))) }
            case 2:
                var p = [0, 1, 2]
                for i in stride(from: 2, to: 0, by: -1) { p.swapAt(i, rng.int(i + 1)) }
                let src = out.samples
                for i in 0..<out.pixelCount { for c in 0..<3 { out.samples[3 * i + c] = src[3 * i + p[c]] } }
                continue
            case 3: let th = 32 + rng.int(96); lut = (0..<256).map { $0 >= 255 - th ? UInt8(255 - $0) : UInt8($0) }
            case 4: let bits = 4 + rng.int(4); let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits)); lut = lut.map { $0 & mask }
            case 5: lut = (0..<256).map { UInt8(255 - $0) }
            default:
                let s = rng.uniform(0.3, 1.7)
                for i in 0..<out.pixelCount {
                    let r = Float(out.samples[3 * i]), g = Float(out.samples[3 * i + 1]), b = Float(out.samples[3 * i + 2])
                    let l = 0.299 * r + 0.587 * g + 0.114 * b
                    for (c, v) in [r, g, b].enumerated() { out.samples[3 * i + c] = UInt8(max(0, min(255, (l + (v - l) * s).rounded()))) }
                }
                continue
            }
            for i in 0..<out.samples.count { out.samples[i] = lut[Int(out.samples[i])] }
        }
        return out
    }
}
