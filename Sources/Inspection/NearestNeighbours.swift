import Foundation
import Tensor

/// Cosine nearest-neighbour search of unit-length patch tokens against reference banks, chunked so memory
/// stays bounded (a chunk of bank rows times the queries at a time), on BLAS.
public enum NearestNeighbours {
    /// Bank rows per similarity block.
    public static var chunkRows = 4096

    /// Per query row of `queries` `[n, C]`, the highest cosine similarity to any row of any of `banks`
    /// (each `[M_b, C]`); `-1` where no bank has rows.
    public static func maxSimilarity(_ queries: Tensor, banks: [Tensor]) -> [Float] {
        let n = queries.shape[0]
        var best = [Float](repeating: -1, count: n)
        guard n > 0 else { return best }
        noGrad {
            let qt = queries.transposed().contiguous()            // [C, n]
            for bank in banks where bank.shape[0] > 0 {
                check(bank.shape[1] == queries.shape[1], "NearestNeighbours: bank \(bank.shape) vs queries \(queries.shape)")
                var start = 0
                while start < bank.shape[0] {
                    let end = min(start + chunkRows, bank.shape[0])
                    let sim = bank.sliced(axis: 0, start: start, end: end).matmul(qt).contiguous()   // [m, n]
                    let p = sim.pointer
                    best.withUnsafeMutableBufferPointer { b in
                        for r in 0..<(end - start) {
                            let row = p + r * n
                            for j in 0..<n where row[j] > b[j] { b[j] = row[j] }
                        }
                    }
                    start = end
                }
            }
        }
        return best
    }

    /// `1 - max cos` per query row (see ``maxSimilarity(_:banks:)``).
    public static func distances(_ queries: Tensor, banks: [Tensor]) -> [Float] {
        maxSimilarity(queries, banks: banks).map { 1 - $0 }
    }

    /// Self-distances of one image's grid tokens `[h*w, C]`: per patch `1 - max cos` to the image's other
    /// patches outside a `(2 radius + 1)^2` window around it, so a patch cannot match itself or its
    /// overlapping neighbours. The normal-score estimate when there is only one reference.
    public static func selfDistances(_ tokens: Tensor, grid: (Int, Int), radius: Int = 2) -> [Float] {
        windowDistances(tokens, against: tokens, grid: grid, radius: radius)
    }

    /// Each patch of `tokens` against the patches of `other` (the same grid) outside a window of `radius` around
    /// its own position, `1 - max cos`: with `other` the image a copy was made from, untouched patches score as
    /// that image's ``selfDistances(_:grid:radius:)`` do, changed ones as what they now are.
    public static func windowDistances(_ tokens: Tensor, against other: Tensor, grid: (Int, Int), radius: Int = 2) -> [Float] {
        let (h, w) = grid, n = h * w
        precondition(tokens.shape[0] == n && other.shape[0] == n, "windowDistances: both token sets must fill the grid")
        return noGrad {
            let sim = tokens.matmul(other.transposed().contiguous()).contiguous()
            let p = sim.pointer
            var out = [Float](repeating: 1, count: n)
            for j in 0..<n {
                let (rj, cj) = (j / w, j % w)
                var best: Float = -1
                let row = p + j * n
                for i in 0..<n {
                    let (ri, ci) = (i / w, i % w)
                    if abs(ri - rj) <= radius && abs(ci - cj) <= radius { continue }
                    if row[i] > best { best = row[i] }
                }
                out[j] = 1 - best
            }
            return out
        }
    }

    /// The two halves of a grid `(rows, columns)` as row-major patch indices: left and right columns, or
    /// (`topBottom`) upper and lower rows. `nil` when that side has fewer than 2 patches.
    public static func halves(grid: (Int, Int), topBottom: Bool) -> ([Int], [Int])? {
        let (h, w) = grid
        guard topBottom ? h >= 2 : w >= 2 else { return nil }
        var first: [Int] = [], second: [Int] = []
        for r in 0..<h {
            for c in 0..<w {
                if topBottom ? r < h / 2 : c < w / 2 { first.append(r * w + c) } else { second.append(r * w + c) }
            }
        }
        return (first, second)
    }

    /// Split distances of one image's grid tokens `[h*w, C]`: each patch of one half (``halves(grid:topBottom:)``)
    /// against every patch of the other half, `1 - max cos`. The one-reference normal estimate of
    /// ``SingleReferenceCalibration/halves``: one full map per split, like a test image's against a reference.
    /// With `other` (the same grid), each half of `tokens` is compared with the other half of `other` instead.
    public static func splitDistances(_ tokens: Tensor, other: Tensor? = nil, grid: (Int, Int), topBottom: Bool) -> [Float] {
        let other = other ?? tokens
        guard let (a, b) = halves(grid: grid, topBottom: topBottom) else { return windowDistances(tokens, against: other, grid: grid) }
        var out = [Float](repeating: 1, count: tokens.shape[0])
        noGrad {
            let (ta, tb) = (tokens.indexSelect(axis: 0, indices: a).contiguous(), tokens.indexSelect(axis: 0, indices: b).contiguous())
            let (oa, ob) = (other.indexSelect(axis: 0, indices: a).contiguous(), other.indexSelect(axis: 0, indices: b).contiguous())
            for (i, d) in zip(a, distances(ta, banks: [ob])) { out[i] = d }
            for (i, d) in zip(b, distances(tb, banks: [oa])) { out[i] = d }
        }
        return out
    }

    /// Mean of the top `fraction` of `values` (at least one value).
    public static func topMean(_ values: [Float], fraction: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let k = max(1, Int((Double(values.count) * fraction).rounded(.down)))
        let top = values.count > 64 ? Tensor(shape: [values.count], data: values).topK(k).values.scalars
                                    : Array(values.sorted(by: >).prefix(k))
        return top.reduce(0.0) { $0 + Double($1) } / Double(k)
    }
}
