/// Scaled dot-product attention. Without an explicit mask it runs the fused kernel of
/// ``Kernels/attentionForward(_:q:k:v:out:probs:)`` (parallel over the batch of heads, probabilities kept for
/// a fused backward); with a mask it is composed of differentiable ops (matmul + fused softmax).
extension Tensor {
    /// `softmax(q k^T * scale + mask) v` over the last two dimensions.
    ///
    /// - Parameters:
    ///   - query: `[..., Lq, D]`.
    ///   - key: `[..., Lk, D]`.
    ///   - value: `[..., Lk, Dv]`. Leading dimensions of the three broadcast (as in `matmul`).
    ///   - mask: additive mask broadcast to `[..., Lq, Lk]` (use `-Float.infinity` or a large negative
    ///     value to block a position).
    ///   - causal: blocks key positions `j > i` for query `i` (top-left aligned, as torch's `is_causal`).
    ///   - scale: defaults to `1 / sqrt(D)`.
    /// - Returns: `[..., Lq, Dv]`. Like torch's CPU kernel, the fused path returns it as a view whose last
    ///   batch dimension (the heads) is stored next to `Dv`, so `transposed(-3, -2)` of it is dense.
    public static func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, mask: Tensor? = nil,
                                                 causal: Bool = false, scale: Float? = nil) -> Tensor {
        check(query.rank >= 2 && key.rank >= 2 && value.rank >= 2,
              "attention: query \(query.shape), key \(key.shape), value \(value.shape) need rank >= 2")
        let d = query.shape[query.rank - 1]
        let lq = query.shape[query.rank - 2], lk = key.shape[key.rank - 2]
        let dv = value.shape[value.rank - 1]
        check(key.shape[key.rank - 1] == d, "attention: query \(query.shape) and key \(key.shape) differ in D")
        check(value.shape[value.rank - 2] == lk, "attention: key \(key.shape) and value \(value.shape) differ in L")
        let s = scale ?? 1 / Float(d).squareRoot()
        if mask == nil && lq > 0 && lk > 0 && d > 0 && dv > 0 {
            return fusedAttention(query, key, value, causal: causal, scale: s)
        }
        // Scale the smaller operand ([Lq, D] rather than [Lq, Lk]).
        var scores = (query * s).matmul(key.transposed())
        if let mask {
            check(ShapeUtil.broadcast(mask.shape, scores.shape) == scores.shape,
                  "attention: mask \(mask.shape) does not broadcast to the scores \(scores.shape)")
            scores = scores + mask
        }
        if causal {
            var m = [Float](repeating: 0, count: lq * lk)
            for i in 0..<lq { for j in 0..<lk where j > i { m[i * lk + j] = -.infinity } }
            scores = scores + Tensor(shape: [lq, lk], data: m)
        }
        return scores.softmax(axis: -1).matmul(value)
    }

    /// Multi-head self-attention on a packed projection, as produced by one fused in-projection.
    ///
    /// - Parameters:
    ///   - qkv: `[B, N, 3 * H * D]`: queries, keys and values side by side, each `[H, D]` (heads outer).
    ///   - heads: `H`.
    ///   - causal: blocks token `j > i` for token `i`.
    ///   - scale: defaults to `1 / sqrt(D)`.
    /// - Returns: `[B, N, H * D]`, heads concatenated: the same values as
    ///   `scaledDotProductAttention(q, k, v).transposed(1, 2).reshaped([B, N, H * D])` with
    ///   `q, k, v = qkv.reshaped([B, N, 3, H, D]).permuted(2, 0, 3, 1, 4)` split on the first axis, computed
    ///   without copying the heads apart; the gradient of `qkv` is written as one dense tensor.
    public static func packedSelfAttention(_ qkv: Tensor, heads: Int, causal: Bool = false, scale: Float? = nil) -> Tensor {
        check(qkv.rank == 3 && heads > 0 && qkv.shape[2] % (3 * heads) == 0,
              "packedSelfAttention: qkv \(qkv.shape) must be [B, N, 3 * heads * D] with heads \(heads)")
        let b = qkv.shape[0], n = qkv.shape[1], w = qkv.shape[2] / 3, d = w / heads
        if b == 0 || n == 0 || d == 0 {
            let q = qkv.reshaped([b, n, 3, heads, d]).permuted(2, 0, 3, 1, 4)
            return scaledDotProductAttention(query: q.selecting(axis: 0, index: 0), key: q.selecting(axis: 0, index: 1),
                                             value: q.selecting(axis: 0, index: 2), causal: causal, scale: scale)
                .transposed(1, 2).reshaped([b, n, w])
        }
        let x = qkv.contiguousView()
        var offsets = [Int](repeating: 0, count: b * heads)
        for bi in 0..<b { for h in 0..<heads { offsets[bi * heads + h] = bi * n * 3 * w + h * d } }
        var outOffsets = [Int](repeating: 0, count: b * heads)
        for bi in 0..<b { for h in 0..<heads { outOffsets[bi * heads + h] = bi * n * w + h * d } }
        let shape = AttentionShape(count: b * heads, lq: n, lk: n, d: d, dv: d,
                                   scale: scale ?? 1 / Float(d).squareRoot(), causal: causal)
        func parts(_ base: UnsafeMutablePointer<Float>) -> (MatrixBatch, MatrixBatch, MatrixBatch) {
            (MatrixBatch(base: base, offsets: offsets, ld: 3 * w), MatrixBatch(base: base + w, offsets: offsets, ld: 3 * w),
             MatrixBatch(base: base + 2 * w, offsets: offsets, ld: 3 * w))
        }
        let out = Tensor(uninitializedShape: [b, n, w])
        let recording = GradMode.isEnabled && qkv.requiresGrad
        let probs = recording ? Tensor(uninitializedShape: [b * heads, n, n]) : nil
        let (q, k, v) = parts(x.pointer)
        Kernels.attentionForward(shape, q: q, k: k, v: v, out: MatrixBatch(base: out.pointer, offsets: outOffsets, ld: w),
                                 probs: probs?.pointer)
        guard let probs else { return out }
        return record(out, "packed_attention", [qkv]) { g in
            withExtendedLifetime(x) {} // q, k, v point into x
            let gc = g.contiguousView()
            let dx = Tensor(uninitializedShape: [b, n, 3 * w])
            let (dq, dk, dv) = parts(dx.pointer)
            Kernels.attentionBackward(shape, q: q, k: k, v: v, probs: probs.pointer,
                                      dOut: MatrixBatch(base: gc.pointer, offsets: outOffsets, ld: w),
                                      dq: dq, dk: dk, dv: dv)
            return [dx]
        }
    }

    /// The fused path of ``scaledDotProductAttention(query:key:value:mask:causal:scale:)`` (no mask).
    static func fusedAttention(_ query: Tensor, _ key: Tensor, _ value: Tensor, causal: Bool, scale: Float) -> Tensor {
        let lq = query.shape[query.rank - 2], d = query.shape[query.rank - 1]
        let lk = key.shape[key.rank - 2], dv = value.shape[value.rank - 1]
        let batch = ShapeUtil.broadcast(ShapeUtil.broadcast(Array(query.shape.dropLast(2)), Array(key.shape.dropLast(2))),
                                        Array(value.shape.dropLast(2)))
        let nb = ShapeUtil.count(batch), br = batch.count
        // Row-major views of the operands (a copy only when the last dimension is strided).
        var kept: [Tensor] = []
        func rows(_ t: Tensor, _ l: Int, _ c: Int) -> MatrixBatch {
            var e = t.expandedView(to: batch + [l, c])
            if e.strides[br + 1] != 1 && c > 1 || e.strides[br] < c && l > 1 { e = e.contiguousView() }
            kept.append(e)
            return MatrixBatch(base: e.pointer, offsets: Kernels.batchOffsets(e, batchRank: br), ld: Swift.max(e.strides[br], c))
        }
        let q = rows(query, lq, d), k = rows(key, lk, d), v = rows(value, lk, dv)
        // Output stored as [batch[..-1], Lq, batch[-1], Dv] (heads next to Dv), returned as a [batch, Lq, Dv] view.
        let heads = br > 0 ? batch[br - 1] : 1
        let storage = Storage(uninitializedCount: nb * lq * dv)
        var strides = ShapeUtil.contiguousStrides(batch + [lq, dv])
        if br > 0 { strides[br - 1] = dv; strides[br] = heads * dv }
        let out = Tensor(storage: storage, shape: batch + [lq, dv], strides: strides)
        let o = MatrixBatch(base: out.pointer, offsets: Kernels.batchOffsets(out, batchRank: br), ld: strides[br])
        let shape = AttentionShape(count: nb, lq: lq, lk: lk, d: d, dv: dv, scale: scale, causal: causal)
        let recording = GradMode.isEnabled && (query.requiresGrad || key.requiresGrad || value.requiresGrad)
        let probs = recording ? Tensor(uninitializedShape: [nb, lq, lk]) : nil
        Kernels.attentionForward(shape, q: q, k: k, v: v, out: o, probs: probs?.pointer)
        guard let probs else { return out }
        return record(out, "attention", [query, key, value]) { [kept] g in
            // `kept` holds the operands' (possibly copied) memory that q, k, v point into.
            withExtendedLifetime(kept) {}
            var gv = g.expandedView(to: batch + [lq, dv])
            if gv.strides[br + 1] != 1 && dv > 1 || gv.strides[br] < dv && lq > 1 { gv = gv.contiguousView() }
            let go = MatrixBatch(base: gv.pointer, offsets: Kernels.batchOffsets(gv, batchRank: br), ld: Swift.max(gv.strides[br], dv))
            func dense(_ t: Tensor, _ l: Int, _ c: Int) -> (Tensor, MatrixBatch)? {
                guard t.requiresGrad else { return nil }
                let g = Tensor(uninitializedShape: batch + [l, c])
                return (g, MatrixBatch(base: g.pointer, offsets: (0..<nb).map { $0 * l * c }, ld: c))
            }
            let dq = dense(query, lq, d), dk = dense(key, lk, d), dvv = dense(value, lk, dv)
            Kernels.attentionBackward(shape, q: q, k: k, v: v, probs: probs.pointer, dOut: go,
                                      dq: dq?.1, dk: dk?.1, dv: dvv?.1)
            return [dq?.0.summed(toShape: query.shape), dk?.0.summed(toShape: key.shape), dvv?.0.summed(toShape: value.shape)]
        }
    }
}
