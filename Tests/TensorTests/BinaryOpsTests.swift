import XCTest
@testable import Tensor

/// `Kernels.binary` (behind `+ - * /`) on every broadcast layout, against a naive multi-index loop.
final class BinaryOpsTests: XCTestCase {
    /// NumPy-style broadcasting computed one output element at a time from the operands' logical values.
    func naive(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> (shape: [Int], values: [Float]) {
        let shape = ShapeUtil.broadcast(a.shape, b.shape)
        let av = a.scalars, bv = b.scalars
        func index(_ t: Tensor, _ out: [Int]) -> Int {
            let lead = shape.count - t.rank
            var i = 0
            for k in 0..<t.rank { i = i * t.shape[k] + (t.shape[k] == 1 ? 0 : out[k + lead]) }
            return i
        }
        let n = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        var idx = [Int](repeating: 0, count: shape.count)
        for o in 0..<n {
            var rem = o
            for k in stride(from: shape.count - 1, through: 0, by: -1) { idx[k] = rem % shape[k]; rem /= shape[k] }
            values[o] = f(av[index(a, idx)], bv[index(b, idx)])
        }
        return (shape, values)
    }

    func checkAllOps(_ a: Tensor, _ b: Tensor, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let cases: [(String, (Tensor, Tensor) -> Tensor, (Float, Float) -> Float)] = [
            ("+", { $0 + $1 }, { $0 + $1 }), ("-", { $0 - $1 }, { $0 - $1 }),
            ("*", { $0 * $1 }, { $0 * $1 }), ("/", { $0 / $1 }, { $0 / $1 })]
        for (name, op, f) in cases {
            let got = op(a, b), want = naive(a, b, f)
            XCTAssertEqual(got.shape, want.shape, "\(what) \(name)", file: file, line: line)
            XCTAssertEqual(got.scalars, want.values, "\(what) \(name)", file: file, line: line)
        }
    }

    func testEveryLayout() {
        let x = randomTensor([2, 3, 4, 5], seed: 1, lo: 0.5, hi: 2)
        checkAllOps(x, randomTensor([2, 3, 4, 5], seed: 2, lo: 0.5, hi: 2), "same shape")
        checkAllOps(x, Tensor(shape: [1], data: [1.5]), "scalar right")
        checkAllOps(Tensor(shape: [], data: [0.75]), x, "scalar left")
        checkAllOps(x, randomTensor([5], seed: 3, lo: 0.5, hi: 2), "trailing bias")
        checkAllOps(randomTensor([4, 5], seed: 4, lo: 0.5, hi: 2), x, "trailing operand on the left")
        checkAllOps(x, randomTensor([1, 3, 1, 1], seed: 5, lo: 0.5, hi: 2), "channel broadcast (scalar per row)")
        checkAllOps(randomTensor([3, 1, 1], seed: 6, lo: 0.5, hi: 2), x, "channel broadcast on the left")
        checkAllOps(randomTensor([2, 1, 5], seed: 7, lo: 0.5, hi: 2), randomTensor([2, 4, 1], seed: 8, lo: 0.5, hi: 2), "outer product")
        checkAllOps(randomTensor([2, 1, 4, 5], seed: 9, lo: 0.5, hi: 2), x, "middle broadcast")
        // Odd sizes (SIMD tails) and non-contiguous operands.
        checkAllOps(randomTensor([3, 13], seed: 10, lo: 0.5, hi: 2), randomTensor([13, 3], seed: 11, lo: 0.5, hi: 2).transposed(), "transposed")
        checkAllOps(randomTensor([7, 1], seed: 12, lo: 0.5, hi: 2).expanded(to: [7, 9]).transposed(),
                    randomTensor([9, 7], seed: 13, lo: 0.5, hi: 2), "expanded view")
        checkAllOps(randomTensor([6, 10], seed: 14, lo: 0.5, hi: 2).sliced(axis: 1, start: 1, step: 3),
                    randomTensor([6, 1], seed: 15, lo: 0.5, hi: 2), "strided slice")
        checkAllOps(randomTensor([100_003], seed: 16, lo: 0.5, hi: 2), randomTensor([100_003], seed: 17, lo: 0.5, hi: 2), "large, threaded")
        checkAllOps(randomTensor([0, 4], seed: 18), randomTensor([4], seed: 19), "empty")
    }

    func testScalarOperators() {
        let x = randomTensor([37], seed: 20, lo: 0.5, hi: 2)
        let v = x.scalars
        XCTAssertEqual((x + 2).scalars, v.map { $0 + 2 })
        XCTAssertEqual((2 - x).scalars, v.map { 2 - $0 })
        XCTAssertEqual((x * 3).scalars, v.map { $0 * 3 })
        XCTAssertEqual((3 / x).scalars, v.map { 3 / $0 })
        XCTAssertEqual((-x).scalars, v.map { -$0 })
        XCTAssertEqual((x.transposed(0, 0) - 1).scalars, v.map { $0 - 1 })
    }
}
