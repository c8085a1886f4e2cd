import ArgumentParser
import Evaluation
import Foundation
import UserFiles
import Tensor
import VTFusion

/// `vtfusion train`: trains the head (and the prompt context) on a dataset's categories.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the VTFusion head on cached backbone features (episodic, resumable).",
        discussion: """
        Backbone features of every normal image, of a fixed pool of synthetic anomalies made from them and of
        the real anomalies (with masks) are computed once; training then runs on the cached features.
        A checkpoint (head.safetensors, config.json, optimizer.safetensors, prompt_learner.json) is written
        atomically to --out every --checkpoint-every steps; --resume continues from it.

        Examples:
          vtfusion train --dataset mvtec:bench --auxiliary-only --backbone dinov2-s-imgfocus \\
            --backbone-dir models/dinov2-s-imgfocus --text-encoder minilm-l6 --text-dir models/minilm-l6 \\
            --out heads/default
          vtfusion train --dataset visa:/data/visa --backbone clip-l14-336 --backbone-dir models/clip-l14-336 \\
            --text-encoder clip-l14-336 --out heads/clip --steps 2000 --resume
        """
    )

    @OptionGroup var data: DatasetOptions
    @OptionGroup var models: ModelOptions

    @Flag(help: "Only the benchmark's auxiliary categories (benchmark.json).")
    var auxiliaryOnly = false

    @Option(help: "Checkpoint directory.")
    var out: String

    @Option(help: "Optimisation steps.")
    var steps: Int = 750

    @Flag(help: "Continue from the checkpoint in --out.")
    var resume = false

    @Option(help: "Seed of initialisation, synthesis and episodes.")
    var seed: UInt64 = 0

    @Option(help: "Steps between checkpoints.")
    var checkpointEvery: Int = 100

    @Option(help: "Queries per episode.")
    var batch: Int = 4

    @Option(help: "Synthetic anomaly variants per normal image (cached).")
    var syntheticPerImage: Int = 4

    @Option(help: "Learning rate (AdamW, cosine schedule).")
    var learningRate: Float = 1e-3

    @Option(help: "Parts to turn off (comma-separated): text, reference, fusion, seg-net, synthetic.")
    var ablate: String?

    @Option(help: "Texture folder for synthetic anomalies (repeatable; default: GIMP patterns if installed).")
    var textures: [String] = []

    @Flag(help: "Write into a non-empty --out, replacing only the files a run writes (the checkpoint files and training.json).")
    var force = false

    func validate() throws {
        try CommandLineChecks.training(steps: steps, batch: batch, checkpointEvery: checkpointEvery, learningRate: learningRate,
                                       syntheticPerImage: syntheticPerImage, textures: textures, imageSize: models.imageSize)
        try models.validateThreads()
        // --resume reuses its own checkpoint folder; otherwise the folder must be new or empty unless --force.
        let hasCheckpoint = FileManager.default.fileExists(atPath: URL(fileURLWithPath: out).appendingPathComponent(Checkpoint.weightsFile).path)
        if !(resume && hasCheckpoint) { try OutputDirectory.check(out, force: force) }
    }

    func run() throws {
        if let t = models.threads { Threading.threadCount = t }
        let backboneName = models.backbone ?? "dinov2-s-imgfocus"
        let textName = models.textEncoder ?? "minilm-l6"
        let (_, categories) = try data.load(role: auxiliaryOnly ? "auxiliary" : nil)
        var ablation = Ablation()
        for part in (ablate ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            switch part {
            case "text": ablation.text = false
            case "reference": ablation.reference = false
            case "fusion": ablation.fusion = false
            case "seg-net", "segmentation-net": ablation.segmentationNet = false
            case "synthetic": ablation.syntheticAnomalies = false
            default: throw ValidationError("--ablate: unknown part '\(part)' (text, reference, fusion, seg-net, synthetic)")
            }
        }
        let t0 = Date()
        let loaded = try models.loadBackbone(name: backboneName, imageSize: models.imageSize)
        let text = try models.loadText(name: textName, clip: loaded.clip, backboneName: backboneName)
        Console.log("backbone \(loaded.spec.name) at \(loaded.spec.imageSize) px (taps \(loaded.spec.taps)), text \(text.name); "
             + "\(categories.count) categories: \(categories.map(\.name).joined(separator: ", "))")
        let extractor = FeatureExtractor(backbone: loaded.backbone, spec: loaded.spec)
        var dataOptions = TrainingDataOptions()
        dataOptions.syntheticPerImage = ablation.syntheticAnomalies ? syntheticPerImage : 0
        dataOptions.seed = seed
        if !textures.isEmpty { dataOptions.textureDirectories = textures }
        let sample = try extractor.features([loaded.spec.preprocessor.tensor(
            try loaded.spec.preprocessor.load(path: categories[0].trainGood.first?.path ?? categories[0].test[0].imagePath.path))])
        var config = VTFusionPipeline.config(spec: loaded.spec, sample: sample, textEncoder: text.name,
                                             textWidth: text.encoder.outputWidth, steps: steps, seed: seed, ablation: ablation)
        dataOptions.maskSize = config.outputSize.0
        config.backboneSHA256 = loaded.weightsFingerprint
        config.training.learningRate = learningRate
        config.training.checkpointEvery = checkpointEvery
        let featureStart = Date()
        let progress = ProgressReporter()
        let trainingData = try TrainingData.build(sources: categories.map { TrainingSource(category: $0) },
                                                  extractor: extractor, options: dataOptions,
                                                  log: progress.categoryLog(total: categories.count, phase: "caching features"))
        let featureSeconds = Date().timeIntervalSince(featureStart)
        Console.log(String(format: "cached %d images in %.1f s (%.2f s/image, %.0f MB)", trainingData.imageCount, featureSeconds,
                    featureSeconds / Double(max(trainingData.imageCount, 1)), Double(trainingData.byteCount) / 1e6))
        let model = try VTFusionModel(config: config, seed: seed)
        let learner = PromptLearner(encoder: text.encoder, tokenizer: text.tokenizer, prompts: config.prompts, seed: seed)
        var options = TrainingOptions()
        options.steps = steps
        options.checkpointEvery = checkpointEvery
        options.seed = seed
        options.resume = resume
        options.sampler.queriesPerEpisode = batch
        let outURL = URL(fileURLWithPath: out)
        for name in StaleTemporaryFiles.clean(in: outURL) { Console.log("removed stale temporary file \(name) of an interrupted run") }
        if !resume, !force, FileManager.default.fileExists(atPath: outURL.appendingPathComponent(Checkpoint.weightsFile).path) {
            throw ValidationError("\(out) already holds a checkpoint: pass --resume to continue it or choose another --out")
        }
        let run = TrainingRun(model: model, data: trainingData, promptLearner: learner, options: options)
        let summary = try run.run(checkpointDirectory: outURL) { progress.show($0) }
        let record = TrainingRecord(summary: summary, featureSeconds: featureSeconds, cachedImages: trainingData.imageCount,
                                    totalSeconds: Date().timeIntervalSince(t0), categories: categories.map(\.name),
                                    command: CommandLine.arguments.joined(separator: " "))
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try e.encode(record).write(to: outURL.appendingPathComponent("training.json"), options: .atomic)
        print(String(format: "trained %d steps (%.3f s/step; loss %.4f -> %.4f); checkpoint in %@; total %@",
                     summary.steps, summary.secondsPerStep, summary.earlyLoss, summary.lateLoss, out,
                     ProgressReporter.duration(record.totalSeconds)))
    }
}

/// `training.json` next to a checkpoint.
struct TrainingRecord: Codable {
    var summary: TrainingSummary
    var featureSeconds: Double
    var cachedImages: Int
    var totalSeconds: Double
    var categories: [String]
    var command: String
}
