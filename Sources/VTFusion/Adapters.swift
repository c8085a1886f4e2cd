import NN
import Tensor

/// A residual bottleneck adapter into the joint space (CLIP-Adapter style).
///
/// `p = proj(x)`, `y = ratio * fc2(gelu(fc1(p))) + (1 - ratio) * p`: `[..., in] -> [..., width]`.
/// Keys: `proj.weight` `[width, in]`, `fc1.weight/bias` `[hidden, width]`, `fc2.weight/bias` `[width, hidden]`.
final class ResidualAdapter: Module {
    let proj: Linear
    let fc1: Linear
    let fc2: Linear
    let ratio: Float

    init(inWidth: Int, width: Int, hidden: Int, ratio: Float, rng: inout SeededRandom) {
        proj = Linear(inWidth, width, bias: false, rng: &rng)
        fc1 = Linear(width, hidden, rng: &rng)
        fc2 = Linear(hidden, width, rng: &rng)
        self.ratio = ratio
    }

    override func forward(_ x: Tensor) -> Tensor {
        let p = proj(x)
        return fc2(fc1(p).gelu()) * ratio + p * (1 - ratio)
    }
}

/// Adaptive image feature extractor: one ``ResidualAdapter`` per tapped layer (`layers.{l}.*`) mapping
/// patch tokens `[B, N, C_l]` to `[B, N, D]`, and a projection of the class token `cls_proj.weight` `[D, C]`.
final class ImageAdapter: Module {
    let layers: [Module]
    let clsProj: Linear
    override var keyMap: [String: String] { ["clsProj": "cls_proj"] }

    init(config: VTFusionConfig, rng: inout SeededRandom) {
        var list: [Module] = []
        for c in config.layerWidths {
            list.append(ResidualAdapter(inWidth: c, width: config.jointWidth, hidden: config.adapterHidden,
                                        ratio: config.adapterRatio, rng: &rng))
        }
        layers = list
        clsProj = Linear(config.classTokenWidth, config.jointWidth, bias: false, rng: &rng)
    }

    /// L2-normalised adapted patch features of layer `l`: `[B, N, C_l] -> [B, N, D]`.
    func patches(_ x: Tensor, layer l: Int) -> Tensor {
        (layers[l] as! ResidualAdapter)(x).l2Normalized(axis: -1)
    }

    /// L2-normalised projected class token: `[B, C] -> [B, D]`.
    func classToken(_ x: Tensor) -> Tensor { clsProj(x).l2Normalized(axis: -1) }
}

/// Adaptive text feature extractor: a ``ResidualAdapter`` `[P, D_text] -> [P, D]` (keys `adapter.*`).
final class TextAdapter: Module {
    let adapter: ResidualAdapter

    init(config: VTFusionConfig, rng: inout SeededRandom) {
        adapter = ResidualAdapter(inWidth: config.textWidth, width: config.jointWidth, hidden: config.adapterHidden,
                                  ratio: config.adapterRatio, rng: &rng)
    }

    /// Adapted text side: all prompt tokens `[P_n + P_a, D]` (normalised) and the two state prototypes
    /// `[2, D]` (normal, abnormal): per state the normalised mean of the normalised prompt features.
    func callAsFunction(_ text: TextEmbeddings) -> (tokens: Tensor, prototypes: Tensor) {
        let n = adapter(text.normal).l2Normalized(axis: -1)
        let a = adapter(text.abnormal).l2Normalized(axis: -1)
        let protos = Tensor.stack([n.mean(axis: 0), a.mean(axis: 0)], axis: 0).l2Normalized(axis: -1)
        return (Tensor.concat([n, a], axis: 0), protos)
    }
}
