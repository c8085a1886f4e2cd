import ArgumentParser
import Backbones
import Evaluation
import Foundation
import VTFusion

/// Shared by `train` and `eval`: backbone / text encoder / dataset options and their loading.
struct ModelOptions: ParsableArguments {
    @Option(help: "Backbone name: dinov2-s-imgfocus, clip-b16, clip-l14-336, clip-b16-plus-240 (or dinov2-tiny-random for smoke runs).")
    var backbone: String?

    @Option(help: "Directory of the backbone (model.safetensors or a sharded model.safetensors.index.json + config.json, or a DINOv2 .onnx export; default: the model store's copy).")
    var backboneDir: String?

    @Option(help: "Crop side fed to the backbone (default: the backbone's, e.g. 224 for dinov2-s-imgfocus).")
    var imageSize: Int?

    @Option(help: "Text encoder: minilm-l6, clip-b16, clip-l14-336, clip-b16-plus-240 (the CLIP backbone's own tower), random-tiny.")
    var textEncoder: String?

    @Option(help: "Directory of the text encoder (model.safetensors + config.json + vocab.txt for MiniLM; default: the model store's copy).")
    var textDir: String?

    @Option(help: "Threads for the numeric kernels.")
    var threads: Int?

    /// `--threads`: 1...1024.
    func validateThreads() throws {
        if let t = threads { _ = try CommandLineChecks.threadCount(String(t), name: "--threads") }
    }

    /// The backbone `name` from `--backbone-dir` or the model store (``ModelLoader``, ``ModelRegistry``).
    func loadBackbone(name: String, imageSize: Int?) throws -> LoadedBackbone {
        let progress = ProgressReporter()
        return try ModelLoader.backbone(name, imageSize: imageSize, directory: backboneDir.map { URL(fileURLWithPath: $0) },
                                        announce: progress.message, fetchProgress: progress.storeFetch)
    }

    /// The text encoder `name` from `--text-dir`, the CLIP backbone already loaded (same name; its
    /// tokenizer files from `--backbone-dir`), or the model store.
    func loadText(name: String, clip: CLIPModel?, backboneName: String) throws -> TextEncoderBundle {
        let reuse = name.lowercased() == backboneName.lowercased() ? clip : nil
        let dir = (textDir ?? (reuse != nil ? backboneDir : nil)).map { URL(fileURLWithPath: $0) }
        let progress = ProgressReporter()
        return try ModelLoader.textEncoder(name, directory: dir, clip: reuse, announce: progress.message,
                                           fetchProgress: progress.storeFetch)
    }
}

struct DatasetOptions: ParsableArguments {
    @Option(help: "Dataset: mvtec:PATH, visa:PATH, folder:PATH (or a PATH whose layout is detected).")
    var dataset: String

    @Option(help: "Comma-separated categories (default: all, or the split chosen below).")
    var categories: String?

    func spec() throws -> DatasetSpec { try DatasetSpec(parsing: dataset) }

    /// Loads the categories; `role` ("auxiliary"/"target") narrows to the benchmark split when the dataset
    /// has a `benchmark.json`.
    func load(role: String?) throws -> (DatasetSpec, [DatasetCategory]) {
        let spec = try spec()
        var names = categories?.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        if let role {
            guard let split = try BenchmarkSplit.read(root: spec.root) else {
                throw ValidationError("--\(role)-only needs a benchmark with benchmark.json at \(spec.root.path)")
            }
            let allowed = role == "auxiliary" ? split.auxiliary : split.target
            names = names.map { $0.filter(allowed.contains) } ?? allowed
        }
        let loaded = try DatasetLoader.load(spec, categories: names)
        guard !loaded.isEmpty else { throw ValidationError("no categories selected") }
        return (spec, loaded)
    }
}

extension ProgressReporter {
    /// One training step: `training [###---] 120/1500 steps  1.85 s each  ETA 42m30s  loss ...`; checkpoints
    /// are always shown (a plain line even between rate-limited ones).
    func show(_ p: TrainingProgress) {
        let detail = String(format: "loss %.4f (focal %.4f dice %.4f image %.4f aux %.4f)",
                            p.loss, p.focal, p.dice, p.image, p.auxiliary) + (p.checkpointed ? "  [checkpoint]" : "")
        update(p.step, p.totalSteps, phase: "training", unit: "steps", detail: detail, force: p.checkpointed)
    }

    /// A `log` callback for library loops that report one line per finished category (feature caching,
    /// the evaluation protocol): prints the line and advances a `phase` bar over `total` categories.
    func categoryLog(total: Int, phase: String) -> (String) -> Void {
        var done = 0
        update(0, total, phase: phase, unit: "categories")
        return { [self] line in
            done += 1
            message(line)
            update(done, total, phase: phase, unit: "categories")
        }
    }
}

/// Parses "0,1,2,4".
func parseIntList<T: FixedWidthInteger>(_ s: String, _ what: String) throws -> [T] {
    let parts = s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let values = parts.compactMap { T($0) }
    guard !values.isEmpty, values.count == parts.count else { throw ValidationError("--\(what): expected a list like 0,1,2") }
    return values
}
