import NN
import Tensor

/// Per-layer evidence stacked as image channels, fed to the segmentation net.
///
/// For each tapped layer: text score, reference distance (adapted features), fused score, training-free
/// kNN distance on the frozen tokens (each `[B, N]`) and the fused features `[B, N, D]`, which the net
/// projects to ``VTFusionConfig/evidenceProjection`` channels.
struct LayerEvidence {
    var text: Tensor
    var distance: Tensor
    var fused: Tensor
    var features: Tensor
    var knn: Tensor
}

/// A small conv decoder over the stacked per-layer evidence maps, giving normal/anomalous logits.
///
/// Input: `L * (4 + q)` channels on the token grid `[B, C, h, w]`. `stem` (3x3 conv) -> ReLU, then per
/// stage: bilinear x2 upsample -> 3x3 conv -> ReLU; `head` (1x1 conv) -> `[B, 2, h * 2^s, w * 2^s]`.
/// Keys: `proj.{l}.weight/bias` `[q, D]` (evidence projections), `stem.*`, `blocks.{i}.*`, `head.*`, and
/// `knn_gain` `[1]`, the weight of the baseline kNN map added to the net's logit (residual formulation).
final class SegmentationNet: Module {
    let proj: [Module]
    let knnGain: Tensor
    override var keyMap: [String: String] { ["knnGain": "knn_gain"] }
    let stem: Conv2d
    let blocks: [Module]
    let head: Conv2d

    init(config: VTFusionConfig, rng: inout SeededRandom) {
        let q = config.evidenceProjection
        var p: [Module] = []
        for _ in config.layerWidths { p.append(Linear(config.jointWidth, q, rng: &rng)) }
        proj = p
        let ch = config.decoderChannels
        knnGain = Tensor(shape: [1], data: [8]).requiringGrad()
        stem = Conv2d(config.layerWidths.count * (4 + q), ch[0], kernelSize: 3,
                   padding: 1, rng: &rng)
        var b: [Module] = []
        for i in 1..<max(ch.count, 1) {
            b.append(Conv2d(ch[i - 1], ch[i], kernelSize: 3, padding: 1, rng: &rng))
        }
        blocks = b
        head = Conv2d(ch[ch.count - 1], 2, kernelSize: 1, rng: &rng)
    }

    /// Stacks the evidence into `[B, L * (4 + q), h, w]`.
    func stack(_ evidence: [LayerEvidence], grid: (Int, Int)) -> Tensor {
        var channels: [Tensor] = []
        for (l, e) in evidence.enumerated() {
            let p = (proj[l] as! Linear)(e.features)  // [B, N, q]
            channels.append(Tensor.stack([e.text, e.distance, e.fused, e.knn], axis: 2))
            channels.append(p)
        }
        let x = Tensor.concat(channels, axis: 2)  // [B, N, C]
        let (b, c) = (x.shape[0], x.shape[2])
        return x.permuted(0, 2, 1).contiguous().reshaped([b, c, grid.0, grid.1])
    }

    /// `[B, C, h, w] -> [B, 2, H', W']` logits.
    override func forward(_ x: Tensor) -> Tensor {
        var y = stem(x).relu()
        for block in blocks {
            let up = y.upsampleBilinear(size: (y.shape[2] * 2, y.shape[3] * 2), alignCorners: false)
            y = block(up).relu()
        }
        return head(y)
    }
}

/// Image-level score from the refined map and the branch summaries.
///
/// Features `[B, 6]`: max of the anomaly probability map, mean of its top 1%, the class token's text score
/// (`cos(c, t_abnormal) - cos(c, t_normal)`), the largest reference distance (mean over layers of the
/// per-layer maximum), `knnScale` times the baseline kNN image score (top-1% mean of the frozen-token kNN
/// map, 0 without references) and `logitScale` times the top-1% mean of the pixel logits;
/// `fc` (`Linear(6, 1)`) -> logit `[B]`.
final class ImageScoreHead: Module {
    let fc: Linear
    static let knnScale: Float = 10
    static let logitScale: Float = 0.1

    init(rng: inout SeededRandom) { fc = Linear(6, 1, rng: &rng) }

    private static func topMean(_ x: Tensor) -> Tensor {
        let flat = x.reshaped([x.shape[0], -1])
        let k = max(1, (flat.shape[1] + 99) / 100)  // ceil(1%)
        return flat.topK(k, axis: 1).values.mean(axis: 1)
    }

    /// - Parameters: `map` `[B, H, W]` probabilities, `logits` `[B, H, W]`, `classScore`/`referenceScore` `[B]`,
    ///   `knnMap` `[B, N]` frozen-token kNN distances.
    func callAsFunction(map: Tensor, logits: Tensor, classScore: Tensor, referenceScore: Tensor, knnMap: Tensor) -> Tensor {
        let flat = map.reshaped([map.shape[0], -1])
        let feats = Tensor.stack([flat.max(axis: 1), Self.topMean(map), classScore, referenceScore,
                                  Self.topMean(knnMap) * Self.knnScale, Self.topMean(logits) * Self.logitScale], axis: 1)
        return fc(feats).reshaped([map.shape[0]])
    }
}
