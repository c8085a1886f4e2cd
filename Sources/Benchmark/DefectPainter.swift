import Imaging
import Foundation
import Tensor

/// Defect families of the benchmark. They are drawn by procedures unrelated to the training
/// synthesizer (no Perlin masks, no texture blending with random opacity, no grid shuffle).
public enum DefectFamily: String, CaseIterable, Sendable, Codable {
    /// Thin curved strokes (quadratic Bezier), lighter or darker than the surface.
    case scratch
    /// Shaded elliptical dents (light from one side) or dark holes.
    case dent
    /// Soft colour blots (union of discs, smooth falloff, multiplicative tint).
    case stain
    /// Branching random walks, dark and thin.
    case crack
    /// A foreign patch (another texture) in a star-shaped outline.
    case contamination
    /// An erased rectangle showing a flat, light substrate.
    case missingPrint = "missing_print"
}

/// Paints one defect of a family on an RGB image; returns the image and the exact mask (1 where the
/// painted opacity is non-zero; every other pixel is unchanged).
public enum DefectPainter {
    public static func paint(_ family: DefectFamily, on image: Image, foreign: Image8? = nil,
                             rng: inout SeededRandom) -> (image: Image, mask: Image) {
        let img = image.rgb()
        let w = img.width, h = img.height
        let size = Float(min(w, h))
        var alpha = [Float](repeating: 0, count: w * h)
        var target = img
        switch family {
        case .scratch:
            let p0 = (rng.uniform(0.1, 0.9) * Float(w), rng.uniform(0.1, 0.9) * Float(h))
            let len = rng.uniform(0.25, 0.6) * size, ang = rng.uniform(0, 2 * .pi)
            let p2 = (p0.0 + len * cos(ang), p0.1 + len * sin(ang))
            let bend = rng.uniform(-0.35, 0.35) * len
            let p1 = ((p0.0 + p2.0) / 2 - bend * sin(ang), (p0.1 + p2.1) / 2 + bend * cos(ang))
            let radius = max(0.7, rng.uniform(0.4, 1.1) * size / 128)
            let steps = Int(len * 3) + 2
            for s in 0...steps {
                let t = Float(s) / Float(steps), u = 1 - t
                let x = u * u * p0.0 + 2 * u * t * p1.0 + t * t * p2.0
                let y = u * u * p0.1 + 2 * u * t * p1.1 + t * t * p2.1
                LocalDefectPainter.stamp(&alpha, w, h, x, y, radius)
            }
            let bright = rng.nextFloat() < 0.5
            let amount = rng.uniform(0.3, 0.5)
            for i in 0..<target.samples.count {
                let v = img.samples[i]
                target.samples[i] = bright ? min(1, v + amount) : v * (1 - 1.5 * amount)
            }
        case .dent:
            let cx = rng.uniform(0.2, 0.8) * Float(w), cy = rng.uniform(0.2, 0.8) * Float(h)
            let r1 = rng.uniform(0.05, 0.13) * size, r2 = r1 * rng.uniform(0.6, 1)
            let rot = rng.uniform(0, .pi), light = rng.uniform(0, 2 * .pi)
            let hole = rng.nextFloat() < 0.35
            for y in 0..<h {
                for x in 0..<w {
                    let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                    let u = (dx * cos(rot) + dy * sin(rot)) / r1, v = (-dx * sin(rot) + dy * cos(rot)) / r2
                    let rho = (u * u + v * v).squareRoot()
                    guard rho < 1 else { continue }
                    let i = y * w + x
                    alpha[i] = 1
                    let shade = hole ? (rho < 0.75 ? 0.08 : 0.3) : 1 + 0.9 * (u * cos(light) + v * sin(light)) - 0.25 * (1 - rho)
                    for c in 0..<3 { target.samples[3 * i + c] = min(1, max(0, img.samples[3 * i + c] * shade + (hole ? 0 : 0.03))) }
                }
            }
        case .stain:
            let cx = rng.uniform(0.2, 0.8) * Float(w), cy = rng.uniform(0.2, 0.8) * Float(h)
            let base = rng.uniform(0.06, 0.14) * size
            let tint: [Float] = [[0.55, 0.4, 0.2], [0.3, 0.3, 0.35], [0.9, 0.75, 0.3], [0.4, 0.6, 0.3]][rng.int(4)]
            let strength = rng.uniform(0.6, 0.9)
            let blobs = (0..<(3 + rng.int(4))).map { _ in
                (cx + rng.uniform(-1, 1) * base, cy + rng.uniform(-1, 1) * base, base * rng.uniform(0.5, 1))
            }
            for y in 0..<h {
                for x in 0..<w {
                    var a: Float = 0
                    for (bx, by, br) in blobs {
                        let d = ((Float(x) + 0.5 - bx) * (Float(x) + 0.5 - bx) + (Float(y) + 0.5 - by) * (Float(y) + 0.5 - by)).squareRoot()
                        let t = max(0, 1 - d / br)
                        a = max(a, t * t * (3 - 2 * t))
                    }
                    let i = y * w + x
                    alpha[i] = a * strength >= 0.15 ? a * strength : 0
                }
            }
            for i in 0..<(w * h) { for c in 0..<3 { target.samples[3 * i + c] = img.samples[3 * i + c] * tint[c] } }
        case .crack:
            var walkers: [(Float, Float, Float, Int, Int)] = [(rng.uniform(0.2, 0.8) * Float(w), rng.uniform(0.2, 0.8) * Float(h),
                                                              rng.uniform(0, 2 * .pi), Int(rng.uniform(0.25, 0.5) * size), 0)]
            let radius = max(0.6, size / 200)
            while let (sx, sy, sa, steps, depth) = walkers.popLast() {
                var x = sx, y = sy, a = sa
                for _ in 0..<steps {
                    a += rng.normal() * 0.3
                    x += cos(a); y += sin(a)
                    if x < 0 || y < 0 || x >= Float(w) || y >= Float(h) { break }
                    LocalDefectPainter.stamp(&alpha, w, h, x, y, radius)
                    if depth < 2 && rng.nextFloat() < 0.04 {
                        walkers.append((x, y, a + (rng.nextFloat() < 0.5 ? -1 : 1) * rng.uniform(0.5, 1.1), steps / 3, depth + 1))
                    }
                }
            }
            for i in 0..<target.samples.count { target.samples[i] = img.samples[i] * 0.2 }
        case .contamination:
            let cx = rng.uniform(0.2, 0.8) * Float(w), cy = rng.uniform(0.2, 0.8) * Float(h)
            let r0 = rng.uniform(0.06, 0.14) * size
            let waves = (0..<3).map { _ in (Float(2 + rng.int(5)), rng.uniform(0, 2 * .pi), rng.uniform(0.05, 0.2)) }
            let patch: Image
            if let f = foreign { patch = TextureLibrary.window(of: f.rgb(), width: w, height: h, rng: &rng).toFloat() }
            else {
                let col = (0..<3).map { _ in rng.nextFloat() }
                patch = Image(width: w, height: h, channels: 3, samples: (0..<(w * h * 3)).map { col[$0 % 3] })
            }
            for y in 0..<h {
                for x in 0..<w {
                    let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                    let phi = atan2(dy, dx)
                    var r = r0
                    for (k, ph, amp) in waves { r *= 1 + amp * sin(k * phi + ph) }
                    if (dx * dx + dy * dy).squareRoot() < r { alpha[y * w + x] = 1 }
                }
            }
            target = patch
        case .missingPrint:
            let rw = Int(rng.uniform(0.1, 0.3) * Float(w)) + 2, rh = Int(rng.uniform(0.1, 0.3) * Float(h)) + 2
            let x0 = rng.int(max(1, w - rw)), y0 = rng.int(max(1, h - rh))
            var mean: [Float] = [0, 0, 0]
            for i in 0..<(w * h) { for c in 0..<3 { mean[c] += img.samples[3 * i + c] / Float(w * h) } }
            let substrate = mean.map { 0.8 + 0.2 * $0 }
            for y in y0..<min(h, y0 + rh) {
                for x in x0..<min(w, x0 + rw) {
                    let i = y * w + x
                    alpha[i] = 1
                    let n = rng.uniform(-0.01, 0.01)
                    for c in 0..<3 { target.samples[3 * i + c] = min(1, substrate[c] + n) }
                }
            }
        }
        var out = img
        var mask = Image(width: w, height: h, channels: 1, repeating: 0)
        for i in 0..<(w * h) where alpha[i] > 0 {
            let a = min(1, alpha[i])
            mask.samples[i] = 1
            for c in 0..<3 { out.samples[3 * i + c] = (1 - a) * img.samples[3 * i + c] + a * target.samples[3 * i + c] }
        }
        return (out, mask)
    }
}
