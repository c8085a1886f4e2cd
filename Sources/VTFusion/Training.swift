import Foundation
import NN
import Tensor

/// One training episode: a query batch, the k normal references of the same category, and the masks.
public struct Episode {
    /// Query features (`B` images: normal, synthetic or real anomalies).
    public var query: FeatureSet
    /// Features of the k reference images (`k` in the batch axis), or `nil` for a zero-shot episode.
    public var references: FeatureSet?
    /// Ground-truth masks `[B, Hm, Wm]` in [0, 1] (any size; box-averaged to each map's size).
    public var masks: Tensor
    /// Image labels `[B]`; defaults to "mask has a pixel > 0.5".
    public var labels: Tensor?

    public init(query: FeatureSet, references: FeatureSet?, masks: Tensor, labels: Tensor? = nil) {
        check(masks.rank == 3 && masks.shape[0] == query.batchSize,
              "Episode: masks \(masks.shape) for a batch of \(query.batchSize)")
        self.query = query
        self.references = references
        self.masks = masks
        self.labels = labels
    }
}

/// Episodic trainer: forward, combined loss, backward, AdamW with a cosine schedule; checkpoints and resume.
public final class VTFusionTrainer {
    public let model: VTFusionModel
    /// The text side; `.learnable` closures are re-evaluated every step.
    public var text: TextSource?
    /// Extra trained tensors (for example learnable prompt context) with their checkpoint keys.
    public let extraParameters: [(String, Tensor)]
    public let schedule: CosineWarmupSchedule
    /// Completed steps.
    public private(set) var step = 0
    let optimizer: AdamW

    public init(model: VTFusionModel, text: TextSource?, extraParameters: [(String, Tensor)] = []) {
        self.model = model
        self.text = text
        self.extraParameters = extraParameters
        let t = model.config.training
        schedule = CosineWarmupSchedule(baseLR: t.learningRate, warmupSteps: min(t.warmupSteps, t.totalSteps),
                                        totalSteps: t.totalSteps)
        optimizer = AdamW(namedParameters: model.namedParameters() + extraParameters, learningRate: t.learningRate,
                          weightDecay: t.weightDecay)
    }

    /// Parameters updated by the optimizer, with their keys.
    public var trainedParameters: [(String, Tensor)] { model.namedParameters() + extraParameters }

    /// One optimisation step on `episode`. The reference branch is dropped with
    /// `training.referenceDropProbability` (a per-step seeded draw, so resumed runs repeat exactly).
    @discardableResult
    public func step(_ episode: Episode) -> VTFusionLoss.Breakdown {
        let config = model.config
        var rng = SeededRandom(seed: config.training.seed &+ UInt64(step) &* 0x9E37_79B9)
        let drop = rng.nextFloat() < config.training.referenceDropProbability
        let refs = (drop || !config.ablation.reference) ? nil : episode.references.map { model.referenceMemory(from: $0) }
        let out = model(episode.query, text: text?.embeddings(), references: refs)
        let loss = VTFusionLoss.compute(out, masks: episode.masks, labels: episode.labels, config: config)
        optimizer.zeroGrad()
        loss.total.backward()
        schedule.apply(to: optimizer, step: step)
        optimizer.step()
        step += 1
        return loss
    }

    /// Writes a checkpoint of the trained parameters, config and optimizer state (atomic per file).
    public func saveCheckpoint(to directory: URL) throws {
        try Checkpoint.save(config: model.config, parameters: trainedParameters, step: step,
                            optimizerState: optimizer.stateDict(), to: directory)
    }

    /// Restores parameters, step and (when consistent) optimizer state from a checkpoint written by
    /// ``saveCheckpoint(to:)`` for the same configuration.
    public func resume(from directory: URL) throws {
        let c = try Checkpoint.load(from: directory)
        let differing = c.config.differences(from: model.config).filter { !VTFusionConfig.extendableOnResume.contains($0) }
        guard differing.isEmpty else {
            throw VTFusionError.invalidConfig("checkpoint config differs from the trainer's model config in "
                                              + differing.joined(separator: ", "))
        }
        guard c.step <= model.config.training.totalSteps else {
            throw VTFusionError.invalidConfig("checkpoint is at step \(c.step), beyond the run's \(model.config.training.totalSteps) steps")
        }
        let head = Set(model.namedParameters().map(\.0))
        let weights = directory.appendingPathComponent(Checkpoint.weightsFile).path
        try StrictLoadError.naming(weights) { try model.load(stateDict: c.parameters.filter { head.contains($0.key) }) }
        for (key, t) in extraParameters {
            guard let v = c.parameters[key] else {
                throw StrictLoadError.missingKey(file: weights, key: key, expected: t.shape)
            }
            guard v.shape == t.shape else {
                throw StrictLoadError.shapeMismatch(file: weights, key: key, expected: t.shape, found: v.shape)
            }
            Kernels.copy(v, into: t.pointer)
        }
        step = c.step
        let optimizerFile = directory.appendingPathComponent(Checkpoint.optimizerFile).path
        try StrictLoadError.naming(optimizerFile) { try optimizer.load(stateDict: c.optimizerState ?? ["optimizer.step": Tensor(0)]) }
    }
}
