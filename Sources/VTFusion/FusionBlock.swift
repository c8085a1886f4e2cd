import NN
import Tensor

/// Bidirectional image-text fusion for one tapped layer.
///
/// With patch features `f` `[B, N, D]` (normalised), reference residuals `r` `[B, N, D]` (or none), text
/// tokens `T` `[S, D]` and state prototypes `P` `[2, D]` (normal, abnormal):
/// - `z = f + res_proj(r)` (patches carry their reference residuals);
/// - image-to-text: `z' = z + img_to_text(z, T)` updates patches with text semantics;
/// - text-to-image: `P' = P + text_to_img(P, z')` `[B, 2, D]`, image-conditioned prototypes;
/// - score: `cos(z', P'_abnormal) - cos(z', P'_normal)` `[B, N]`.
/// Keys: `res_proj.weight`, `img_to_text.*`, `text_to_img.*`.
final class FusionBlock: Module {
    let resProj: Linear
    let imgToText: CrossAttention
    let textToImg: CrossAttention
    override var keyMap: [String: String] {
        ["resProj": "res_proj", "imgToText": "img_to_text", "textToImg": "text_to_img"]
    }

    init(width: Int, heads: Int, rng: inout SeededRandom) {
        resProj = Linear(width, width, bias: false, rng: &rng)
        imgToText = CrossAttention(width: width, heads: heads, rng: &rng)
        textToImg = CrossAttention(width: width, heads: heads, rng: &rng)
    }

    /// - Returns: normalised fused patch features `[B, N, D]` and the score `[B, N]` (a cosine difference,
    ///   zero when there is no text side).
    func callAsFunction(patches f: Tensor, residual: Tensor?, tokens: Tensor?, prototypes: Tensor?,
                        fuse: Bool) -> (features: Tensor, score: Tensor) {
        var z = f
        if fuse, let residual { z = f + resProj(residual) }
        guard let tokens, let prototypes else {
            return (z.l2Normalized(axis: -1), Tensor.zeros(Array(f.shape.prefix(2))))
        }
        var protos = prototypes.unsqueezed(0)  // [1, 2, D]
        if fuse {
            z = z + imgToText(z, tokens.unsqueezed(0))
            protos = protos + textToImg(protos, z)
        }
        let zn = z.l2Normalized(axis: -1)
        let sim = zn.matmul(protos.l2Normalized(axis: -1).transposed())  // [B, N, 2]
        let score = sim.selecting(axis: 2, index: 1) - sim.selecting(axis: 2, index: 0)
        return (zn, score)
    }
}
