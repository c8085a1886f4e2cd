import Foundation
import XCTest
@testable import Tensor

/// softmax, logSoftmax, layerNorm, l2Normalized and cosineSimilarity against double-precision loops.
final class NormalizationTests: XCTestCase {
    /// Applies `f` to each row of a [rows, n] array in double precision.
    func rowwise(_ v: [Float], n: Int, _ f: ([Double]) -> [Double]) -> [Float] {
        stride(from: 0, to: v.count, by: n).flatMap { f(v[$0..<($0 + n)].map(Double.init)).map(Float.init) }
    }

    func softmaxRef(_ r: [Double]) -> [Double] {
        let m = r.max()!
        let e = r.map { Foundation.exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    func testSoftmaxAndLogSoftmaxRows() {
        for n in [1, 7, 13, 197] {
            let x = randomTensor([5, n], seed: UInt64(n), lo: -8, hi: 8)
            assertClose(x.softmax().scalars, rowwise(x.scalars, n: n, softmaxRef), rtol: 1e-5, atol: 1e-7)
            assertClose(x.logSoftmax().scalars, rowwise(x.scalars, n: n) { softmaxRef($0).map { Foundation.log($0) } },
                        rtol: 1e-5, atol: 1e-5)
        }
        // Stable for huge logits, and -inf entries get probability 0.
        let big = Tensor(shape: [1, 3], data: [1000, 1001, -.infinity])
        assertClose(big.softmax().scalars, [Float(1 / (1 + M_E)), Float(M_E / (1 + M_E)), 0], rtol: 1e-6)
        assertClose(big.logSoftmax().scalars.prefix(2).map { $0 }, [Float(-Foundation.log(1 + M_E)), Float(1 - Foundation.log(1 + M_E))], rtol: 1e-6)
    }

    func testSoftmaxAlongLeadingAxisMatchesTransposedRows() {
        let x = randomTensor([4, 3, 6], seed: 3)
        let s = x.softmax(axis: 1)
        XCTAssertEqual(s.shape, [4, 3, 6])
        let viaRows = x.transposed(1, 2).contiguous().softmax().transposed(1, 2)
        assertClose(s, viaRows)
        // Columns sum to one.
        assertClose(s.sum(axis: 1).scalars, [Float](repeating: 1, count: 24), rtol: 1e-6)
        assertClose(x.logSoftmax(axis: 0).exp().sum(axis: 0).scalars, [Float](repeating: 1, count: 18), rtol: 1e-5)
    }

    func testSoftmaxGradients() {
        gradCheck([randomTensor([3, 11], seed: 1, lo: -2, hi: 2)]) { $0[0].softmax() }
        gradCheck([randomTensor([3, 11], seed: 2, lo: -2, hi: 2)]) { $0[0].logSoftmax() }
        gradCheck([randomTensor([2, 4, 3], seed: 3, lo: -2, hi: 2)]) { $0[0].softmax(axis: 1) }
        gradCheck([randomTensor([2, 4, 3], seed: 4, lo: -2, hi: 2)]) { $0[0].logSoftmax(axis: 0) }
    }

    func layerNormRef(_ r: [Double], _ w: [Float]?, _ b: [Float]?, eps: Double) -> [Double] {
        let mu = r.reduce(0, +) / Double(r.count)
        let v = r.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(r.count)
        return r.enumerated().map { j, x in
            (x - mu) / (v + eps).squareRoot() * Double(w?[j] ?? 1) + Double(b?[j] ?? 0)
        }
    }

    func testLayerNormForward() {
        for n in [5, 16, 37, 768] {
            let x = randomTensor([3, 2, n], seed: UInt64(n), lo: -3, hi: 3)
            let w = randomTensor([n], seed: 100, lo: 0.5, hi: 1.5), b = randomTensor([n], seed: 101)
            let wv = w.scalars, bv = b.scalars
            assertClose(x.layerNorm(weight: w, bias: b).scalars, rowwise(x.scalars, n: n) { self.layerNormRef($0, wv, bv, eps: 1e-5) },
                        rtol: 1e-5, atol: 1e-5, "n \(n)")
            assertClose(x.layerNorm(weight: nil, bias: nil, eps: 0.1).scalars,
                        rowwise(x.scalars, n: n) { self.layerNormRef($0, nil, nil, eps: 0.1) }, rtol: 1e-5, atol: 1e-5)
            assertClose(x.layerNorm(weight: w, bias: nil).scalars, rowwise(x.scalars, n: n) { self.layerNormRef($0, wv, nil, eps: 1e-5) },
                        rtol: 1e-5, atol: 1e-5)
        }
        // A large common offset costs no precision.
        let off = randomTensor([2, 768], seed: 9) + 1000
        assertClose(off.layerNorm(weight: nil, bias: nil).scalars,
                    rowwise(off.scalars, n: 768) { self.layerNormRef($0, nil, nil, eps: 1e-5) }, rtol: 1e-4, atol: 2e-4)
        // Non-contiguous input.
        let t = randomTensor([6, 4], seed: 10).transposed()
        assertClose(t.layerNorm(weight: nil, bias: nil), t.contiguousCopy().layerNorm(weight: nil, bias: nil))
    }

    func testLayerNormGradients() {
        gradCheck([randomTensor([4, 13], seed: 1, lo: -2, hi: 2), randomTensor([13], seed: 2, lo: 0.5, hi: 1.5),
                   randomTensor([13], seed: 3)]) { $0[0].layerNorm(weight: $0[1], bias: $0[2]) }
        gradCheck([randomTensor([2, 3, 24], seed: 4, lo: -2, hi: 2)]) { $0[0].layerNorm(weight: nil, bias: nil) }
        gradCheck([randomTensor([5, 9], seed: 5, lo: -2, hi: 2), randomTensor([9], seed: 6)]) { $0[0].layerNorm(weight: $0[1], bias: nil) }
    }

    func testL2Normalized() {
        let x = Tensor(shape: [3, 2], data: [3, 4, 0, 0, 1e-14, 0])
        // torch F.normalize: zero rows stay zero; tiny rows are divided by eps.
        assertClose(x.l2Normalized().scalars, [0.6, 0.8, 0, 0, 0.01, 0], rtol: 1e-6)
        let y = randomTensor([4, 5, 19], seed: 7)
        for axis in [0, 1, 2] {
            let n = y.square().sum(axis: axis, keepDim: true).sqrt()
            assertClose(y.l2Normalized(axis: axis), y / n, rtol: 1e-5, atol: 1e-6)
        }
        gradCheck([randomTensor([3, 10], seed: 8)]) { $0[0].l2Normalized() }
        gradCheck([randomTensor([3, 4, 2], seed: 9)]) { $0[0].l2Normalized(axis: 1) }
        // Clamped rows are linear: x / eps.
        gradCheck([randomTensor([2, 3], seed: 10)]) { $0[0].l2Normalized(eps: 10) }
    }

    func testCosineSimilarity() {
        let a = randomTensor([4, 1, 8], seed: 11), b = randomTensor([1, 5, 8], seed: 12)
        let c = a.cosineSimilarity(b)
        XCTAssertEqual(c.shape, [4, 5])
        let av = a.scalars, bv = b.scalars
        var ref = [Float]()
        for i in 0..<4 {
            for j in 0..<5 {
                let u = av[(i * 8)..<(i * 8 + 8)].map(Double.init), v = bv[(j * 8)..<(j * 8 + 8)].map(Double.init)
                let dot = zip(u, v).map(*).reduce(0, +)
                let nu = u.map { $0 * $0 }.reduce(0, +).squareRoot(), nv = v.map { $0 * $0 }.reduce(0, +).squareRoot()
                ref.append(Float(dot / (nu * nv)))
            }
        }
        assertClose(c.scalars, ref, rtol: 1e-5, atol: 1e-6)
        // Along a leading axis, rank-broadcast operand.
        let p = randomTensor([6, 3], seed: 13), q = randomTensor([6, 1], seed: 14)
        let pq = p.cosineSimilarity(q, axis: 0)
        XCTAssertEqual(pq.shape, [3])
        assertClose(pq, (p * q).sum(axis: 0) / (p.square().sum(axis: 0).sqrt() * q.square().sum().sqrt()), rtol: 1e-5, atol: 1e-6)
        // eps clamps each norm separately (torch: 1e-10 / (1e-3 * 1e-3) = 1e-4).
        let tiny = Tensor(shape: [2], data: [1e-5, 0])
        XCTAssertEqual(tiny.cosineSimilarity(tiny, eps: 1e-3).item, 1e-4, accuracy: 1e-9)
        gradCheck([randomTensor([3, 1, 6], seed: 15), randomTensor([2, 6], seed: 16)]) { $0[0].cosineSimilarity($0[1]) }
        gradCheck([randomTensor([4, 3], seed: 17), randomTensor([4, 1], seed: 18)]) { $0[0].cosineSimilarity($0[1], axis: 0) }
    }

    func testLargeInputsTakeParallelPathsAndAgree() {
        // Enough rows to split across threads; check rows spread over the tensor against double references.
        let x = randomTensor([400, 197], seed: 21, lo: -6, hi: 6)
        let sm = x.softmax().scalars, xv = x.scalars
        for r in stride(from: 0, to: 400, by: 37) {
            let ref = softmaxRef(xv[(r * 197)..<(r * 197 + 197)].map(Double.init)).map(Float.init)
            assertClose(Array(sm[(r * 197)..<(r * 197 + 197)]), ref, rtol: 1e-5, atol: 1e-7, "row \(r)")
        }
        // Layer norm weight/bias gradients are column sums over all rows.
        let l = randomTensor([300, 96], seed: 22).requiringGrad()
        let w = randomTensor([96], seed: 23).requiringGrad(), b = randomTensor([96], seed: 24).requiringGrad()
        let g = randomTensor([300, 96], seed: 25)
        l.layerNorm(weight: w, bias: b).backward(g)
        let lv = l.scalars.map(Double.init), gv = g.scalars.map(Double.init)
        var dw = [Double](repeating: 0, count: 96), db = [Double](repeating: 0, count: 96)
        for r in 0..<300 {
            let row = Array(lv[(r * 96)..<(r * 96 + 96)])
            let xhat = layerNormRef(row, nil, nil, eps: 1e-5)
            for j in 0..<96 { dw[j] += gv[r * 96 + j] * xhat[j]; db[j] += gv[r * 96 + j] }
        }
        assertClose(w.grad!.scalars, dw.map(Float.init), rtol: 1e-4, atol: 1e-4)
        assertClose(b.grad!.scalars, db.map(Float.init), rtol: 1e-4, atol: 1e-4)
    }
}
