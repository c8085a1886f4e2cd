/// Views: reshape, permute, slice, expand. They share storage with their source and cost no copy
/// (reshape copies only a non-contiguous source).
extension Tensor {
    /// The same elements with a new shape; one dimension may be `-1`.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
            check(known > 0 && count % known == 0, "reshape: cannot infer \(newShape) from \(shape)")
            target[inferred] = count / known
        }
        check(ShapeUtil.count(target) == count, "reshape: \(shape) (\(count) elements) to \(newShape)")
        if target == shape { return self }
        let src = contiguous()
        let out = Tensor(storage: src.storage, shape: target, offset: src.offset)
        let inShape = shape
        return record(out, "reshape", [src]) { g in [g.reshaped(inShape)] }
    }

    public func reshaped(_ dims: Int...) -> Tensor { reshaped(dims) }

    /// Collapses dimensions `start...end` into one.
    public func flattened(from start: Int = 0, to end: Int = -1) -> Tensor {
        if rank == 0 { return reshaped([1]) }
        let s = ShapeUtil.axis(start, rank: rank), e = ShapeUtil.axis(end, rank: rank)
        let merged = shape[s...e].reduce(1, *)
        return reshaped(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }

    /// Inserts a dimension of size 1 at `axis`.
    public func unsqueezed(_ axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        check(a >= 0 && a <= rank, "unsqueeze: axis \(axis) for rank \(rank)")
        var s = shape
        s.insert(1, at: a)
        return reshaped(s)
    }

    /// Removes dimension `axis` (which must have size 1), or every size-1 dimension when `nil`.
    public func squeezed(_ axis: Int? = nil) -> Tensor {
        if let axis {
            let a = ShapeUtil.axis(axis, rank: rank)
            check(shape[a] == 1, "squeeze: axis \(axis) has size \(shape[a]) in \(shape)")
            var s = shape
            s.remove(at: a)
            return reshaped(s)
        }
        return reshaped(shape.filter { $0 != 1 })
    }

    /// Reorders the dimensions: result dimension `i` is source dimension `dims[i]`.
    public func permuted(_ dims: [Int]) -> Tensor {
        check(dims.count == rank && Set(dims.map { ShapeUtil.axis($0, rank: rank) }).count == rank,
              "permute: \(dims) is not a permutation for shape \(shape)")
        let d = dims.map { ShapeUtil.axis($0, rank: rank) }
        if d == Array(0..<rank) { return self }
        let out = Tensor(storage: storage, shape: d.map { shape[$0] }, strides: d.map { strides[$0] }, offset: offset)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, v) in d.enumerated() { inverse[v] = i }
        return record(out, "permute", [self]) { g in [g.permuted(inverse)] }
    }

    public func permuted(_ dims: Int...) -> Tensor { permuted(dims) }

    /// Swaps two dimensions (default: the last two).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var d = Array(0..<rank)
        d.swapAt(ShapeUtil.axis(a, rank: rank), ShapeUtil.axis(b, rank: rank))
        return permuted(d)
    }

    /// Elements `start..<end` (with `step`) along `axis`, as a view. Negative bounds count from the end.
    public func sliced(axis: Int, start: Int, end: Int? = nil, step: Int = 1) -> Tensor {
        let a = ShapeUtil.axis(axis, rank: rank)
        let n = shape[a]
        var lo = start < 0 ? start + n : start
        var hi = end.map { $0 < 0 ? $0 + n : $0 } ?? n
        lo = Swift.min(Swift.max(lo, 0), n); hi = Swift.min(Swift.max(hi, lo), n)
        check(step >= 1, "slice: step must be >= 1, got \(step)")
        let len = (hi - lo + step - 1) / step
        var s = shape, st = strides
        s[a] = len
        st[a] = strides[a] * step
        let out = Tensor(storage: storage, shape: s, strides: st, offset: offset + lo * strides[a])
        let inShape = shape
        return record(out, "slice", [self]) { g in
            let full = Tensor.zeros(inShape)
            let view = full.sliced(axis: a, start: lo, end: hi, step: step)
            Kernels.stridedCopy(shape: g.shape, src: g.pointer, srcStrides: g.strides,
                                dst: view.pointer, dstStrides: view.strides)
            return [full]
        }
    }

    /// Element `index` along `axis`, dropping that dimension.
    public func selecting(axis: Int, index: Int) -> Tensor {
        let a = ShapeUtil.axis(axis, rank: rank)
        let i = index < 0 ? index + shape[a] : index
        check(i >= 0 && i < shape[a], "select: index \(index) out of range for axis \(axis) of \(shape)")
        return sliced(axis: a, start: i, end: i + 1).squeezed(a)
    }

    /// Broadcasts size-1 (or missing leading) dimensions to `target` without copying (stride 0).
    public func expanded(to target: [Int]) -> Tensor {
        if target == shape { return self }
        check(target.count >= rank, "expand: \(shape) to \(target)")
        let lead = target.count - rank
        var st = [Int](repeating: 0, count: target.count)
        for i in 0..<target.count {
            if i < lead { st[i] = 0; continue }
            let d = shape[i - lead]
            if d == target[i] { st[i] = strides[i - lead] }
            else { check(d == 1, "expand: \(shape) to \(target)"); st[i] = 0 }
        }
        let out = Tensor(storage: storage, shape: target, strides: st, offset: offset)
        let inShape = shape
        return record(out, "expand", [self]) { g in [g.summed(toShape: inShape)] }
    }
}

extension Tensor {
    /// A permuted view that is never recorded (kernel use only).
    @usableFromInline
    func permutedView(_ d: [Int]) -> Tensor {
        Tensor(storage: storage, shape: d.map { shape[$0] }, strides: d.map { strides[$0] }, offset: offset)
    }
}
