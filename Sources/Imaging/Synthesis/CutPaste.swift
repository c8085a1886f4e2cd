import Foundation
import Tensor

/// CutPaste "scar" (Li et al., 2021): a thin rectangle (2-16 px by 10-25 px at 256 px, scaled with the
/// image), cut from a random place, colour-jittered, rotated by -45...45 degrees and pasted elsewhere.
public enum CutPaste {
    /// The altered image, the exact mask of changed pixels and its area; nil when nothing changed.
    public static func scar(_ img: Image, foreground: Image? = nil, rng: inout SeededRandom)
        -> (image: Image, mask: Image, area: Int)? {
        let w = img.width, h = img.height
        let s = Float(min(w, h)) / 256
        let pw = max(1, Int(rng.uniform(2, 16) * s)), ph = max(3, Int(rng.uniform(10, 25) * s))
        guard pw < w, ph < h else { return nil }
        let sx = rng.int(w - pw + 1), sy = rng.int(h - ph + 1)
        let angle = rng.uniform(-45, 45) * .pi / 180
        let jitter = (0..<3).map { _ in rng.uniform(-0.1, 0.1) }
        var cx = Float(rng.int(w)), cy = Float(rng.int(h))
        if let f = foreground {
            for _ in 0..<20 {
                if f[Int(cx), Int(cy), 0] > 0.5 { break }
                cx = Float(rng.int(w)); cy = Float(rng.int(h))
            }
        }
        let ca = cos(angle), sa = sin(angle)
        let r = Int((Float(pw * pw + ph * ph)).squareRoot() / 2) + 1
        var out = img.rgb()
        var mask = Image(width: w, height: h, channels: 1, repeating: 0)
        var area = 0
        for y in max(0, Int(cy) - r)..<min(h, Int(cy) + r + 1) {
            for x in max(0, Int(cx) - r)..<min(w, Int(cx) + r + 1) {
                if let f = foreground, f[x, y, 0] <= 0.5 { continue }
                // Inverse rotation into patch coordinates.
                let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                let u = ca * dx + sa * dy + Float(pw) / 2, v = -sa * dx + ca * dy + Float(ph) / 2
                guard u >= 0, v >= 0, u < Float(pw), v < Float(ph) else { continue }
                let px = sx + Int(u), py = sy + Int(v)
                var changed = false
                for c in 0..<3 {
                    let nv = min(1, max(0, img[px, py, min(c, img.channels - 1)] + jitter[c]))
                    if abs(nv - out[x, y, c]) > 1e-6 { changed = true }
                    out[x, y, c] = nv
                }
                if changed { mask[x, y, 0] = 1; area += 1 }
            }
        }
        return area > 0 ? (out, mask, area) : nil
    }
}
