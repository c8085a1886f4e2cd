import Foundation
import XCTest
@testable import Tensor

/// Activations against double-precision formulas (torch's definitions), plus gradients.
final class ActivationTests: XCTestCase {
    let xs: [Float] = stride(from: -12.0, through: 12.0, by: 0.113).map { Float($0) } + [-90, -40, 40, 90, 0]
    var x: Tensor { Tensor(shape: [xs.count], data: xs) }

    func ref(_ f: (Double) -> Double) -> [Float] { xs.map { Float(f(Double($0))) } }

    func testSigmoidTanhRelu() {
        assertClose(x.sigmoid().scalars, ref { 1 / (1 + Foundation.exp(-$0)) }, rtol: 1e-6, atol: 1e-7)
        assertClose(x.tanh().scalars, ref(Foundation.tanh), rtol: 1e-6, atol: 1e-7)
        XCTAssertEqual(x.relu().scalars, xs.map { Swift.max($0, 0) })
        // tanh is accurate in relative terms for tiny inputs too.
        let tiny = Tensor(shape: [3], data: [1e-6, -3e-4, 0.01]).tanh().scalars
        assertClose(tiny, [1e-6, -3e-4, Float(Foundation.tanh(0.01))], rtol: 1e-6, atol: 0)
    }

    func testGELUExactAndTanhForms() {
        let exact = ref { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }
        assertClose(x.gelu().scalars, exact, rtol: 1e-6, atol: 5e-7)
        let c = (2 / Double.pi).squareRoot()
        let approx = ref { 0.5 * $0 * (1 + Foundation.tanh(c * ($0 + 0.044715 * $0 * $0 * $0))) }
        assertClose(x.gelu(approximate: .tanh).scalars, approx, rtol: 1e-6, atol: 5e-7)
        // The two forms differ slightly (torch: gelu(1.0) = 0.841345, tanh form 0.841192).
        XCTAssertEqual(Tensor(1).gelu().item, 0.841345, accuracy: 2e-6)
        XCTAssertEqual(Tensor(1).gelu(approximate: .tanh).item, 0.841192, accuracy: 2e-6)
    }

    func testQuickGELU() {
        assertClose(x.quickGELU().scalars, ref { $0 / (1 + Foundation.exp(-1.702 * $0)) }, rtol: 1e-6, atol: 1e-7)
    }

    func testLargeParallelInputMatchesSmallPath() {
        // Big enough for several threads; every chunk boundary must give the same values.
        let big = randomTensor([300, 1000], seed: 11, lo: -6, hi: 6)
        let y = big.gelu().scalars, b = big.scalars
        for i in stride(from: 0, to: b.count, by: 997) {
            XCTAssertEqual(y[i], Tensor(b[i]).gelu().item)
        }
    }

    func testGradients() {
        let t = randomTensor([4, 7], seed: 2, lo: -3, hi: 3)
        gradCheck([t]) { $0[0].sigmoid() }
        gradCheck([t]) { $0[0].tanh() }
        gradCheck([t]) { $0[0].gelu() }
        gradCheck([t]) { $0[0].gelu(approximate: .tanh) }
        gradCheck([t]) { $0[0].quickGELU() }
        gradCheck([Tensor(shape: [6], data: [-1.5, -0.7, -0.2, 0.3, 0.9, 1.6])]) { $0[0].relu() }
    }
}
