import XCTest
@testable import Tensor

/// indexSelect / gather / embedding / where / maskedFill.
final class IndexingTests: XCTestCase {
    func testIndexSelect() {
        let x = Tensor.arange(12).reshaped(3, 4)
        XCTAssertEqual(x.indexSelect(axis: 0, indices: [2, 0, 2]).scalars, [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11])
        XCTAssertEqual(x.indexSelect(axis: 1, indices: [3, 1]).scalars, [3, 1, 7, 5, 11, 9])
        XCTAssertEqual(x.indexSelect(axis: -1, indices: []).shape, [3, 0])
        XCTAssertEqual(x.transposed().indexSelect(axis: 0, indices: [1]).scalars, [1, 5, 9])
        // Repeated indices accumulate their gradients.
        let w = Tensor.zeros([3, 2]).requiringGrad()
        w.indexSelect(axis: 0, indices: [1, 1, 0, 1]).sum().backward()
        XCTAssertEqual(w.grad!.scalars, [1, 1, 3, 3, 0, 0])
        gradCheck([randomTensor([2, 4, 3], seed: 1)]) { $0[0].indexSelect(axis: 1, indices: [3, 0, 3, 1]) }
    }

    func testGatherHasTorchSemantics() {
        // torch.gather(t, 1, [[0, 0], [1, 0]]) for t = [[1, 2], [3, 4]] is [[1, 1], [4, 3]].
        let t = Tensor(shape: [2, 2], data: [1, 2, 3, 4])
        XCTAssertEqual(t.gather(axis: 1, indices: [0, 0, 1, 0], indexShape: [2, 2]).scalars, [1, 1, 4, 3])
        XCTAssertEqual(t.gather(axis: 0, indices: [1, 0], indexShape: [1, 2]).scalars, [3, 2])
        // 3-D with a smaller index shape, against the definition.
        let x = randomTensor([3, 4, 5], seed: 2)
        let idx = [0, 3, 1, 2, 2, 0, 3, 3, 1, 1, 0, 2]
        let g = x.gather(axis: 1, indices: idx, indexShape: [2, 3, 2])
        XCTAssertEqual(g.shape, [2, 3, 2])
        let xv = x.scalars, gv = g.scalars
        for i in 0..<2 { for j in 0..<3 { for k in 0..<2 {
            let e = (i * 3 + j) * 2 + k
            XCTAssertEqual(gv[e], xv[(i * 4 + idx[e]) * 5 + k])
        } } }
        XCTAssertEqual(x.permuted(2, 0, 1).gather(axis: 2, indices: [3], indexShape: [1, 1, 1]).item, xv[3 * 5])
        gradCheck([randomTensor([3, 4, 5], seed: 3)]) { $0[0].gather(axis: 1, indices: idx, indexShape: [2, 3, 2]) }
        gradCheck([randomTensor([3, 4], seed: 4)]) { $0[0].gather(axis: 0, indices: [2, 2, 0, 1, 2, 2, 2, 2], indexShape: [2, 4]) }
    }

    func testEmbedding() {
        let w = Tensor.arange(8).reshaped(4, 2).requiringGrad()
        let e = Tensor.embedding(weight: w, ids: [3, 0, 3, 1, 1, 1], shape: [2, 3])
        XCTAssertEqual(e.shape, [2, 3, 2])
        XCTAssertEqual(e.scalars, [6, 7, 0, 1, 6, 7, 2, 3, 2, 3, 2, 3])
        (e * Tensor(shape: [2], data: [1, 10])).sum().backward()
        XCTAssertEqual(w.grad!.scalars, [1, 10, 3, 30, 0, 0, 2, 20])
        gradCheck([randomTensor([5, 3], seed: 5)]) { Tensor.embedding(weight: $0[0], ids: [4, 4, 0, 2], shape: [4]) }
    }

    func testWhereBroadcasts() {
        let c = Tensor(shape: [2, 1], data: [1, 0])
        let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6]), b = Tensor(-1)
        XCTAssertEqual(Tensor.where(c, a, b).scalars, [1, 2, 3, -1, -1, -1])
        let m = Tensor(shape: [3], data: [0, 2, -0.5])
        XCTAssertEqual(Tensor.where(m, a, a * 10).scalars, [10, 2, 3, 40, 5, 6])
        gradCheck([randomTensor([2, 3], seed: 6), randomTensor([3], seed: 7)]) { Tensor.where(m, $0[0], $0[1]) }
        gradCheck([randomTensor([2, 1], seed: 8), randomTensor([1, 3], seed: 9)]) { Tensor.where(m, $0[0], $0[1]) }
    }

    func testMaskedFill() {
        let x = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let mask = Tensor(shape: [3], data: [0, 1, 0])
        XCTAssertEqual(x.maskedFill(mask, value: -9).scalars, [1, -9, 3, 4, -9, 6])
        let inf = x.maskedFill(Tensor(shape: [2, 1], data: [1, 0]), value: -.infinity).scalars
        XCTAssertEqual(inf, [-.infinity, -.infinity, -.infinity, 4, 5, 6])
        gradCheck([randomTensor([2, 3], seed: 10)]) { $0[0].maskedFill(mask, value: 7) }
    }
}
