import Foundation
import Tensor
import VTFusion

/// The VTFusion head (issue 5, "Proof"): one training step (forward with the k-shot memory built inside
/// the step, combined loss, backward, AdamW) and one inference forward, on features shaped like DINOv2-S/14
/// at 224 px (4 taps of `[B, 256, 384]`, class token `[B, 384]`), MiniLM-width prompt embeddings of the
/// default ensemble, k = 2 references, batch 4, with the head of the default pipeline
/// (`HeadSize.standard` through `VTFusionPipeline.config`).
///
/// The configuration is written to a JSON file exported as `VTFUSION_BENCH_HEAD`, so Scripts/bench_models.py
/// builds the PyTorch reference head (Scripts/make_method_fixtures.py) with the same dimensions.
enum HeadBench {
    static let batch = 4, references = 2

    static func cases(quick: Bool) -> [BenchCase] { [train(), infer()] }

    struct Setup {
        let config: VTFusionConfig
        let query: FeatureSet
        let refs: FeatureSet
        let text: TextEmbeddings
        let masks: Tensor
    }

    static func setup() -> Setup {
        let spec = try! BackboneSpec.named("dinov2-s-imgfocus")
        let (width, textWidth) = (384, 384)
        let grid = spec.gridSide, n = grid * grid
        var rng = SeededRandom(seed: 0)
        func features(_ b: Int) -> FeatureSet {
            FeatureSet(patches: spec.taps.map { _ in Tensor.randn([b, n, width], using: &rng) },
                       classToken: Tensor.randn([b, width], using: &rng), grid: (grid, grid))
        }
        let query = features(batch), refs = features(references)
        var config = VTFusionPipeline.config(spec: spec, sample: query, textEncoder: "minilm-l6", textWidth: textWidth,
                                             head: .standard, steps: 1000, seed: 0)
        config.training.referenceDropProbability = 0  // every timed step uses the reference branch
        let prompts = config.prompts
        let text = TextEmbeddings(
            normal: Tensor.randn([prompts.prompts(abnormal: false).count, textWidth], using: &rng),
            abnormal: Tensor.randn([prompts.prompts(abnormal: true).count, textWidth], using: &rng))
        let out = config.outputSize
        let masks = Tensor.zeros([batch, out.0, out.1])
        for y in out.0 / 4..<out.0 / 2 {
            for x in out.1 / 3..<out.1 / 2 { masks.pointer[y * out.1 + x] = 1 }
        }
        exportConfig(config, normal: text.normal.shape[0], abnormal: text.abnormal.shape[0])
        return Setup(config: config, query: query, refs: refs, text: text, masks: masks)
    }

    /// Writes `{config, batch, references, normal_prompts, abnormal_prompts}` for the Python side.
    static func exportConfig(_ config: VTFusionConfig, normal: Int, abnormal: Int) {
        let configJSON = try! JSONSerialization.jsonObject(with: VTFusionConfig.encoder.encode(config))
        let spec: [String: Any] = ["config": configJSON, "batch": batch, "references": references,
                                   "normal_prompts": normal, "abnormal_prompts": abnormal]
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("vtfusion-bench-head-\(getpid()).json")
        try! JSONSerialization.data(withJSONObject: spec).write(to: URL(fileURLWithPath: path))
        setenv("VTFUSION_BENCH_HEAD", path, 1)
    }

    static func train() -> BenchCase {
        let what = "VTFusion head training step (memory + forward + focal/dice/BCE/aux loss + backward + AdamW), "
            + "batch \(batch), k=\(references), 4 taps [\(batch), 256, 384], standard head (D=128)"
        return BenchCase(name: "head:train", what: what, flops: nil, target: "<= 1.0x torch") { reps in
            let s = setup()
            let model = try! VTFusionModel(config: s.config, seed: 0)
            let trainer = VTFusionTrainer(model: model, text: .fixed(s.text))
            let episode = Episode(query: s.query, references: s.refs, masks: s.masks)
            return Timing.median(reps: reps) { trainer.step(episode) }
        }
    }

    static func infer() -> BenchCase {
        let what = "VTFusion head inference forward (k-shot memory prebuilt), batch \(batch), k=\(references), "
            + "4 taps [\(batch), 256, 384], standard head (D=128)"
        return BenchCase(name: "head:infer", what: what, flops: nil, target: "<= 1.0x torch") { reps in
            let s = setup()
            let model = try! VTFusionModel(config: s.config, seed: 0)
            return noGrad {
                let memory = model.referenceMemory(from: s.refs)
                return Timing.median(reps: reps) { _ = model(s.query, text: s.text, references: memory) }
            }
        }
    }
}
