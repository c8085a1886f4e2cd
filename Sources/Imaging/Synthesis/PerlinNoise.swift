import Foundation
import Tensor

/// 2-D gradient (Perlin) noise on a periodic lattice of random unit gradients, quintic fade
/// `6t^5 - 15t^4 + 10t^3` (as DRAEM's `rand_perlin_2d`). Values lie roughly in [-0.7, 0.7].
public struct PerlinNoise: Sendable {
    /// Lattice cells across x and y.
    public let cellsX: Int, cellsY: Int
    var gx: [Float], gy: [Float]

    public init(cellsX: Int, cellsY: Int, rng: inout SeededRandom) {
        check(cellsX >= 1 && cellsY >= 1, "PerlinNoise: cells \(cellsX)x\(cellsY)")
        self.cellsX = cellsX; self.cellsY = cellsY
        gx = []; gy = []
        for _ in 0..<(cellsX * cellsY) {
            let a = 2 * Float.pi * rng.nextFloat()
            gx.append(cos(a)); gy.append(sin(a))
        }
    }

    @inline(__always) static func fade(_ t: Float) -> Float { t * t * t * (t * (t * 6 - 15) + 10) }

    /// Noise at lattice coordinates (u, v) (one unit = one cell); periodic with period (cellsX, cellsY).
    public func value(_ u: Float, _ v: Float) -> Float {
        let fu = u.rounded(.down), fv = v.rounded(.down)
        let du = u - fu, dv = v - fv
        var i0 = Int(fu) % cellsX, j0 = Int(fv) % cellsY
        if i0 < 0 { i0 += cellsX }
        if j0 < 0 { j0 += cellsY }
        let i1 = (i0 + 1) % cellsX, j1 = (j0 + 1) % cellsY
        @inline(__always) func dot(_ i: Int, _ j: Int, _ x: Float, _ y: Float) -> Float {
            let k = j * cellsX + i
            return gx[k] * x + gy[k] * y
        }
        let n00 = dot(i0, j0, du, dv), n10 = dot(i1, j0, du - 1, dv)
        let n01 = dot(i0, j1, du, dv - 1), n11 = dot(i1, j1, du - 1, dv - 1)
        let a = PerlinNoise.fade(du), b = PerlinNoise.fade(dv)
        return (1 - b) * ((1 - a) * n00 + a * n10) + b * ((1 - a) * n01 + a * n11)
    }

    /// A `width` x `height` field with `cellsX` x `cellsY` cells across the image, rotated by `degrees`
    /// about the image centre.
    public func field(width: Int, height: Int, degrees: Float = 0) -> Image {
        let c = cos(degrees * .pi / 180), s = sin(degrees * .pi / 180)
        let cx = Float(width) / 2, cy = Float(height) / 2
        let sx = Float(cellsX) / Float(width), sy = Float(cellsY) / Float(height)
        var out = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                let rx = c * dx - s * dy + cx, ry = s * dx + c * dy + cy
                out[y * width + x] = value(rx * sx, ry * sy)
            }
        }
        return Image(width: width, height: height, channels: 1, samples: out)
    }

    /// DRAEM-style binary mask: cells `2^a` x `2^b` with a, b drawn from `scales` (exponents, 0...5
    /// by default), rotation uniform in `-maxRotation...maxRotation` degrees, `noise > threshold`.
    public static func mask(width: Int, height: Int, scales: ClosedRange<Int> = 0...5, threshold: Float = 0.5,
                            maxRotation: Float = 90, rng: inout SeededRandom) -> Image {
        let a = scales.lowerBound + rng.int(scales.count), b = scales.lowerBound + rng.int(scales.count)
        let noise = PerlinNoise(cellsX: 1 << a, cellsY: 1 << b, rng: &rng)
        let deg = rng.uniform(-maxRotation, maxRotation)
        var f = noise.field(width: width, height: height, degrees: deg)
        for i in 0..<f.samples.count { f.samples[i] = f.samples[i] > threshold ? 1 : 0 }
        return f
    }
}
