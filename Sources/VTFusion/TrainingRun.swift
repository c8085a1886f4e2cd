import Foundation
import NN
import Tensor

/// Options of a training run.
public struct TrainingOptions: Sendable {
    public var steps = 750
    /// Steps between atomic checkpoints (a kill loses at most this many steps).
    public var checkpointEvery = 100
    public var seed: UInt64 = 0
    /// Continue from the checkpoint in the output directory when there is one.
    public var resume = false
    public var sampler = EpisodeSampler()
    /// Stop (after checkpointing) once this step is done, leaving the run resumable; `nil` = run to `steps`.
    public var stopAfterStep: Int?
    public init() {}
}

/// What the progress callback receives after every step.
public struct TrainingProgress: Sendable {
    public var step: Int
    public var totalSteps: Int
    public var loss: Float, focal: Float, dice: Float, image: Float, auxiliary: Float
    /// Mean seconds per step over this session's steps.
    public var secondsPerStep: Double
    public var elapsed: Double
    public var eta: Double { secondsPerStep * Double(max(totalSteps - step, 0)) }
    /// Whether a checkpoint was written after this step.
    public var checkpointed: Bool
}

/// The result of a run.
public struct TrainingSummary: Codable, Sendable {
    public var steps: Int
    public var resumedFrom: Int
    public var secondsPerStep: Double
    public var finalLoss: Float
    /// Mean total loss of the first and last 10% of this session's steps.
    public var earlyLoss: Float
    public var lateLoss: Float
}

/// Episodic training of the head (and the prompt context) on cached features, with periodic atomic
/// checkpoints and resume.
public final class TrainingRun {
    public let trainer: VTFusionTrainer
    public let data: TrainingData
    public let promptLearner: PromptLearner?
    public let options: TrainingOptions

    /// `model.config.training.totalSteps` should equal `options.steps` (the cosine schedule reads it).
    public init(model: VTFusionModel, data: TrainingData, promptLearner: PromptLearner?, options: TrainingOptions) {
        self.data = data
        self.promptLearner = model.config.ablation.text ? promptLearner : nil
        self.options = options
        let extra = self.promptLearner.map { [(PromptLearner.checkpointKey, $0.context)] } ?? []
        trainer = VTFusionTrainer(model: model, text: nil, extraParameters: extra)
    }

    /// Runs until `options.steps` steps are done (resuming first when asked and a checkpoint exists).
    /// Writes checkpoints into `checkpointDirectory` every `checkpointEvery` steps and at the end.
    @discardableResult
    public func run(checkpointDirectory: URL?, progress: ((TrainingProgress) -> Void)? = nil) throws -> TrainingSummary {
        let config = trainer.model.config
        guard config.training.totalSteps == options.steps else {
            throw PipelineError.invalidOption("config training.total_steps \(config.training.totalSteps) != steps \(options.steps)")
        }
        var sampler = options.sampler
        sampler.useSynthetic = sampler.useSynthetic && config.ablation.syntheticAnomalies
        if let dir = checkpointDirectory, options.resume,
           FileManager.default.fileExists(atPath: dir.appendingPathComponent(Checkpoint.weightsFile).path) {
            try trainer.resume(from: dir)
        }
        let start = trainer.step
        if let learner = promptLearner {
            // Validates the prompts once (tokenizer, placeholder) and fills the ensemble caches.
            for cat in data.categories { _ = try noGrad { try learner.embeddings(object: cat.object) } }
        }
        var losses: [Float] = []
        let t0 = Date()
        var last: VTFusionLoss.Breakdown? = nil
        let stop = min(options.stopAfterStep ?? options.steps, options.steps)
        while trainer.step < stop {
            let draw = sampler.draw(step: trainer.step, seed: options.seed, data: data)
            if config.ablation.text, let learner = promptLearner {
                let object = draw.category.object
                // Validated above; the same prompts cannot fail later.
                trainer.text = .learnable { try! learner.embeddings(object: object) }
            } else {
                trainer.text = nil
            }
            let loss = trainer.step(draw.episode)
            last = loss
            losses.append(loss.total.item)
            var saved = false
            if let dir = checkpointDirectory,
               trainer.step % max(options.checkpointEvery, 1) == 0 || trainer.step == stop {
                try save(to: dir)
                saved = true
            }
            let elapsed = Date().timeIntervalSince(t0)
            progress?(TrainingProgress(step: trainer.step, totalSteps: options.steps, loss: loss.total.item,
                                       focal: loss.focal, dice: loss.dice, image: loss.image, auxiliary: loss.auxiliary,
                                       secondsPerStep: elapsed / Double(trainer.step - start), elapsed: elapsed,
                                       checkpointed: saved))
        }
        let n = losses.count, tenth = max(n / 10, 1)
        func mean(_ s: ArraySlice<Float>) -> Float { s.isEmpty ? .nan : s.reduce(0, +) / Float(s.count) }
        return TrainingSummary(steps: trainer.step, resumedFrom: start,
                               secondsPerStep: n == 0 ? 0 : Date().timeIntervalSince(t0) / Double(n),
                               finalLoss: last?.total.item ?? .nan, earlyLoss: mean(losses.prefix(tenth)),
                               lateLoss: mean(losses.suffix(tenth)))
    }

    /// Writes the checkpoint (head + prompt context + optimizer, atomic per file) and the prompt settings.
    public func save(to directory: URL) throws {
        try trainer.saveCheckpoint(to: directory)
        if let learner = promptLearner { try learner.settings.write(to: directory) }
    }
}
