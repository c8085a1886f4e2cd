import Tensor

/// Multi-head attention with `torch.nn.MultiheadAttention` semantics and state-dict names.
///
/// State-dict keys: `in_proj_weight` `[3E, E]` (query, key and value projections stacked in that order),
/// `in_proj_bias` `[3E]`, `out_proj.weight` `[E, E]`, `out_proj.bias` `[E]`. Inputs are `[L, N, E]`
/// (sequence first, PyTorch's default) or `[N, L, E]` with `batchFirst`. Attention dropout is not supported
/// (PyTorch's `dropout=0`), and only the attention output is returned (`need_weights=False`).
public final class MultiheadAttention: Module {
    public let inProjWeight: Tensor
    public let inProjBias: Tensor?
    public let outProj: Linear
    public let embedDim: Int
    public let numHeads: Int
    public let batchFirst: Bool

    /// PyTorch's initialisation: `in_proj_weight` Xavier-uniform, biases zero, `out_proj.weight` uniform
    /// in `±1/sqrt(E)`.
    public init(embedDim: Int, numHeads: Int, bias: Bool = true, batchFirst: Bool = false, rng: inout SeededRandom) {
        check(numHeads >= 1 && embedDim % numHeads == 0, "MultiheadAttention: embedDim \(embedDim) not divisible by \(numHeads) heads")
        self.embedDim = embedDim
        self.numHeads = numHeads
        self.batchFirst = batchFirst
        let xavier = (6 / Float(embedDim + 3 * embedDim)).squareRoot()
        inProjWeight = Tensor.uniform([3 * embedDim, embedDim], -xavier, xavier, using: &rng).requiringGrad()
        inProjBias = bias ? Tensor.zeros([3 * embedDim], requiresGrad: true) : nil
        outProj = Linear(embedDim, embedDim, bias: bias, rng: &rng)
        if let b = outProj.bias { noGrad { b.pointer.update(repeating: 0, count: b.count) } }
        super.init()
    }

    public override var keyMap: [String: String] {
        ["inProjWeight": "in_proj_weight", "inProjBias": "in_proj_bias", "outProj": "out_proj"]
    }

    /// Self-attention without a mask.
    public override func forward(_ x: Tensor) -> Tensor { callAsFunction(query: x, key: x, value: x, mask: nil) }

    /// Self-attention.
    public func callAsFunction(_ x: Tensor, mask: Tensor? = nil, keyPaddingMask: Tensor? = nil, causal: Bool = false) -> Tensor {
        callAsFunction(query: x, key: x, value: x, mask: mask, keyPaddingMask: keyPaddingMask, causal: causal)
    }

    /// Attention of `query` over `key`/`value`.
    ///
    /// - Parameters:
    ///   - query: `[L, N, E]` (`[N, L, E]` with `batchFirst`).
    ///   - key, value: `[S, N, E]` (`[N, S, E]` with `batchFirst`).
    ///   - mask: additive float mask (`-inf` blocks), `[L, S]` or `[N * numHeads, L, S]` like PyTorch's
    ///     float `attn_mask`.
    ///   - keyPaddingMask: `[N, S]`, non-zero at padded key positions (blocked), like PyTorch's boolean
    ///     `key_padding_mask`.
    ///   - causal: blocks key positions after the query position.
    /// - Returns: `[L, N, E]` (`[N, L, E]` with `batchFirst`).
    public func callAsFunction(query: Tensor, key: Tensor, value: Tensor, mask: Tensor? = nil,
                               keyPaddingMask: Tensor? = nil, causal: Bool = false) -> Tensor {
        let e = embedDim, h = numHeads, d = embedDim / numHeads
        for (name, t) in [("query", query), ("key", key), ("value", value)] {
            check(t.rank == 3 && t.shape[2] == e, "MultiheadAttention(E=\(e)): \(name) must be [*, *, \(e)], got \(t.shape)")
        }
        // Work batch first: [N, L, E].
        let q0 = batchFirst ? query : query.transposed(0, 1)
        let k0 = batchFirst ? key : key.transposed(0, 1)
        let v0 = batchFirst ? value : value.transposed(0, 1)
        let n = q0.shape[0], l = q0.shape[1], s = k0.shape[1]
        check(k0.shape[0] == n && v0.shape[0] == n && v0.shape[1] == s,
              "MultiheadAttention: query \(query.shape), key \(key.shape), value \(value.shape) disagree")

        func project(_ x: Tensor, _ part: Int, _ parts: Int = 1) -> Tensor {
            let w = inProjWeight.sliced(axis: 0, start: part * e, end: (part + parts) * e)
            let y = x.matmul(w.transposed())
            guard let b = inProjBias else { return y }
            return y + b.sliced(axis: 0, start: part * e, end: (part + parts) * e)
        }
        func heads(_ x: Tensor, _ len: Int) -> Tensor { x.reshaped([n, len, h, d]).permuted(0, 2, 1, 3) }

        let q: Tensor, k: Tensor, v: Tensor
        if query === key && key === value {
            let qkv = project(q0, 0, 3)  // one GEMM for the three projections
            q = qkv.sliced(axis: 2, start: 0, end: e)
            k = qkv.sliced(axis: 2, start: e, end: 2 * e)
            v = qkv.sliced(axis: 2, start: 2 * e, end: 3 * e)
        } else {
            q = project(q0, 0); k = project(k0, 1); v = project(v0, 2)
        }

        var additive: Tensor? = nil
        if let mask {
            if mask.rank == 2 {
                check(mask.shape == [l, s], "MultiheadAttention: mask \(mask.shape), expected [\(l), \(s)]")
                additive = mask
            } else {
                check(mask.shape == [n * h, l, s], "MultiheadAttention: mask \(mask.shape), expected [\(n * h), \(l), \(s)]")
                additive = mask.reshaped([n, h, l, s])
            }
        }
        if let keyPaddingMask {
            check(keyPaddingMask.shape == [n, s], "MultiheadAttention: keyPaddingMask \(keyPaddingMask.shape), expected [\(n), \(s)]")
            let blocked = Tensor(shape: [n, 1, 1, s], data: keyPaddingMask.scalars.map { $0 != 0 ? -Float.infinity : 0 })
            additive = additive.map { $0 + blocked } ?? blocked
        }
        let attended = Tensor.scaledDotProductAttention(query: heads(q, l), key: heads(k, s), value: heads(v, s),
                                                        mask: additive, causal: causal)
        let merged = attended.permuted(0, 2, 1, 3).reshaped([n, l, e])
        let out = outProj(merged)
        return batchFirst ? out : out.transposed(0, 1)
    }
}

/// A pre-LayerNorm transformer block, as OpenCLIP's `ResidualAttentionBlock`:
/// `x = x + attn(ln_1(x)); x = x + mlp(ln_2(x))`.
///
/// State-dict keys: `ln_1.*`, `attn.*` (``MultiheadAttention``), `ln_2.*`, `mlp.c_fc.*`, `mlp.c_proj.*`.
public final class TransformerBlock: Module {
    public let ln1: LayerNorm
    public let attn: MultiheadAttention
    public let ln2: LayerNorm
    public let mlp: MLP

    /// - Parameters:
    ///   - width: model width `E`; `heads` attention heads; the MLP's hidden width is `mlpRatio * width`.
    ///   - activation: `.gelu` for OpenCLIP, `.quickGELU` for OpenAI CLIP.
    ///   - batchFirst: whether inputs are `[N, L, E]` (default) rather than `[L, N, E]`.
    public init(width: Int, heads: Int, mlpRatio: Float = 4, activation: Activation = .gelu, eps: Float = 1e-5,
                batchFirst: Bool = true, rng: inout SeededRandom) {
        ln1 = LayerNorm(width, eps: eps)
        attn = MultiheadAttention(embedDim: width, numHeads: heads, batchFirst: batchFirst, rng: &rng)
        ln2 = LayerNorm(width, eps: eps)
        mlp = MLP(width, hiddenFeatures: Int(Float(width) * mlpRatio), activation: activation,
                  names: ("c_fc", "c_proj"), rng: &rng)
        super.init()
    }

    public override var keyMap: [String: String] { ["ln1": "ln_1", "ln2": "ln_2"] }

    public override func forward(_ x: Tensor) -> Tensor { callAsFunction(x, mask: nil, causal: false) }

    /// `x`: `[N, L, E]` (or `[L, N, E]` without `batchFirst`); `mask` / `causal` as in ``MultiheadAttention``.
    public func callAsFunction(_ x: Tensor, mask: Tensor? = nil, causal: Bool = false) -> Tensor {
        let y = x + attn(ln1(x), mask: mask, causal: causal)
        return y + mlp(ln2(y))
    }
}
