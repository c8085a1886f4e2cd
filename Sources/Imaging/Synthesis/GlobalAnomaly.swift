import Foundation
import Tensor

/// Kinds of "global" anomaly: a change of the surface's texture statistics over a large area, where no
/// single patch need look wrong on its own (a different weave scale, a rotated grain, a colour or contrast
/// drift, a blur, added grain, a denser pattern, locally shuffled structure).
public enum GlobalAnomalyFamily: String, CaseIterable, Sendable, Codable {
    /// The content resampled about the image centre by 1.15...1.4x (zoomed in or out).
    case textureScale = "texture_scale"
    /// The content rotated by 10...30 degrees about the image centre.
    case orientation
    /// A hue rotation about the grey axis plus a small channel tint (luminance mean kept).
    case colorShift = "color_shift"
    /// Deviations from the mean scaled by 0.65...0.8 or 1.25...1.45.
    case contrast
    /// Gaussian blur, sigma 1...1.8 px at 320 px (scaled with the image).
    case blur
    /// Added Gaussian grain (std 0.03...0.05).
    case noise
    /// The content compressed along one random axis by 1.2...1.4x (features denser in one direction).
    case density
    /// Local statistics shuffle: the image cut into small cells (1/12...1/20 of the side) that are permuted.
    case localShuffle = "local_shuffle"

    /// The families the v2 benchmark draws (all but ``localShuffle``, whose cell seams are a local cue).
    public static let benchmarkFamilies: [GlobalAnomalyFamily] = [.textureScale, .orientation, .colorShift, .contrast,
                                                                   .blur, .noise, .density]
    /// Whether the family moves content (resampling) rather than changing values in place.
    public var isGeometric: Bool { self == .textureScale || self == .orientation || self == .density }
}

/// Settings of ``GlobalAnomalySynthesizer``.
public struct GlobalAnomalyConfig: Sendable {
    /// Families drawn uniformly.
    public var families: [GlobalAnomalyFamily] = GlobalAnomalyFamily.allCases
    /// Probability that only a large part of the image (a half-plane or a big ellipse, 35...70 % of the
    /// area) is affected instead of all of it.
    public var partialProbability: Float = 0.25
    /// Strength within each family's range (0 = the subtlest end, 1 = the strongest), drawn uniformly.
    public var strength: ClosedRange<Float> = 0...1

    public init() {}
}

/// An image with a synthetic global anomaly.
public struct GlobalAnomaly: Sendable {
    /// RGB, 0...1, same size as the input.
    public var image: Image
    /// One channel, 1 over the affected area (the whole image, the foreground, or a large part), else 0.
    public var mask: Image
    public var family: GlobalAnomalyFamily
    /// The family's drawn parameter (scale factor, degrees, hue degrees, contrast factor, sigma, noise std,
    /// compression factor, cell size).
    public var parameter: Float
}

/// Makes global anomalies from any RGB image (e.g. a user's few good reference images): geometric changes
/// resample the image itself about its centre (mirror padding at the borders), photometric ones change its
/// values. Every result keeps the luminance mean of the affected area (within 1/255 unless clamping
/// prevents it), so mean brightness alone does not reveal it. Deterministic for a given `SeededRandom` state.
public struct GlobalAnomalySynthesizer: Sendable {
    public var config: GlobalAnomalyConfig

    public init(config: GlobalAnomalyConfig = GlobalAnomalyConfig()) { self.config = config }

    /// A random family applied to `image`. `foreground` (one channel, > 0.5 = object) restricts the change
    /// (and the mask) to the object.
    public func synthesize(_ image: Image, foreground: Image? = nil, rng: inout SeededRandom) -> GlobalAnomaly {
        let fams = config.families.isEmpty ? GlobalAnomalyFamily.allCases : config.families
        let fam = fams[rng.int(fams.count)]
        return apply(fam, to: image, foreground: foreground, rng: &rng)
    }

    /// `family` applied to `image` (converted to RGB).
    public func apply(_ family: GlobalAnomalyFamily, to image: Image, foreground: Image? = nil,
                      rng: inout SeededRandom) -> GlobalAnomaly {
        let img = image.rgb()
        let w = img.width, h = img.height
        var region = Image(width: w, height: h, channels: 1, repeating: 1)
        if rng.nextFloat() < config.partialProbability { region = Self.largeRegion(width: w, height: h, rng: &rng) }
        if let f = foreground {
            check(f.width == w && f.height == h, "foreground \(f.width)x\(f.height) vs image \(w)x\(h)")
            for i in 0..<(w * h) where f.samples[i * f.channels] <= 0.5 { region.samples[i] = 0 }
        }
        let strength = rng.uniform(config.strength.lowerBound, config.strength.upperBound)
        let (changed, parameter) = Self.transform(family, img, strength: strength, rng: &rng)
        var out = img
        for i in 0..<(w * h) where region.samples[i] > 0 {
            for c in 0..<3 { out.samples[3 * i + c] = changed.samples[3 * i + c] }
        }
        out = Self.matchLuminanceMean(out, to: img, region: region)
        return GlobalAnomaly(image: out, mask: region, family: family, parameter: parameter)
    }

    /// The whole image transformed by `family` (no mean matching). `strength` in 0...1 picks the parameter
    /// within the family's range; returns the image and the parameter.
    public static func transform(_ family: GlobalAnomalyFamily, _ image: Image, strength: Float,
                                 rng: inout SeededRandom) -> (Image, Float) {
        let img = image.rgb()
        let t = min(1, max(0, strength))
        func lerp(_ a: Float, _ b: Float) -> Float { a + (b - a) * t }
        let k = Float(min(img.width, img.height)) / 320
        switch family {
        case .textureScale:
            let s = lerp(1.15, 1.4)
            let f = rng.nextFloat() < 0.5 ? s : 1 / s
            return (warp(img) { x, y in (x / f, y / f) }, f)
        case .orientation:
            let deg = lerp(10, 30) * (rng.nextFloat() < 0.5 ? -1 : 1)
            let a = deg * .pi / 180, c = cos(a), s = sin(a)
            return (warp(img) { x, y in (c * x + s * y, -s * x + c * y) }, deg)
        case .density:
            let f = lerp(1.2, 1.4)
            let th = rng.uniform(0, .pi), c = cos(th), s = sin(th)
            return (warp(img) { x, y in
                let u = (c * x + s * y) * f, v = -s * x + c * y
                return (c * u - s * v, s * u + c * v)
            }, f)
        case .colorShift:
            let deg = lerp(10, 22) * (rng.nextFloat() < 0.5 ? -1 : 1)
            let tint = (0..<3).map { _ in rng.uniform(-1, 1) * lerp(0.04, 0.08) }
            return (hueRotated(img, degrees: deg, tint: tint), deg)
        case .contrast:
            let f = rng.nextFloat() < 0.5 ? lerp(0.8, 0.65) : lerp(1.25, 1.45)
            var mean: [Float] = [0, 0, 0]
            for i in 0..<img.pixelCount { for c in 0..<3 { mean[c] += img.samples[3 * i + c] } }
            mean = mean.map { $0 / Float(max(1, img.pixelCount)) }
            var out = img
            for i in 0..<out.samples.count {
                out.samples[i] = min(1, max(0, mean[i % 3] + (img.samples[i] - mean[i % 3]) * f))
            }
            return (out, f)
        case .blur:
            let sigma = max(0.8, lerp(1.0, 1.8) * k)
            return (img.gaussianBlurred(sigma: sigma, truncate: 3), sigma)
        case .noise:
            let sd = lerp(0.03, 0.05)
            var out = img
            for i in 0..<img.pixelCount {
                let l = rng.normal() * sd
                for c in 0..<3 {
                    out.samples[3 * i + c] = min(1, max(0, img.samples[3 * i + c] + l + rng.normal() * sd * 0.3))
                }
            }
            return (out, sd)
        case .localShuffle:
            let cells = Int(lerp(12, 20).rounded())
            let cell = max(2, min(img.width, img.height) / cells)
            return (cellShuffle(img, cell: cell, rng: &rng), Float(cell))
        }
    }

    /// `image` resampled with `map` from centred output coordinates to centred source coordinates
    /// (bilinear, mirror padding).
    public static func warp(_ image: Image, _ map: (Float, Float) -> (Float, Float)) -> Image {
        let w = image.width, h = image.height, ch = image.channels
        var out = Image(width: w, height: h, channels: ch, repeating: 0)
        let cx = Float(w) / 2, cy = Float(h) / 2
        @inline(__always) func mirror(_ v: Int, _ n: Int) -> Int {
            if n == 1 { return 0 }
            let p = 2 * n
            var m = v % p
            if m < 0 { m += p }
            return m < n ? m : p - 1 - m
        }
        image.samples.withUnsafeBufferPointer { src in
            out.samples.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    for x in 0..<w {
                        let (sx, sy) = map(Float(x) + 0.5 - cx, Float(y) + 0.5 - cy)
                        let fx = sx + cx - 0.5, fy = sy + cy - 0.5
                        let x0 = Int(fx.rounded(.down)), y0 = Int(fy.rounded(.down))
                        let ax = fx - Float(x0), ay = fy - Float(y0)
                        let xa = mirror(x0, w), xb = mirror(x0 + 1, w), ya = mirror(y0, h), yb = mirror(y0 + 1, h)
                        for c in 0..<ch {
                            let v00 = src[(ya * w + xa) * ch + c], v10 = src[(ya * w + xb) * ch + c]
                            let v01 = src[(yb * w + xa) * ch + c], v11 = src[(yb * w + xb) * ch + c]
                            dst[(y * w + x) * ch + c] = (1 - ay) * ((1 - ax) * v00 + ax * v10) + ay * ((1 - ax) * v01 + ax * v11)
                        }
                    }
                }
            }
        }
        return out
    }

    /// Hue rotation by `degrees` about the grey axis (Rodrigues rotation in RGB), then each channel scaled
    /// by `1 + tint[c]` (so grey images change too). Clamped to 0...1.
    public static func hueRotated(_ img: Image, degrees: Float, tint: [Float]) -> Image {
        let a = degrees * .pi / 180, c = cos(a), s = sin(a), k: Float = 1 / 3, r = (1 / Float(3)).squareRoot()
        // Rotation about the unit vector (1,1,1)/sqrt(3).
        let m: [Float] = [c + k * (1 - c), k * (1 - c) - r * s, k * (1 - c) + r * s,
                          k * (1 - c) + r * s, c + k * (1 - c), k * (1 - c) - r * s,
                          k * (1 - c) - r * s, k * (1 - c) + r * s, c + k * (1 - c)]
        var out = img
        for i in 0..<img.pixelCount {
            let p = (img.samples[3 * i], img.samples[3 * i + 1], img.samples[3 * i + 2])
            for row in 0..<3 {
                let v = m[3 * row] * p.0 + m[3 * row + 1] * p.1 + m[3 * row + 2] * p.2
                out.samples[3 * i + row] = min(1, max(0, v * (1 + tint[row])))
            }
        }
        return out
    }

    /// Square cells of side `cell` permuted at random (pixels beyond the last full cell keep their place).
    public static func cellShuffle(_ img: Image, cell: Int, rng: inout SeededRandom) -> Image {
        let gx = img.width / cell, gy = img.height / cell
        guard gx * gy >= 2 else { return img }
        var order = Array(0..<(gx * gy))
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.int(i + 1)) }
        var out = img
        let ch = img.channels
        for (dst, src) in order.enumerated() {
            let dx = (dst % gx) * cell, dy = (dst / gx) * cell, sx = (src % gx) * cell, sy = (src / gx) * cell
            for y in 0..<cell {
                let s = ((sy + y) * img.width + sx) * ch, d = ((dy + y) * img.width + dx) * ch
                out.samples.replaceSubrange(d..<(d + cell * ch), with: img.samples[s..<(s + cell * ch)])
            }
        }
        return out
    }

    /// A large part of the image: a half-plane through a point near the centre, or an ellipse; 35...70 %
    /// of the area (redrawn a few times to get there).
    public static func largeRegion(width w: Int, height h: Int, rng: inout SeededRandom) -> Image {
        var best = Image(width: w, height: h, channels: 1, repeating: 1)
        for _ in 0..<8 {
            var m = Image(width: w, height: h, channels: 1, repeating: 0)
            let cx = rng.uniform(0.35, 0.65) * Float(w), cy = rng.uniform(0.35, 0.65) * Float(h)
            let halfPlane = rng.nextFloat() < 0.5
            let th = rng.uniform(0, 2 * .pi)
            let rx = rng.uniform(0.35, 0.5) * Float(w), ry = rng.uniform(0.35, 0.5) * Float(h)
            var n = 0
            for y in 0..<h {
                for x in 0..<w {
                    let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                    let inside: Bool
                    if halfPlane { inside = dx * cos(th) + dy * sin(th) > 0 } else {
                        let u = (dx * cos(th) + dy * sin(th)) / rx, v = (-dx * sin(th) + dy * cos(th)) / ry
                        inside = u * u + v * v < 1
                    }
                    if inside { m.samples[y * w + x] = 1; n += 1 }
                }
            }
            let frac = Float(n) / Float(max(1, w * h))
            if frac >= 0.35 && frac <= 0.7 { return m }
            best = m
        }
        return best
    }

    /// Rec. 601 luminance mean of `img` over `region` (> 0; the whole image when `region` is nil).
    public static func luminanceMean(_ img: Image, region: Image? = nil) -> Float {
        var s: Double = 0, n = 0
        for i in 0..<img.pixelCount where region.map({ $0.samples[i * $0.channels] > 0 }) ?? true {
            let r = img.samples[3 * i], g = img.samples[3 * i + 1], b = img.samples[3 * i + 2]
            s += Double(0.299 * r + 0.587 * g + 0.114 * b); n += 1
        }
        return n == 0 ? 0 : Float(s / Double(n))
    }

    /// `img` with a constant added to every channel inside `region` so that its luminance mean there equals
    /// that of `reference` (three passes, since clamping to 0...1 may eat part of the offset).
    public static func matchLuminanceMean(_ img: Image, to reference: Image, region: Image? = nil) -> Image {
        let target = luminanceMean(reference, region: region)
        var out = img.rgb()
        for _ in 0..<3 {
            let d = target - luminanceMean(out, region: region)
            if abs(d) < 1e-4 { break }
            for i in 0..<out.pixelCount where region.map({ $0.samples[i * $0.channels] > 0 }) ?? true {
                for c in 0..<3 { out.samples[3 * i + c] = min(1, max(0, out.samples[3 * i + c] + d)) }
            }
        }
        return out
    }
}
