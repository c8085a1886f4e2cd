import XCTest
@testable import Tensor

/// The fused attention kernels against the same math composed from plain ops.
final class FusedAttentionTests: XCTestCase {
    /// softmax(q k^T s [+ causal mask]) v from matmul, add and softmax.
    func composed(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool, scale: Float) -> Tensor {
        var scores = (q * scale).matmul(k.transposed())
        if causal {
            let lq = q.size(-2), lk = k.size(-2)
            var m = [Float](repeating: 0, count: lq * lk)
            for i in 0..<lq { for j in 0..<lk where j > i { m[i * lk + j] = -.infinity } }
            scores = scores + Tensor(shape: [lq, lk], data: m)
        }
        return scores.softmax(axis: -1).matmul(v)
    }

    /// Values and gradients (through `sum(f * w)`) of two functions of the same inputs.
    func compare(_ inputs: [Tensor], file: StaticString = #filePath, line: UInt = #line,
                 _ f: ([Tensor]) -> Tensor, _ g: ([Tensor]) -> Tensor) {
        func run(_ h: ([Tensor]) -> Tensor) -> (Tensor, [Tensor?]) {
            let xs = inputs.map { $0.detached().requiringGrad() }
            let y = h(xs)
            let w = randomTensor(y.shape, seed: 99)
            (y * w).sum().backward()
            return (y, xs.map(\.grad))
        }
        let (yf, gf) = run(f), (yg, gg) = run(g)
        assertClose(yf, yg, rtol: 1e-5, atol: 1e-6, "values", file: file, line: line)
        for (a, b) in zip(gf, gg) {
            guard let a, let b else { XCTFail("missing gradient", file: file, line: line); continue }
            assertClose(a, b, rtol: 1e-4, atol: 1e-5, "gradients", file: file, line: line)
        }
    }

    /// Without gradient recording the kernel keeps unnormalised exponentials and divides the output rows
    /// instead; it must give the values of the recording path (which stores normalised probabilities).
    func testInferencePathMatchesRecordingPath() {
        for causal in [false, true] {
            let qkv = randomTensor([2, 23, 3 * 3 * 8], seed: 21, lo: -3, hi: 3)
            let inference = Tensor.packedSelfAttention(qkv, heads: 3, causal: causal)
            let recording = Tensor.packedSelfAttention(qkv.detached().requiringGrad(), heads: 3, causal: causal)
            assertClose(inference, recording, rtol: 1e-5, atol: 1e-6, "packed, causal \(causal)")
            let q = randomTensor([3, 9, 8], seed: 22), k = randomTensor([3, 14, 8], seed: 23), v = randomTensor([3, 14, 5], seed: 24)
            let a = Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: causal)
            let b = Tensor.scaledDotProductAttention(query: q.detached().requiringGrad(), key: k, value: v, causal: causal)
            assertClose(a, b, rtol: 1e-5, atol: 1e-6, "separate q/k/v, causal \(causal)")
            assertClose(a, composed(q, k, v, causal: causal, scale: 1 / Float(8).squareRoot()), rtol: 1e-5, atol: 1e-6)
        }
    }

    func testPackedSelfAttentionMatchesComposedOps() {
        for causal in [false, true] {
            let qkv = randomTensor([2, 7, 3 * 3 * 4], seed: 1, lo: -2, hi: 2)
            compare([qkv]) { xs in
                Tensor.packedSelfAttention(xs[0], heads: 3, causal: causal)
            } _: { xs in
                let p = xs[0].reshaped([2, 7, 3, 3, 4]).permuted(2, 0, 3, 1, 4)
                return self.composed(p.selecting(axis: 0, index: 0), p.selecting(axis: 0, index: 1),
                                     p.selecting(axis: 0, index: 2), causal: causal, scale: 0.5)
                    .transposed(1, 2).reshaped([2, 7, 12])
            }
        }
    }

    func testFusedAttentionOnHeadViewsMatchesComposedOps() {
        // The views a transformer passes: heads of a packed projection, strided rows.
        let qkv = randomTensor([2, 5, 3, 2, 4], seed: 2, lo: -2, hi: 2)
        compare([qkv]) { xs in
            let p = xs[0].permuted(2, 0, 3, 1, 4)
            let a = Tensor.scaledDotProductAttention(query: p.selecting(axis: 0, index: 0), key: p.selecting(axis: 0, index: 1),
                                                     value: p.selecting(axis: 0, index: 2), causal: true)
            XCTAssertEqual(a.shape, [2, 2, 5, 4])
            XCTAssertTrue(a.transposed(1, 2).isContiguous, "heads are stored next to D")
            return a.transposed(1, 2).reshaped([2, 5, 8])
        } _: { xs in
            let p = xs[0].permuted(2, 0, 3, 1, 4)
            return self.composed(p.selecting(axis: 0, index: 0), p.selecting(axis: 0, index: 1),
                                 p.selecting(axis: 0, index: 2), causal: true, scale: 0.5)
                .transposed(1, 2).reshaped([2, 5, 8])
        }
    }

    func testFusedAttentionBroadcastsAndTransposedOperands() {
        // Keys and values shared across the batch; the query given as a transposed view.
        let q = randomTensor([3, 2, 4, 6], seed: 3), k = randomTensor([2, 5, 4], seed: 4), v = randomTensor([1, 2, 5, 3], seed: 5)
        compare([q, k, v]) { xs in
            Tensor.scaledDotProductAttention(query: xs[0].transposed(), key: xs[1], value: xs[2], scale: 0.7)
        } _: { xs in
            self.composed(xs[0].transposed(), xs[1], xs[2], causal: false, scale: 0.7)
        }
    }

    func testCausalWithMoreQueriesThanKeys() {
        let q = randomTensor([2, 6, 4], seed: 6), k = randomTensor([2, 3, 4], seed: 7), v = randomTensor([2, 3, 2], seed: 8)
        compare([q, k, v]) { xs in
            Tensor.scaledDotProductAttention(query: xs[0], key: xs[1], value: xs[2], causal: true)
        } _: { xs in
            self.composed(xs[0], xs[1], xs[2], causal: true, scale: 0.5)
        }
    }

    func testPackedGradientMatchesFiniteDifferences() {
        gradCheck([randomTensor([1, 4, 3 * 2 * 2], seed: 9)]) { Tensor.packedSelfAttention($0[0], heads: 2, causal: true) }
    }

    func testSingleMatrixUsesThreadedGemmPath() {
        // One matrix (fewer than the threads): the serial-over-matrices path with threaded GEMMs.
        let q = randomTensor([40, 8], seed: 10), k = randomTensor([50, 8], seed: 11), v = randomTensor([50, 40], seed: 12)
        compare([q, k, v]) { xs in
            Tensor.scaledDotProductAttention(query: xs[0], key: xs[1], value: xs[2], causal: true)
        } _: { xs in
            self.composed(xs[0], xs[1], xs[2], causal: true, scale: 1 / Float(8).squareRoot())
        }
    }
}
