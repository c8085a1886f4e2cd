import XCTest
@testable import Tensor

/// Direct-loop pooling references over each `[H, W]` plane.
private func naivePool(_ x: Tensor, oh: Int, ow: Int,
                       window: (Int, Int) -> (ys: [Int], xs: [Int], divisor: Float),
                       reduce: ([Float], Float) -> Float) -> Tensor {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let xs = x.scalars
    var out: [Float] = []
    for p in 0..<(n * c) {
        for i in 0..<oh {
            for j in 0..<ow {
                let win = window(i, j)
                var vals: [Float] = []
                for y in win.ys where y >= 0 && y < h {
                    for xx in win.xs where xx >= 0 && xx < w { vals.append(xs[p * h * w + y * w + xx]) }
                }
                out.append(reduce(vals, win.divisor))
            }
        }
    }
    return Tensor(shape: [n, c, oh, ow], data: out)
}

/// A tensor of distinct values at least 0.05 apart (so finite differences never change a max).
private func distinctTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = SeededRandom(seed: seed)
    let n = shape.reduce(1, *)
    let values = (0..<n).map { Float($0) * 0.05 - Float(n) * 0.025 }.shuffled(using: &rng)
    return Tensor(shape: shape, data: values)
}

final class PoolTests: XCTestCase {
    typealias PCase = (k: (Int, Int), s: (Int, Int)?, p: (Int, Int))
    let cases: [PCase] = [((2, 2), nil, (0, 0)), ((3, 3), (2, 2), (1, 1)), ((3, 2), (1, 2), (1, 0)), ((2, 3), (3, 1), (1, 1))]

    func window(_ c: PCase) -> (Int, Int) -> (ys: [Int], xs: [Int], divisor: Float) {
        let s = c.s ?? c.k
        return { i, j in
            let y0 = i * s.0 - c.p.0, x0 = j * s.1 - c.p.1
            return (Array(y0..<(y0 + c.k.0)), Array(x0..<(x0 + c.k.1)), Float(c.k.0 * c.k.1))
        }
    }

    func outSize(_ c: PCase, _ h: Int, _ w: Int) -> (Int, Int) {
        let s = c.s ?? c.k
        return ((h + 2 * c.p.0 - c.k.0) / s.0 + 1, (w + 2 * c.p.1 - c.k.1) / s.1 + 1)
    }

    func testAvgPoolForwardAndGradient() {
        for (k, c) in cases.enumerated() {
            for include in [true, false] {
                let x = randomTensor([2, 3, 9, 8], seed: UInt64(k))
                let (oh, ow) = outSize(c, 9, 8)
                let y = x.avgPool2d(kernel: c.k, stride: c.s, padding: c.p, countIncludePad: include)
                let ref = naivePool(x, oh: oh, ow: ow, window: window(c)) { vals, full in
                    vals.reduce(0, +) / (include ? full : Float(vals.count))
                }
                assertClose(y, ref, atol: 1e-6, "case \(k) include \(include)")
                gradCheck([randomTensor([1, 2, 7, 6], seed: UInt64(k + 10))]) { t in
                    t[0].avgPool2d(kernel: c.k, stride: c.s, padding: c.p, countIncludePad: include)
                }
            }
        }
    }

    func testMaxPoolForwardAndGradient() {
        for (k, c) in cases.enumerated() {
            let x = randomTensor([2, 3, 9, 8], seed: UInt64(k + 20))
            let (oh, ow) = outSize(c, 9, 8)
            let y = x.maxPool2d(kernel: c.k, stride: c.s, padding: c.p)
            let ref = naivePool(x, oh: oh, ow: ow, window: window(c)) { vals, _ in vals.max()! }
            assertClose(y, ref, rtol: 0, atol: 0, "case \(k)")
            gradCheck([distinctTensor([1, 2, 7, 6], seed: UInt64(k + 30))]) { t in
                t[0].maxPool2d(kernel: c.k, stride: c.s, padding: c.p)
            }
        }
    }

    /// Ties send the whole gradient to the first maximum in row-major order, as torch does.
    func testMaxPoolTieGoesToFirst() {
        let x = Tensor(shape: [1, 1, 2, 2], data: [1, 3, 3, 0]).requiringGrad()
        x.maxPool2d(kernel: (2, 2)).sum().backward()
        XCTAssertEqual(x.grad!.scalars, [0, 1, 0, 0])
    }

    func testAdaptiveAvgPool() {
        // Downsampling (uneven windows), identity, and upsampling (overlapping windows).
        for (k, (h, w, oh, ow)) in [(10, 7, 4, 3), (5, 5, 5, 5), (3, 4, 5, 7), (7, 9, 1, 1)].enumerated() {
            let x = randomTensor([2, 3, h, w], seed: UInt64(k + 40))
            let y = x.adaptiveAvgPool2d(outputSize: (oh, ow))
            let ref = naivePool(x, oh: oh, ow: ow, window: { i, j in
                // Integer start/end as in torch: floor(i*H/OH) ..< ceil((i+1)*H/OH).
                let ys = Array(Int((Double(i * h) / Double(oh)).rounded(.down))..<Int((Double((i + 1) * h) / Double(oh)).rounded(.up)))
                let xs = Array(Int((Double(j * w) / Double(ow)).rounded(.down))..<Int((Double((j + 1) * w) / Double(ow)).rounded(.up)))
                return (ys, xs, Float(ys.count * xs.count))
            }) { vals, d in vals.reduce(0, +) / d }
            assertClose(y, ref, atol: 1e-6, "case \(k)")
            gradCheck([randomTensor([1, 2, h, w], seed: UInt64(k + 50))]) { t in t[0].adaptiveAvgPool2d(outputSize: (oh, ow)) }
        }
    }

    /// Pooling reads strided views (e.g. a channel slice) correctly.
    func testPoolsOnNonContiguousInput() {
        let base = randomTensor([2, 6, 6, 3], seed: 60)
        let x = base.permuted(0, 3, 1, 2)           // [2, 3, 6, 6] view
        assertClose(x.avgPool2d(kernel: (2, 2)), x.contiguous().avgPool2d(kernel: (2, 2)), rtol: 0, atol: 0)
        assertClose(x.maxPool2d(kernel: (3, 3), stride: (3, 3)), x.contiguous().maxPool2d(kernel: (3, 3)), rtol: 0, atol: 0)
    }
}
