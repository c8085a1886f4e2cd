/// Joining and splitting along an axis.
extension Tensor {
    /// Concatenates tensors along `axis` (negative counts from the end). All shapes must match except
    /// along `axis`. Shape: `axis` is the sum of the inputs' sizes. Gradients are the matching slices.
    public static func concat(_ ts: [Tensor], axis: Int) -> Tensor {
        check(!ts.isEmpty, "concat: no tensors")
        let first = ts[0]
        check(first.rank > 0, "concat: cannot concatenate scalars")
        let a = ShapeUtil.axis(axis, rank: first.rank)
        var outShape = first.shape
        outShape[a] = 0
        for t in ts {
            var s = t.shape
            check(t.rank == first.rank, "concat: rank mismatch \(t.shape) vs \(first.shape)")
            s[a] = 0
            var f = first.shape
            f[a] = 0
            check(s == f, "concat: shape \(t.shape) does not match \(first.shape) outside axis \(axis)")
            outShape[a] += t.shape[a]
        }
        if ts.count == 1 { return first * 1 }
        let out = Tensor(uninitializedShape: outShape)
        let outer = outShape[..<a].reduce(1, *), inner = outShape[(a + 1)...].reduce(1, *)
        let rowOut = outShape[a] * inner
        var start = 0
        var starts: [Int] = []
        for t in ts {
            starts.append(start)
            let block = t.shape[a] * inner
            if block > 0 && outer > 0 {
                let d = out.pointer + start * inner
                if t.isContiguous {
                    let s = t.pointer
                    Threading.parallelFor(outer, grain: Swift.max(1, (1 << 15) / block)) { r in
                        for o in r { (d + o * rowOut).update(from: s + o * block, count: block) }
                    }
                } else {
                    let dstStrides = ShapeUtil.contiguousStrides(outShape)
                    Kernels.stridedCopy(shape: t.shape, src: t.pointer, srcStrides: t.strides, dst: d, dstStrides: dstStrides)
                }
            }
            start += t.shape[a]
        }
        let sizes = ts.map { $0.shape[a] }
        return record(out, "concat", ts) { g in
            zip(starts, sizes).enumerated().map { i, p in
                ts[i].requiresGrad ? g.sliced(axis: a, start: p.0, end: p.0 + p.1) : nil
            }
        }
    }

    /// Stacks same-shaped tensors along a new dimension `axis` (`0...rank`; negative counts from the end
    /// of the result's dimensions).
    public static func stack(_ ts: [Tensor], axis: Int) -> Tensor {
        check(!ts.isEmpty, "stack: no tensors")
        let r = ts[0].rank
        let a = axis < 0 ? axis + r + 1 : axis
        check(a >= 0 && a <= r, "stack: axis \(axis) out of range for rank \(r)")
        for t in ts { check(t.shape == ts[0].shape, "stack: shapes \(t.shape) and \(ts[0].shape) differ") }
        return concat(ts.map { $0.unsqueezed(a) }, axis: a)
    }

    /// Splits along `axis` into consecutive pieces of the given sizes (which must sum to the axis size).
    /// The pieces are views.
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        let a = ShapeUtil.axis(axis, rank: rank)
        check(sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == shape[a],
              "split: sizes \(sizes) do not add up to \(shape[a]) (axis \(axis) of \(shape))")
        var start = 0
        return sizes.map { n in
            defer { start += n }
            return sliced(axis: a, start: start, end: start + n)
        }
    }

    /// Splits along `axis` into at most `n` pieces of `ceil(size / n)` elements (the last may be smaller),
    /// like `torch.chunk`.
    public func chunked(_ n: Int, axis: Int) -> [Tensor] {
        check(n > 0, "chunked: n must be positive, got \(n)")
        let a = ShapeUtil.axis(axis, rank: rank)
        let size = shape[a]
        let step = Swift.max(1, (size + n - 1) / n)
        var sizes: [Int] = []
        var left = size
        while left > 0 { sizes.append(Swift.min(step, left)); left -= step }
        if sizes.isEmpty { sizes = [0] }
        return split(sizes: sizes, axis: a)
    }
}
