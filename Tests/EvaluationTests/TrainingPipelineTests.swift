import Foundation
import XCTest
import NN
import Tensor
import VTFusion
@testable import Evaluation
import TestSupport

/// Training on the tiny benchmark's auxiliary categories: runs, checkpoints, resumes exactly, and the
/// trained head (with its learned prompts) evaluates on the target categories.
final class TrainingPipelineTests: XCTestCase {
    struct Setup {
        let data: TrainingData
        let config: VTFusionConfig
        let text: TextEncoderBundle
        let extractor: FeatureExtractor
    }

    static let setup: Setup = {
        let extractor = try! TinyBenchmark.extractor()
        let sources = try! TinyBenchmark.categories("auxiliary").map { TrainingSource(category: $0) }
        var options = TrainingDataOptions()
        options.syntheticPerImage = 2
        options.textureDirectories = []
        options.maskSize = 32
        let data = try! TrainingData.build(sources: sources, extractor: extractor, options: options)
        let text = TinyModels.textEncoder()
        var config = VTFusionPipeline.config(spec: extractor.spec, sample: data.categories[0].normal.slice(0..<1),
                                             textEncoder: text.name, textWidth: text.encoder.outputWidth,
                                             head: .tiny, steps: 6, seed: 5)
        config.prompts.templates = ["a photo of a {}."]
        config.training.learningRate = 3e-3
        return Setup(data: data, config: config, text: text, extractor: extractor)
    }()

    func makeRun(_ s: Setup, modelSeed: UInt64, stopAfter: Int? = nil) throws -> TrainingRun {
        let model = try VTFusionModel(config: s.config, seed: modelSeed)
        let learner = PromptLearner(encoder: s.text.encoder, tokenizer: s.text.tokenizer, prompts: s.config.prompts,
                                    seed: modelSeed)
        var options = TrainingOptions()
        options.steps = 6
        options.checkpointEvery = 3
        options.seed = 5
        options.resume = true
        options.stopAfterStep = stopAfter
        options.sampler.queriesPerEpisode = 2
        return TrainingRun(model: model, data: s.data, promptLearner: learner, options: options)
    }

    func testDataCacheHoldsNormalsSyntheticAndRealAnomalies() {
        let data = Self.setup.data
        XCTAssertEqual(data.categories.count, 2)
        for c in data.categories {
            XCTAssertEqual(c.normalCount, 10, "6 train/good + 4 test/good")
            XCTAssertEqual(c.realCount, 6, "one real defect per family, with masks")
            XCTAssertGreaterThan(c.syntheticCount, 10)
            XCTAssertEqual(c.syntheticMasks[0].shape, [32, 32])
            XCTAssertTrue(c.syntheticMasks.allSatisfy { $0.scalars.contains { $0 > 0 } })
            XCTAssertEqual(c.normal.grid.0, 8)
        }
        // Episodes: the references never include a normal query or a synthetic query's source.
        var sampler = EpisodeSampler()
        sampler.queriesPerEpisode = 3
        var shots = Set<Int>()
        for step in 0..<40 {
            let d = sampler.draw(step: step, seed: 1, data: data)
            XCTAssertEqual(d.episode.query.batchSize, 3)
            XCTAssertEqual(d.episode.masks.shape, [3, 32, 32])
            shots.insert(d.shots)
            XCTAssertEqual(d.episode.references?.batchSize ?? 0, d.shots)
            let again = sampler.draw(step: step, seed: 1, data: data)
            XCTAssertEqual(again.kinds, d.kinds, "same (seed, step), same episode")
        }
        XCTAssertEqual(shots, [0, 1, 2, 3, 4])
    }

    func testTrainingCheckpointsAndResumesExactly() throws {
        let s = Self.setup
        let straightDir = try makeTemporaryDirectory(self), resumedDir = try makeTemporaryDirectory(self)
        let straight = try makeRun(s, modelSeed: 1)
        var seen: [Int] = []
        let summary = try straight.run(checkpointDirectory: straightDir) { p in
            seen.append(p.step)
            XCTAssertTrue(p.loss.isFinite)
            XCTAssertEqual(p.checkpointed, p.step % 3 == 0)
        }
        XCTAssertEqual(seen, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(summary.steps, 6)
        for f in [Checkpoint.weightsFile, Checkpoint.configFile, Checkpoint.optimizerFile, PromptLearnerSettings.fileName] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: straightDir.appendingPathComponent(f).path), f)
        }
        // Interrupted after step 3, then resumed by a differently initialised run.
        _ = try makeRun(s, modelSeed: 1, stopAfter: 3).run(checkpointDirectory: resumedDir)
        XCTAssertEqual(try Checkpoint.load(from: resumedDir).step, 3)
        let resumed = try makeRun(s, modelSeed: 99)
        let r = try resumed.run(checkpointDirectory: resumedDir)
        XCTAssertEqual(r.resumedFrom, 3)
        let a = try Checkpoint.load(from: straightDir).parameters, b = try Checkpoint.load(from: resumedDir).parameters
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        XCTAssertNotNil(a[PromptLearner.checkpointKey], "the prompt context is saved with the head")
        for (key, t) in a {
            let u = try XCTUnwrap(b[key])
            let worst = zip(t.scalars, u.scalars).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-5, key)
        }
        // The context moved away from its initialisation.
        let initial = PromptLearner(encoder: s.text.encoder, tokenizer: s.text.tokenizer, prompts: s.config.prompts, seed: 1)
        let moved = zip(a[PromptLearner.checkpointKey]!.scalars, initial.context.scalars).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(moved, 1e-5)

        // The trained head evaluates (k = 0 zero-shot and k = 2) on a target category.
        let head = try VTFusionPipeline.loadHead(checkpoint: straightDir, text: s.text)
        XCTAssertNotNil(head.promptLearner)
        var options = ProtocolOptions()
        options.shots = [0, 2]
        options.seeds = [0]
        let runner = ProtocolRunner(extractor: s.extractor,
                                    methods: [EvaluationMethod(name: "vtfusion", kind: .vtfusion(head)),
                                              EvaluationMethod(name: "reference-only", kind: .referenceKNN(lastTapOnly: true))],
                                    options: options)
        let report = try runner.run(categories: [try TinyBenchmark.categories("target")[0]])
        XCTAssertEqual(report.runs.map { "\($0.method)@\($0.k)" }, ["vtfusion@0", "vtfusion@2", "reference-only@2"])
        for run in report.runs {
            XCTAssertTrue((0...1).contains(try XCTUnwrap(run.image?.auroc)))
            XCTAssertTrue((0...1).contains(try XCTUnwrap(run.pixel?.aupro)))
        }
        let out = try makeTemporaryDirectory(self)
        let files = try report.write(to: out).map(\.lastPathComponent)
        XCTAssertTrue(files.contains("summary.md") && files.contains("kshot_plan.json") && files.contains("image_scores.csv"))
        XCTAssertTrue(files.contains("vtfusion_k2.csv"), "\(files)")
        let csv = try String(contentsOf: out.appendingPathComponent("image_scores.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 1 + 3 * 10)
        XCTAssertEqual(report.summary().rows.map(\.name), ["vtfusion, k=0", "vtfusion, k=2", "reference-only, k=2"])
    }
}
