import Foundation

/// Everything that defines a VTFusion head: the backbone it reads, the tapped layers, the widths, the
/// prompts, the image geometry and normalisation, the ablation switches and the training recipe.
///
/// Stored as `config.json` next to the checkpoint's safetensors (snake_case keys, see ``encoder`` /
/// ``decoder``).
public struct VTFusionConfig: Codable, Equatable, Sendable {
    /// Backbone identifier (for example `"dinov2-small"`) and the sha256 of its weights file
    /// (`"unverified"` until the model store provides it).
    public var backbone: String = "random-tiny"
    public var backboneSHA256: String = "unverified"
    /// Text encoder identifier (for example `"minilm-l6"` or `"clip-text"`).
    public var textEncoder: String = "random-tiny"
    /// Indices of the tapped backbone blocks and each tap's patch-token width `C_l`.
    public var taps: [Int] = [1, 2]
    public var layerWidths: [Int] = [16, 16]
    /// Width of the class token `C` fed to the image score head.
    public var classTokenWidth: Int = 16
    /// Width of the text encoder's embeddings `D_text`.
    public var textWidth: Int = 16
    /// Width `D` of the joint image-text space.
    public var jointWidth: Int = 16
    /// Bottleneck width of the residual adapters and the mixing ratio of their output.
    public var adapterHidden: Int = 8
    public var adapterRatio: Float = 0.5
    /// Attention heads of the fusion block (must divide ``jointWidth``).
    public var fusionHeads: Int = 2
    /// Channels of the low-dimensional projection of fused features fed to the segmentation net.
    public var evidenceProjection: Int = 2
    /// Decoder widths: a 3x3 stem, then one (x2 upsample, 3x3 conv) stage per further entry.
    public var decoderChannels: [Int] = [8, 8, 8]
    /// Temperature of all cosine-similarity logits (`logit = scale * (cos_abnormal - cos_normal)`).
    public var logitScale: Float = 10
    /// Input image size `[H, W]` and the backbone's patch size; the token grid is `H / patch x W / patch`.
    public var imageSize: [Int] = [64, 64]
    public var patchSize: Int = 8
    /// Per-channel normalisation applied to images before the backbone.
    public var mean: [Float] = [0.485, 0.456, 0.406]
    public var std: [Float] = [0.229, 0.224, 0.225]
    public var prompts: PromptConfig = PromptConfig()
    public var ablation: Ablation = Ablation()
    public var training: TrainingConfig = TrainingConfig()

    public init() {}

    // With the snake_case strategies "backboneSha256" <-> "backbone_sha256".
    enum CodingKeys: String, CodingKey {
        case backbone, backboneSHA256 = "backboneSha256", textEncoder, taps, layerWidths, classTokenWidth, textWidth
        case jointWidth, adapterHidden, adapterRatio, fusionHeads, evidenceProjection, decoderChannels, logitScale
        case imageSize, patchSize, mean, std, prompts, ablation, training
    }

    /// Token grid `(h, w)`.
    public var grid: (Int, Int) { (imageSize[0] / patchSize, imageSize[1] / patchSize) }
    /// Resolution of the segmentation net's logits: the grid times `2^(decoderChannels.count - 1)`.
    public var outputSize: (Int, Int) {
        let f = 1 << max(decoderChannels.count - 1, 0)
        return (grid.0 * f, grid.1 * f)
    }

    /// Throws a ``VTFusionError/invalidConfig(_:)`` naming the first inconsistent field.
    public func validate() throws {
        func fail(_ s: String) -> VTFusionError { .invalidConfig(s) }
        guard !taps.isEmpty, taps.count == layerWidths.count else {
            throw fail("taps (\(taps.count)) and layer_widths (\(layerWidths.count)) must be non-empty and equal in length")
        }
        guard jointWidth > 0, fusionHeads > 0, jointWidth % fusionHeads == 0 else {
            throw fail("joint_width \(jointWidth) must be a positive multiple of fusion_heads \(fusionHeads)")
        }
        guard imageSize.count == 2, imageSize.allSatisfy({ (1...65_536).contains($0) }), patchSize > 0,
              imageSize[0] % patchSize == 0, imageSize[1] % patchSize == 0 else {
            throw fail("image_size \(imageSize) must be two positive multiples (at most 65536) of patch_size \(patchSize)")
        }
        // At most 16 stages keeps `outputSize` (grid * 2^(stages - 1)) far from overflowing.
        guard (1...16).contains(decoderChannels.count), decoderChannels.allSatisfy({ $0 > 0 }) else {
            throw fail("decoder_channels \(decoderChannels) must be 1 to 16 positive widths")
        }
        guard outputSize.0 * 4 >= imageSize[0], outputSize.1 * 4 >= imageSize[1] else {
            throw fail("decoder output \(outputSize) is below 1/4 of image_size \(imageSize): add decoder stages")
        }
        guard mean.count == 3, std.count == 3, std.allSatisfy({ $0 > 0 }) else {
            throw fail("mean and std need 3 positive channels")
        }
        guard (0...1).contains(adapterRatio) else { throw fail("adapter_ratio \(adapterRatio) must be in [0, 1]") }
    }

    /// JSON encoder writing snake_case keys, sorted, pretty-printed.
    public static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return e
    }

    /// JSON decoder reading snake_case keys.
    public static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }
}

/// Switches that turn off each part of the method, for ablations.
public struct Ablation: Codable, Equatable, Sendable {
    /// Text branch: text maps, text tokens in the fusion block, class-token score.
    public var text = true
    /// Reference (k-shot) branch: nearest-reference distances and residuals.
    public var reference = true
    /// Fusion block (bidirectional cross-attention); off: patches scored against unconditioned prototypes.
    public var fusion = true
    /// Segmentation net; off: the mean of the per-layer maps.
    public var segmentationNet = true
    /// Synthetic anomalies as training queries (read by the data pipeline).
    public var syntheticAnomalies = true
    public init() {}
}

/// Prompt ensemble: states for "normal" and "abnormal", each placed in every template (`{}` = object).
public struct PromptConfig: Codable, Equatable, Sendable {
    public var normalStates = ["{}", "flawless {}", "perfect {}", "unblemished {}", "{} without flaw",
                               "{} without defect", "{} without damage"]
    public var abnormalStates = ["damaged {}", "broken {}", "{} with flaw", "{} with defect", "{} with damage"]
    public var templates = ["a photo of a {}.", "a cropped photo of the {}.", "a close-up photo of a {}.",
                            "a photo of the {} for inspection."]
    public var objectName = "object"
    public init() {}

    /// All prompts of one state for `object` (defaults to ``objectName``).
    public func prompts(abnormal: Bool, object: String? = nil) -> [String] {
        let name = object ?? objectName
        let states = abnormal ? abnormalStates : normalStates
        return states.flatMap { state in
            let filled = state.replacingOccurrences(of: "{}", with: name)
            return templates.map { $0.replacingOccurrences(of: "{}", with: filled) }
        }
    }
}

/// Training recipe.
public struct TrainingConfig: Codable, Equatable, Sendable {
    public var learningRate: Float = 1e-3
    public var weightDecay: Float = 1e-2
    public var warmupSteps = 0
    public var totalSteps = 1000
    /// Probability of dropping the reference branch for an episode (so k = 0 works).
    public var referenceDropProbability: Float = 0.3
    public var focalGamma: Float = 2
    /// Weight of the auxiliary focal + dice loss on the per-layer text maps.
    public var auxiliaryWeight: Float = 0.5
    public var seed: UInt64 = 0
    /// Steps between checkpoints.
    public var checkpointEvery = 100
    public init() {}
}
