import Foundation
import XCTest

/// Asserts |actual - expected| <= tol (NaN never passes).
func assertNear(_ actual: Double, _ expected: Double, tol: Double = 1e-6, _ message: String = "",
                file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(abs(actual - expected) <= tol, "\(actual) vs \(expected) (tol \(tol)) \(message)", file: file, line: line)
}

/// Loads and decodes a JSON fixture from the test bundle's Fixtures folder.
func loadFixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
        throw NSError(domain: "EvaluationTests", code: 1, userInfo: [NSLocalizedDescriptionKey: "missing fixture \(name).json"])
    }
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}

/// Reference values written by Scripts/make_eval_fixtures.py (scikit-learn, scipy).
struct MetricFixtures: Decodable {
    struct ImageSet: Decodable {
        var scores: [Double]
        var labels: [Bool]
        var auroc: Double
        var ap: Double
        var f1max: Double
        var f1_threshold: Double
        var f1_precision: Double
        var f1_recall: Double
    }
    struct PixelCategory: Decodable {
        var name: String
        var width: Int
        var height: Int
        var maps: [[Float]]
        var masks: [[UInt8]]
        var auroc: Double
        var ap: Double
        var f1max: Double
        var f1_threshold: Double
        var aupro: Double
        var aupro_limit1: Double
        var aupro_limit005: Double
        var regions8: Int
        var regions4: Int
    }
    var image_sets: [ImageSet]
    var pixel_categories: [PixelCategory]
}

/// A fresh temporary directory, removed at the end of the test.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("vtfusion-eval-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Creates (tiny) files at the given paths relative to `root`, creating folders as needed.
func touch(_ root: URL, _ paths: [String], contents: Data = Data([0])) throws {
    for path in paths {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url)
    }
}

/// Small deterministic generator for test data (SplitMix64).
struct TestRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
