import Foundation
import XCTest
import Imaging
import Tensor
import VTFusion
@testable import Evaluation
import TestSupport

/// The evaluation protocol on the tiny benchmark with a tiny random DINOv2.
final class ProtocolTests: XCTestCase {
    func testReferenceOnlyBaselineDetectsObviousDefects() throws {
        let targets = try TinyBenchmark.categories("target")
        XCTAssertEqual(targets.count, 2)
        var options = ProtocolOptions()
        options.shots = [1, 4]
        options.seeds = [0, 1]
        options.datasetRoot = TinyBenchmark.root
        let panels = FileManager.default.temporaryDirectory.appendingPathComponent("vtf-panels-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: panels) }
        options.panelDirectory = panels
        options.panelsPerCategory = 3
        let runner = ProtocolRunner(extractor: try TinyBenchmark.extractor(),
                                    methods: [EvaluationMethod(name: "reference-only", kind: .referenceKNN(lastTapOnly: false))],
                                    options: options)
        let report = try runner.run(categories: targets)
        // Sample panels: 3 per category from seed 0 at k = 4 (two anomalous, one normal), 4 columns wide.
        let written = try FileManager.default.contentsOfDirectory(atPath: panels.appendingPathComponent("reference-only").path).sorted()
        XCTAssertEqual(written.count, 3 * targets.count, "\(written)")
        XCTAssertTrue(written.allSatisfy { $0.contains("_k4_") })
        XCTAssertEqual(written.filter { $0.contains("_good_") }.count, targets.count, "\(written)")
        let panel = try ImageCodec.decode(path: panels.appendingPathComponent("reference-only/" + written[0]).path)
        XCTAssertGreaterThan(panel.width, 4 * panel.height - 20)
        // 2 categories x 2 shots x 2 seeds; each run scores all 10 test images.
        XCTAssertEqual(report.runs.count, 8)
        XCTAssertTrue(report.runs.allSatisfy { $0.scores.count == 10 })
        let t4 = try XCTUnwrap(report.table(method: "reference-only", k: 4))
        let mean = t4.meanRow.values
        let imageAUROC = try XCTUnwrap(mean[0]), pixelAUROC = try XCTUnwrap(mean[3]), aupro = try XCTUnwrap(mean[4])
        XCTAssertGreaterThan(imageAUROC, 0.9, "\(t4.markdown())")
        XCTAssertGreaterThan(pixelAUROC, 0.8, "\(t4.markdown())")
        XCTAssertGreaterThan(aupro, 0.5, "\(t4.markdown())")
        for row in t4.rows { for v in row.values { XCTAssertTrue((0...1).contains(try XCTUnwrap(v))) } }
        // The plan is nested: the 1-shot list is the prefix of the 4-shot list for the same seed.
        for c in targets {
            let one = try XCTUnwrap(report.plan.selection(category: c.name, k: 1, seed: 1)).references
            let four = try XCTUnwrap(report.plan.selection(category: c.name, k: 4, seed: 1)).references
            XCTAssertEqual(Array(four.prefix(1)), one)
            XCTAssertTrue(four.allSatisfy { $0.hasPrefix(c.name + "/train/good/") }, "\(four)")
        }
        XCTAssertNil(report.table(method: "reference-only", k: 0), "kNN needs references")
    }

    func testKNNDistanceIsZeroForAReferenceItself() {
        var rng = SeededRandom(seed: 3)
        let f = FeatureSet(patches: [Tensor.randn([2, 4, 5], using: &rng)], classToken: Tensor.zeros([2, 3]), grid: (2, 2))
        let d = Baselines.knnDistances(test: f, references: f.gather([0]))
        let v = d.scalars
        for i in 0..<4 { XCTAssertEqual(v[i], 0, accuracy: 1e-5) }
        // Image 1's patches are random: strictly positive distances, at most 2.
        for i in 4..<8 { XCTAssertGreaterThan(v[i], 1e-3); XCTAssertLessThanOrEqual(v[i], 2) }
        XCTAssertEqual(Baselines.topMean([1, 5, 3, 2], fraction: 0.5), 4)
        XCTAssertEqual(Baselines.topMean([1, 5, 3, 2], fraction: 0.01), 5)
    }

    func testTextZeroShotBaselineWithTinyCLIP() throws {
        let clip = try TinyModels.clip()
        let spec = BackboneSpec(name: "clip-tiny", family: .clip, imageSize: 64, patchSize: 8, taps: [1, 2], depth: 2,
                                mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711])
        var options = ProtocolOptions()
        options.shots = [0, 1]
        options.seeds = [0]
        let categories = [try TinyBenchmark.categories("target")[0]]
        let runner = ProtocolRunner(extractor: FeatureExtractor(backbone: clip.vision, spec: spec),
                                    methods: [EvaluationMethod(name: "text-only", kind: .textZeroShot(clip, TinyModels.textEncoder()))],
                                    options: options)
        let report = try runner.run(categories: categories)
        XCTAssertEqual(report.runs.map(\.k), [0], "text-only runs at k = 0 only")
        let run = report.runs[0]
        XCTAssertTrue(run.scores.allSatisfy { (0...1).contains($0.score) })
        XCTAssertNotNil(run.pixel)
        XCTAssertTrue((0...1).contains(try XCTUnwrap(run.image?.auroc)))
    }
}
