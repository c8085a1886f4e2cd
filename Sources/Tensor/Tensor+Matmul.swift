/// Matrix products on BLAS `sgemm`. Transposed views are passed to BLAS as transposes, without copies.
extension Tensor {
    /// Matrix product with NumPy `matmul` semantics: `[..., M, K] x [..., K, N] -> [..., M, N]`, batch
    /// dimensions broadcast; a 1-D operand is treated as a row (left) or column (right) vector.
    public func matmul(_ other: Tensor) -> Tensor {
        if rank == 1 { return unsqueezed(0).matmul(other).squeezed(-2) }
        if other.rank == 1 { return matmul(other.unsqueezed(1)).squeezed(-1) }
        let a = self, b = other
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1]
        let k2 = b.shape[b.rank - 2], n = b.shape[b.rank - 1]
        check(k == k2, "matmul: \(a.shape) x \(b.shape): inner dimensions \(k) and \(k2) differ")
        let out: Tensor
        if b.rank == 2 {
            out = Tensor(uninitializedShape: Array(a.shape.dropLast()) + [n])
            if a.rank == 2, let la = Kernels.layout(a) {
                // A row- or column-major matrix view (e.g. a transposed weight or activation): no copy.
                Kernels.gemm(a.pointer, rows: m, k: k, layoutA: la, b, n: n, into: out.pointer)
            } else {
                // Collapse the batch of `a` into rows: one GEMM.
                let ac = a.contiguousView()
                let rows = ac.count / Swift.max(k, 1)
                Kernels.gemm(ac.pointer, rows: rows, k: k, layoutA: (false, k), b, n: n, into: out.pointer)
            }
        } else {
            let batch = ShapeUtil.broadcast(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)))
            let ea = a.expandedView(to: batch + [m, k]), eb = b.expandedView(to: batch + [k, n])
            out = Tensor(uninitializedShape: batch + [m, n])
            let nb = ShapeUtil.count(batch)
            let la = Kernels.layout(ea), lb = Kernels.layout(eb)
            let ac = la == nil ? ea.contiguousView() : ea, bc = lb == nil ? eb.contiguousView() : eb
            let layA = la ?? (false, k), layB = lb ?? (false, n)
            let offA = Kernels.batchOffsets(ac, batchRank: batch.count)
            let offB = Kernels.batchOffsets(bc, batchRank: batch.count)
            let d = out.pointer
            let work = { (i: Int) in
                BLAS.sgemm(transA: layA.0, transB: layB.0, m: m, n: n, k: k,
                           a: ac.pointer + offA[i], lda: layA.1, b: bc.pointer + offB[i], ldb: layB.1,
                           c: d + i * m * n, ldc: n)
            }
            for i in 0..<nb { work(i) }
        }
        return record(out, "matmul", [a, b]) { g in
            var ga: Tensor? = nil, gb: Tensor? = nil
            if a.requiresGrad {
                ga = g.matmul(b.detached().transposed()).summed(toShape: a.shape)
            }
            if b.requiresGrad {
                if b.rank == 2 {
                    let a2 = a.detached().contiguousView().reshaped([-1, k])
                    gb = a2.transposed().matmul(g.contiguousView().reshaped([-1, n]))
                } else {
                    gb = a.detached().transposed().matmul(g).summed(toShape: b.shape)
                }
            }
            return [ga, gb]
        }
    }

    /// Batched matrix product (alias of ``matmul(_:)`` for rank-3 operands).
    public func bmm(_ other: Tensor) -> Tensor {
        check(rank == 3 && other.rank == 3, "bmm: expects rank-3 operands, got \(shape) and \(other.shape)")
        return matmul(other)
    }
}

extension Kernels {
    /// How BLAS can read the last two dimensions of a view: (transposed, leading dimension), or nil when
    /// neither row- nor column-major.
    static func layout(_ t: Tensor) -> (Bool, Int)? {
        let r = t.rank
        let rows = t.shape[r - 2], cols = t.shape[r - 1]
        let s0 = t.strides[r - 2], s1 = t.strides[r - 1]
        if (s1 == 1 || cols == 1) && s0 >= max(1, cols) { return (false, s0) }
        if (s0 == 1 || rows == 1) && s1 >= max(1, rows) { return (true, s1) }
        if rows == 1 && cols == 1 { return (false, 1) }
        return nil
    }

    /// Element offsets of each matrix in the batch (row-major batch order).
    static func batchOffsets(_ t: Tensor, batchRank: Int) -> [Int] {
        let shape = Array(t.shape.prefix(batchRank)), strides = Array(t.strides.prefix(batchRank))
        var offsets = [0]
        for (d, s) in Swift.zip(shape, strides) {
            var next: [Int] = []
            next.reserveCapacity(offsets.count * d)
            for o in offsets { for i in 0..<d { next.append(o + i * s) } }
            offsets = next
        }
        return offsets
    }

    /// `C[rows, n] = A[rows, k] * B[k, n]` where `B` is any 2-D view.
    static func gemm(_ a: UnsafePointer<Float>, rows: Int, k: Int, layoutA: (Bool, Int), _ b: Tensor, n: Int,
                     into c: UnsafeMutablePointer<Float>) {
        if rows == 0 || n == 0 { return }
        if k == 0 { c.initialize(repeating: 0, count: rows * n); return }
        let lb = layout(b)
        let bc = lb == nil ? b.contiguousView() : b
        let layB = lb ?? (false, n)
        BLAS.sgemm(transA: layoutA.0, transB: layB.0, m: rows, n: n, k: k, a: a, lda: layoutA.1,
                   b: bc.pointer, ldb: layB.1, c: c, ldc: n)
    }
}
