import NN
import Tensor

/// The root module of the head. Keys: `image_adapter.*`, `text_adapter.*`, `fusion.{l}.*`, `seg_net.*`,
/// `image_head.*` (the PyTorch reference in `Scripts/make_method_fixtures.py` uses the same names).
final class VTFusionNetwork: Module {
    let imageAdapter: ImageAdapter
    let textAdapter: TextAdapter
    let fusion: [Module]
    let segNet: SegmentationNet
    let imageHead: ImageScoreHead
    let config: VTFusionConfig
    override var keyMap: [String: String] {
        ["imageAdapter": "image_adapter", "textAdapter": "text_adapter", "segNet": "seg_net", "imageHead": "image_head"]
    }

    init(config: VTFusionConfig, rng: inout SeededRandom) {
        self.config = config
        imageAdapter = ImageAdapter(config: config, rng: &rng)
        textAdapter = TextAdapter(config: config, rng: &rng)
        var f: [Module] = []
        for _ in config.layerWidths { f.append(FusionBlock(width: config.jointWidth, heads: config.fusionHeads, rng: &rng)) }
        fusion = f
        segNet = SegmentationNet(config: config, rng: &rng)
        imageHead = ImageScoreHead(rng: &rng)
    }

    /// `cos(x, t_abnormal) - cos(x, t_normal)` for normalised `x` `[..., D]` and prototypes `[2, D]`.
    private func stateScore(_ x: Tensor, _ protos: Tensor) -> Tensor {
        let s = x.matmul(protos.transposed())
        return s.selecting(axis: -1, index: 1) - s.selecting(axis: -1, index: 0)
    }

    func forward(_ features: FeatureSet, text: TextEmbeddings?, references: ReferenceMemory?) -> HeadOutput {
        let ab = config.ablation, scale = config.logitScale
        check(features.layerCount == config.layerWidths.count,
              "VTFusion: \(features.layerCount) feature layers for \(config.layerWidths.count) taps")
        let (b, n) = (features.batchSize, features.grid.0 * features.grid.1)
        let side = (ab.text ? text : nil).map { textAdapter($0) }
        let refs = ab.reference ? references : nil
        if let refs {
            check(refs.layers.count == config.layerWidths.count, "VTFusion: reference memory has \(refs.layers.count) layers")
        }
        var evidence: [LayerEvidence] = []
        for l in 0..<features.layerCount {
            let f = imageAdapter.patches(features.patches[l], layer: l)
            let textScore = side.map { stateScore(f, $0.prototypes) } ?? Tensor.zeros([b, n])
            let near = refs.map { $0.nearest(f, layer: l) }
            let knn = refs?.knnDistance(features.patches[l], layer: l) ?? Tensor.zeros([b, n])
            let fused = (fusion[l] as! FusionBlock)(patches: f, residual: near?.residual, tokens: side?.tokens,
                                                   prototypes: side?.prototypes, fuse: ab.fusion)
            evidence.append(LayerEvidence(text: textScore, distance: near?.distance ?? Tensor.zeros([b, n]),
                                          fused: fused.score, features: fused.features, knn: knn))
        }
        let out = config.outputSize
        // The training-free kNN map on frozen tokens (mean over layers), `[B, N]`: zeros without references.
        let knnMap = Tensor.stack(evidence.map(\.knn), axis: 0).mean(axis: 0)
        let pixel: Tensor
        if ab.segmentationNet {
            let logits = segNet(segNet.stack(evidence, grid: features.grid))
            let knnUp = knnMap.reshaped([b, 1, features.grid.0, features.grid.1])
                .upsampleBilinear(size: (logits.shape[2], logits.shape[3]), alignCorners: false)
                .reshaped([b, logits.shape[2], logits.shape[3]])
            // Residual formulation: learned correction on top of the (scaled) baseline map.
            pixel = logits.selecting(axis: 1, index: 1) - logits.selecting(axis: 1, index: 0) + knnUp * segNet.knnGain
        } else {
            // Mean of the per-layer maps of the active branches, upsampled; as a logit.
            var maps: [Tensor] = []
            for e in evidence {
                if side != nil { maps.append((e.text * scale).sigmoid()); maps.append((e.fused * scale).sigmoid()) }
                if refs != nil { maps.append(e.distance * 0.5); maps.append(e.knn) }
            }
            let mean = maps.isEmpty ? Tensor.zeros([b, n]) + 0.5 : Tensor.stack(maps, axis: 0).mean(axis: 0)
            let up = mean.reshaped([b, 1, features.grid.0, features.grid.1]).upsampleBilinear(size: out, alignCorners: false).reshaped([b, out.0, out.1])
            let p = up * (1 - 2e-4) + 1e-4
            pixel = p.log() - (1 - p).log()
        }
        let classScore = side.map { stateScore(imageAdapter.classToken(features.classToken), $0.prototypes) }
            ?? Tensor.zeros([b])
        let refScore = refs == nil ? Tensor.zeros([b])
            : Tensor.stack(evidence.map { $0.distance.max(axis: 1) }, axis: 0).mean(axis: 0)
        let imageLogits = imageHead(map: pixel.sigmoid(), logits: pixel, classScore: classScore, referenceScore: refScore,
                                    knnMap: knnMap)
        return HeadOutput(pixelLogits: pixel, imageLogits: imageLogits,
                          textLogits: side == nil ? [] : evidence.map { $0.text * scale },
                          referenceDistances: refs == nil ? [] : evidence.map(\.distance),
                          fusedLogits: side == nil ? [] : evidence.map { $0.fused * scale },
                          grid: features.grid)
    }
}

/// Everything one forward pass of the head produces (graph attached when recorded).
public struct HeadOutput {
    /// Binary pixel logits `[B, H', W']` (`logit_anomalous - logit_normal` of the segmentation net) at
    /// ``VTFusionConfig/outputSize``.
    public let pixelLogits: Tensor
    /// Image logits `[B]`.
    public let imageLogits: Tensor
    /// Per-layer text logits `[B, N]` (`scale * (cos_abnormal - cos_normal)`); empty without the text branch.
    public let textLogits: [Tensor]
    /// Per-layer nearest-reference cosine distances `[B, N]`; empty without references.
    public let referenceDistances: [Tensor]
    /// Per-layer fused logits `[B, N]`; empty without the text branch.
    public let fusedLogits: [Tensor]
    /// Token grid `(h, w)` of the per-layer maps.
    public let grid: (Int, Int)

    /// Anomaly probability map `[B, H', W']`.
    public var anomalyProbability: Tensor { pixelLogits.sigmoid() }
    /// Image anomaly probability `[B]`.
    public var imageProbability: Tensor { imageLogits.sigmoid() }
}
