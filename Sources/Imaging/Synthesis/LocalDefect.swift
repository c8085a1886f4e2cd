import Foundation
import Tensor

/// Local defect families of the v2 benchmark, sized for 256-512 px images.
public enum LocalDefectFamily: String, CaseIterable, Sendable, Codable {
    /// A thin curved stroke (quadratic Bezier), lighter or darker.
    case scratch
    /// A branching dark random walk.
    case crack
    /// A dark round hole with a lighter rim.
    case hole
    /// A soft multiplicative colour blot.
    case stain
    /// A foreign material (another texture or a flat colour) in a star-shaped outline.
    case contamination
    /// A rectangle of the same image (from elsewhere, rotated) or of another texture, pasted.
    case cutPaste = "cut_paste"
}

/// Paints local defects of two size classes: "small" (about 8...15 px across at 320 px, like the real
/// flaws of 250...512 px inspection images) and "large" (20...130 px). Sizes scale with the shorter side
/// over 320. Works on any RGB image; `foreground` (> 0.5 = object) keeps the defect on the object.
public enum LocalDefectPainter {
    /// One defect of `family` on `image`; returns the image and its exact mask (1 where painted; every
    /// other pixel unchanged). `foreign` (same size as the image, RGB) fills contamination and some
    /// cut-paste patches; without it a flat colour / the image itself is used. Redraws (up to 20 times)
    /// until the mask has at least 4 pixels.
    public static func paint(_ family: LocalDefectFamily, on image: Image, small: Bool, foreground: Image? = nil,
                             foreign: Image? = nil, rng: inout SeededRandom) -> (image: Image, mask: Image) {
        let img = image.rgb()
        let w = img.width, h = img.height
        var result = (image: img, mask: Image(width: w, height: h, channels: 1, repeating: 0))
        for _ in 0..<20 {
            result = attempt(family, img, small: small, foreground: foreground, foreign: foreign, rng: &rng)
            if result.mask.samples.reduce(0, +) >= 4 { break }
        }
        return result
    }

    static func attempt(_ family: LocalDefectFamily, _ img: Image, small: Bool, foreground: Image?, foreign: Image?,
                        rng: inout SeededRandom) -> (image: Image, mask: Image) {
        let w = img.width, h = img.height
        let k = max(0.15, Float(min(w, h)) / 320)
        func fg(_ x: Int, _ y: Int) -> Float {
            guard let f = foreground, x >= 0, y >= 0, x < w, y < h else { return foreground == nil ? 1 : 0 }
            return f.samples[(y * w + x) * f.channels]
        }
        // A centre on the object (well inside it), away from the border.
        var cx = Float(w) / 2, cy = Float(h) / 2
        for _ in 0..<60 {
            cx = rng.uniform(0.1, 0.9) * Float(w); cy = rng.uniform(0.1, 0.9) * Float(h)
            if fg(Int(cx), Int(cy)) > 0.99 { break }
        }
        var alpha = [Float](repeating: 0, count: w * h)
        var target = img
        switch family {
        case .scratch:
            let len = (small ? rng.uniform(10, 18) : rng.uniform(50, 130)) * k
            let ang = rng.uniform(0, 2 * .pi)
            let p0 = (cx - len / 2 * cos(ang), cy - len / 2 * sin(ang)), p2 = (cx + len / 2 * cos(ang), cy + len / 2 * sin(ang))
            let bend = rng.uniform(-0.3, 0.3) * len
            let p1 = ((p0.0 + p2.0) / 2 - bend * sin(ang), (p0.1 + p2.1) / 2 + bend * cos(ang))
            let radius = max(0.6, rng.uniform(0.6, 1.2) * k)
            let steps = Int(len * 3) + 2
            for s in 0...steps {
                let t = Float(s) / Float(steps), u = 1 - t
                stamp(&alpha, w, h, u * u * p0.0 + 2 * u * t * p1.0 + t * t * p2.0,
                                    u * u * p0.1 + 2 * u * t * p1.1 + t * t * p2.1, radius)
            }
            let bright = rng.nextFloat() < 0.5, amount = rng.uniform(0.25, 0.4)
            for i in 0..<target.samples.count {
                target.samples[i] = bright ? min(1, img.samples[i] + amount) : img.samples[i] * (1 - 1.3 * amount)
            }
        case .crack:
            let total = Int((small ? rng.uniform(12, 18) : rng.uniform(50, 110)) * k)
            var walkers: [(Float, Float, Float, Int, Int)] = [(cx, cy, rng.uniform(0, 2 * .pi), max(4, total), 0)]
            let radius = max(0.55, rng.uniform(0.6, 0.9) * k)
            while let (sx, sy, sa, steps, depth) = walkers.popLast() {
                var x = sx, y = sy, a = sa
                for _ in 0..<steps {
                    a += rng.normal() * 0.3
                    x += cos(a); y += sin(a)
                    if x < 0 || y < 0 || x >= Float(w) || y >= Float(h) { break }
                    stamp(&alpha, w, h, x, y, radius)
                    if depth < 2 && !small && rng.nextFloat() < 0.04 {
                        walkers.append((x, y, a + (rng.nextFloat() < 0.5 ? -1 : 1) * rng.uniform(0.5, 1.1), steps / 3, depth + 1))
                    }
                }
            }
            let dark = rng.uniform(0.15, 0.3)
            for i in 0..<target.samples.count { target.samples[i] = img.samples[i] * dark }
        case .hole:
            let r = (small ? rng.uniform(4, 7.5) : rng.uniform(10, 22)) * k
            let e = rng.uniform(0.8, 1), rot = rng.uniform(0, .pi)
            for y in max(0, Int(cy - r - 2))..<min(h, Int(cy + r + 2)) {
                for x in max(0, Int(cx - r - 2))..<min(w, Int(cx + r + 2)) {
                    let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                    let u = (dx * cos(rot) + dy * sin(rot)) / r, v = (-dx * sin(rot) + dy * cos(rot)) / (r * e)
                    let rho = (u * u + v * v).squareRoot()
                    guard rho < 1 else { continue }
                    let i = y * w + x
                    alpha[i] = 1
                    let shade: Float = rho < 0.7 ? 0.07 : (rho < 0.85 ? 0.3 : 1.35)
                    for c in 0..<3 { target.samples[3 * i + c] = min(1, img.samples[3 * i + c] * shade + (rho >= 0.85 ? 0.05 : 0)) }
                }
            }
        case .stain:
            let base = (small ? rng.uniform(4, 7) : rng.uniform(14, 32)) * k
            let tints: [[Float]] = [[0.6, 0.45, 0.25], [0.35, 0.35, 0.4], [1.15, 0.95, 0.5], [0.5, 0.7, 0.4]]
            let tint = tints[rng.int(tints.count)]
            let strength = rng.uniform(0.6, 0.85)
            let blobs = (0..<(2 + rng.int(4))).map { _ in
                (cx + rng.uniform(-0.8, 0.8) * base, cy + rng.uniform(-0.8, 0.8) * base, base * rng.uniform(0.5, 1))
            }
            let reach = Int(base * 2.2) + 2
            for y in max(0, Int(cy) - reach)..<min(h, Int(cy) + reach) {
                for x in max(0, Int(cx) - reach)..<min(w, Int(cx) + reach) {
                    var a: Float = 0
                    for (bx, by, br) in blobs {
                        let d = ((Float(x) + 0.5 - bx) * (Float(x) + 0.5 - bx) + (Float(y) + 0.5 - by) * (Float(y) + 0.5 - by)).squareRoot()
                        let t = max(0, 1 - d / br)
                        a = max(a, t * t * (3 - 2 * t))
                    }
                    alpha[y * w + x] = a * strength >= 0.15 ? a * strength : 0
                }
            }
            for i in 0..<(w * h) { for c in 0..<3 { target.samples[3 * i + c] = min(1, img.samples[3 * i + c] * tint[c]) } }
        case .contamination:
            let r0 = (small ? rng.uniform(4, 7.5) : rng.uniform(10, 24)) * k
            let waves = (0..<3).map { _ in (Float(2 + rng.int(5)), rng.uniform(0, 2 * .pi), rng.uniform(0.05, 0.2)) }
            if let f = foreign, f.width == w, f.height == h { target = f.rgb() } else {
                let col = (0..<3).map { _ in rng.nextFloat() }
                target = Image(width: w, height: h, channels: 3, samples: (0..<(w * h * 3)).map { col[$0 % 3] })
            }
            let reach = Int(r0 * 1.8) + 2
            for y in max(0, Int(cy) - reach)..<min(h, Int(cy) + reach) {
                for x in max(0, Int(cx) - reach)..<min(w, Int(cx) + reach) {
                    let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                    let phi = atan2(dy, dx)
                    var r = r0
                    for (n, ph, amp) in waves { r *= 1 + amp * sin(n * phi + ph) }
                    if (dx * dx + dy * dy).squareRoot() < r { alpha[y * w + x] = 1 }
                }
            }
        case .cutPaste:
            let pw = (small ? rng.uniform(8, 15) : rng.uniform(22, 55)) * k
            let ph = pw * rng.uniform(0.5, 1)
            let angle = rng.uniform(0, 2 * .pi), ca = cos(angle), sa = sin(angle)
            let useForeign = foreign != nil && rng.nextFloat() < 0.35
            let source = useForeign ? foreign!.rgb() : img
            // Source window: elsewhere in the image, rotated relative to the destination.
            let sx = rng.uniform(0.15, 0.85) * Float(w), sy = rng.uniform(0.15, 0.85) * Float(h)
            let rot = rng.uniform(0.5, 2.6), cr = cos(rot), sr = sin(rot)
            let gain = rng.uniform(0.88, 1.12)
            let reach = Int(max(pw, ph)) + 2
            for y in max(0, Int(cy) - reach)..<min(h, Int(cy) + reach) {
                for x in max(0, Int(cx) - reach)..<min(w, Int(cx) + reach) {
                    let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                    let u = ca * dx + sa * dy, v = -sa * dx + ca * dy
                    guard abs(u) < pw / 2, abs(v) < ph / 2 else { continue }
                    let qx = Int(sx + cr * u - sr * v), qy = Int(sy + sr * u + cr * v)
                    let px = min(w - 1, max(0, qx)), py = min(h - 1, max(0, qy))
                    let i = y * w + x
                    alpha[i] = 1
                    for c in 0..<3 { target.samples[3 * i + c] = min(1, source.samples[(py * w + px) * 3 + c] * gain) }
                }
            }
        }
        var out = img
        var mask = Image(width: w, height: h, channels: 1, repeating: 0)
        for i in 0..<(w * h) where alpha[i] > 0 {
            let a = min(1, alpha[i]) * (foreground == nil ? 1 : (fg(i % w, i / w) > 0.99 ? 1 : 0))
            guard a > 0 else { continue }
            mask.samples[i] = 1
            for c in 0..<3 { out.samples[3 * i + c] = (1 - a) * img.samples[3 * i + c] + a * target.samples[3 * i + c] }
        }
        return (out, mask)
    }
}

extension LocalDefectPainter {
    /// Anti-aliased disc coverage (kept where >= 0.3, so strokes stay crisp and masks exact).
    public static func stamp(_ alpha: inout [Float], _ w: Int, _ h: Int, _ cx: Float, _ cy: Float, _ r: Float) {
        let x0 = max(0, Int(cx - r - 1)), x1 = min(w - 1, Int(cx + r + 1))
        let y0 = max(0, Int(cy - r - 1)), y1 = min(h - 1, Int(cy + r + 1))
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            for x in x0...x1 {
                let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                let cover = min(1, max(0, r + 0.5 - (dx * dx + dy * dy).squareRoot()))
                if cover >= 0.3 { alpha[y * w + x] = max(alpha[y * w + x], cover) }
            }
        }
    }
}
