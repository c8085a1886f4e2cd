import Foundation
import Tensor

/// AnomalyDINO's zero-shot foreground mask: the sign of each patch's projection on the first principal
/// component of the image's own patch tokens, flipped when the central region keeps 35 % or less of it,
/// then dilated by one patch.
public enum ForegroundMask {
    /// `nil` when the grid is too small to tell (fewer than 4 x 4 patches).
    public static func estimate(_ tokens: Tensor, grid: (Int, Int), iterations: Int = 30) -> [Bool]? {
        let (h, w) = grid
        guard h >= 4 && w >= 4 else { return nil }
        let (n, c) = (tokens.shape[0], tokens.shape[1])
        let projection: [Float] = noGrad {
            let centred = (tokens - tokens.mean(axis: 0).reshaped([1, -1])).contiguous()
            let gram = centred.transposed().matmul(centred).contiguous()          // [C, C]
            var v = Tensor(shape: [c, 1], data: (0..<c).map { Float(($0 * 7919) % 13) - 6 })
            for _ in 0..<iterations {
                v = gram.matmul(v)
                let norm = v.scalars.reduce(0) { $0 + $1 * $1 }.squareRoot()
                v = v * (1 / max(norm, 1e-12))
            }
            return centred.matmul(v).scalars
        }
        var mask = projection.map { $0 > 0 }
        var centre = 0, kept = 0
        for r in (h / 4)..<(h - h / 4) {
            for col in (w / 4)..<(w - w / 4) { centre += 1; if mask[r * w + col] { kept += 1 } }
        }
        if Double(kept) <= 0.35 * Double(centre) { mask = mask.map { !$0 } }
        var dilated = mask
        for r in 0..<h {
            for col in 0..<w where !mask[r * w + col] {
                outer: for dr in -1...1 {
                    for dc in -1...1 {
                        let (rr, cc) = (r + dr, col + dc)
                        if rr >= 0 && rr < h && cc >= 0 && cc < w && mask[rr * w + cc] { dilated[r * w + col] = true; break outer }
                    }
                }
            }
        }
        precondition(dilated.count == n)
        return dilated
    }

    /// Whether `mask` looks like one object on a background: it keeps at least 60 % of the central region
    /// (the middle half of each side) and at most 30 % of the outermost ring of patches. A surface's first
    /// principal component splits it into blobs that reach the border as often as the centre.
    public static func looksLikeObject(_ mask: [Bool], grid: (Int, Int)) -> Bool {
        let (h, w) = grid
        guard h >= 4 && w >= 4 && mask.count == h * w else { return false }
        var centre = 0, centreKept = 0, ring = 0, ringKept = 0
        for r in 0..<h {
            for c in 0..<w {
                let keep = mask[r * w + c]
                if r == 0 || c == 0 || r == h - 1 || c == w - 1 { ring += 1; if keep { ringKept += 1 } }
                if r >= h / 4 && r < h - h / 4 && c >= w / 4 && c < w - w / 4 { centre += 1; if keep { centreKept += 1 } }
            }
        }
        return Double(centreKept) >= 0.6 * Double(centre) && Double(ringKept) <= 0.3 * Double(ring)
    }

    /// The rows of `tokens` `[N, C]` inside `mask` (all rows when the mask is `nil` or keeps fewer than 4).
    static func rows(_ tokens: Tensor, mask: [Bool]?) -> Tensor {
        guard let mask else { return tokens }
        let keep = mask.indices.filter { mask[$0] }
        guard keep.count >= 4 else { return tokens }
        return noGrad { tokens.indexSelect(axis: 0, indices: keep).contiguous() }
    }
}
