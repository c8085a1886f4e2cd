import Foundation
import Tensor

/// Separable Gaussian smoothing identical to `scipy.ndimage.gaussian_filter(x, sigma, mode="reflect",
/// truncate=truncate)` on a 2-D float array: kernel radius `int(truncate * sigma + 0.5)`, weights
/// `exp(-x^2 / (2 sigma^2))` normalised in double precision, rows (axis 0) filtered first, then columns,
/// accumulating in double and storing float32 between passes, with half-sample symmetric ("reflect")
/// borders `d c b a | a b c d | d c b a`.
public enum GaussianBlur {
    /// The normalised 1-D kernel (length `2 * radius + 1`).
    public static func kernel(sigma: Double, truncate: Double = 4) -> [Double] {
        let radius = Int(truncate * sigma + 0.5)
        var w = (-radius...radius).map { x in exp(-0.5 / (sigma * sigma) * Double(x * x)) }
        let s = w.reduce(0, +)
        for i in w.indices { w[i] /= s }
        return w
    }

    /// Reflect-mode index for any integer `i` and length `n`.
    @inline(__always) static func reflect(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        let period = 2 * n
        var m = i % period
        if m < 0 { m += period }
        return m >= n ? period - 1 - m : m
    }

    /// Blurs one plane of `height` x `width` values (row-major).
    public static func apply(_ values: [Float], width: Int, height: Int, sigma: Float = 4, truncate: Float = 4) -> [Float] {
        check(values.count == width * height, "GaussianBlur: \(values.count) values for \(width)x\(height)")
        if sigma <= 0 || values.isEmpty { return values }
        let k = kernel(sigma: Double(sigma), truncate: Double(truncate))
        let r = k.count / 2
        // Axis 0 (down the columns).
        var tmp = [Float](repeating: 0, count: values.count)
        var rows = [[Int]](repeating: [], count: height)
        for y in 0..<height { rows[y] = (0..<k.count).map { reflect(y + $0 - r, height) } }
        values.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { dst in
                var acc = [Double](repeating: 0, count: width)
                for y in 0..<height {
                    for x in 0..<width { acc[x] = 0 }
                    for t in 0..<k.count {
                        let row = rows[y][t] * width, w = k[t]
                        for x in 0..<width { acc[x] += Double(src[row + x]) * w }
                    }
                    for x in 0..<width { dst[y * width + x] = Float(acc[x]) }
                }
            }
        }
        // Axis 1 (along the rows).
        var out = [Float](repeating: 0, count: values.count)
        let cols = (0..<(width + 2 * r)).map { reflect($0 - r, width) }
        tmp.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var line = [Double](repeating: 0, count: width + 2 * r)
                for y in 0..<height {
                    for i in 0..<line.count { line[i] = Double(src[y * width + cols[i]]) }
                    for x in 0..<width {
                        var s = 0.0
                        for t in 0..<k.count { s += line[x + t] * k[t] }
                        dst[y * width + x] = Float(s)
                    }
                }
            }
        }
        return out
    }
}

extension Raster where Sample == Float {
    /// Each channel blurred with `GaussianBlur.apply` (scipy `gaussian_filter`, mode "reflect").
    public func gaussianBlurred(sigma: Float = 4, truncate: Float = 4) -> Image {
        if channels == 1 {
            return Image(width: width, height: height, channels: 1,
                         samples: GaussianBlur.apply(samples, width: width, height: height, sigma: sigma, truncate: truncate))
        }
        var out = self
        for c in 0..<channels {
            let plane = GaussianBlur.apply(channel(c).samples, width: width, height: height, sigma: sigma, truncate: truncate)
            for i in 0..<pixelCount { out.samples[i * channels + c] = plane[i] }
        }
        return out
    }

    /// Bilinear resize with `torch.nn.functional.interpolate(mode="bilinear", align_corners=False)`
    /// semantics (no antialias): source coordinate `(i + 0.5) * in / out - 0.5`, clamped at 0.
    /// Used to bring patch-level anomaly maps to image resolution.
    public func upsampledBilinear(width outW: Int, height outH: Int) -> Image {
        check(outW > 0 && outH > 0, "upsample to \(outW)x\(outH)")
        func taps(_ inN: Int, _ outN: Int) -> [(Int, Int, Float)] {
            let scale = Float(inN) / Float(outN)
            return (0..<outN).map { i in
                let s = max(0, (Float(i) + 0.5) * scale - 0.5)
                let i0 = min(Int(s), inN - 1)
                let i1 = min(i0 + 1, inN - 1)
                return (i0, i1, s - Float(i0))
            }
        }
        let tx = taps(width, outW), ty = taps(height, outH)
        let c = channels
        var out = [Float](repeating: 0, count: outW * outH * c)
        for y in 0..<outH {
            let (y0, y1, ly) = ty[y]
            for x in 0..<outW {
                let (x0, x1, lx) = tx[x]
                for ch in 0..<c {
                    let a = samples[(y0 * width + x0) * c + ch], b = samples[(y0 * width + x1) * c + ch]
                    let d = samples[(y1 * width + x0) * c + ch], e = samples[(y1 * width + x1) * c + ch]
                    out[(y * outW + x) * c + ch] = (1 - ly) * ((1 - lx) * a + lx * b) + ly * ((1 - lx) * d + lx * e)
                }
            }
        }
        return Image(width: outW, height: outH, channels: c, samples: out)
    }
}
