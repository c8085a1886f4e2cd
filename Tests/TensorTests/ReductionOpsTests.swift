import XCTest
@testable import Tensor

/// max/min/argmax/topK against naive loops, plus gradients to the selected positions.
final class ReductionOpsTests: XCTestCase {
    /// Distinct values 0.1 apart (so finite differences never reorder them), shuffled by `seed`.
    func distinct(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        var v = (0..<ShapeUtil.count(shape)).map { Float($0) * 0.1 - 1 }
        v.shuffle(using: &rng)
        return Tensor(shape: shape, data: v)
    }

    /// Naive reduction of a [A, B, C] tensor along `axis`: (values, arg indices) in row-major order.
    func naive(_ x: Tensor, axis: Int, largest: Bool) -> ([Float], [Int]) {
        let s = x.shape, v = x.scalars
        var vals: [Float] = [], idx: [Int] = []
        let others = (0..<3).filter { $0 != axis }
        for i in 0..<s[others[0]] {
            for j in 0..<s[others[1]] {
                var best = 0
                for k in 0..<s[axis] {
                    var p = [0, 0, 0], q = [0, 0, 0]
                    p[others[0]] = i; p[others[1]] = j; p[axis] = k
                    q[others[0]] = i; q[others[1]] = j; q[axis] = best
                    let a = v[(p[0] * s[1] + p[1]) * s[2] + p[2]], b = v[(q[0] * s[1] + q[1]) * s[2] + q[2]]
                    if largest ? a > b : a < b { best = k }
                }
                var q = [0, 0, 0]
                q[others[0]] = i; q[others[1]] = j; q[axis] = best
                vals.append(v[(q[0] * s[1] + q[1]) * s[2] + q[2]])
                idx.append(best)
            }
        }
        return (vals, idx)
    }

    func testMaxMinArgmaxAlongEachAxis() {
        let x = randomTensor([3, 4, 5], seed: 1)
        for axis in 0..<3 {
            let (mx, imx) = naive(x, axis: axis, largest: true)
            let (mn, _) = naive(x, axis: axis, largest: false)
            XCTAssertEqual(x.max(axis: axis).scalars, mx)
            XCTAssertEqual(x.min(axis: axis).scalars, mn)
            XCTAssertEqual(x.argmax(axis: axis), imx)
            XCTAssertEqual(x.max(axis: axis - 3, keepDim: true).shape, x.shape.enumerated().map { $0.offset == axis ? 1 : $0.element })
        }
        XCTAssertEqual(x.max().item, x.scalars.max()!)
        XCTAssertEqual(x.min().item, x.scalars.min()!)
        XCTAssertEqual(x.max().shape, [])
    }

    func testTiesPickFirstIndexAndNaNPropagates() {
        let x = Tensor(shape: [2, 4], data: [1, 3, 3, 2, .nan, 5, 1, 2])
        XCTAssertEqual(x.argmax(axis: 1), [1, 0])
        XCTAssertEqual(x.argmin(axis: 1), [0, 0])
        XCTAssertTrue(x.max(axis: 1).scalars[1].isNaN)
        XCTAssertEqual(x.max(axis: 1).scalars[0], 3)
    }

    func testGradientGoesToArgPosition() {
        let x = Tensor(shape: [2, 3], data: [1, 5, 5, 7, 2, 0]).requiringGrad()
        (x.max(axis: 1) * Tensor(shape: [2], data: [10, 20])).sum().backward()
        XCTAssertEqual(x.grad!.scalars, [0, 10, 0, 20, 0, 0])
        // Over all elements ties share the gradient evenly (as torch).
        let y = Tensor(shape: [4], data: [1, 3, 3, 2]).requiringGrad()
        y.max().backward()
        XCTAssertEqual(y.grad!.scalars, [0, 0.5, 0.5, 0])
        gradCheck([distinct([3, 4, 5], seed: 2)]) { $0[0].max(axis: 1) }
        gradCheck([distinct([3, 4, 5], seed: 3)]) { $0[0].min(axis: 0, keepDim: true) }
        gradCheck([distinct([3, 4, 5], seed: 4)]) { $0[0].min(axis: -1) }
        gradCheck([distinct([3, 4], seed: 5)]) { $0[0].max() + $0[0].min() }
    }

    func testTopKAgainstSorting() {
        let x = randomTensor([3, 40], seed: 6)
        for k in [1, 5, 17, 40] {
            for largest in [true, false] {
                let (values, indices) = x.topK(k, largest: largest)
                XCTAssertEqual(values.shape, [3, k])
                let v = x.scalars
                for r in 0..<3 {
                    let row = Array(v[(r * 40)..<(r * 40 + 40)])
                    let order = (0..<40).sorted { largest ? row[$0] > row[$1] : row[$0] < row[$1] }
                    XCTAssertEqual(Array(indices[(r * k)..<(r * k + k)]), Array(order.prefix(k)), "k \(k) largest \(largest)")
                    XCTAssertEqual(Array(values.scalars[(r * k)..<(r * k + k)]), order.prefix(k).map { row[$0] })
                }
            }
        }
    }

    func testTopKAlongLeadingAxisAndTies() {
        let x = Tensor(shape: [3, 2], data: [1, 9, 4, 7, 2, 8])
        let (v, i) = x.topK(2, axis: 0)
        XCTAssertEqual(v.shape, [2, 2])
        XCTAssertEqual(v.scalars, [4, 9, 2, 8])
        XCTAssertEqual(i, [1, 0, 2, 2])
        let t = Tensor(shape: [5], data: [1, 3, 3, 2, 3]).topK(2)
        XCTAssertEqual(t.values.scalars, [3, 3])
        XCTAssertEqual(t.indices, [1, 2])
        // Long row, small k (the single-pass path) agrees with the sort path.
        let long = randomTensor([2, 500], seed: 8)
        XCTAssertEqual(long.topK(3).indices, Array(long.topK(200).indices.prefix(3)) + Array(long.topK(200).indices[200..<203]))
    }

    /// The selection path (quickselect, then a sort of the k best) on long rows with many ties and NaNs
    /// gives exactly the first k of a stable full sort (ties by lower index; NaN above every number when
    /// `largest`, below when not).
    func testTopKSelectionMatchesStableSort() {
        var rng = SeededRandom(seed: 31)
        for (n, k) in [(1000, 10), (1000, 300), (4097, 41), (600, 299), (50, 24), (3, 1)] {
            let values = (0..<n).map { _ -> Float in
                let u = rng.nextFloat()
                return u < 0.05 ? .nan : Float(Int(u * 40)) // 40 distinct values: heavy ties
            }
            let x = Tensor(shape: [1, n], data: values)
            for largest in [true, false] {
                func better(_ i: Int, _ j: Int) -> Bool {
                    let a = values[i], b = values[j]
                    if a == b || (a.isNaN && b.isNaN) { return i < j }
                    if a.isNaN { return largest }
                    if b.isNaN { return !largest }
                    return largest ? a > b : a < b
                }
                let expected = Array((0..<n).sorted(by: better).prefix(k))
                XCTAssertEqual(x.topK(k, largest: largest).indices, expected, "n \(n) k \(k) largest \(largest)")
            }
        }
    }

    func testTopKGradient() {
        gradCheck([distinct([3, 6], seed: 9)]) { $0[0].topK(3).values }
        gradCheck([distinct([4, 3, 2], seed: 10)]) { $0[0].topK(2, axis: 0, largest: false).values }
    }
}
