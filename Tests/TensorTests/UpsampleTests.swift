import XCTest
@testable import Tensor

final class UpsampleTests: XCTestCase {
    let sizes: [(h: Int, w: Int, oh: Int, ow: Int)] = [(5, 7, 11, 4), (4, 3, 8, 6), (6, 6, 3, 2), (3, 5, 3, 5), (1, 4, 3, 9)]

    func testNearestForwardAndGradient() {
        for (k, s) in sizes.enumerated() {
            let x = randomTensor([2, 3, s.h, s.w], seed: UInt64(k))
            let y = x.upsampleNearest(size: (s.oh, s.ow))
            // Exact integer floor(d * in / out); these sizes never sit on a Float rounding edge.
            let xs = x.scalars
            var ref: [Float] = []
            for p in 0..<6 { for i in 0..<s.oh { for j in 0..<s.ow {
                ref.append(xs[p * s.h * s.w + (i * s.h / s.oh) * s.w + j * s.w / s.ow])
            } } }
            assertClose(y, Tensor(shape: [2, 3, s.oh, s.ow], data: ref), rtol: 0, atol: 0, "case \(k)")
            gradCheck([randomTensor([1, 2, s.h, s.w], seed: UInt64(k + 10))]) { t in t[0].upsampleNearest(size: (s.oh, s.ow)) }
        }
    }

    /// Textbook bilinear interpolation in Double: sample point per axis, clamp, blend the 4 neighbours.
    func naiveBilinear(_ x: Tensor, _ oh: Int, _ ow: Int, alignCorners: Bool) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        func coord(_ d: Int, _ inSize: Int, _ outSize: Int) -> (Int, Int, Double) {
            var src: Double
            if alignCorners {
                src = outSize > 1 ? Double(d) * Double(inSize - 1) / Double(outSize - 1) : 0
            } else {
                src = max(0, (Double(d) + 0.5) * Double(inSize) / Double(outSize) - 0.5)
            }
            let i0 = min(Int(src.rounded(.down)), inSize - 1)
            return (i0, min(i0 + 1, inSize - 1), src - Double(i0))
        }
        let xs = x.scalars.map(Double.init)
        var out: [Float] = []
        for p in 0..<(n * c) { for i in 0..<oh { for j in 0..<ow {
            let (y0, y1, fy) = coord(i, h, oh), (x0, x1, fx) = coord(j, w, ow)
            func at(_ y: Int, _ xx: Int) -> Double { xs[p * h * w + y * w + xx] }
            let v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1))
            out.append(Float(v))
        } } }
        return Tensor(shape: [n, c, oh, ow], data: out)
    }

    func testBilinearForwardAndGradient() {
        for align in [false, true] {
            for (k, s) in (sizes + [(4, 4, 1, 1)]).enumerated() {
                let x = randomTensor([2, 3, s.h, s.w], seed: UInt64(k + 20))
                let y = x.upsampleBilinear(size: (s.oh, s.ow), alignCorners: align)
                assertClose(y, naiveBilinear(x, s.oh, s.ow, alignCorners: align), rtol: 1e-5, atol: 1e-5,
                            "case \(k) align \(align)")
                gradCheck([randomTensor([1, 2, s.h, s.w], seed: UInt64(k + 30))]) { t in
                    t[0].upsampleBilinear(size: (s.oh, s.ow), alignCorners: align)
                }
            }
        }
    }

    /// Known values: 2x upsampling of [0, 1] along width.
    func testBilinearKnownValues() {
        let x = Tensor(shape: [1, 1, 1, 2], data: [0, 1])
        XCTAssertEqual(x.upsampleBilinear(size: (1, 4), alignCorners: false).scalars, [0, 0.25, 0.75, 1])
        assertClose(x.upsampleBilinear(size: (1, 4), alignCorners: true).scalars, [0, 1.0 / 3, 2.0 / 3, 1])
        XCTAssertEqual(x.upsampleNearest(size: (2, 4)).scalars, [0, 0, 1, 1, 0, 0, 1, 1])
    }

    /// Identity sizes reproduce the input exactly (both modes, both corner conventions).
    func testSameSizeIsIdentity() {
        let x = randomTensor([1, 2, 5, 6], seed: 40)
        XCTAssertEqual(x.upsampleNearest(size: (5, 6)).scalars, x.scalars)
        XCTAssertEqual(x.upsampleBilinear(size: (5, 6), alignCorners: false).scalars, x.scalars)
        XCTAssertEqual(x.upsampleBilinear(size: (5, 6), alignCorners: true).scalars, x.scalars)
    }
}
