import XCTest
@testable import Tensor

/// The gradient checker itself must catch wrong backward functions.
final class GradCheckTests: XCTestCase {
    /// `x * x` recorded with the backward `g * x` (missing the factor 2).
    func wrongSquare(_ x: Tensor) -> Tensor {
        let out = noGrad { x * x }
        let xd = x.detached()
        return record(out, "wrong_square", [x]) { g in [g * xd] }
    }

    /// `x * y` recorded with the gradients of the two inputs swapped.
    func swappedProduct(_ x: Tensor, _ y: Tensor) -> Tensor {
        let out = noGrad { x * y }
        let xd = x.detached(), yd = y.detached()
        return record(out, "swapped_mul", [x, y]) { g in [g * xd, g * yd] }
    }

    func testErrorIsSmallForCorrectAndLargeForWrongBackward() {
        let x = randomTensor([3, 4], seed: 1)
        XCTAssertLessThan(numericGradientError([x]) { $0[0] * $0[0] }, 1e-3)
        XCTAssertGreaterThan(numericGradientError([x]) { self.wrongSquare($0[0]) }, 0.3)
        let a = randomTensor([5], seed: 2), b = randomTensor([5], seed: 3)
        XCTAssertLessThan(numericGradientError([a, b]) { $0[0] * $0[1] }, 1e-3)
        XCTAssertGreaterThan(numericGradientError([a, b]) { self.swappedProduct($0[0], $0[1]) }, 0.3)
    }

    func testMissingGradientIsInfinite() {
        let x = randomTensor([3], seed: 4), unused = randomTensor([2], seed: 5)
        XCTAssertEqual(numericGradientError([x, unused]) { $0[0].exp() }, .infinity)
    }
}
