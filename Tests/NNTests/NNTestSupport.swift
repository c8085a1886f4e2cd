import Foundation
import XCTest
@testable import NN
@testable import Tensor

/// Asserts two float arrays agree elementwise within `atol + rtol * |expected|`.
func assertClose(_ actual: [Float], _ expected: [Float], rtol: Float = 1e-5, atol: Float = 1e-6,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count \(message)", file: file, line: line)
    var worst: (Int, Float, Float, Float)? = nil
    for i in 0..<min(actual.count, expected.count) {
        let diff = abs(actual[i] - expected[i])
        let tol = atol + rtol * abs(expected[i])
        if !(diff <= tol) {
            let excess = diff.isNaN ? .infinity : diff - tol
            if worst == nil || excess > worst!.3 { worst = (i, actual[i], expected[i], excess) }
        }
    }
    if let (i, a, e, _) = worst {
        XCTFail("mismatch at \(i): \(a) vs \(e) (rtol \(rtol), atol \(atol)) \(message)", file: file, line: line)
    }
}

func assertClose(_ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-5, atol: Float = 1e-6,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "shape \(message)", file: file, line: line)
    assertClose(actual.scalars, expected.scalars, rtol: rtol, atol: atol, message, file: file, line: line)
}

/// Finite-difference gradient check of `sum(f(inputs) * w)` (fixed random `w`) with respect to `inputs`,
/// central differences accumulated in double precision.
func gradCheck(_ inputs: [Tensor], eps: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3, seed: UInt64 = 7,
               file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) {
    for x in inputs { x.requiresGrad = true; x.grad = nil }
    let out0 = f(inputs)
    var rng = SeededRandom(seed: seed)
    let w = Tensor.uniform(out0.shape, -1, 1, using: &rng)
    (out0 * w).sum().backward()
    let wv = w.scalars.map(Double.init)
    func evalLoss() -> Double {
        noGrad {
            let o = f(inputs).scalars
            var s = 0.0
            for i in 0..<o.count { s += Double(o[i]) * wv[i] }
            return s
        }
    }
    for (k, x) in inputs.enumerated() {
        guard let g = x.grad else { XCTFail("input \(k) got no gradient", file: file, line: line); continue }
        var numeric = [Float](repeating: 0, count: x.count)
        let p = x.pointer
        for i in 0..<x.count {
            let orig = p[i]
            p[i] = orig + eps; let lp = evalLoss()
            p[i] = orig - eps; let lm = evalLoss()
            p[i] = orig
            numeric[i] = Float((lp - lm) / (2 * Double(eps)))
        }
        let scale = max(numeric.map(abs).max() ?? 0, 1e-3)
        assertClose(g.scalars, numeric, rtol: rtol, atol: atol * max(1, scale), "gradient of input \(k)", file: file, line: line)
    }
}

/// Deterministic random tensor for tests.
func randomTensor(_ shape: [Int], seed: UInt64, lo: Float = -1, hi: Float = 1) -> Tensor {
    var rng = SeededRandom(seed: seed)
    return Tensor.uniform(shape, lo, hi, using: &rng)
}

/// URL of a fixture file in Tests/NNTests/Fixtures.
func fixtureURL(_ name: String, _ ext: String, file: StaticString = #filePath, line: UInt = #line) throws -> URL {
    let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures")
    return try XCTUnwrap(url, "missing fixture \(name).\(ext) (run Scripts/make_nn_fixtures.py)", file: file, line: line)
}

/// A fresh temporary directory removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nntests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}
