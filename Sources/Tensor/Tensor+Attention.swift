/// Scaled dot-product attention built from differentiable ops (matmul + fused softmax), so gradients
/// reach the query, key and value.
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
    /// - Returns: `[..., Lq, Dv]`.
    public static func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, mask: Tensor? = nil,
                                                 causal: Bool = false, scale: Float? = nil) -> Tensor {
        check(query.rank >= 2 && key.rank >= 2 && value.rank >= 2,
              "attention: query \(query.shape), key \(key.shape), value \(value.shape) need rank >= 2")
        let d = query.shape[query.rank - 1]
        let lq = query.shape[query.rank - 2], lk = key.shape[key.rank - 2]
        check(key.shape[key.rank - 1] == d, "attention: query \(query.shape) and key \(key.shape) differ in D")
        check(value.shape[value.rank - 2] == lk, "attention: key \(key.shape) and value \(value.shape) differ in L")
        let s = scale ?? 1 / Float(d).squareRoot()
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
}
