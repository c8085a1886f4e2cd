import Tensor

/// Transformer trunks with random weights, written with engine ops exactly as in Scripts/bench_torch.py.
enum TrunkBench {
    struct Block {
        let ln1w, ln1b, qkvW, qkvB, projW, projB, ln2w, ln2b, fc1W, fc1B, fc2W, fc2B: Tensor

        init(width w: Int, rng: inout SeededRandom) {
            ln1w = .ones([w]); ln1b = .zeros([w]); ln2w = .ones([w]); ln2b = .zeros([w])
            qkvW = .randn([3 * w, w], std: 0.02, using: &rng); qkvB = .zeros([3 * w])
            projW = .randn([w, w], std: 0.02, using: &rng); projB = .zeros([w])
            fc1W = .randn([4 * w, w], std: 0.02, using: &rng); fc1B = .zeros([4 * w])
            fc2W = .randn([w, 4 * w], std: 0.02, using: &rng); fc2B = .zeros([w])
        }
    }

    /// `F.linear`: one GEMM accumulated onto the bias (and, for `residual + F.linear(...)`, the residual).
    static func linear(_ x: Tensor, _ w: Tensor, _ b: Tensor, residual: Tensor? = nil) -> Tensor {
        x.linear(weight: w, bias: b, residual: residual)
    }

    /// Pre-LN transformer blocks over `x` [B, N, W].
    static func forward(_ x0: Tensor, blocks: [Block], heads: Int, causal: Bool, quickGELU: Bool) -> Tensor {
        var x = x0
        for p in blocks {
            var h = x.layerNorm(weight: p.ln1w, bias: p.ln1b)
            // F.scaled_dot_product_attention on the heads of the packed projection, heads concatenated.
            let a = Tensor.packedSelfAttention(linear(h, p.qkvW, p.qkvB), heads: heads, causal: causal)
            x = linear(a, p.projW, p.projB, residual: x)
            h = x.layerNorm(weight: p.ln2w, bias: p.ln2b)
            h = linear(h, p.fc1W, p.fc1B)
            h = quickGELU ? h.quickGELU() : h.gelu()
            x = linear(h, p.fc2W, p.fc2B, residual: x)
        }
        return x
    }

    static func vit(batch: Int) -> BenchCase {
        BenchCase(name: "vit:\(batch)", what: "ViT-B/16 trunk forward, 12 blocks, 197 tokens, batch \(batch)",
                  flops: nil, target: "<= 1.0x torch") { reps in
            var rng = SeededRandom(seed: 0)
            let blocks = (0..<12).map { _ in Block(width: 768, rng: &rng) }
            let x = Tensor.randn([batch, 197, 768], using: &rng)
            return noGrad { Timing.median(reps: reps) { _ = forward(x, blocks: blocks, heads: 12, causal: false, quickGELU: false) } }
        }
    }

    static func text(batch: Int) -> BenchCase {
        BenchCase(name: "text:\(batch)", what: "CLIP text trunk fwd+bwd to input embeddings, 12 blocks, 77 tokens, causal, batch \(batch)",
                  flops: nil, target: "<= 1.2x torch") { reps in
            var rng = SeededRandom(seed: 0)
            let blocks = (0..<12).map { _ in Block(width: 512, rng: &rng) }
            let x0 = Tensor.randn([batch, 77, 512], using: &rng)
            return Timing.median(reps: reps) {
                let x = x0.detached().requiringGrad()
                forward(x, blocks: blocks, heads: 8, causal: true, quickGELU: true).sum().backward()
            }
        }
    }
}
