import ArgumentParser
import Benchmark
import Foundation
import Imaging
import PerfBench

/// `vtfusion data build-bench`: writes the MVTec-AD-format benchmark from real textures.
struct BuildBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build-bench",
        abstract: "Build an MVTec-AD-format defect benchmark from real textures.",
        discussion: """
        Each category is one real texture (GIMP patterns from Debian's gimp-data / gimp-data-extras, OpenArena \
        surfaces from openarena-081-textures, or your own --textures folders). Good images vary in crop, scale, \
        lighting and noise; defective test images get scratches, dents, stains, cracks, contamination or \
        missing print, each with an exact mask in ground_truth/. The first half of the categories (build order) \
        is "auxiliary" (may be used for training), the rest "target" (never trained on); benchmark.json and \
        README.txt record the split. The same seed and settings give the same files.

        Without --textures, textures are looked up in $VTFUSION_TEXTURES, /usr/share/gimp/2.0/patterns and \
        ~/.cache/vtfusion/textures/openarena (filled from the OpenArena archive on first use when that \
        package is installed). Install them with:
          sudo apt-get install gimp-data gimp-data-extras
          (or Scripts/install-system-packages.sh --textures)

        An existing non-empty output folder is refused unless --force; with --force only the categories of a \
        previous benchmark there (listed in its benchmark.json) are replaced, anything else is kept.

        --version 2 builds benchmark v2: 8 auxiliary + 6 target categories of 256 px images (--size 256-512), \
        surfaces and textured objects on a background; local defects (scratch, crack, hole, stain, \
        contamination, cut_paste; small ~8-15 px flaws and larger ones) and global anomalies (texture_scale, \
        orientation, color_shift, contrast, blur, noise, density; mask = the whole affected area, mean \
        brightness kept). benchmark.json has "version": 2, "families" (family -> local|global) and each \
        category's source files; target categories use files no auxiliary category uses.

        Examples:
          vtfusion data build-bench --out bench
          vtfusion data build-bench --version 2 --out bench2
          vtfusion data build-bench --out big --categories 16 --size 256 --per-defect 5
          vtfusion data build-bench --out mine --textures ~/surfaces --seed 3 --force
        """
    )

    @Option(help: "Output folder (MVTec AD layout).")
    var out: String

    @Option(help: "Benchmark version: 1 (128 px, local defects) or 2 (256 px, surfaces and objects, local and global anomalies).")
    var version: Int = 1

    @Option(help: "Number of categories (textures; version 1 only: version 2 builds 8 auxiliary + 6 target).")
    var categories: Int = 10

    @Option(help: "Image side in pixels (default 128; version 2: 256).")
    var size: Int?

    @Option(name: .customLong("train-good"), help: "Normal training images per category (default 8; version 2: 8).")
    var trainGood: Int?

    @Option(name: .customLong("test-good"), help: "Normal test images per category (default 4; version 2: 10).")
    var testGood: Int?

    @Option(name: .customLong("per-defect"), help: "Test images per defect family per category (default 2; version 2: 3).")
    var perDefect: Int?

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(name: .customLong("auxiliary-fraction"), help: "Fraction of categories marked auxiliary (0...1).")
    var auxiliaryFraction: Double = 0.5

    @Option(parsing: .upToNextOption, help: "Texture folders (images or GIMP .pat files), instead of the defaults.")
    var textures: [String] = []

    @Flag(help: "Build into a non-empty output folder, replacing a previous benchmark's categories there.")
    var force = false

    @Flag(help: "Print the manifest (benchmark.json) as JSON on standard output.")
    var json = false

    func validate() throws {
        guard version == 1 || version == 2 else { throw ValidationError("--version must be 1 or 2") }
        guard categories >= 1 else { throw ValidationError("--categories must be at least 1") }
        guard (size ?? 32) >= 32 else { throw ValidationError("--size must be at least 32 pixels") }
        guard (trainGood ?? 1) >= 1, (testGood ?? 0) >= 0, (perDefect ?? 1) >= 1 else {
            throw ValidationError("--train-good and --per-defect must be at least 1, --test-good at least 0")
        }
        guard (0...1).contains(auxiliaryFraction) else { throw ValidationError("--auxiliary-fraction must be in 0...1") }
    }

    func run() throws {
        let start = Timing.now()
        let outPath = (out as NSString).expandingTildeInPath
        try BenchOutputFolder.prepare(outPath, force: force)
        if version == 2 { return try runV2(outPath: outPath, start: start) }
        var config = BenchmarkConfig(textureDirectories: try textureDirectories())
        config.categories = categories
        config.imageSize = size ?? 128
        config.trainGood = trainGood ?? 8
        config.testGood = testGood ?? 4
        config.defectsPerFamily = perDefect ?? 2
        config.seed = seed
        config.auxiliaryFraction = auxiliaryFraction
        Console.log("building \(categories) categories of \(config.imageSize)x\(config.imageSize) images from "
                    + config.textureDirectories.joined(separator: ", "))
        let progress = ProgressReporter()
        let manifest = try BenchmarkBuilder.build(config, into: outPath) { done, total, category in
            progress.update(done, total, phase: "building", unit: "categories", detail: "\(category.name) written",
                            force: true)
        }
        let elapsed = Timing.now() - start
        if json { try printJSON(manifest) }
        report(manifest, outPath: outPath, elapsed: elapsed)
    }

    /// Prints a benchmark manifest as pretty JSON on standard output (`--json`).
    func printJSON<T: Encodable>(_ manifest: T) throws {
        let encoder = JSONEncoder.pretty
        encoder.outputFormatting.insert(.withoutEscapingSlashes)
        print(String(decoding: try encoder.encode(manifest), as: UTF8.self))
    }

    /// Benchmark v2 (``BenchmarkBuilderV2``).
    func runV2(outPath: String, start: Double) throws {
        if categories != 10 || auxiliaryFraction != 0.5 {
            Console.log("note: --categories and --auxiliary-fraction apply to version 1; version 2 builds 8 auxiliary + 6 target categories")
        }
        var config = BenchmarkV2Config(textureDirectories: try textureDirectories())
        config.imageSize = size ?? 256
        config.trainGood = trainGood ?? 8
        config.testGood = testGood ?? 10
        config.perFamily = perDefect ?? 3
        config.seed = seed
        let total = config.auxiliarySurfaces + config.auxiliaryObjects + config.targetSurfaces + config.targetObjects
        Console.log("building benchmark v2: \(total) categories of \(config.imageSize)x\(config.imageSize) images from "
                    + config.textureDirectories.joined(separator: ", "))
        let progress = ProgressReporter()
        let m = try BenchmarkBuilderV2.build(config, into: outPath) { done, total, category in
            progress.update(done, total, phase: "building", unit: "categories", detail: "\(category.name) written",
                            force: true)
        }
        let elapsed = Timing.now() - start
        if json { try printJSON(m) }
        let masks = m.categories.reduce(0) { $0 + $1.defects.values.reduce(0, +) }
        let images = m.categories.reduce(0) { $0 + $1.trainGood + $1.testGood } + masks
        let local = m.families.filter { $0.value == "local" }.keys.sorted()
        let global = m.families.filter { $0.value == "global" }.keys.sorted()
        let lines = [
            "wrote benchmark v2: \(m.categories.count) categories, \(images) images and \(masks) masks to \(outPath) in "
                + Console.seconds(elapsed),
            "per category: \(config.trainGood) train/good, \(config.testGood) test/good, \(config.perFamily) per family",
            "local families:  \(local.joined(separator: ", "))",
            "global families: \(global.joined(separator: ", "))",
            "auxiliary (may be used for training): \(m.auxiliary.joined(separator: ", "))",
            "target (never trained on):            \(m.target.joined(separator: ", "))",
            "split, families and sources recorded in \(outPath)/benchmark.json and README.txt",
            "check it with: vtfusion data validate --dataset mvtec:\(outPath)",
        ]
        for l in lines { json ? Console.log(l) : print(l) }
    }

    /// `--textures` (checked to exist), or the discovered defaults (extracting OpenArena's on first use).
    func textureDirectories() throws -> [String] {
        if !textures.isEmpty {
            let dirs = textures.map { ($0 as NSString).expandingTildeInPath }
            for d in dirs where !FileManager.default.fileExists(atPath: d) {
                throw ValidationError("--textures \(d): folder not found")
            }
            return dirs
        }
        do {
            let t0 = Timing.now()
            let n = try OpenArenaTextures.extractIfNeeded()
            if n > 0 {
                Console.log("extracted \(n) OpenArena textures from \(TextureSources.openArenaArchive) into "
                            + "\(TextureSources.openArenaCache) (\(Console.seconds(Timing.now() - t0)))")
            }
        } catch {
            Console.log("warning: OpenArena textures not extracted: \(error)")
        }
        return try TextureSources.discover()
    }

    func report(_ m: BenchmarkManifest, outPath: String, elapsed: Double) {
        let defective = m.categories.first.map { $0.defects.values.reduce(0, +) } ?? 0
        let masks = m.categories.reduce(0) { $0 + $1.defects.values.reduce(0, +) }
        let images = m.categories.reduce(0) { $0 + $1.trainGood + $1.testGood } + masks
        let lines = [
            "wrote \(m.categories.count) categories, \(images) images and \(masks) masks to \(outPath) in "
                + Console.seconds(elapsed),
            "per category: \(trainGood ?? 8) train/good, \(testGood ?? 4) test/good, \(defective) defective test images "
                + "(\(perDefect ?? 2) each of \(m.categories.first?.defects.keys.sorted().joined(separator: ", ") ?? "-"))",
            "auxiliary (may be used for training): \(m.auxiliary.joined(separator: ", "))",
            "target (never trained on):            \(m.target.joined(separator: ", "))",
            "split and textures recorded in \(outPath)/benchmark.json and README.txt",
            "check it with: vtfusion data validate --dataset mvtec:\(outPath)",
        ]
        for l in lines { json ? Console.log(l) : print(l) }
    }
}

/// Output-folder policy: never lose anything silently.
enum BenchOutputFolder {
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    /// Refuses a non-empty folder without `force`; with `force`, removes only the categories a previous
    /// benchmark there lists in its benchmark.json (plus that file and README.txt), and says what it kept.
    static func prepare(_ path: String, force: Bool) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { return }
        guard isDir.boolValue else { throw Refused(description: "\(path) exists and is not a folder") }
        let entries = try fm.contentsOfDirectory(atPath: path)
        guard !entries.isEmpty else { return }
        guard force else {
            throw Refused(description: "\(path) is not empty (\(entries.count) entries); choose another --out, "
                          + "or pass --force to replace a previous benchmark there")
        }
        var ours: Set<String> = []
        let manifestPath = path + "/benchmark.json"
        if let data = fm.contents(atPath: manifestPath),
           let old = try? JSONDecoder().decode(BenchmarkManifest.self, from: data) {
            ours = Set(old.categories.map(\.name) + ["benchmark.json", "README.txt"])
        }
        for e in entries where ours.contains(e) { try fm.removeItem(atPath: path + "/" + e) }
        let kept = entries.filter { !ours.contains($0) }
        if ours.isEmpty {
            Console.log("warning: \(path) holds no previous benchmark.json; building into it and keeping its "
                        + "\(kept.count) existing entries")
        } else {
            Console.log("--force: replaced the previous benchmark's \(ours.count - 2) categories in \(path)"
                        + (kept.isEmpty ? "" : "; kept \(kept.count) other entries: \(kept.sorted().prefix(5).joined(separator: ", "))"))
        }
    }
}
