import Tensor

/// Building blocks shared by the ViT and text transformers, reading their weights from ``Parameters``.
enum TransformerOps {
    /// `x W^T + b` over the last dimension with a PyTorch `Linear` weight `[out, in]`.
    /// With `residual`, returns `residual + x W^T + b` in the same pass (one GEMM onto the residual).
    static func linear(_ x: Tensor, _ p: Parameters, _ prefix: String, bias: Bool = true, residual: Tensor? = nil) -> Tensor {
        x.linear(weight: p[prefix + ".weight"], bias: bias ? p[prefix + ".bias"] : nil, residual: residual)
    }

    /// `residual + (x W^T + b) * scale` (a layer-scaled residual branch, DINOv2's `λ`), with `scale` folded
    /// into the weight rows and the bias once, so the branch is one GEMM onto the residual.
    static func scaledLinear(_ x: Tensor, _ p: Parameters, _ prefix: String, scale: String, residual: Tensor) -> Tensor {
        let w = p.derived(prefix + ".weight*" + scale) { p[prefix + ".weight"] * p[scale].reshaped([-1, 1]) }
        let b = p.derived(prefix + ".bias*" + scale) { p[prefix + ".bias"] * p[scale] }
        return x.linear(weight: w, bias: b, residual: residual)
    }

    /// Multi-head self-attention through one fused q/k/v projection: the three `Linear` weights (and
    /// biases, zeros where `bias` is false) are concatenated once into `[3C, C]` (the originals become views
    /// of it, see ``Parameters/fused(_:)``), projected in one GEMM and
    /// attended by ``Tensor/packedSelfAttention(_:heads:causal:scale:)`` without splitting heads apart.
    ///
    /// - Returns: `[B, N, C]`, heads merged (ready for the output projection).
    static func selfAttention(_ x: Tensor, _ p: Parameters, q: String, k: String, v: String, bias: Bool = true,
                              heads: Int, causal: Bool = false) -> Tensor {
        let w = p.fused([q + ".weight", k + ".weight", v + ".weight"])
        let b = bias ? p.fused([q + ".bias", k + ".bias", v + ".bias"])
            : p.derived(q + "|" + k + "|" + v + ".zeroBias") { Tensor.zeros([w.shape[0]]) }
        return Tensor.packedSelfAttention(x.linear(weight: w, bias: b), heads: heads, causal: causal)
    }

    static func layerNorm(_ x: Tensor, _ p: Parameters, _ prefix: String, eps: Float) -> Tensor {
        x.layerNorm(weight: p[prefix + ".weight"], bias: p[prefix + ".bias"], eps: eps)
    }

    static func activate(_ x: Tensor, _ act: Activation) -> Tensor {
        switch act {
        case .quickGELU: return x.quickGELU()
        case .gelu: return x.gelu(approximate: .none)
        case .geluNew, .geluPytorchTanh: return x.gelu(approximate: .tanh)
        case .relu: return x.relu()
        }
    }

    /// Splits `[B, N, H*D]` into heads `[B, H, N, D]`.
    static func heads(_ x: Tensor, _ h: Int) -> Tensor {
        let (b, n, c) = (x.shape[0], x.shape[1], x.shape[2])
        return x.reshaped([b, n, h, c / h]).permuted([0, 2, 1, 3])
    }

    /// Merges heads `[B, H, N, D]` into `[B, N, H*D]`.
    static func mergeHeads(_ x: Tensor) -> Tensor {
        let (b, h, n, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        return x.permuted([0, 2, 1, 3]).reshaped([b, n, h * d])
    }

    /// `softmax(q k^T * scale + mask) v` per head; `mask` (additive) broadcasts to `[B, H, N, N]`.
    static func attend(_ q: Tensor, _ k: Tensor, _ v: Tensor, scale: Float, mask: Tensor? = nil) -> Tensor {
        Tensor.scaledDotProductAttention(query: q, key: k, value: v, mask: mask, scale: scale)
    }

    /// Non-overlapping patch embedding (a convolution with kernel = stride = `patch`) as one matrix product.
    ///
    /// - Parameters:
    ///   - images: `[B, C, H, W]` with `H` and `W` multiples of `patch`.
    ///   - weight: conv weight `[D, C, patch, patch]`.
    /// - Returns: `[B, (H/patch) * (W/patch), D]` in row-major patch order.
    static func patchEmbed(_ images: Tensor, weight: Tensor, bias: Tensor?, patch: Int) -> Tensor {
        let (b, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let (gh, gw) = (h / patch, w / patch)
        let cols = images.reshaped([b, c, gh, patch, gw, patch]).permuted([0, 2, 4, 1, 3, 5])
            .reshaped([b * gh * gw, c * patch * patch])
        var y = cols.matmul(weight.reshaped([weight.shape[0], -1]).transposed())
        if let bias { y = y + bias }
        return y.reshaped([b, gh * gw, weight.shape[0]])
    }

    /// Rows of `table` `[V, D]` for `ids` (no gradient to the table: the towers are frozen).
    static func gatherRows(_ table: Tensor, ids: [[Int]]) throws -> Tensor {
        let (v, d) = (table.shape[0], table.shape[1])
        let n = ids.first?.count ?? 0
        guard ids.allSatisfy({ $0.count == n }) else {
            throw BackboneError.invalidInput("token id rows have different lengths \(ids.map(\.count))")
        }
        let src = table.contiguous()
        let out = Tensor(uninitializedShape: [ids.count, n, d])
        for (b, row) in ids.enumerated() {
            for (i, id) in row.enumerated() {
                guard id >= 0 && id < v else {
                    throw BackboneError.invalidInput("token id \(id) outside the vocabulary of \(v)")
                }
                (out.pointer + (b * n + i) * d).update(from: src.pointer + id * d, count: d)
            }
        }
        return out
    }

    /// Picks one position per batch row: `x [B, N, D]`, `index[b]` -> `[B, D]`, differentiable (a one-hot
    /// matrix product), so gradients reach whatever produced `x`.
    static func selectRows(_ x: Tensor, _ index: [Int]) -> Tensor {
        let (b, n) = (x.shape[0], x.shape[1])
        var onehot = [Float](repeating: 0, count: b * n)
        for (i, j) in index.enumerated() { onehot[i * n + j] = 1 }
        return Tensor(shape: [b, 1, n], data: onehot).matmul(x).reshaped([b, x.shape[2]])
    }
}
