import XCTest
@testable import Evaluation

final class FewShotSamplerTests: XCTestCase {
    private func candidates(_ n: Int) -> [URL] {
        (0..<n).map { URL(fileURLWithPath: String(format: "/data/cat/train/good/%03d.png", $0)) }
    }

    func testDeterministicDistinctNestedAndOrderIndependent() throws {
        let pool = candidates(20)
        let a = try FewShotSampler(seed: 7).select(k: 4, from: pool)
        XCTAssertEqual(a, try FewShotSampler(seed: 7).select(k: 4, from: pool.reversed()), "listing order must not matter")
        XCTAssertEqual(Set(a).count, 4)
        XCTAssertTrue(a.allSatisfy(pool.contains))
        XCTAssertEqual(try FewShotSampler(seed: 7).select(k: 2, from: pool), Array(a.prefix(2)), "k-shot lists nest")
        // Different seeds give different lists (over several seeds, at least most differ).
        let lists = try (0..<6).map { try FewShotSampler(seed: UInt64($0)).select(k: 4, from: pool) }
        XCTAssertGreaterThanOrEqual(Set(lists).count, 5)
        // Every candidate is reachable and all are picked when k = n.
        XCTAssertEqual(Set(try FewShotSampler(seed: 3).select(k: 20, from: pool)), Set(pool))
        // Duplicated candidates are not picked twice.
        XCTAssertEqual(Set(try FewShotSampler(seed: 1).select(k: 3, from: Array(pool[0..<3]) + Array(pool[0..<3]))).count, 3)
    }

    func testSelectionIsUniformEnough() throws {
        // Each of 5 candidates should be the first pick about 1/5 of the time over 500 seeds.
        let pool = candidates(5)
        var counts = [URL: Int]()
        for seed in 0..<500 { counts[try FewShotSampler(seed: UInt64(seed)).select(k: 1, from: pool)[0], default: 0] += 1 }
        XCTAssertEqual(counts.count, 5)
        XCTAssertTrue(counts.values.allSatisfy { $0 > 60 && $0 < 140 }, "\(counts.values)")
    }

    func testNotEnoughReferences() {
        XCTAssertThrowsError(try FewShotSampler(seed: 0).select(k: 3, from: candidates(2), category: "bottle")) {
            XCTAssertEqual($0 as? DatasetError, .notEnoughReferences(category: "bottle", requested: 3, available: 2))
        }
    }

    func testPlanRoundTripsThroughJSONAndResolves() throws {
        let root = try makeTemporaryDirectory(self)
        try touch(root, (0..<6).map { "screw/train/good/\($0).png" } + ["screw/test/good/x.png"])
        let categories = try MVTecLayoutLoader(root: root).load()
        let plan = try FewShotPlan.make(categories: categories, shots: [1, 2, 4], seeds: [0, 1, 2], datasetRoot: root)
        XCTAssertEqual(plan.selections.count, 9)
        let url = root.appendingPathComponent("few_shot.json")
        try plan.write(to: url)
        let loaded = try FewShotPlan.load(from: url)
        XCTAssertEqual(loaded, plan)
        let selection = try XCTUnwrap(loaded.selection(category: "screw", k: 4, seed: 2))
        XCTAssertTrue(selection.references.allSatisfy { $0.hasPrefix("screw/train/good/") }, "\(selection.references)")
        let files = try selection.resolved(datasetRoot: root)
        XCTAssertEqual(files.map(\.standardizedFileURL),
                       try FewShotSampler(seed: 2).select(k: 4, from: categories[0].trainGood))
        // Repeating from the file is exact even if the folder gains files later.
        try touch(root, ["screw/train/good/extra.png"])
        XCTAssertEqual(try selection.resolved(datasetRoot: root), files)
        // A vanished reference is reported by path.
        try FileManager.default.removeItem(at: files[0])
        XCTAssertThrowsError(try selection.resolved(datasetRoot: root)) { error in
            guard case .badSelection(let bad, _)? = error as? DatasetError else { return XCTFail("\(error)") }
            XCTAssertEqual(bad?.path, files[0].path)
        }
        try Data("{}".utf8).write(to: url)
        XCTAssertThrowsError(try FewShotPlan.load(from: url))
    }
}
