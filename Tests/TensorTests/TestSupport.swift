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

/// Analytic (back-propagated) and numeric (central-difference) gradients of each input, without asserting.
///
/// Builds `loss = sum(f(inputs) * w)` with fixed random weights `w`, back-propagates, and computes central
/// differences in double precision from the float forward pass. `analytic` is nil for an input that got
/// no gradient.
func numericGradients(_ inputs: [Tensor], eps: Float = 1e-2, seed: UInt64 = 7,
                      _ f: ([Tensor]) -> Tensor) -> [(analytic: [Float]?, numeric: [Float])] {
    for x in inputs {
        x.requiresGrad = true
        x.grad = nil
        precondition(x.isContiguous && x.offset == 0, "gradient checks need dense leaves")
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
    return inputs.map { x in
        let analytic = x.grad.map { $0.shape == x.shape ? $0.scalars : [] }
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
        return (analytic, numeric)
    }
}

/// The worst gradient error over all inputs, relative to each input's largest numeric gradient (at
/// least 1e-3): 0 for a perfect backward, about 1 or more for a wrong one; infinity when an input got no
/// gradient (or one of the wrong shape) or a value is NaN. Does not assert.
func numericGradientError(_ inputs: [Tensor], eps: Float = 1e-2, seed: UInt64 = 7,
                          _ f: ([Tensor]) -> Tensor) -> Float {
    var worst: Float = 0
    for (analytic, numeric) in numericGradients(inputs, eps: eps, seed: seed, f) {
        guard let analytic, analytic.count == numeric.count else { return .infinity }
        let scale = max(numeric.map(abs).max() ?? 0, 1e-3)
        for (a, n) in zip(analytic, numeric) {
            let e = abs(a - n) / scale
            if e.isNaN { return .infinity }
            worst = max(worst, e)
        }
    }
    return worst
}

/// Finite-difference gradient check: asserts every input's back-propagated gradient matches central
/// differences (see ``numericGradients(_:eps:seed:_:)``) within `atol * max(1, largest |gradient|) +
/// rtol * |numeric|`.
func gradCheck(_ inputs: [Tensor], eps: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3, seed: UInt64 = 7,
               file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) {
    for x in inputs {
        XCTAssertTrue(x.isContiguous && x.offset == 0, "gradCheck inputs must be dense leaves", file: file, line: line)
    }
    for (k, (analytic, numeric)) in numericGradients(inputs, eps: eps, seed: seed, f).enumerated() {
        guard let analytic else { XCTFail("input \(k) got no gradient", file: file, line: line); continue }
        XCTAssertEqual(analytic.count, numeric.count, "input \(k) gradient shape", file: file, line: line)
        let scale = max(numeric.map(abs).max() ?? 0, 1e-3)
        assertClose(analytic, numeric, rtol: rtol, atol: atol * max(1, scale), "gradient of input \(k)", file: file, line: line)
    }
}

/// Deterministic random tensor for tests.
func randomTensor(_ shape: [Int], seed: UInt64, lo: Float = -1, hi: Float = 1) -> Tensor {
    var rng = SeededRandom(seed: seed)
    return Tensor.uniform(shape, lo, hi, using: &rng)
}
