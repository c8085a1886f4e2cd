/// The affine map of a fully connected layer as one GEMM: the bias is written into the output first and
/// the product accumulated onto it (BLAS `beta = 1`), so there is no separate broadcast-add pass.
extension Tensor {
    /// `x W^T + b` over the last dimension (torch `F.linear`), optionally added to a residual.
    ///
    /// - Parameters:
    ///   - weight: `[N, K]` (any 2-D view, e.g. a transposed `[K, N]` tensor).
    ///   - bias: `[N]`, or nil.
    ///   - residual: `[..., N]` (the output's shape), or nil: returns `residual + (x W^T + b)` in the same
    ///     single pass (the residual connection of a transformer block).
    /// - Returns: `[..., N]` for `self` of shape `[..., K]`. Gradients flow to `self`, `weight`, `bias` and
    ///   `residual` (the weight gradient is one GEMM over all rows; the bias gradient a column sum).
    public func linear(weight: Tensor, bias: Tensor? = nil, residual: Tensor? = nil) -> Tensor {
        check(rank >= 1 && weight.rank == 2 && weight.shape[1] == shape[rank - 1],
              "linear: input \(shape) and weight \(weight.shape) (expected [N, \(rank >= 1 ? shape[rank - 1] : 0)])")
        let k = weight.shape[1], n = weight.shape[0]
        if let bias { check(bias.shape == [n], "linear: bias \(bias.shape) for weight \(weight.shape)") }
        let x = contiguousView()
        let rows = ShapeUtil.count(Array(shape.dropLast()))
        let outShape = Array(shape.dropLast()) + [n]
        if let residual { check(residual.shape == outShape, "linear: residual \(residual.shape) for output \(outShape)") }
        let out = Tensor(uninitializedShape: outShape)
        let d = out.pointer
        if let residual {
            let rc = residual.contiguousView(), pr = rc.pointer
            let pb = bias?.contiguousView()
            Threading.parallelFor(rows, grain: Swift.max(1, (1 << 14) / Swift.max(n, 1))) { r in
                if let pb {
                    let b = pb.pointer
                    for row in r { Kernels.vzip(pr + row * n, b, d + row * n, n) { $0 + $1 } }
                } else {
                    (d + r.lowerBound * n).update(from: pr + r.lowerBound * n, count: r.count * n)
                }
            }
        } else if let bias {
            let bc = bias.contiguousView(), pb = bc.pointer
            Threading.parallelFor(rows, grain: Swift.max(1, (1 << 15) / Swift.max(n, 1))) { r in
                for row in r { (d + row * n).update(from: pb, count: n) }
            }
        } else if k == 0 {
            d.update(repeating: 0, count: rows * n)
        }
        if rows > 0 && n > 0 && k > 0 {
            let wt = weight.permutedView([1, 0]) // [K, N]
            let lw = Kernels.layout(wt)
            let wc = lw == nil ? wt.contiguousView() : wt
            let lay = lw ?? (false, n)
            BLAS.sgemm(transA: false, transB: lay.0, m: rows, n: n, k: k, a: x.pointer, lda: k, b: wc.pointer, ldb: lay.1,
                       beta: bias == nil && residual == nil ? 0 : 1, c: d, ldc: n)
        }
        var inputs = [self, weight]
        if let bias { inputs.append(bias) }
        if let residual { inputs.append(residual) }
        let inShape = shape
        return record(out, "linear", inputs) { g in
            let gc = g.contiguousView()
            var dx: Tensor? = nil, dw: Tensor? = nil, db: Tensor? = nil
            if self.requiresGrad {
                let t = Tensor(uninitializedShape: inShape)
                Kernels.gemm(gc.pointer, rows: rows, k: n, layoutA: (false, n), weight.detached(), n: k, into: t.pointer)
                dx = t
            }
            if weight.requiresGrad {
                let t = Tensor(uninitializedShape: [n, k])
                if rows == 0 {
                    t.pointer.update(repeating: 0, count: n * k)
                } else if n > 0 && k > 0 {
                    BLAS.sgemm(transA: true, transB: false, m: n, n: k, k: rows, a: gc.pointer, lda: n, b: x.pointer,
                               ldb: k, c: t.pointer, ldc: k)
                }
                dw = t
            }
            if let bias, bias.requiresGrad {
                let t = Tensor(uninitializedShape: [n])
                Kernels.columnSums(gc.pointer, rows: rows, cols: n, into: t.pointer)
                db = t
            }
            var grads = [dx, dw]
            if bias != nil { grads.append(db) }
            if let residual { grads.append(residual.requiresGrad ? g : nil) }
            return grads
        }
    }
}

extension Kernels {
    /// `out[j] = sum over r of x[r * cols + j]` for a dense `[rows, cols]` matrix.
    public static func columnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
        if cols == 0 { return }
        // Column blocks of at least 64 floats; each block walks all rows.
        let grain = Swift.max(64, (1 << 15) / Swift.max(rows, 1))
        Threading.parallelFor(cols, grain: grain) { c in
            let o = out + c.lowerBound, w = c.count
            o.update(repeating: 0, count: w)
            for r in 0..<rows {
                vzip(o, x + r * cols + c.lowerBound, o, w) { $0 + $1 }
            }
        }
    }
}
