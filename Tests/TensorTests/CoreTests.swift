import XCTest
@testable import Tensor

final class CoreTests: XCTestCase {
    func testStorageIsAligned() {
        for n in [1, 3, 17, 1000] {
            let s = Storage(uninitializedCount: n)
            XCTAssertEqual(Int(bitPattern: s.data) % 64, 0)
        }
    }

    func testViewsShareStorageAndReadCorrectly() {
        let x = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let t = x.transposed()
        XCTAssertTrue(t.storage === x.storage)
        XCTAssertEqual(t.shape, [3, 2])
        XCTAssertEqual(t.scalars, [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(x.sliced(axis: 1, start: 1).scalars, [2, 3, 5, 6])
        XCTAssertEqual(x.sliced(axis: 1, start: 0, end: 3, step: 2).scalars, [1, 3, 4, 6])
        XCTAssertEqual(x.reshaped(3, 2).scalars, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(Tensor(shape: [3], data: [1, 2, 3]).expanded(to: [2, 3]).scalars, [1, 2, 3, 1, 2, 3])
        XCTAssertEqual(x.selecting(axis: 0, index: 1).scalars, [4, 5, 6])
        XCTAssertEqual(x.reshaped(-1).shape, [6])
    }

    func testBroadcastArithmetic() {
        let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3], data: [10, 20, 30])
        let c = Tensor(shape: [2, 1], data: [100, 200])
        XCTAssertEqual((a + b).scalars, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual((a * c).scalars, [100, 200, 300, 800, 1000, 1200])
        XCTAssertEqual((c - b).scalars, [90, 80, 70, 190, 180, 170])
        XCTAssertEqual((a.transposed() + Tensor(shape: [3, 1], data: [1, 2, 3])).scalars, [2, 5, 4, 7, 6, 9])
        XCTAssertEqual((a / 2).scalars, [0.5, 1, 1.5, 2, 2.5, 3])
        XCTAssertEqual((1 - a).scalars, [0, -1, -2, -3, -4, -5])
    }

    func testSumAndMean() {
        let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(a.sum().item, 21)
        XCTAssertEqual(a.sum(axis: 0).scalars, [5, 7, 9])
        XCTAssertEqual(a.sum(axis: 1, keepDim: true).shape, [2, 1])
        XCTAssertEqual(a.mean(axis: -1).scalars, [2, 5])
    }

    func testMatmulAgainstNaive() {
        for (sa, sb) in [([4, 5], [5, 3]), ([2, 4, 5], [5, 3]), ([2, 4, 5], [2, 5, 3]), ([1, 4, 5], [3, 5, 2]), ([5], [5, 3])] {
            let a = randomTensor(sa, seed: 1), b = randomTensor(sb, seed: 2)
            let c = a.matmul(b)
            // naive reference
            let A = a.rank == 1 ? a.unsqueezed(0) : a, B = b
            let m = A.size(-2), k = A.size(-1), n = B.size(-1)
            let batch = ShapeUtil.broadcast(Array(A.shape.dropLast(2)), Array(B.shape.dropLast(2)))
            let ea = A.expanded(to: batch + [m, k]).scalars, eb = B.expanded(to: batch + [k, n]).scalars
            var ref = [Float](repeating: 0, count: ShapeUtil.count(batch) * m * n)
            for bi in 0..<ShapeUtil.count(batch) { for i in 0..<m { for j in 0..<n {
                var s: Float = 0
                for q in 0..<k { s += ea[bi * m * k + i * k + q] * eb[bi * k * n + q * n + j] }
                ref[bi * m * n + i * n + j] = s
            } } }
            assertClose(c.scalars, ref, rtol: 1e-5, atol: 1e-5)
        }
        // transposed views go to BLAS without copies and still agree
        let a = randomTensor([5, 4], seed: 3), b = randomTensor([3, 5], seed: 4)
        assertClose(a.transposed().matmul(b.transposed()), a.transposed().contiguousCopy().matmul(b.transposed().contiguousCopy()))
        // A column slice (row stride > columns) and a transposed slice as the left operand.
        let wide = randomTensor([5, 9], seed: 5), r = randomTensor([4, 3], seed: 6)
        let slice = wide.sliced(axis: 1, start: 2, end: 6)
        assertClose(slice.matmul(r), slice.contiguousCopy().matmul(r))
        let tslice = randomTensor([9, 5], seed: 7).sliced(axis: 0, start: 1, end: 5).transposed()
        assertClose(tslice.matmul(r), tslice.contiguousCopy().matmul(r))
    }

    func testGradients() {
        gradCheck([randomTensor([2, 3], seed: 1), randomTensor([3], seed: 2)]) { $0[0] + $0[1] }
        gradCheck([randomTensor([2, 3], seed: 1), randomTensor([2, 1], seed: 2)]) { $0[0] - $0[1] }
        gradCheck([randomTensor([2, 3], seed: 1), randomTensor([1, 3], seed: 2)]) { $0[0] * $0[1] }
        gradCheck([randomTensor([2, 3], seed: 1), randomTensor([3], seed: 2, lo: 0.5, hi: 2)]) { $0[0] / $0[1] }
        gradCheck([randomTensor([2, 3], seed: 1, lo: 0.5, hi: 2)]) { 2 / $0[0] - 3 * $0[0] + (-$0[0]) }
        gradCheck([randomTensor([2, 3, 4], seed: 1)]) { $0[0].sum(axes: [0, 2]) + $0[0].mean(axis: 2).sum(axis: 0) }
        gradCheck([randomTensor([2, 3, 4], seed: 1), randomTensor([4, 5], seed: 2)]) { $0[0].matmul($0[1]) }
        gradCheck([randomTensor([2, 3, 4], seed: 1), randomTensor([2, 4, 5], seed: 2)]) { $0[0].matmul($0[1]) }
        gradCheck([randomTensor([3, 4], seed: 1), randomTensor([2, 4, 5], seed: 2)]) { $0[0].matmul($0[1]) }
        gradCheck([randomTensor([2, 3, 4], seed: 1)]) {
            $0[0].permuted(2, 0, 1).sliced(axis: 1, start: 1).reshaped(4, -1).expanded(to: [2, 4, 3]).contiguous()
        }
    }

    func testNoGradRecordsNothingAndGraphIsFreed() {
        let w = randomTensor([3, 3], seed: 1).requiringGrad()
        let y = noGrad { w.matmul(w) }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertNil(y.gradFn)
        let z = (w * w).sum()
        XCTAssertNotNil(z.gradFn)
        z.backward()
        XCTAssertNil(z.gradFn, "graph freed after backward")
        // gradients accumulate
        let g1 = w.grad!.scalars
        (w * w).sum().backward()
        assertClose(w.grad!.scalars, g1.map { 2 * $0 })
    }
}
