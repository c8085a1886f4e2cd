import Inspection
import Foundation
import Imaging
import Tensor
import Backbones
import VTFusion
import XCTest
@testable import Evaluation

/// The smallest real model: a tiny random DINOv2 (patch 8, 4 blocks) behind a two-scale evidence recipe.
enum TinyModel {
    static func make() throws -> InspectionModel {
        let backbone = try DINOv2.synthetic(DINOv2Config(hiddenSize: 32, numHiddenLayers: 4, numAttentionHeads: 2,
                                                         imageSize: 64, patchSize: 8))
        return try InspectionModel(name: "tiny", backbone: backbone, spec: EvidenceSpec(channels: [
            EvidenceChannel(.patchKNN, scale: 64, layer: 2, family: .local),
            EvidenceChannel(.patchKNN, scale: 32, layer: 4, family: .global),
            EvidenceChannel(.featureStats, scale: 32, layer: 4, family: .global),
        ], syntheticPerFamily: 1, sigma: 2, calibrationViews: 2))
    }
}

/// Test pictures: a horizontal gradient with seeded noise, optionally a bright square at x 40..<56, y 8..<24.
enum Pictures {
    static func part(seed: UInt64, defect: Bool = false, width: Int = 64) -> Image8 {
        var rng = SeededRandom(seed: seed)
        var img = Image8(width: width, height: 64, channels: 3, repeating: 0)
        for y in 0..<64 {
            for x in 0..<width {
                var v = 90 + x / 2 + Int(rng.nextFloat() * 6)
                if defect && (40..<56).contains(x) && (8..<24).contains(y) { v = 250 }
                for c in 0..<3 { img[x, y, c] = UInt8(v) }
            }
        }
        return img
    }

    static func write(_ img: Image8, _ url: URL) throws { try ImageCodec.writePNG(img, to: url.path) }
}

final class DetectRunTests: XCTestCase {
    /// Three references, two good parts, one defective part, one corrupt file, one image the model rejects.
    func makeInputs(_ root: URL) throws -> (refs: [String], images: [String]) {
        var refs: [String] = []
        for i in 0..<3 {
            let u = root.appendingPathComponent("refs/ref\(i).png")
            try Pictures.write(Pictures.part(seed: UInt64(i)), u)
            refs.append(u.path)
        }
        let good1 = root.appendingPathComponent("test/good1.png"), good2 = root.appendingPathComponent("test/good2.png")
        let bad = root.appendingPathComponent("test/defect.png"), odd = root.appendingPathComponent("test/odd.png")
        try Pictures.write(Pictures.part(seed: 10), good1)
        try Pictures.write(Pictures.part(seed: 11), good2)
        try Pictures.write(Pictures.part(seed: 12, defect: true), bad)
        try Data("not an image".utf8).write(to: odd)
        let corrupt = root.appendingPathComponent("test/corrupt.png")
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 1, 2, 3]).write(to: corrupt)
        return (refs, [good1.path, corrupt.path, bad.path, odd.path, good2.path])
    }

    func testRunScoresDecidesSkipsAndWrites() throws {
        let root = try temporaryDirectory()
        let (refs, images) = try makeInputs(root)
        let out = root.appendingPathComponent("out")
        var settings = DetectSettings(references: refs, images: images, output: out)
        settings.formats = .both
        settings.batchSize = 2
        settings.toolVersion = "test"
        let model = try TinyModel.make()
        let run = DetectRun(model: model, settings: settings)
        var phases = Set<String>()
        run.progress = { _, _, phase in phases.insert(phase) }
        let results = try run.run()

        // One backbone pass per scale for each reference, its 2 calibration views, each synthetic anomaly (one
        // per family) and each decodable test image: the profile is built once.
        XCTAssertEqual(model.extractor.passCount, (3 + 3 * 2 + 2 + 3) * 2)
        XCTAssertEqual(phases, ["references", "images"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("profile.safetensors").path))
        XCTAssertEqual(results.entries.map(\.path), images)
        let byName = Dictionary(uniqueKeysWithValues: results.entries.map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0) })
        XCTAssertNotNil(byName["corrupt.png"]!.error)
        XCTAssertTrue(byName["corrupt.png"]!.error!.contains("corrupt.png"), byName["corrupt.png"]!.error!)
        XCTAssertTrue(byName["odd.png"]!.error!.contains("odd.png"), byName["odd.png"]!.error!)
        XCTAssertEqual(byName["defect.png"]!.anomalous, true)
        XCTAssertEqual(byName["good1.png"]!.anomalous, false)
        XCTAssertEqual(byName["good2.png"]!.anomalous, false)
        XCTAssertEqual(results.summary, .init(images: 5, failed: 2, anomalous: 1, normal: 2))

        let t = try XCTUnwrap(results.threshold)
        XCTAssertEqual(t.method, .calibrated)
        XCTAssertEqual(t.sampleCount, 9)            // 3 references left out in turn + 2 views of each
        XCTAssertEqual(t.requestedFalseAlarmRate, 0.01)
        XCTAssertLessThan(byName["defect.png"]!.falseAlarmRate!, 0.01)
        XCTAssertGreaterThan(byName["good1.png"]!.falseAlarmRate!, 0.01)
        XCTAssertFalse(byName["defect.png"]!.regions!.isEmpty)
        XCTAssertTrue(byName["defect.png"]!.score! >= t.threshold && byName["good1.png"]!.score! < t.threshold)
        let range = try XCTUnwrap(results.mapRange)
        XCTAssertEqual(range.source, "references")

        // Files on disk agree with results.json.
        XCTAssertEqual(try DetectionResults.load(from: out), results)
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 6)
        XCTAssertTrue(csv.contains("defect.png,\(byName["defect.png"]!.score!),anomalous,,"), csv)

        // The 16-bit map is the raw map scaled by the run range.
        let files = try XCTUnwrap(byName["defect.png"]!.files)
        XCTAssertEqual(files.map, "maps/defect.png")
        let png = try ImageCodec.decode16(path: out.appendingPathComponent(files.map!).path)
        let (raw, shape) = try NPYFile.decode(ImageCodec.readFile(out.appendingPathComponent(files.mapNPY!).path))
        XCTAssertEqual(shape, [64, 64])
        XCTAssertEqual(png.width, 64)
        for i in stride(from: 0, to: raw.count, by: 7) {
            let t = min(max((Double(raw[i]) - range.lo) / (range.hi - range.lo), 0), 1)
            XCTAssertEqual(Int(png.samples[i]), Int((t * 65535).rounded()), accuracy: 1)
        }
        let goodMap = try ImageCodec.decode16(path: out.appendingPathComponent("maps/good1.png").path)
        XCTAssertGreaterThan(png[48, 16, 0], goodMap.samples.max()!)   // the defect is hotter than any good pixel

        // Overlay: hot (red) at the defect, cold (blue) elsewhere.
        let overlay = try ImageCodec.decode(path: out.appendingPathComponent(files.overlay!).path)
        XCTAssertEqual(overlay.width, 64)
        XCTAssertGreaterThan(Int(overlay[48, 16, 0]) - Int(overlay[48, 16, 2]), 40)
        XCTAssertGreaterThan(Int(overlay[10, 50, 2]) - Int(overlay[10, 50, 0]), 40)
        // Contour pixels (white) on the defect's border, none on the good part.
        XCTAssertTrue((0..<overlay.pixelCount).contains { overlay.samples[3 * $0] == 255 && overlay.samples[3 * $0 + 1] == 255 && overlay.samples[3 * $0 + 2] == 255 })
        let panel = try ImageCodec.decode(path: out.appendingPathComponent(files.panel!).path)
        XCTAssertEqual(panel.width, 4 * 64 + 3 * 4)
        XCTAssertEqual(panel.height, 64)
        XCTAssertNil(byName["corrupt.png"]!.files)

        let savedProfile = root.appendingPathComponent("first-profile.safetensors")
        try FileManager.default.copyItem(at: out.appendingPathComponent("profile.safetensors"), to: savedProfile)

        // A second run does not overwrite silently.
        XCTAssertThrowsError(try DetectRun(model: model, settings: settings).run()) {
            XCTAssertEqual($0 as? ReportError, .outputNotEmpty(path: out.path))
        }
        settings.force = true
        settings.threshold = .manual(1e9)
        let forced = try DetectRun(model: model, settings: settings).run()
        XCTAssertEqual(forced.summary.anomalous, 0)
        XCTAssertEqual(forced.threshold?.method, .manual)

        // The saved profile reproduces the scores without the references.
        settings.profile = savedProfile
        settings.references = []
        settings.threshold = .references(DecisionRule())
        let passes = model.extractor.passCount
        let again = try DetectRun(model: model, settings: settings).run()
        XCTAssertEqual(model.extractor.passCount - passes, 3 * 2)
        XCTAssertEqual(again.entries.map(\.score), results.entries.map(\.score))
        XCTAssertEqual(again.threshold, results.threshold)
    }

    func testOneReferenceUsesSyntheticAnomaliesAndRunRange() throws {
        let root = try temporaryDirectory()
        let (refs, images) = try makeInputs(root)
        var settings = DetectSettings(references: [refs[0]], images: [images[0], images[2]],
                                      output: root.appendingPathComponent("one"))
        settings.mapRange = .run
        let results = try DetectRun(model: try TinyModel.make(), settings: settings).run()
        let t = try XCTUnwrap(results.threshold)
        XCTAssertEqual(t.method, .calibrated)
        XCTAssertEqual(t.referenceCount, 1)
        XCTAssertEqual(t.sampleCount, 3)            // the reference and its 2 views, self-scored
        XCTAssertEqual(results.entries.map(\.anomalous), [false, true])
        XCTAssertEqual(results.mapRange?.source, "run")
        // Two-pass: the run range spans the maps, and the defect's map reaches the top.
        let png = try ImageCodec.decode16(path: root.appendingPathComponent("one/maps/defect.png").path)
        XCTAssertGreaterThan(png.samples.max()!, 60_000)
        XCTAssertNotNil(results.entries[0].files?.panel)
    }

    func testValidationSetGivesTheF1OptimalThreshold() throws {
        let root = try temporaryDirectory()
        let (refs, _) = try makeInputs(root)
        var paths: [String] = [], labels: [Bool] = []
        for i in 0..<3 {
            let g = root.appendingPathComponent("val/good/\(i).png"), d = root.appendingPathComponent("val/defect/\(i).png")
            try Pictures.write(Pictures.part(seed: UInt64(20 + i)), g)
            try Pictures.write(Pictures.part(seed: UInt64(30 + i), defect: true), d)
            paths += [g.path, d.path]; labels += [false, true]
        }
        let bad = root.appendingPathComponent("test/defect.png"), good = root.appendingPathComponent("test/good.png")
        try Pictures.write(Pictures.part(seed: 40, defect: true), bad)
        try Pictures.write(Pictures.part(seed: 41), good)
        var settings = DetectSettings(references: refs, images: [bad.path, good.path], output: root.appendingPathComponent("out"))
        settings.threshold = .validation(images: paths, labels: labels)
        let results = try DetectRun(model: try TinyModel.make(), settings: settings).run()
        let t = try XCTUnwrap(results.threshold)
        XCTAssertEqual(t.method, .f1Optimal)
        XCTAssertEqual(t.f1 ?? 0, 1, accuracy: 1e-9)          // the defects are separable by brightness
        XCTAssertEqual(results.entries.map(\.anomalous), [true, false])
    }

    func testUnreadableReferenceStopsTheRun() throws {
        let root = try temporaryDirectory()
        let (refs, images) = try makeInputs(root)
        let settings = DetectSettings(references: [refs[0], images[1]], images: [images[0]], output: root.appendingPathComponent("x"))
        XCTAssertThrowsError(try DetectRun(model: try TinyModel.make(), settings: settings).run()) {
            XCTAssertTrue("\($0)".contains("reference \(images[1])"), "\($0)")
        }
    }

    func testHTMLReportFromRunAndMetrics() throws {
        let root = try temporaryDirectory()
        let (refs, images) = try makeInputs(root)
        let out = root.appendingPathComponent("out")
        var settings = DetectSettings(references: refs, images: images, output: out)
        for path in images where !path.hasSuffix("corrupt.png") && !path.hasSuffix("odd.png") { settings.labels[path] = path.hasSuffix("defect.png") }
        _ = try DetectRun(model: try TinyModel.make(), settings: settings).run()
        var table = MetricsTable(columns: ["image AUROC", "pixel AUPRO"])
        table.addRow("screw", values: [0.968, nil])
        table.addRow("<b>", values: [0.5, 0.25])
        try table.json().write(to: out.appendingPathComponent("metrics.json"))
        try Data("{\"other\": 1}".utf8).write(to: out.appendingPathComponent("config.json"))

        let report = try HTMLReport.load(from: out)
        XCTAssertEqual(report.metrics.count, 1)
        let html = report.render(reportLocation: out)
        if let dump = ProcessInfo.processInfo.environment["VTFUSION_DUMP_REPORT"] { try html.write(toFile: dump, atomically: true, encoding: .utf8) }
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.contains("<td class=\"num\">96.8</td>"))
        XCTAssertTrue(html.contains("<td class=\"num\">73.4</td>"))         // mean of 96.8 and 50
        XCTAssertTrue(html.contains("&lt;b&gt;") && !html.contains("<b>"))
        XCTAssertEqual(html.components(separatedBy: "src=\"data:image/png;base64,").count - 1, 3)
        XCTAssertFalse(html.contains("http://") || html.contains("https://") || html.contains("<script"))
        XCTAssertTrue(html.contains("Failed images (2)"))
        XCTAssertTrue(html.contains("odd.png"))
        // The decision pictures: histogram with the threshold and the 9 reference calibration ticks, and the ROC
        // curve of the labelled images (the defect above both good parts: AUROC 1).
        XCTAssertTrue(html.contains("<title>Score histogram</title>") && html.contains("threshold "))
        XCTAssertEqual(html.components(separatedBy: "stroke=\"#1565c0\"").count - 1, 9)
        XCTAssertTrue(html.contains("<title>ROC curve</title>") && html.contains("image AUROC 1.000"), html)
        // Sorted by score: the defective part first.
        let first = try XCTUnwrap(html.range(of: "defect.png</code>")), second = try XCTUnwrap(html.range(of: "good1.png</code>"))
        XCTAssertLessThan(first.lowerBound, second.lowerBound)

        var linked = report
        linked.embedLimit = 0
        let small = linked.render(reportLocation: out)
        XCTAssertFalse(small.contains("data:image"))
        XCTAssertTrue(small.contains("src=\"panels/defect.png\""))
        XCTAssertTrue(small.contains("3 panel images are linked"))
        try linked.write(to: root.appendingPathComponent("elsewhere/r.html"))
        let elsewhere = try String(contentsOf: root.appendingPathComponent("elsewhere/r.html"), encoding: .utf8)
        XCTAssertTrue(elsewhere.contains("src=\"file://"))

        XCTAssertThrowsError(try HTMLReport.load(from: root.appendingPathComponent("refs")))
    }

    func testHTMLEscape() {
        XCTAssertEqual(HTMLReport.escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;")
    }
}
