import Foundation
import XCTest
@testable import Tensor

/// Elementwise math against double-precision libm references, plus finite-difference gradients.
final class MathOpsTests: XCTestCase {
    /// Values spanning the range a network sees, with a length that exercises the 8-lane tail.
    let sweep: [Float] = stride(from: -20.0, through: 20.0, by: 0.37).map { Float($0) }

    func reference(_ xs: [Float], _ f: (Double) -> Double) -> [Float] { xs.map { Float(f(Double($0))) } }

    func testExpMatchesDoublePrecisionAcrossRange() {
        let xs = stride(from: -87.0, through: 88.5, by: 0.173).map { Float($0) }
        let y = Tensor(shape: [xs.count], data: xs).exp().scalars
        assertClose(y, reference(xs, Foundation.exp), rtol: 3e-7, atol: 0)
        XCTAssertEqual(Tensor(shape: [1], data: [0]).exp().item, 1)
        let edge = Tensor(shape: [4], data: [-200, 200, .nan, -.infinity]).exp().scalars
        XCTAssertEqual(edge[0], 0)
        XCTAssertEqual(edge[1], .infinity)
        XCTAssertTrue(edge[2].isNaN)
        XCTAssertEqual(edge[3], 0)
    }

    func testLogSqrtRsqrtSquare() {
        let xs = sweep.map { Swift.abs($0) + 0.01 }
        let x = Tensor(shape: [xs.count], data: xs)
        assertClose(x.log().scalars, reference(xs, Foundation.log), rtol: 1e-6, atol: 1e-6)
        assertClose(x.sqrt().scalars, reference(xs) { $0.squareRoot() }, rtol: 1e-6)
        assertClose(x.rsqrt().scalars, reference(xs) { 1 / $0.squareRoot() }, rtol: 1e-6)
        assertClose(x.square().scalars, reference(xs) { $0 * $0 }, rtol: 1e-6)
        XCTAssertEqual(Tensor(shape: [2], data: [0, -1]).log().scalars[0], -.infinity)
        XCTAssertTrue(Tensor(shape: [2], data: [0, -1]).log().scalars[1].isNaN)
    }

    func testScalarPowerCoversSpecialAndGeneralExponents() {
        let xs = sweep.map { Swift.abs($0) + 0.1 }
        let x = Tensor(shape: [xs.count], data: xs)
        for p: Float in [2, 3, 0.5, -0.5, -1, 1.7, 0, 1] {
            assertClose(x.pow(p).scalars, reference(xs) { Foundation.pow($0, Double(p)) }, rtol: 2e-6, "p = \(p)")
        }
        // Negative base with integral exponent is fine; with fractional exponent NaN (as torch).
        XCTAssertEqual(Tensor(shape: [1], data: [-2]).pow(3).item, -8)
        XCTAssertTrue(Tensor(shape: [1], data: [-2]).pow(1.5).item.isNaN)
    }

    func testTensorPowerBroadcasts() {
        let base = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let e = Tensor(shape: [3], data: [2, 0.5, -1])
        assertClose(base.pow(e).scalars, [1, 2.0.squareRoot(), 1.0 / 3, 16, 5.0.squareRoot(), 1.0 / 6].map { Float($0) }, rtol: 1e-6)
        XCTAssertEqual(Tensor(shape: [2, 1], data: [2, 3]).pow(Tensor(shape: [3], data: [0, 1, 2])).scalars, [1, 2, 4, 1, 3, 9])
    }

    func testAbsAndClamp() {
        let x = Tensor(shape: [2, 3], data: [-3, -0.5, 0, 0.5, 2, 7])
        XCTAssertEqual(x.abs().scalars, [3, 0.5, 0, 0.5, 2, 7])
        XCTAssertEqual(x.clamped(min: -1, max: 1).scalars, [-1, -0.5, 0, 0.5, 1, 1])
        XCTAssertEqual(x.clamped(min: 0.5).scalars, [0.5, 0.5, 0.5, 0.5, 2, 7])
        XCTAssertEqual(x.clamped(max: 0).scalars, [-3, -0.5, 0, 0, 0, 0])
        // Non-contiguous input.
        XCTAssertEqual(x.transposed().abs().scalars, [3, 0.5, 0.5, 2, 0, 7])
    }

    func testClampGradientIsInclusiveAtTheBounds() {
        // torch: x.clamp(1, 3) for [1, -2, 3] has gradient [1, 0, 1].
        let x = Tensor(shape: [3], data: [1, -2, 3]).requiringGrad()
        x.clamped(min: 1, max: 3).sum().backward()
        XCTAssertEqual(x.grad!.scalars, [1, 0, 1])
        let y = Tensor(shape: [3], data: [-1, 0, 2]).requiringGrad()
        y.abs().sum().backward()
        XCTAssertEqual(y.grad!.scalars, [-1, 0, 1])
    }

    func testGradients() {
        let pos = randomTensor([3, 5], seed: 3, lo: 0.3, hi: 2)
        gradCheck([randomTensor([3, 5], seed: 1)]) { $0[0].exp() }
        gradCheck([pos]) { $0[0].log() }
        gradCheck([pos]) { $0[0].sqrt() }
        gradCheck([pos]) { $0[0].rsqrt() }
        gradCheck([randomTensor([3, 5], seed: 4)]) { $0[0].square() }
        for p: Float in [3, -1, 1.7, 0] { gradCheck([pos]) { $0[0].pow(p) } }
        gradCheck([pos, randomTensor([5], seed: 5, lo: -2, hi: 2)]) { $0[0].pow($0[1]) }
        gradCheck([randomTensor([3, 1], seed: 6, lo: 0.5, hi: 1.5), randomTensor([4], seed: 7)]) { $0[0].pow($0[1]) }
        // Away from the kinks (|x| > eps of the finite differences).
        let away = Tensor(shape: [6], data: [-1.5, -0.7, -0.2, 0.3, 0.9, 1.6])
        gradCheck([away]) { $0[0].abs() }
        gradCheck([away]) { $0[0].clamped(min: -0.5, max: 1) }
        gradCheck([randomTensor([2, 3], seed: 8)]) { $0[0].transposed().exp() }
    }
}
