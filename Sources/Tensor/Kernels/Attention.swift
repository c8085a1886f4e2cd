/// Fused scaled dot-product attention over a batch of (query, key, value) matrices: per matrix, one GEMM
/// for the scores, an in-place softmax and one GEMM for the output; the backward pass recomputes nothing
/// (it reads the stored probabilities) and runs four GEMMs per matrix. Matrices are processed in parallel
/// with single-threaded GEMMs, which suits the many small per-head products of a transformer.

/// Row-major matrices of a batch: element `(r, c)` of matrix `i` sits at `base + offsets[i] + r * ld + c`.
public struct MatrixBatch: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Float>
    public let offsets: [Int]
    public let ld: Int

    public init(base: UnsafeMutablePointer<Float>, offsets: [Int], ld: Int) {
        self.base = base; self.offsets = offsets; self.ld = ld
    }

    @inlinable @inline(__always)
    public subscript(i: Int) -> UnsafeMutablePointer<Float> { base + offsets[i] }
}

/// Sizes of an attention problem: `count` matrices of queries `[lq, d]`, keys `[lk, d]`, values `[lk, dv]`.
public struct AttentionShape: Sendable {
    public var count, lq, lk, d, dv: Int
    public var scale: Float
    /// Blocks key `j > i` for query `i` (top-left aligned).
    public var causal: Bool

    public init(count: Int, lq: Int, lk: Int, d: Int, dv: Int, scale: Float, causal: Bool) {
        self.count = count; self.lq = lq; self.lk = lk; self.d = d; self.dv = dv
        self.scale = scale; self.causal = causal
    }

    /// Keys that query row `r` sees.
    @inlinable func visible(_ r: Int) -> Int { causal ? Swift.min(r + 1, lk) : lk }
}

extension Kernels {
    /// Runs `body(i, scratch)` for every matrix `i`: in parallel over matrices (serial GEMMs) when there
    /// are at least as many matrices as threads, else one matrix at a time with threaded GEMMs.
    static func forEachMatrix(_ count: Int, scratch: Int,
                              _ body: (Int, UnsafeMutablePointer<Float>, _ parallelGemm: Bool) -> Void) {
        let threads = Threading.threadCount
        if count >= threads && threads > 1 {
            Threading.parallelFor(count, grain: 1) { range in
                let buf = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(scratch, 1))
                defer { buf.deallocate() }
                for i in range { body(i, buf, false) }
            }
        } else {
            let buf = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(scratch, 1))
            defer { buf.deallocate() }
            for i in 0..<count { body(i, buf, true) }
        }
    }

    @inline(__always)
    static func gemm(_ parallel: Bool, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     c: UnsafeMutablePointer<Float>, ldc: Int) {
        if parallel {
            BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                       c: c, ldc: ldc)
        } else {
            BLAS.sgemmSerial(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b,
                             ldb: ldb, c: c, ldc: ldc)
        }
    }

    /// `out_i = softmax(scale * q_i k_i^T [causal]) v_i`. When `probs` is given, the probabilities of matrix
    /// `i` are kept at `probs + i * lq * lk` for ``attentionBackward``.
    public static func attentionForward(_ s: AttentionShape, q: MatrixBatch, k: MatrixBatch, v: MatrixBatch,
                                        out: MatrixBatch, probs: UnsafeMutablePointer<Float>?) {
        let lq = s.lq, lk = s.lk
        // Without stored probabilities (inference), rows keep their unnormalised exponentials and the
        // output rows are divided by the softmax denominators instead: `dv` values per row, not `lk`.
        let inference = probs == nil
        forEachMatrix(s.count, scratch: inference ? lq * lk + lq : 0) { i, scratch, par in
            let p = probs.map { $0 + i * lq * lk } ?? scratch
            let sums = scratch + lq * lk
            gemm(par, transA: false, transB: true, m: lq, n: lk, k: s.d, alpha: s.scale, a: q[i], lda: q.ld,
                 b: k[i], ldb: k.ld, c: p, ldc: lk)
            for r in 0..<lq {
                let row = p + r * lk, n = s.visible(r)
                if inference { sums[r] = expShiftedRow(row, n: n) } else { softmaxRow(row, row, n: n, log: false) }
                if n < lk { (row + n).update(repeating: 0, count: lk - n) }
            }
            gemm(par, transA: false, transB: false, m: lq, n: s.dv, k: lk, a: p, lda: lk, b: v[i], ldb: v.ld,
                 c: out[i], ldc: out.ld)
            if inference {
                for r in 0..<lq {
                    let o = out[i] + r * out.ld, inv = Float8(repeating: 1 / sums[r])
                    vmap(o, o, s.dv) { $0 * inv }
                }
            }
        }
    }

    /// Gradients of ``attentionForward`` from the output gradient `dOut` and the stored `probs`; writes
    /// (overwrites) `dq`, `dk`, `dv` where given.
    public static func attentionBackward(_ s: AttentionShape, q: MatrixBatch, k: MatrixBatch, v: MatrixBatch,
                                         probs: UnsafePointer<Float>, dOut: MatrixBatch,
                                         dq: MatrixBatch?, dk: MatrixBatch?, dv: MatrixBatch?) {
        let lq = s.lq, lk = s.lk
        let needScores = dq != nil || dk != nil
        forEachMatrix(s.count, scratch: needScores ? lq * lk : 0) { i, ds, par in
            let p = probs + i * lq * lk
            if let dv {
                gemm(par, transA: true, transB: false, m: lk, n: s.dv, k: lq, a: p, lda: lk, b: dOut[i], ldb: dOut.ld,
                     c: dv[i], ldc: dv.ld)
            }
            guard needScores else { return }
            // dP = dOut v^T, then dS = scale * P * (dP - rowsum(dP * P)).
            gemm(par, transA: false, transB: true, m: lq, n: lk, k: s.dv, a: dOut[i], lda: dOut.ld, b: v[i], ldb: v.ld,
                 c: ds, ldc: lk)
            for r in 0..<lq {
                let pr = p + r * lk, dr = ds + r * lk, n = s.visible(r)
                let dot = Float8(repeating: dotRow(dr, pr, n)), sc = Float8(repeating: s.scale)
                vzip(dr, pr, dr, n) { g, y in (y * sc) * (g - dot) }
                if n < lk { (dr + n).update(repeating: 0, count: lk - n) }
            }
            if let dq {
                gemm(par, transA: false, transB: false, m: lq, n: s.d, k: lk, a: ds, lda: lk, b: k[i], ldb: k.ld,
                     c: dq[i], ldc: dq.ld)
            }
            if let dk {
                gemm(par, transA: true, transB: false, m: lk, n: s.d, k: lq, a: ds, lda: lk, b: q[i], ldb: q.ld,
                     c: dk[i], ldc: dk.ld)
            }
        }
    }
}
