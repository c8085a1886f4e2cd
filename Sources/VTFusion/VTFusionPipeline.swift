import Foundation
import NN
import Tensor

/// Widths of the head, independent of the backbone.
public struct HeadSize: Codable, Equatable, Sendable {
    public var jointWidth: Int
    public var adapterHidden: Int
    public var fusionHeads: Int
    public var evidenceProjection: Int
    /// Decoder widths; the first `stages + 1` are used (see ``VTFusionPipeline/decoderStages(grid:imageSize:)``).
    public var channels: [Int]

    public init(jointWidth: Int, adapterHidden: Int, fusionHeads: Int, evidenceProjection: Int, channels: [Int]) {
        self.jointWidth = jointWidth; self.adapterHidden = adapterHidden; self.fusionHeads = fusionHeads
        self.evidenceProjection = evidenceProjection; self.channels = channels
    }

    /// The embedded default (DINOv2-S / CLIP): D = 128.
    public static let standard = HeadSize(jointWidth: 128, adapterHidden: 64, fusionHeads: 4, evidenceProjection: 4,
                                          channels: [32, 16, 8, 8, 8])
}

/// A head loaded for inference with its text side (learned prompts when the checkpoint has them).
public final class LoadedHead {
    public let detector: Detector
    public let promptLearner: PromptLearner?
    public let text: TextEncoderBundle?
    public var config: VTFusionConfig { detector.model.config }

    init(detector: Detector, promptLearner: PromptLearner?, text: TextEncoderBundle?) {
        self.detector = detector
        self.promptLearner = promptLearner
        self.text = text
    }

    /// Rebuilds the detector's text side for `object` (learned context when present, else the plain
    /// ensemble; nothing when the text branch is off or no text encoder was given).
    public func useObject(_ object: String) throws {
        guard config.ablation.text else { detector.text = nil; return }
        if let learner = promptLearner {
            detector.text = try noGrad { try learner.embeddings(object: object) }
        } else if let text {
            detector.text = try TextEmbeddings.encode(config.prompts, object: object, with: text.promptEncoder)
        }
    }
}

/// Glue between backbones, text encoders, the head and its training.
public enum VTFusionPipeline {
    /// Number of x2 decoder stages so the head's output is at least 1/4 of the image side.
    public static func decoderStages(grid: Int, imageSize: Int) -> Int {
        var s = 0
        while (grid << s) * 4 < imageSize { s += 1 }
        return s
    }

    /// A head configuration for `spec` with the widths of `sample` (features of at least one image).
    public static func config(spec: BackboneSpec, sample: FeatureSet, textEncoder: String, textWidth: Int,
                              head: HeadSize = .standard, steps: Int, seed: UInt64,
                              ablation: Ablation = Ablation()) -> VTFusionConfig {
        var c = VTFusionConfig()
        c.backbone = spec.name
        c.textEncoder = textEncoder
        c.taps = spec.taps
        c.layerWidths = sample.patches.map { $0.shape[2] }
        c.classTokenWidth = sample.classToken.shape[1]
        c.textWidth = textWidth
        c.jointWidth = head.jointWidth
        c.adapterHidden = head.adapterHidden
        c.fusionHeads = head.fusionHeads
        c.evidenceProjection = head.evidenceProjection
        let stages = decoderStages(grid: sample.grid.0, imageSize: spec.imageSize)
        c.decoderChannels = (0...stages).map { head.channels[min($0, head.channels.count - 1)] }
        c.imageSize = [spec.imageSize, spec.imageSize]
        c.patchSize = spec.patchSize
        c.mean = spec.mean
        c.std = spec.std
        c.ablation = ablation
        c.training.totalSteps = steps
        c.training.seed = seed
        c.training.warmupSteps = min(steps / 20, 50)
        c.training.referenceDropProbability = 0.05
        c.training.checkpointEvery = 100
        return c
    }

    /// Loads a checkpoint for inference. `text` must be the encoder the head was trained with (same width);
    /// without it the text branch stays off unless the checkpoint stores fixed `text.*` embeddings.
    public static func loadHead(checkpoint: URL, text: TextEncoderBundle?, object: String = "object",
                                backboneSHA256: String? = nil) throws -> LoadedHead {
        let detector = try Detector(checkpoint: checkpoint, backboneSHA256: backboneSHA256,
                                    encoder: text?.promptEncoder, object: object)
        let config = detector.model.config
        var learner: PromptLearner? = nil
        if let text, let settings = try PromptLearnerSettings.read(from: checkpoint) {
            let contents = try Checkpoint.load(from: checkpoint)
            if let ctx = contents.parameters[PromptLearner.checkpointKey] {
                guard text.encoder.outputWidth == config.textWidth else {
                    throw VTFusionError.invalidConfig("text encoder '\(text.name)' width \(text.encoder.outputWidth) != "
                                                      + "checkpoint text_width \(config.textWidth)")
                }
                let l = PromptLearner(encoder: text.encoder, tokenizer: text.tokenizer, prompts: config.prompts, settings: settings)
                try StrictLoadError.naming(checkpoint.appendingPathComponent(Checkpoint.weightsFile).path) { try l.loadContext(ctx) }
                learner = l
            }
        }
        let head = LoadedHead(detector: detector, promptLearner: learner, text: text)
        if learner != nil || text != nil { try head.useObject(object) }
        return head
    }
}
