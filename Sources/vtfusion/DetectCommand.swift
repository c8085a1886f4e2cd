import Inspection
import ArgumentParser
import Evaluation
import Foundation
import Imaging
import PerfBench
import VTFusion

/// `vtfusion detect`: few-shot detection on the user's own images.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Score images against a few good reference images; write maps, overlays and results.",
        discussion: """
        The references (k >= 1 images of good parts) become one profile, built once: their backbone features at every scale and depth the recipe reads (augmented by flips and rotations), each evidence channel calibrated on the references' own leave-one-out scores, the channels weighed by synthetic local and global anomalies made from the references, and a decision threshold for a target false-alarm rate (with fewer than 1/rate references: the highest leave-one-out score plus a margin, capped halfway to the synthetic anomalies; with one reference: halfway between its self-score and the synthetic anomalies). The rule and numbers are printed and stored; the profile is saved as OUT/profile.safetensors and can be reused with --profile. --threshold VALUE sets the threshold by hand.

        Scores are in calibrated units: 0 is a typical good part, each channel counts in spreads of the references' own scores. OUT receives profile.safetensors, results.json (format version 1; see DetectionResults), results.csv (path,score,decision,label,error), maps/ (16-bit PNG scaled by the run's map range, and/or float32 .npy), overlays/ and panels/. OUT must be new or empty unless --force (which replaces only the files a run writes). All anomaly pictures of a run share one map range (from the references' maps), so good parts look calm. Build an HTML page with `vtfusion report OUT`.

        A bad image (unreadable, not an image, model failure) is reported and skipped; the exit status is 1 when any image failed, 0 otherwise.

        The backbone (DINOv2 ViT-S/14 by default) comes from the model store (fetched on first use) or --backbone-dir.

        Examples:
          vtfusion detect --refs good/ --images incoming/ --object screw --out results/
          vtfusion detect --profile results/profile.safetensors --images more/ --out results2/
          vtfusion detect --refs a.png b.png --images x.jpg --threshold 2.5 --format both \\
              --backbone-dir models/dinov2-small --recipe anomalydino --out run2 --json
        """
    )

    @Option(name: .customLong("refs"), parsing: .upToNextOption, help: "Reference images of good parts: folders and/or files.")
    var refs: [String] = []

    @Option(parsing: .upToNextOption, help: "Images to inspect: folders (searched recursively for .png/.jpg/.jpeg) and/or files.")
    var images: [String] = []

    @Option(help: "Object name used in the text prompts (e.g. screw).")
    var object: String?

    @Option(help: "A profile saved by an earlier run (OUT/profile.safetensors) instead of --refs.")
    var profile: String?

    @Option(help: "Backbone name (default dinov2-s-imgfocus).")
    var backbone: String = "dinov2-s-imgfocus"

    @Option(help: "Directory of the backbone (model.safetensors or a sharded model.safetensors.index.json + config.json, or a DINOv2 .onnx export; default: the model store's copy, fetched on first use).")
    var backboneDir: String?

    @Option(help: "Evidence recipe: standard (multi-scale local + global evidence, weighed per profile), anomalydino (the published training-free recipe), knn224.")
    var recipe: RecipeOption = .standard

    @Option(help: "Output directory (must be new or empty unless --force).")
    var out: String

    @Option(help: "Target false-alarm rate of the decision: an image is anomalous when the estimated fraction of good parts scoring as high is below it.")
    var thresholdFar: Double = 0.01

    @Option(help: "One knob from 0 (ten times fewer alarms than --threshold-far) through 0.5 (as asked) to 1 (ten times more, catching more defects).")
    var sensitivity: Double = 0.5

    @OptionGroup var regions: RegionOptions

    @Option(help: "Decision threshold given by hand (overrides --threshold-far).")
    var threshold: Double?

    @Option(help: "Labelled validation folder (good/ = normal, any other subfolder = anomalous): use the F1-optimal threshold on it instead of the references' rule.")
    var validation: String?

    @Option(help: "Anomaly map files: png (16-bit, run range), npy (float32) or both.")
    var format: MapFormatOption = .png

    @Option(help: "Images per model batch.")
    var batchSize: Int = 4

    @Flag(help: "Write into a non-empty output directory, replacing the files a run writes.")
    var force = false

    @Flag(help: "Print the results as JSON on standard output.")
    var json = false

    @Flag(help: "No progress output.")
    var quiet = false

    enum MapFormatOption: String, ExpressibleByArgument, CaseIterable {
        case png, npy, both
        var formats: DetectionWriter.MapFormats { self == .png ? .png : (self == .npy ? .npy : .both) }
    }

    func validate() throws {
        if refs.isEmpty && profile == nil { throw ValidationError("--refs: give at least one reference image or folder of good parts (or --profile)") }
        if !refs.isEmpty && profile != nil { throw ValidationError("give either --refs or --profile, not both") }
        if let p = profile, !FileManager.default.fileExists(atPath: p) { throw ValidationError("--profile \(p): no such file") }
        if images.isEmpty { throw ValidationError("--images: give the images or folders to inspect") }
        for path in refs + images where !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(path): no such file or folder")
        }
        if !(thresholdFar > 0 && thresholdFar < 0.5) { throw ValidationError("--threshold-far must be between 0 and 0.5 (e.g. 0.01), got \(thresholdFar)") }
        if !(0...1).contains(sensitivity) { throw ValidationError("--sensitivity must be between 0 and 1, got \(sensitivity)") }
        if let t = threshold, !t.isFinite { throw ValidationError("--threshold must be a finite number") }
        if threshold != nil && validation != nil { throw ValidationError("give either --threshold or --validation, not both") }
        if let v = validation, !FileManager.default.fileExists(atPath: v) { throw ValidationError("--validation \(v): no such folder") }
        if batchSize < 1 { throw ValidationError("--batch-size must be >= 1") }
        try OutputDirectory.check(out, force: force)
    }

    func run() throws {
        let progress = ProgressReporter(enabled: !quiet)
        let refFiles = InputFiles.expand(refs)
        let imageFiles = InputFiles.expand(images)
        for s in refFiles.skipped + imageFiles.skipped { progress.message("skipped \(s.path): \(s.reason)") }
        guard profile != nil || !refFiles.images.isEmpty else { throw ValidationError("--refs: no .png/.jpg/.jpeg images found in \(refs.joined(separator: " "))") }
        guard !imageFiles.images.isEmpty else { throw ValidationError("--images: no .png/.jpg/.jpeg images found in \(images.joined(separator: " "))") }
        let t0 = Timing.now()
        let loaded = try DetectModel.load(backbone: backbone, backboneDir: backboneDir, recipe: recipe, batchSize: batchSize,
                                          progress: progress)
        progress.message(String(format: "model loaded in %.2f s", Timing.now() - t0))
        var settings = detectSettings(references: refFiles.images, images: imageFiles.images)
        if let v = validation { settings.threshold = try Self.validationPolicy(v) }
        if !regions.noDefectNames { settings.naming = try DefectNamingLoader.load(names: regions.names(), object: object, progress: progress) }
        let code = try Self.execute(model: loaded.model, settings: settings, backbone: loaded.description,
                                    json: json, progress: progress)
        if code != 0 { throw ExitCode(code) }
    }

    func detectSettings(references: [String], images: [String]) -> DetectSettings {
        var s = DetectSettings(references: references, images: images, output: URL(fileURLWithPath: out))
        s.force = force
        s.threshold = threshold.map { .manual($0) }
            ?? .references(DecisionRule(targetFalseAlarmRate: thresholdFar, sensitivity: sensitivity))
        s.minRegionArea = regions.minArea
        s.formats = format.formats
        s.batchSize = batchSize
        s.toolVersion = VTFusionVersion.string
        s.commandLine = CommandLine.arguments
        s.checkpoint = "recipe \(recipe.rawValue)"
        s.profile = profile.map { URL(fileURLWithPath: $0) }
        s.object = object
        return s
    }

    /// `.validation` from a folder whose `good/` images are normal and whose other subfolders are anomalous.
    static func validationPolicy(_ folder: String) throws -> ThresholdPolicy {
        let root = URL(fileURLWithPath: folder)
        let subfolders = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        var paths: [String] = [], labels: [Bool] = []
        for sub in subfolders {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root.appendingPathComponent(sub).path, isDirectory: &isDir),
                  isDir.boolValue else { continue }
            let files = InputFiles.expand([root.appendingPathComponent(sub).path]).images
            paths += files
            labels += Array(repeating: sub.lowercased() != "good", count: files.count)
        }
        guard labels.contains(true), labels.contains(false) else {
            throw ValidationError("--validation \(folder): needs good/ images and at least one other subfolder of defective images")
        }
        return .validation(images: paths, labels: labels)
    }

    /// Runs detection with any scorer and prints the summary; returns the exit status (1 if an image failed).
    static func execute(model: InspectionModel, settings: DetectSettings, backbone: String?, json: Bool,
                        progress: ProgressReporter) throws -> Int32 {
        var s = settings
        s.backbone = backbone
        let run = DetectRun(model: model, settings: s)
        run.progress = { done, total, phase in progress.update(done, total, phase: phase) }
        run.log = { progress.message($0) }
        let results = try run.run()
        let summary = results.summary
        if json {
            FileHandle.standardOutput.write(try results.jsonData())
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            for e in results.entries {
                let decision = e.anomalous.map { $0 ? "ANOMALOUS" : "normal" } ?? "-"
                if let err = e.error { print("FAILED  \(e.path): \(err)") }
                else {
                    let padded = decision.padding(toLength: 9, withPad: " ", startingAt: 0)
                    print(padded + " " + String(format: "%.4f", e.score ?? .nan) + "  " + e.path)
                }
            }
            print("\(summary.images) images: \(summary.anomalous) anomalous, \(summary.normal) normal, \(summary.failed) failed")
            if let t = results.threshold { print("threshold: \(t)") }
            print("results: \(s.output.path)/\(DetectionResults.jsonFile)  (HTML: vtfusion report \(s.output.path))")
        }
        return summary.failed > 0 ? 1 : 0
    }
}
