/// Selecting by index lists and by masks. Index lists are plain `[Int]` (row-major over `indexShape`
/// where a shape is needed); out-of-range indices are programmer errors and trap with the offending value.
extension Tensor {
    /// The slices at `indices` along `axis`, in that order (repeats allowed; torch `index_select`).
    /// Shape: `shape` with `axis` of size `indices.count`. Backward scatter-adds into the selected slices.
    public func indexSelect(axis: Int, indices: [Int]) -> Tensor {
        let a = ShapeUtil.axis(axis, rank: rank)
        let n = shape[a], m = indices.count
        for i in indices { check(i >= 0 && i < n, "indexSelect: index \(i) out of range 0..<\(n) (axis \(axis) of \(shape))") }
        var outShape = shape
        outShape[a] = m
        let x = contiguous()
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        let out = Tensor(uninitializedShape: outShape)
        let s = x.pointer, d = out.pointer
        if inner > 0 {
            indices.withUnsafeBufferPointer { ib in
                Threading.parallelFor(outer * m, grain: Swift.max(1, (1 << 15) / inner)) { r in
                    for e in r {
                        let o = e / m, j = e % m
                        (d + e * inner).update(from: s + (o * n + ib[j]) * inner, count: inner)
                    }
                }
            }
        }
        let inShape = shape
        return record(out, "index_select", [self]) { g in
            let gc = g.contiguous()
            let dx = Tensor.zeros(inShape)
            let pg = gc.pointer, pd = dx.pointer
            for o in 0..<outer {
                for j in 0..<m {
                    let src = pg + (o * m + j) * inner, dst = pd + (o * n + indices[j]) * inner
                    Kernels.vzip(dst, src, dst, inner) { $0 + $1 }
                }
            }
            return [dx]
        }
    }

    /// `torch.gather`: `out[p] = self[p with axis replaced by index[p]]` for every position `p` of
    /// `indexShape` (same rank as `self`, each size <= `self`'s except along `axis`). `indices` holds the
    /// index tensor in row-major order. Backward scatter-adds.
    public func gather(axis: Int, indices: [Int], indexShape: [Int]) -> Tensor {
        let a = ShapeUtil.axis(axis, rank: rank)
        check(indexShape.count == rank, "gather: index shape \(indexShape) must have the rank of \(shape)")
        check(indices.count == ShapeUtil.count(indexShape), "gather: \(indices.count) indices for shape \(indexShape)")
        for d in 0..<rank where d != a {
            check(indexShape[d] <= shape[d], "gather: index shape \(indexShape) exceeds \(shape) at dim \(d)")
        }
        let n = shape[a]
        for i in indices { check(i >= 0 && i < n, "gather: index \(i) out of range 0..<\(n) (axis \(axis) of \(shape))") }
        // Source offsets (in `self`'s strides) of every output element.
        let offsets = Kernels.gatherOffsets(indexShape: indexShape, axis: a, indices: indices, strides: strides)
        let out = Tensor(uninitializedShape: indexShape)
        let s = pointer, d = out.pointer
        for e in 0..<offsets.count { d[e] = s[offsets[e]] }
        let inShape = shape
        return record(out, "gather", [self]) { g in
            let gc = g.contiguous()
            let dx = Tensor.zeros(inShape)
            let dense = Kernels.gatherOffsets(indexShape: indexShape, axis: a, indices: indices,
                                              strides: ShapeUtil.contiguousStrides(inShape))
            let pg = gc.pointer, pd = dx.pointer
            for e in 0..<dense.count { pd[dense[e]] += pg[e] }
            return [dx]
        }
    }

    /// Rows of `weight` (`[V, D]`) picked by `ids` (each in `0..<V`), shaped `idsShape + [D]`.
    /// Backward scatter-adds into the picked rows of `weight`.
    public static func embedding(weight: Tensor, ids: [Int], shape idsShape: [Int]) -> Tensor {
        check(weight.rank == 2, "embedding: weight must be [V, D], got \(weight.shape)")
        check(ids.count == ShapeUtil.count(idsShape), "embedding: \(ids.count) ids for shape \(idsShape)")
        let out = weight.indexSelect(axis: 0, indices: ids)
        return out.reshaped(idsShape + [weight.shape[1]])
    }

    /// Elementwise `condition != 0 ? a : b` with broadcasting of all three. Gradients flow to `a` and `b`
    /// (summed back to their shapes), not to `condition`.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = ShapeUtil.broadcast(ShapeUtil.broadcast(condition.shape, a.shape), b.shape)
        let out = Kernels.ternary(condition, a, b, shape: shape) { c, x, y in c != 0 ? x : y }
        let c = condition.detached()
        return record(out, "where", [condition, a, b]) { g in
            let zero = Tensor(0)
            return [nil,
                    a.requiresGrad ? Kernels.ternary(c, g, zero, shape: shape) { c, g, z in c != 0 ? g : z }.summed(toShape: a.shape) : nil,
                    b.requiresGrad ? Kernels.ternary(c, zero, g, shape: shape) { c, z, g in c != 0 ? z : g }.summed(toShape: b.shape) : nil]
        }
    }

    /// `value` where `mask != 0`, else `self` (`mask` broadcasts to `shape`). Gradient: `g` where the
    /// mask is 0.
    public func maskedFill(_ mask: Tensor, value: Float) -> Tensor {
        check(ShapeUtil.broadcast(mask.shape, shape) == shape, "maskedFill: mask \(mask.shape) does not broadcast to \(shape)")
        let fill = Tensor(value)
        let out = Kernels.ternary(mask, fill, self, shape: shape) { c, v, x in c != 0 ? v : x }
        let m = mask.detached()
        let sh = shape
        return record(out, "masked_fill", [self]) { g in
            [Kernels.ternary(m, Tensor(0), g, shape: sh) { c, z, g in c != 0 ? z : g }]
        }
    }
}

extension Kernels {
    /// Offsets `sum_d p_d * strides_d` of every position `p` of `indexShape`, with `p_axis` replaced by
    /// the index stored at that position.
    static func gatherOffsets(indexShape: [Int], axis a: Int, indices: [Int], strides: [Int]) -> [Int] {
        let r = indexShape.count
        var result = [Int](repeating: 0, count: indices.count)
        if indices.isEmpty { return result }
        var pos = [Int](repeating: 0, count: r)
        var base = 0 // offset of pos without the axis term
        for e in 0..<indices.count {
            result[e] = base + indices[e] * strides[a]
            var k = r - 1
            while k >= 0 {
                pos[k] += 1
                if k != a { base += strides[k] }
                if pos[k] < indexShape[k] { break }
                if k != a { base -= strides[k] * indexShape[k] }
                pos[k] = 0
                k -= 1
            }
        }
        return result
    }

    /// `out = f(c, a, b)` with all three broadcast to `shape` (a new dense tensor).
    static func ternary(_ c: Tensor, _ a: Tensor, _ b: Tensor, shape: [Int],
                        _ f: (Float, Float, Float) -> Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let n = out.count
        if n == 0 { return out }
        let d = out.pointer
        if shape.isEmpty { d[0] = f(c.pointer[0], a.pointer[0], b.pointer[0]); return out }
        let ec = c.expandedView(to: shape), ea = a.expandedView(to: shape), eb = b.expandedView(to: shape)
        let r = shape.count, inner = shape[r - 1]
        let sc = ec.strides[r - 1], sa = ea.strides[r - 1], sb = eb.strides[r - 1]
        let pc = ec.pointer, pa = ea.pointer, pb = eb.pointer
        var index = [Int](repeating: 0, count: r)
        var oc = 0, oa = 0, ob = 0, od = 0
        for _ in 0..<(n / inner) {
            for j in 0..<inner { d[od + j] = f(pc[oc + j * sc], pa[oa + j * sa], pb[ob + j * sb]) }
            od += inner
            var k = r - 2
            while k >= 0 {
                index[k] += 1
                oc += ec.strides[k]; oa += ea.strides[k]; ob += eb.strides[k]
                if index[k] < shape[k] { break }
                oc -= ec.strides[k] * shape[k]; oa -= ea.strides[k] * shape[k]; ob -= eb.strides[k] * shape[k]
                index[k] = 0
                k -= 1
            }
        }
        return out
    }
}
