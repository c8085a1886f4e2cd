import Tensor

/// Multi-head cross-attention with separate query, key and value projections (Hugging Face naming): queries
/// from one token set, keys and values from another.
///
/// `[Bq, Nq, D]` x `[Bk, Nk, D] -> [B, Nq, D]` (batch first; batch dims broadcast, so one set of prototypes
/// can attend over a batch of images). The same computation as ``MultiheadAttention`` with `batchFirst`,
/// whose parameters are PyTorch's fused `in_proj_weight`; here the keys are `q_proj`, `k_proj`, `v_proj`,
/// `out_proj` (each `.weight` `[D, D]` and `.bias` `[D]`), each initialised like ``Linear``.
public final class CrossAttention: Module {
    public let qProj: Linear, kProj: Linear, vProj: Linear, outProj: Linear
    public let heads: Int
    public override var keyMap: [String: String] {
        ["qProj": "q_proj", "kProj": "k_proj", "vProj": "v_proj", "outProj": "out_proj"]
    }

    public init(width: Int, heads: Int, rng: inout SeededRandom) {
        check(heads >= 1 && width % heads == 0, "CrossAttention: width \(width) not divisible by \(heads) heads")
        qProj = Linear(width, width, rng: &rng)
        kProj = Linear(width, width, rng: &rng)
        vProj = Linear(width, width, rng: &rng)
        outProj = Linear(width, width, rng: &rng)
        self.heads = heads
        super.init()
    }

    /// `query` `[Bq, Nq, D]` attending over `context` `[Bk, Nk, D]`.
    public func callAsFunction(_ query: Tensor, _ context: Tensor) -> Tensor {
        let d = query.shape[2], dh = d / heads
        func split(_ x: Tensor) -> Tensor {  // [B, N, D] -> [B, H, N, dh]
            x.reshaped([x.shape[0], x.shape[1], heads, dh]).permuted(0, 2, 1, 3)
        }
        let q = split(qProj(query)), k = split(kProj(context)), v = split(vProj(context))
        let attn = (q.matmul(k.transposed()) * (1 / Float(dh).squareRoot())).softmax(axis: -1)
        let o = attn.matmul(v).permuted(0, 2, 1, 3)  // [B, Nq, H, dh]
        return outProj(o.reshaped([o.shape[0], o.shape[1], d]))
    }
}
