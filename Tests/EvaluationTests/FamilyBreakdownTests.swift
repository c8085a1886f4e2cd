import Foundation
import XCTest
@testable import Evaluation

final class FamilyBreakdownTests: XCTestCase {
    func score(_ defect: String, _ s: Double, category: String = "c", seed: UInt64 = 0) -> EvaluationReport.ImageScore {
        EvaluationReport.ImageScore(method: "m", category: category, k: 1, seed: seed, image: "\(defect)/\(s).png",
                                    defect: defect, anomalous: defect != "good", score: s)
    }

    func report() -> EvaluationReport {
        var r = EvaluationReport(plan: FewShotPlan(datasetRoot: nil), methods: ["m"], shots: [1], seeds: [0])
        // Category a: scratch perfectly separated, blur not at all (below every good image).
        r.add(.init(method: "m", category: "a", k: 1, seed: 0, image: nil, pixel: nil, scores: [
            score("good", 0.3), score("good", 0.4), score("scratch", 0.9), score("scratch", 0.8),
            score("blur", 0.1), score("blur", 0.2),
        ]))
        // Category b: scratch half, blur perfect.
        r.add(.init(method: "m", category: "b", k: 1, seed: 0, image: nil, pixel: nil, scores: [
            score("good", 0.3), score("good", 0.5), score("scratch", 0.4), score("scratch", 0.4),
            score("blur", 0.6), score("blur", 0.7),
        ]))
        return r
    }

    func testFamilyTableAveragesPerFamilyAndKind() throws {
        var r = report()
        XCTAssertNil(r.familyTable(), "no families without benchmark.json")
        r.families = ["scratch": "local", "blur": "global", "hole": "local"]
        let t = try XCTUnwrap(r.familyTable())
        XCTAssertEqual(t.columns, ["m, k=1"])
        let rows = Dictionary(uniqueKeysWithValues: t.rows.map { ($0.name, $0.values[0]) })
        XCTAssertEqual(rows["scratch (local)"]!!, (1.0 + 0.5) / 2, accuracy: 1e-12)
        XCTAssertEqual(rows["blur (global)"]!!, (0.0 + 1.0) / 2, accuracy: 1e-12)
        XCTAssertNil(rows["hole (local)"]!, "a family without images has no value")
        XCTAssertEqual(rows["all local"]!!, (1.0 + 0.5) / 2, accuracy: 1e-12)
        XCTAssertEqual(rows["all global"]!!, 0.5, accuracy: 1e-12)
        XCTAssertTrue(r.markdown().contains("per defect family"))
    }

    func testFamiliesAreReadFromBenchmarkJSONAndWritten() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fam-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertNil(BenchmarkFamilies.read(root: dir))
        try Data(#"""
            {"version": 2, "families": {"scratch": "local", "blur": "global"}, "categories": [
             {"name": "c00_a", "role": "auxiliary", "kind": "surface", "sources": ["a.pat"]},
             {"name": "c01_b", "role": "target", "kind": "object", "sources": ["b.pat", "c.pat"]}]}
            """#.utf8).write(to: dir.appendingPathComponent("benchmark.json"))
        XCTAssertEqual(BenchmarkFamilies.read(root: dir), ["scratch": "local", "blur": "global"])
        let split = try XCTUnwrap(try BenchmarkSplit.read(root: dir))
        XCTAssertEqual(split.auxiliary, ["c00_a"])
        XCTAssertEqual(split.target, ["c01_b"])
        var r = report()
        r.families = BenchmarkFamilies.read(root: dir)
        let out = dir.appendingPathComponent("report")
        let written = try r.write(to: out)
        XCTAssertTrue(written.contains { $0.lastPathComponent == "families.csv" })
        let decoded = try JSONDecoder().decode(EvaluationReport.self, from: Data(contentsOf: out.appendingPathComponent("runs.json")))
        XCTAssertEqual(decoded.families, r.families)
    }
}
