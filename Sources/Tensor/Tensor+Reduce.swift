/// Sums and means along axes.
extension Tensor {
    /// Sum over `axes` (all axes when empty), keeping reduced axes as size 1 when `keepDim`.
    public func sum(axes: [Int] = [], keepDim: Bool = false) -> Tensor {
        let ax = axes.isEmpty ? Array(0..<rank) : Array(Set(axes.map { ShapeUtil.axis($0, rank: rank) })).sorted()
        let keptShape = shape.enumerated().map { ax.contains($0.offset) ? 1 : $0.element }
        let outShape = keepDim ? keptShape : shape.enumerated().filter { !ax.contains($0.offset) }.map(\.element)
        let out: Tensor
        if isContiguous && !ax.isEmpty && ax.count < rank && ax == Array(0..<ax.count) {
            // Leading axes of a dense tensor (bias gradients): column sums, no transposing copy.
            out = Tensor(uninitializedShape: outShape)
            let rows = ax.reduce(1) { $0 * shape[$1] }
            Kernels.columnSums(pointer, rows: rows, cols: out.count, into: out.pointer)
        } else {
            out = Kernels.reduceRows(self, axes: ax, outShape: outShape) { p, n in Kernels.sumRow(p, n) }
        }
        let inShape = shape
        return record(out, "sum", [self]) { g in [g.reshaped(keptShape).expanded(to: inShape).contiguous()] }
    }

    public func sum(axis: Int, keepDim: Bool = false) -> Tensor { sum(axes: [axis], keepDim: keepDim) }

    /// Mean over `axes` (all axes when empty).
    public func mean(axes: [Int] = [], keepDim: Bool = false) -> Tensor {
        let ax = axes.isEmpty ? Array(0..<rank) : axes.map { ShapeUtil.axis($0, rank: rank) }
        let n = Set(ax).reduce(1) { $0 * shape[$1] }
        return sum(axes: ax, keepDim: keepDim) * (1 / Float(Swift.max(n, 1)))
    }

    public func mean(axis: Int, keepDim: Bool = false) -> Tensor { mean(axes: [axis], keepDim: keepDim) }

    /// Sums a broadcast result back to `target` (the shape an operand had before broadcasting).
    public func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        check(lead >= 0, "summed(toShape:): \(shape) cannot reduce to \(target)")
        var axes = Array(0..<lead)
        for i in 0..<target.count where target[i] == 1 && shape[i + lead] != 1 { axes.append(i + lead) }
        let s = axes.isEmpty ? self : sum(axes: axes, keepDim: true)
        return s.reshaped(target)
    }
}

extension Kernels {
    /// Reduces `axes` of `x` with `rowOp` over a dense row of the reduced elements.
    @inlinable @inline(__always)
    public static func reduceRows(_ x: Tensor, axes: [Int], outShape: [Int],
                                  _ rowOp: (UnsafePointer<Float>, Int) -> Float) -> Tensor {
        let out = Tensor(uninitializedShape: outShape)
        let kept = (0..<x.rank).filter { !axes.contains($0) }
        let src = x.permutedView(kept + axes).contiguousView()
        let inner = axes.reduce(1) { $0 * x.shape[$1] }
        let rows = out.count
        let s = src.pointer, d = out.pointer
        if inner == 0 { for i in 0..<rows { d[i] = rowOp(s, 0) }; return out }
        Threading.parallelFor(rows, grain: max(1, (1 << 15) / inner)) { r in
            for i in r { d[i] = rowOp(s + i * inner, inner) }
        }
        return out
    }

    /// Sum of `n` floats with 8 independent accumulators.
    @inlinable @inline(__always)
    public static func sumRow(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var s = acc.sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }
}

extension Tensor {
    /// A dense version of this view that is never recorded (kernel use only).
    @usableFromInline
    func contiguousView() -> Tensor {
        if isContiguous { return self }
        let out = Tensor(uninitializedShape: shape)
        Kernels.copy(self, into: out.pointer)
        return out
    }
}
