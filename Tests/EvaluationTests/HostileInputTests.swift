import Foundation
import XCTest
import Imaging
import Tensor
import VTFusion
@testable import Evaluation

/// Issue 12 ("Hostile and careless input"): items 5-12 at the library level.
final class HostileInputTests: XCTestCase {
    let fm = FileManager.default

    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    func png(_ url: URL, side: Int = 8, value: UInt8 = 128) throws {
        try ImageCodec.writePNG(Image8(width: side, height: side, channels: 3, repeating: value), to: url.path)
    }

    // Item 9: training flags are checked before any work, each error names its flag.
    func testTrainingFlagsAreChecked() throws {
        func check(steps: Int = 10, batch: Int = 4, every: Int = 5, lr: Float = 1e-3, textures: [String] = []) -> String {
            message { try CommandLineChecks.training(steps: steps, batch: batch, checkpointEvery: every, learningRate: lr,
                                                     syntheticPerImage: 4, textures: textures, imageSize: nil) }
        }
        XCTAssertEqual(check(), "no error")
        XCTAssertTrue(check(steps: -5).hasPrefix("--steps:"))
        XCTAssertTrue(check(batch: 0).hasPrefix("--batch:"))
        XCTAssertTrue(check(every: 0).hasPrefix("--checkpoint-every:"))
        XCTAssertTrue(check(lr: .nan).hasPrefix("--learning-rate:"))
        XCTAssertTrue(check(lr: -1).hasPrefix("--learning-rate:"))
        XCTAssertTrue(check(textures: ["/nonexistent"]).contains("--textures: /nonexistent: no such folder"))
        XCTAssertTrue(message { try CommandLineChecks.imageSize(4200) }.contains("1344"))
        XCTAssertTrue(message { try CommandLineChecks.syntheticPerReference(100_000) }.hasPrefix("--synthetic:"))
        XCTAssertTrue(message { try CommandLineChecks.threadCount("abc") }.hasPrefix("VTFUSION_THREADS:"))
        XCTAssertEqual(try CommandLineChecks.threadCount("3"), 3)
        XCTAssertNil(try CommandLineChecks.threadCount(nil))
    }

    // Items 6 and 10: --out must be new or empty unless --force; a path under a file is named.
    func testOutputFolderChecks() throws {
        let root = try temporaryDirectory()
        let full = root.appendingPathComponent("full")
        try fm.createDirectory(at: full, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: full.appendingPathComponent("summary.md"))
        XCTAssertTrue(message { try OutputDirectory.check(full.path, force: false) }.contains("not empty"))
        XCTAssertNoThrow(try OutputDirectory.check(full.path, force: true))
        XCTAssertNoThrow(try OutputDirectory.check(root.appendingPathComponent("new/deeper").path, force: false))
        let file = root.appendingPathComponent("afile")
        try Data().write(to: file)
        let m = message { try OutputDirectory.check(file.path + "/sub", force: false) }
        XCTAssertTrue(m.contains("\(file.path) is a file"), m)
        XCTAssertTrue(message { try OutputDirectory.check(file.path, force: true) }.contains("not a folder"))
        // A folder holding only a killed run's temporary file counts as empty, and is cleaned.
        let stale = root.appendingPathComponent("stale")
        try fm.createDirectory(at: stale, withIntermediateDirectories: true)
        fm.createFile(atPath: stale.appendingPathComponent(".results.json.tmp-999999-1").path, contents: Data())
        XCTAssertNoThrow(try OutputDirectory.check(stale.path, force: false))
        XCTAssertNoThrow(try OutputDirectory.prepare(stale, force: false))
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: stale.path), [])
        let p = message { try OutputDirectory.prepare(file.appendingPathComponent("x"), force: false) }
        XCTAssertFalse(p.contains("NSCocoaErrorDomain"), p)
        XCTAssertTrue(p.contains("is a file"), p)
    }

    // Item 11: CSV formula injection.
    func testCSVCellsCannotStartFormulas() {
        XCTAssertEqual(CSVText.escape("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"")
        XCTAssertEqual(CSVText.escape("+1"), "'+1")
        XCTAssertEqual(CSVText.escape("@SUM(A1)"), "'@SUM(A1)")
        XCTAssertEqual(CSVText.escape("-2"), "'-2")
        XCTAssertEqual(CSVText.escape("\tx"), "'\tx")
        XCTAssertEqual(CSVText.escape("dir/a.png"), "dir/a.png")
    }

    // Item 5: a crafted results.json cannot make the report embed files outside the folder.
    func testReportEmbedsOnlyPNGsInsideTheFolder() throws {
        let root = try temporaryDirectory()
        let out = root.appendingPathComponent("out")
        try png(out.appendingPathComponent("panels/ok.png"))
        let secret = root.appendingPathComponent("secret.png")
        try png(secret, value: 7)
        try Data("top secret".utf8).write(to: root.appendingPathComponent("secret.txt"))
        XCTAssertEqual(symlink(secret.path, out.appendingPathComponent("panels/link.png").path), 0)
        XCTAssertNotNil(EmbeddablePath.resolve("panels/ok.png", under: out))
        for bad in ["../secret.png", "../../../../../etc/shadow", "/etc/passwd", secret.path, "panels/link.png",
                    "panels/../../secret.png", "../secret.txt", ""] {
            XCTAssertNil(EmbeddablePath.resolve(bad, under: out), bad)
        }
        try Data("not a png".utf8).write(to: out.appendingPathComponent("panels/fake.png"))
        XCTAssertNil(EmbeddablePath.resolve("panels/fake.png", under: out))
    }

    // Item 7 and 11: symlinked folders are followed (once), unreadable ones reported, duplicates removed.
    func testInputExpansionFollowsLinksAndReports() throws {
        let root = try temporaryDirectory()
        let real = root.appendingPathComponent("real")
        try png(real.appendingPathComponent("a.png"))
        try png(real.appendingPathComponent("sub/b.png"))
        let other = root.appendingPathComponent("other")
        try png(other.appendingPathComponent("c.png"))
        let link = root.appendingPathComponent("link").path
        XCTAssertEqual(symlink(real.path, link), 0)
        XCTAssertEqual(symlink(other.path, real.appendingPathComponent("linked-sub").path), 0)
        XCTAssertEqual(symlink(real.path, real.appendingPathComponent("sub/loop").path), 0)
        let files = InputFiles.expand([link])
        XCTAssertEqual(files.images, [link + "/a.png", link + "/linked-sub/c.png", link + "/sub/b.png"])
        XCTAssertTrue(files.skipped.contains { $0.path == link + "/sub/loop" && $0.reason.contains("loop") }, "\(files.skipped)")
        // The same file under two spellings counts once.
        let twice = InputFiles.expand([real.path + "/a.png", real.path + "/./a.png", link + "/a.png"])
        XCTAssertEqual(twice.images, [real.path + "/a.png"])
        if geteuid() != 0 {
            let locked = real.appendingPathComponent("locked")
            try png(locked.appendingPathComponent("d.png"))
            chmod(locked.path, 0)
            defer { chmod(locked.path, 0o755) }
            let r = InputFiles.expand([real.path])
            XCTAssertTrue(r.skipped.contains { $0.path.hasSuffix("locked") && $0.reason.contains("permission denied") }, "\(r.skipped)")
        }
    }

    /// An MVTec-layout category: train/good, test/good, test/crack (with masks unless `masks` is false).
    func makeCategory(_ root: URL, _ name: String, masks: Bool = true) throws {
        let c = root.appendingPathComponent(name)
        for i in 0..<3 { try png(c.appendingPathComponent("train/good/\(i).png")) }
        try png(c.appendingPathComponent("test/good/0.png"))
        for i in 0..<2 {
            try png(c.appendingPathComponent("test/crack/\(i).png"), value: 250)
            if masks {
                try ImageCodec.writePNG(Image8(width: 8, height: 8, channels: 1, repeating: 255),
                                        to: c.appendingPathComponent("ground_truth/crack/\(i)_mask.png").path)
            }
        }
    }

    // Item 8: truncated images fail validation; a missing mask does not hide the category's other problems;
    // a category folder without test/ is reported.
    func testValidatorReportsAllProblems() throws {
        let root = try temporaryDirectory()
        try makeCategory(root, "bottle")
        try makeCategory(root, "cable")
        let truncated = root.appendingPathComponent("bottle/train/good/1.png")
        let bytes = try Data(contentsOf: truncated)
        try bytes.prefix(bytes.count - 12).write(to: truncated)
        try fm.removeItem(at: root.appendingPathComponent("cable/ground_truth/crack/1_mask.png"))
        let garbage = root.appendingPathComponent("cable/test/good/0.png")
        try Data("junk".utf8).write(to: garbage)
        try png(root.appendingPathComponent("wood/train/good/0.png"))
        let report = DatasetValidator.validate(DatasetSpec(format: .mvtec, root: root))
        let text = report.problems.map(\.description)
        XCTAssertTrue(text.contains { $0.contains(truncated.path) }, "\(text)")
        XCTAssertTrue(report.problems.contains { if case .missingMask = $0 { return true }; return false }, "\(text)")
        XCTAssertTrue(text.contains { $0.contains(garbage.path) }, "missing mask hid the category's other problems: \(text)")
        XCTAssertTrue(text.contains { $0.contains("wood") && $0.contains("no test/") }, "\(text)")
    }

    // Item 12: categories without any masks are evaluated on image metrics; pixel metrics are n/a, said once.
    func testEvaluationWithoutMasks() throws {
        let root = try temporaryDirectory()
        let source = try XCTUnwrap(try TinyBenchmark.categories("target").first)
        let copy = root.appendingPathComponent(source.name)
        try fm.copyItem(at: TinyBenchmark.root.appendingPathComponent(source.name), to: copy)
        try fm.removeItem(at: copy.appendingPathComponent("ground_truth"))
        let category = try XCTUnwrap(try MVTecLayoutLoader(root: root).load().first)
        XCTAssertTrue(category.test.contains { $0.isAnomalous && $0.maskPath == nil })
        var options = ProtocolOptions()
        options.shots = [1]
        options.seeds = [0]
        options.datasetRoot = root
        let runner = ProtocolRunner(extractor: try TinyBenchmark.extractor(),
                                    methods: [EvaluationMethod(name: "knn", kind: .referenceKNN(lastTapOnly: false))],
                                    options: options)
        let report = try runner.run(categories: [category])
        XCTAssertEqual(report.runs.count, 1)
        XCTAssertNotNil(report.runs[0].image)
        XCTAssertNil(report.runs[0].pixel)
        XCTAssertEqual(report.notes.filter { $0.contains("pixel metrics not available") }.count, 1)
        XCTAssertTrue(try XCTUnwrap(report.table(method: "knn", k: 1)).markdown().contains("n/a"))
    }

    // Item 12: BMP/TIFF inputs are picked up from folders.
    func testBMPAndTIFFAreInputImages() throws {
        XCTAssertTrue(InputFiles.imageExtensions.isSuperset(of: ["bmp", "tif", "tiff"]))
    }

    // Item 10: a bad --validation image is called a validation image, not a reference.
    func testBadValidationImageIsNamedAsSuch() throws {
        let root = try temporaryDirectory()
        var refs: [String] = []
        for i in 0..<2 {
            let u = root.appendingPathComponent("refs/r\(i).png")
            try Pictures.write(Pictures.part(seed: UInt64(i)), u)
            refs.append(u.path)
        }
        let bad = root.appendingPathComponent("val/bad/x.png")
        try fm.createDirectory(at: bad.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("junk".utf8).write(to: bad)
        var settings = DetectSettings(references: refs, images: [refs[0]], output: root.appendingPathComponent("out"))
        settings.threshold = .validation(images: [refs[1], bad.path], labels: [false, true])
        let m = message { try DetectRun(model: try TinyModel.make(), settings: settings).run() }
        XCTAssertTrue(m.hasPrefix("validation image \(bad.path)"), m)
    }
}
