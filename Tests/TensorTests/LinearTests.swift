import XCTest
@testable import Tensor

/// `linear`, the threaded GEMM split and the column-sum reductions.
final class LinearTests: XCTestCase {
    /// Naive double-precision `a [m, k] x b [k, n]`.
    func naiveMatmul(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var s = 0.0
            for p in 0..<k { s += Double(a[i * k + p]) * Double(b[p * n + j]) }
            out[i * n + j] = Float(s)
        } }
        return out
    }

    func testLinearMatchesMatmulPlusBias() {
        let x = randomTensor([2, 3, 5], seed: 1), w = randomTensor([4, 5], seed: 2), b = randomTensor([4], seed: 3)
        let y = x.linear(weight: w, bias: b)
        XCTAssertEqual(y.shape, [2, 3, 4])
        let ref = naiveMatmul(x.scalars, w.transposed().scalars, m: 6, k: 5, n: 4).enumerated().map { $0.element + b.scalars[$0.offset % 4] }
        assertClose(y.scalars, ref, rtol: 1e-5, atol: 1e-6)
        // Without bias, and with the weight given as a transposed view.
        let wt = randomTensor([5, 4], seed: 4)
        assertClose(x.linear(weight: wt.transposed()), x.matmul(wt), rtol: 1e-5, atol: 1e-6)
    }

    func testLinearGradients() {
        gradCheck([randomTensor([2, 3, 5], seed: 5), randomTensor([4, 5], seed: 6), randomTensor([4], seed: 7)]) {
            $0[0].linear(weight: $0[1], bias: $0[2])
        }
        gradCheck([randomTensor([3, 5], seed: 8), randomTensor([5, 4], seed: 9)]) { $0[0].linear(weight: $0[1].transposed()) }
    }

    func testLinearWithResidual() {
        let x = randomTensor([2, 3, 5], seed: 20), w = randomTensor([4, 5], seed: 21), b = randomTensor([4], seed: 22)
        let r = randomTensor([2, 3, 4], seed: 23)
        assertClose(x.linear(weight: w, bias: b, residual: r), r + x.matmul(w.transposed()) + b, rtol: 1e-5, atol: 1e-6)
        assertClose(x.linear(weight: w, residual: r), r + x.matmul(w.transposed()), rtol: 1e-5, atol: 1e-6)
        gradCheck([x, w, b, r]) { $0[0].linear(weight: $0[1], bias: $0[2], residual: $0[3]) }
        gradCheck([randomTensor([3, 5], seed: 24), w, randomTensor([3, 4], seed: 25)]) {
            $0[0].linear(weight: $0[1], residual: $0[2])
        }
    }

    func testLinearGradientOnlyWhereRequired() {
        let x = randomTensor([3, 5], seed: 10).requiringGrad(), w = randomTensor([4, 5], seed: 11), b = randomTensor([4], seed: 12)
        x.linear(weight: w, bias: b).sum().backward()
        XCTAssertNil(w.grad)
        XCTAssertNil(b.grad)
        // d sum / dx = column sums of W, the same for each row.
        let colSums = (0..<5).map { j in (0..<4).reduce(Float(0)) { $0 + w.scalars[$1 * 5 + j] } }
        assertClose(x.grad!.scalars, Array((0..<3).map { _ in colSums }.joined()), rtol: 1e-5, atol: 1e-6)
    }

    func testSplitGemmMatchesNaiveForAllLayouts() {
        // Large enough to be split across threads, both along columns (n >= m) and along rows (m > n).
        for (m, k, n) in [(70, 300, 200), (300, 250, 40)] {
            let a = randomTensor([m, k], seed: 13), b = randomTensor([k, n], seed: 14)
            let ref = naiveMatmul(a.scalars, b.scalars, m: m, k: k, n: n)
            assertClose(a.matmul(b).scalars, ref, rtol: 1e-4, atol: 1e-4, "nn \(m)x\(k)x\(n)")
            let at = a.transposed().contiguous().transposed(), bt = b.transposed().contiguous().transposed()
            assertClose(at.matmul(bt).scalars, ref, rtol: 1e-4, atol: 1e-4, "tt \(m)x\(k)x\(n)")
            assertClose(a.matmul(bt).scalars, ref, rtol: 1e-4, atol: 1e-4, "nt \(m)x\(k)x\(n)")
        }
    }

    func testLeadingAxisSumsUseColumnSums() {
        let x = randomTensor([3, 4, 37], seed: 15)
        let v = x.scalars
        var ref = [Float](repeating: 0, count: 37)
        for r in 0..<12 { for j in 0..<37 { ref[j] += v[r * 37 + j] } }
        assertClose(x.sum(axes: [0, 1]).scalars, ref, rtol: 1e-5, atol: 1e-5)
        XCTAssertEqual(x.sum(axes: [1, 0], keepDim: true).shape, [1, 1, 37])
        assertClose(x.summed(toShape: [37]).scalars, ref, rtol: 1e-5, atol: 1e-5)
        // Still right on a non-dense view (general path).
        assertClose(x.transposed(0, 1).sum(axes: [0, 1]).scalars, ref, rtol: 1e-5, atol: 1e-5)
    }
}
