/// Max/min reductions with arg positions, argmax and top-k.
///
/// Ties pick the first (lowest) index; NaN counts as larger than every number for `max`/`topK(largest:)`
/// and smaller for `min` (it propagates, as in torch). Gradients go to the selected positions only.
extension Tensor {
    /// Maximum along `axis`; the gradient goes to the (first) position of the maximum.
    /// Shape: `axis` removed, or kept as size 1 when `keepDim`.
    public func max(axis: Int, keepDim: Bool = false) -> Tensor {
        extremum(axis: axis, keepDim: keepDim, largest: true).values
    }

    /// Minimum along `axis`; the gradient goes to the (first) position of the minimum.
    public func min(axis: Int, keepDim: Bool = false) -> Tensor {
        extremum(axis: axis, keepDim: keepDim, largest: false).values
    }

    /// Maximum over all elements (a scalar). As in torch, the gradient is shared evenly between all
    /// positions that hold the maximum.
    public func max() -> Tensor { extremumAll(largest: true) }

    /// Minimum over all elements (a scalar); the gradient is shared evenly between the tied positions.
    public func min() -> Tensor { extremumAll(largest: false) }

    func extremumAll(largest: Bool) -> Tensor {
        let v = noGrad { reshaped([-1]).extremum(axis: 0, keepDim: false, largest: largest).values }
        let x = detached()
        return record(v, largest ? "max_all" : "min_all", [self]) { g in
            let m = v.item, gv = g.item
            let hit = Kernels.map(x) { ($0 == m || ($0 != $0 && m != m)) ? 1 : 0 }
            let ties = Kernels.sumRow(hit.pointer, hit.count)
            return [hit * (gv / ties)]
        }
    }

    /// Index of the maximum along `axis` for every position of the other dimensions, in row-major order
    /// over those dimensions (shape `shape` without `axis`).
    public func argmax(axis: Int) -> [Int] {
        noGrad { extremum(axis: axis, keepDim: false, largest: true).indices }
    }

    /// Index of the minimum along `axis`, row-major over the other dimensions.
    public func argmin(axis: Int) -> [Int] {
        noGrad { extremum(axis: axis, keepDim: false, largest: false).indices }
    }

    /// The `k` largest (or smallest) values along `axis`, sorted (best first), and their indices along
    /// `axis`. `values` has `shape` with `axis` of size `k`; `indices` lists, for each element of
    /// `values` in row-major order, its position along `axis`. Values are differentiable.
    public func topK(_ k: Int, axis: Int = -1, largest: Bool = true) -> (values: Tensor, indices: [Int]) {
        let a = ShapeUtil.axis(axis, rank: Swift.max(rank, 1))
        if rank == 0 { return reshaped([1]).topK(k, axis: 0, largest: largest) }
        let n = shape[a]
        check(k >= 0 && k <= n, "topK: k = \(k) out of range for axis \(axis) of size \(n) in \(shape)")
        // Move the axis last so each row is dense.
        var perm = Array(0..<rank)
        perm.remove(at: a)
        perm.append(a)
        let rowsT = permutedView(perm).contiguousView()
        let rows = n == 0 ? 0 : rowsT.count / n
        let vals = Tensor(uninitializedShape: Array(rowsT.shape.dropLast()) + [k])
        var idx = [Int](repeating: 0, count: rows * k)
        let src = rowsT.pointer, dv = vals.pointer
        idx.withUnsafeMutableBufferPointer { ib in
            let di = ib.baseAddress!
            Threading.parallelFor(rows, grain: Swift.max(1, (1 << 14) / Swift.max(n, 1))) { r in
                var order = [Int32](repeating: 0, count: n)
                for row in r {
                    Kernels.topKRow(src + row * n, n, k, largest, &order)
                    for j in 0..<k {
                        let i = Int(order[j])
                        dv[row * k + j] = src[row * n + i]
                        di[row * k + j] = i
                    }
                }
            }
        }
        // Back to the original axis order.
        var inverse = [Int](repeating: 0, count: rank)
        for (i, v) in perm.enumerated() { inverse[v] = i }
        let outShape = shape.enumerated().map { $0.offset == a ? k : $0.element }
        let values = a == rank - 1 ? vals : vals.permutedView(inverse).contiguousView()
        let indices = a == rank - 1 ? idx : Kernels.permuteIndices(idx, shape: vals.shape, perm: inverse)
        let inShape = shape
        return (record(values, "topk", [self]) { g in
            [Kernels.scatterAlong(g, indices: indices, axis: a, size: inShape[a])]
        }, indices)
    }

    /// Max or min along `axis` with the arg positions.
    func extremum(axis: Int, keepDim: Bool, largest: Bool) -> (values: Tensor, indices: [Int]) {
        let a = ShapeUtil.axis(axis, rank: rank)
        let n = shape[a]
        check(n > 0, "\(largest ? "max" : "min"): axis \(axis) of \(shape) is empty")
        let x = contiguous()
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        let reducedShape = shape.enumerated().filter { $0.offset != a }.map(\.element)
        let keptShape = shape.enumerated().map { $0.offset == a ? 1 : $0.element }
        let out = Tensor(uninitializedShape: keepDim ? keptShape : reducedShape)
        var idx = [Int](repeating: 0, count: outer * inner)
        let s = x.pointer, d = out.pointer
        idx.withUnsafeMutableBufferPointer { ib in
            let di = ib.baseAddress!
            // Parallel over the outer blocks; each block scans n slices of `inner` contiguous values.
            Threading.parallelFor(outer, grain: Swift.max(1, (1 << 15) / Swift.max(1, n * inner))) { r in
                for o in r {
                    let base = s + o * n * inner
                    let dv = d + o * inner, dx = di + o * inner
                    for i in 0..<inner { dv[i] = base[i]; dx[i] = 0 }
                    for j in 1..<Swift.max(n, 1) {
                        let p = base + j * inner
                        for i in 0..<inner {
                            let v = p[i], b = dv[i]
                            let better = largest ? (v > b) : (v < b)
                            if better || (v != v && b == b) { dv[i] = v; dx[i] = j }
                        }
                    }
                }
            }
        }
        let inShape = shape
        let values = record(out, largest ? "max" : "min", [self]) { g in
            [Kernels.scatterAlong(g.reshaped(keptShape), indices: idx, axis: a, size: inShape[a])]
        }
        return (values, idx)
    }
}

extension Kernels {
    /// A zero tensor of `g.shape` with `axis` of length `size`, where `g`'s element at flat position `e`
    /// is added at position `indices[e]` along `axis` (the backward of a selection along an axis).
    static func scatterAlong(_ g: Tensor, indices: [Int], axis a: Int, size: Int) -> Tensor {
        var outShape = g.shape
        let m = outShape[a]
        outShape[a] = size
        let out = Tensor.zeros(outShape)
        let gc = g.contiguous()
        let outer = g.shape[..<a].reduce(1, *), inner = g.shape[(a + 1)...].reduce(1, *)
        let pg = gc.pointer, d = out.pointer
        for o in 0..<outer {
            for j in 0..<m {
                let e = (o * m + j) * inner
                for i in 0..<inner {
                    d[(o * size + indices[e + i]) * inner + i] += pg[e + i]
                }
            }
        }
        return out
    }

    /// Reorders a row-major index list laid out with `shape` into the layout of `shape` permuted by `perm`.
    static func permuteIndices(_ idx: [Int], shape: [Int], perm: [Int]) -> [Int] {
        let t = Tensor(shape: shape, data: idx.map { Float($0) })
        return t.permutedView(perm).contiguousView().scalars.map { Int($0) }
    }

    /// Writes the positions of the `k` best values of `p[0..<n]` into `order[0..<k]`, best first; ties
    /// keep the lower index first; NaN ranks above every number when `largest`, below when not.
    static func topKRow(_ p: UnsafePointer<Float>, _ n: Int, _ k: Int, _ largest: Bool, _ order: inout [Int32]) {
        if k == 0 { return }
        @inline(__always) func better(_ i: Int32, _ j: Int32) -> Bool {
            let a = p[Int(i)], b = p[Int(j)]
            if a == b || (a != a && b != b) { return i < j }
            if a != a { return largest ? b == b : false }
            if b != b { return largest ? false : true }
            return largest ? a > b : a < b
        }
        if k <= 16 && k * 8 <= n {
            // Insertion into a sorted buffer of k: one pass, cheap rejection of most elements.
            var count = 0
            for i in 0..<Int32(n) {
                if count == k && !better(i, order[k - 1]) { continue }
                var pos = count == k ? k - 1 : count
                while pos > 0 && better(i, order[pos - 1]) { order[pos] = order[pos - 1]; pos -= 1 }
                order[pos] = i
                if count < k { count += 1 }
            }
            return
        }
        for i in 0..<n { order[i] = Int32(i) }
        order.withUnsafeMutableBufferPointer { all in
            var b = UnsafeMutableBufferPointer(rebasing: all[0..<n])
            if k < n / 2 && selectBest(b, k, better) {
                var head = UnsafeMutableBufferPointer(rebasing: b[0..<k])
                head.sort(by: better)
            } else {
                b.sort(by: better)
            }
        }
    }

    /// Quickselect: reorders `b` so that its first `k` entries are the `k` best under `better` (a strict
    /// total order), in no particular order. Returns false (leaving a permutation of `b`) if the
    /// partitioning degenerates, so that the caller sorts everything instead.
    static func selectBest(_ b: UnsafeMutableBufferPointer<Int32>, _ k: Int, _ better: (Int32, Int32) -> Bool) -> Bool {
        var lo = 0, hi = b.count - 1, budget = 4 * (Int.bitWidth - b.count.leadingZeroBitCount) + 8
        while lo < hi {
            budget -= 1
            if budget < 0 { return false }
            // Median of three as the pivot.
            let mid = lo + (hi - lo) / 2
            if better(b[mid], b[lo]) { b.swapAt(mid, lo) }
            if better(b[hi], b[lo]) { b.swapAt(hi, lo) }
            if better(b[hi], b[mid]) { b.swapAt(hi, mid) }
            let pivot = b[mid]
            var i = lo, j = hi
            while i <= j {
                while better(b[i], pivot) { i += 1 }
                while better(pivot, b[j]) { j -= 1 }
                if i <= j { b.swapAt(i, j); i += 1; j -= 1 }
            }
            // Now b[lo...j] are no worse than the pivot's rank and b[i...hi] no better.
            if k - 1 <= j { hi = j } else if k - 1 >= i { lo = i } else { return true }
        }
        return true
    }
}
