import Foundation
import XCTest
@testable import Tensor

final class AttentionTests: XCTestCase {
    /// Naive double-precision attention over [B, Lq, D] x [B, Lk, D] x [B, Lk, Dv] with an optional
    /// additive [Lq, Lk] mask (shared across the batch).
    func naive(_ q: Tensor, _ k: Tensor, _ v: Tensor, mask: [Float]?, causal: Bool, scale: Double) -> [Float] {
        let qv = q.scalars, kv = k.scalars, vv = v.scalars
        let lq = q.size(-2), lk = k.size(-2), d = q.size(-1), dv = v.size(-1)
        let b = q.count / (lq * d)
        var out: [Float] = []
        for bi in 0..<b {
            for i in 0..<lq {
                var s = [Double](repeating: 0, count: lk)
                for j in 0..<lk {
                    var dot = 0.0
                    for c in 0..<d { dot += Double(qv[(bi * lq + i) * d + c]) * Double(kv[(bi * lk + j) * d + c]) }
                    s[j] = dot * scale + Double(mask?[i * lk + j] ?? 0)
                    if causal && j > i { s[j] = -.infinity }
                }
                let m = s.max()!
                let e = s.map { Foundation.exp($0 - m) }
                let z = e.reduce(0, +)
                for c in 0..<dv {
                    var acc = 0.0
                    for j in 0..<lk { acc += e[j] / z * Double(vv[(bi * lk + j) * dv + c]) }
                    out.append(Float(acc))
                }
            }
        }
        return out
    }

    func testMatchesNaiveAttention() {
        let q = randomTensor([2, 3, 5, 4], seed: 1), k = randomTensor([2, 3, 6, 4], seed: 2), v = randomTensor([2, 3, 6, 3], seed: 3)
        let out = Tensor.scaledDotProductAttention(query: q, key: k, value: v)
        XCTAssertEqual(out.shape, [2, 3, 5, 3])
        assertClose(out.scalars, naive(q, k, v, mask: nil, causal: false, scale: 0.5), rtol: 1e-5, atol: 1e-6)

        let mask = randomTensor([5, 6], seed: 4, lo: -3, hi: 0)
        let masked = Tensor.scaledDotProductAttention(query: q, key: k, value: v, mask: mask, scale: 0.3)
        assertClose(masked.scalars, naive(q, k, v, mask: mask.scalars, causal: false, scale: 0.3), rtol: 1e-5, atol: 1e-6)

        let causal = Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: true)
        assertClose(causal.scalars, naive(q, k, v, mask: nil, causal: true, scale: 0.5), rtol: 1e-5, atol: 1e-6)
        // Causal: the first query sees only the first key.
        XCTAssertEqual(causal.selecting(axis: 2, index: 0).scalars, v.selecting(axis: 2, index: 0).scalars)
    }

    func testBlockingMaskWithInfinity() {
        let q = randomTensor([1, 2, 4], seed: 5), k = randomTensor([1, 3, 4], seed: 6), v = randomTensor([1, 3, 2], seed: 7)
        let block = Tensor(shape: [1, 1, 3], data: [0, -.infinity, 0])
        let out = Tensor.scaledDotProductAttention(query: q, key: k, value: v, mask: block)
        let kept = Tensor.scaledDotProductAttention(query: q, key: k.indexSelect(axis: 1, indices: [0, 2]),
                                                    value: v.indexSelect(axis: 1, indices: [0, 2]))
        assertClose(out, kept, rtol: 1e-5, atol: 1e-6)
    }

    func testGradientsReachQueryKeyValue() {
        let inputs = [randomTensor([2, 3, 4], seed: 8), randomTensor([2, 5, 4], seed: 9), randomTensor([2, 5, 3], seed: 10)]
        gradCheck(inputs) { Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2]) }
        let mask = randomTensor([3, 5], seed: 11, lo: -2, hi: 0)
        gradCheck(inputs) { Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: mask, causal: true) }
    }
}
