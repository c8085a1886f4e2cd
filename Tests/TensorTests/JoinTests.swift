import XCTest
@testable import Tensor

/// concat / stack / split / chunked.
final class JoinTests: XCTestCase {
    func testConcatAlongEachAxis() {
        let a = Tensor(shape: [2, 2], data: [1, 2, 3, 4]), b = Tensor(shape: [2, 1], data: [5, 6])
        XCTAssertEqual(Tensor.concat([a, b], axis: 1).scalars, [1, 2, 5, 3, 4, 6])
        XCTAssertEqual(Tensor.concat([a, b.transposed()], axis: 0).scalars, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(Tensor.concat([a, b, a], axis: -1).shape, [2, 5])
        // Non-contiguous input (a transposed view) is read through its strides.
        XCTAssertEqual(Tensor.concat([a.transposed(), b], axis: 1).scalars, [1, 3, 5, 2, 4, 6])
        // 3-D, middle axis, against element-by-element construction.
        let x = randomTensor([2, 3, 4], seed: 1), y = randomTensor([2, 1, 4], seed: 2)
        let c = Tensor.concat([x, y], axis: 1)
        XCTAssertEqual(c.shape, [2, 4, 4])
        let xv = x.scalars, yv = y.scalars, cv = c.scalars
        for i in 0..<2 { for j in 0..<4 { for k in 0..<4 {
            XCTAssertEqual(cv[(i * 4 + j) * 4 + k], j < 3 ? xv[(i * 3 + j) * 4 + k] : yv[i * 4 + k])
        } } }
    }

    func testStack() {
        let a = Tensor(shape: [3], data: [1, 2, 3]), b = Tensor(shape: [3], data: [4, 5, 6])
        let s0 = Tensor.stack([a, b], axis: 0), s1 = Tensor.stack([a, b], axis: 1), sl = Tensor.stack([a, b], axis: -1)
        XCTAssertEqual(s0.shape, [2, 3])
        XCTAssertEqual(s0.scalars, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(s1.shape, [3, 2])
        XCTAssertEqual(s1.scalars, [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(sl.shape, [3, 2])
    }

    func testSplitAndChunked() {
        let x = Tensor.arange(10).reshaped(2, 5)
        let parts = x.split(sizes: [2, 0, 3], axis: 1)
        XCTAssertEqual(parts.map(\.shape), [[2, 2], [2, 0], [2, 3]])
        XCTAssertEqual(parts[0].scalars, [0, 1, 5, 6])
        XCTAssertEqual(parts[2].scalars, [2, 3, 4, 7, 8, 9])
        // torch.chunk: sizes ceil(n / chunks), possibly fewer chunks.
        XCTAssertEqual(Tensor.arange(10).chunked(4, axis: 0).map(\.shape), [[3], [3], [3], [1]])
        XCTAssertEqual(Tensor.arange(5).chunked(4, axis: 0).map(\.shape), [[2], [2], [1]])
        XCTAssertEqual(x.chunked(2, axis: 0).map(\.scalars), [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]])
    }

    func testGradients() {
        gradCheck([randomTensor([2, 3], seed: 1), randomTensor([2, 2], seed: 2)]) { Tensor.concat([$0[0], $0[1], $0[0]], axis: 1) }
        gradCheck([randomTensor([2, 3], seed: 3), randomTensor([2, 3], seed: 4)]) { Tensor.stack([$0[0], $0[1]], axis: 1) }
        gradCheck([randomTensor([3, 5], seed: 5)]) { xs in
            let p = xs[0].split(sizes: [1, 3, 1], axis: 1)
            return Tensor.concat([p[2], p[0] * 2, p[1].exp()], axis: 1)
        }
        gradCheck([randomTensor([5, 2], seed: 6)]) { xs in
            let c = xs[0].chunked(2, axis: 0)
            return c[0].sum() * c[1].sum(axis: 0)
        }
    }
}
