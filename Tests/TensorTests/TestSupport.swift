import XCTest
@testable import Tensor

/// Asserts two float arrays agree elementwise within `atol + rtol * |expected|`.
func assertClose(_ actual: [Float], _ expected: [Float], rtol: Float = 1e-5, atol: Float = 1e-6,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count \(message)", file: file, line: line)
    var worst: (Int, Float, Float)? = nil
    var worstExcess: Float = 0
    for i in 0..<min(actual.count, expected.count) {
        let diff = abs(actual[i] - expected[i])
        let tol = atol + rtol * abs(expected[i])
        if !(diff <= tol) {
            let excess = diff.isNaN ? .infinity : diff - tol
            if worst == nil || excess > worstExcess { worst = (i, actual[i], expected[i]); worstExcess = excess }
        }
    }
    if let (i, a, e) = worst {
        XCTFail("mismatch at \(i): \(a) vs \(e) (rtol \(rtol), atol \(atol)) \(message)", file: file, line: line)
    }
}

func assertClose(_ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-5, atol: Float = 1e-6,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "shape \(message)", file: file, line: line)
    assertClose(actual.scalars, expected.scalars, rtol: rtol, atol: atol, message, file: file, line: line)
}

/// Finite-difference gradient check.
///
/// Builds `loss = sum(f(inputs) * w)` with fixed random weights `w`, back-propagates, and compares each
/// input's gradient with central differences computed in double precision from the float forward pass.
/// `eps` is the perturbation; tolerances are relative to the gradient's magnitude.
func gradCheck(_ inputs: [Tensor], eps: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3, seed: UInt64 = 7,
               file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) {
    for x in inputs {
        x.requiresGrad = true
        x.grad = nil
        XCTAssertTrue(x.isContiguous && x.offset == 0, "gradCheck inputs must be dense leaves", file: file, line: line)
    }
    let out0 = f(inputs)
    var rng = SeededRandom(seed: seed)
    let w = Tensor.uniform(out0.shape, -1, 1, using: &rng)
    let loss = (out0 * w).sum()
    loss.backward()
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
        XCTAssertEqual(g.shape, x.shape, "input \(k) gradient shape", file: file, line: line)
        let analytic = g.scalars
        var numeric = [Float](repeating: 0, count: x.count)
        let p = x.storage.data
        for i in 0..<x.count {
            let orig = p[i]
            p[i] = orig + eps
            let lp = evalLoss()
            p[i] = orig - eps
            let lm = evalLoss()
            p[i] = orig
            numeric[i] = Float((lp - lm) / (2 * Double(eps)))
        }
        let scale = max(numeric.map(abs).max() ?? 0, 1e-3)
        assertClose(analytic, numeric, rtol: rtol, atol: atol * max(1, scale), "gradient of input \(k)", file: file, line: line)
    }
}

/// Deterministic random tensor for tests.
func randomTensor(_ shape: [Int], seed: UInt64, lo: Float = -1, hi: Float = 1) -> Tensor {
    var rng = SeededRandom(seed: seed)
    return Tensor.uniform(shape, lo, hi, using: &rng)
}
