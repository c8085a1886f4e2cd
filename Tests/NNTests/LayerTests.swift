import XCTest
@testable import NN
@testable import Tensor

final class LayerTests: XCTestCase {
    func testLayerNormMatchesDefinitionAndHandlesTrailingShapes() {
        let ln = LayerNorm(4)
        noGrad {
            for (i, v) in [0.5, 1, 2, -1].enumerated() { ln.weight!.pointer[i] = Float(v) }
            for (i, v) in [0, 0.1, -0.2, 0.3].enumerated() { ln.bias!.pointer[i] = Float(v) }
        }
        let x = randomTensor([3, 4], seed: 1)
        let xs = x.scalars
        var ref: [Float] = []
        for r in 0..<3 {
            let row = Array(xs[(r * 4)..<(r * 4 + 4)])
            let mean = row.reduce(0, +) / 4
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4
            for j in 0..<4 { ref.append((row[j] - mean) / (variance + 1e-5).squareRoot() * ln.weight!.scalars[j] + ln.bias!.scalars[j]) }
        }
        assertClose(ln(x).scalars, ref, rtol: 1e-5, atol: 1e-5)
        XCTAssertEqual(ln.namedParameters().map(\.0), ["weight", "bias"])

        // normalising over [2, 3] equals normalising the flattened 6 values
        let ln2 = LayerNorm([2, 3], eps: 1e-6)
        let y = randomTensor([5, 2, 3], seed: 2)
        let flat = LayerNorm(6, eps: 1e-6)
        assertClose(ln2(y).reshaped([5, 6]), flat(y.reshaped([5, 6])))
        XCTAssertEqual(ln2.weight!.shape, [2, 3])
        gradCheck([randomTensor([2, 2, 3], seed: 3)]) { ln2($0[0]) }
        XCTAssertTrue(LayerNorm(3, elementwiseAffine: false).namedParameters().isEmpty)
    }

    func testEmbeddingLooksUpRowsAndScattersGradients() {
        var rng = SeededRandom(seed: 4)
        let emb = Embedding(5, 3, rng: &rng)
        let ids = [4, 0, 4, 2]
        let y = emb(ids: ids, shape: [2, 2])
        XCTAssertEqual(y.shape, [2, 2, 3])
        let w = emb.weight.scalars
        XCTAssertEqual(y.scalars, ids.flatMap { Array(w[($0 * 3)..<($0 * 3 + 3)]) })
        y.sum().backward()
        XCTAssertEqual(emb.weight.grad!.scalars, [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2])
    }

    func testDropoutFollowsTrainingMode() {
        let d = Dropout(p: 0.5, seed: 3)
        let x = Tensor.ones([1000])
        let y = d(x).scalars
        XCTAssertTrue(y.allSatisfy { $0 == 0 || $0 == 2 })
        let kept = y.filter { $0 == 2 }.count
        XCTAssertTrue(kept > 400 && kept < 600, "kept \(kept)")
        d.eval()
        XCTAssertEqual(d(x).scalars, x.scalars)
        let seq = Sequential(Linear(2, 2, seed: 1), Dropout(p: 0.9))
        seq.eval()
        XCTAssertFalse(seq.layers[1].isTraining)
    }

    func testActivationsAndMLP() {
        let x = Tensor(shape: [4], data: [-2, -0.5, 0.5, 2])
        XCTAssertEqual(Activation.relu(x).scalars, [0, 0, 0.5, 2])
        XCTAssertEqual(Activation.identity(x).scalars, x.scalars)
        assertClose(Activation.sigmoid(x).scalars, x.scalars.map { (v: Float) -> Float in 1 / (1 + exp(-v)) })
        assertClose(Activation.quickGELU(x).scalars, x.scalars.map { (v: Float) -> Float in v / (1 + exp(-1.702 * v)) })
        let root2 = Float(2).squareRoot()
        let geluRef: [Float] = x.scalars.map { (v: Float) -> Float in 0.5 * v * (1 + erf(v / root2)) }
        assertClose(Activation.gelu(x).scalars, geluRef)

        var rng = SeededRandom(seed: 5)
        let mlp = MLP(6, hiddenFeatures: 10, outFeatures: 3, activation: .relu, rng: &rng)
        XCTAssertEqual(mlp.namedParameters().map(\.0), ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        let input = randomTensor([2, 6], seed: 6)
        assertClose(mlp(input), mlp.fc2(mlp.fc1(input).relu()))
        let clip = MLP(4, hiddenFeatures: 8, names: ("c_fc", "c_proj"), rng: &rng)
        XCTAssertEqual(clip.namedParameters().map(\.0), ["c_fc.weight", "c_fc.bias", "c_proj.weight", "c_proj.bias"])
    }

    func testMultiheadAttentionLayoutsAndKeys() {
        var rng = SeededRandom(seed: 7)
        let seqFirst = MultiheadAttention(embedDim: 8, numHeads: 2, rng: &rng)
        XCTAssertEqual(seqFirst.namedParameters().map(\.0),
                       ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        XCTAssertEqual(seqFirst.outProj.bias!.scalars, [Float](repeating: 0, count: 8))
        let batchFirst = MultiheadAttention(embedDim: 8, numHeads: 2, batchFirst: true, rng: &rng)
        try! batchFirst.load(stateDict: seqFirst.stateDict())
        let x = randomTensor([2, 5, 8], seed: 8)  // [N, L, E]
        let a = batchFirst(x)
        let b = seqFirst(x.transposed(0, 1)).transposed(0, 1)
        assertClose(a, b, rtol: 1e-5, atol: 1e-6)
        // the fused self-attention path equals the separate-projection path
        let separate = batchFirst(query: x, key: x.contiguousCopy(), value: x.contiguousCopy())
        assertClose(a, separate, rtol: 1e-5, atol: 1e-6)
        // a per-head mask [N*H, L, S] that blocks nothing changes nothing
        assertClose(batchFirst(x, mask: Tensor.zeros([4, 5, 5])), a, rtol: 1e-6, atol: 1e-7)
        // causal: the first position only attends to itself, so it ignores later tokens
        let changed = x.scalars.enumerated().map { $0.offset % 40 >= 8 ? $0.element + 1 : $0.element }
        let c1 = batchFirst(x, causal: true), c2 = batchFirst(Tensor(shape: x.shape, data: changed), causal: true)
        assertClose(c1.sliced(axis: 1, start: 0, end: 1), c2.sliced(axis: 1, start: 0, end: 1), rtol: 1e-5, atol: 1e-6)
    }

    func testTransformerBlockKeys() {
        var rng = SeededRandom(seed: 9)
        let block = TransformerBlock(width: 8, heads: 2, activation: .quickGELU, rng: &rng)
        XCTAssertEqual(block.namedParameters().map(\.0), [
            "ln_1.weight", "ln_1.bias", "attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight",
            "attn.out_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
            "mlp.c_proj.weight", "mlp.c_proj.bias",
        ])
        XCTAssertEqual(block.mlp.fc1.weight.shape, [32, 8])
        let x = randomTensor([1, 3, 8], seed: 10)
        XCTAssertEqual(block(x).shape, [1, 3, 8])
    }
}

final class CrossAttentionTests: XCTestCase {
    /// CrossAttention is MultiheadAttention (batch first) with the three input projections kept apart.
    func testMatchesMultiheadAttentionWithTheSameWeights() throws {
        var rng = SeededRandom(seed: 21)
        let cross = CrossAttention(width: 8, heads: 2, rng: &rng)
        let mha = MultiheadAttention(embedDim: 8, numHeads: 2, batchFirst: true, rng: &rng)
        let sd = cross.stateDict()
        XCTAssertEqual(Set(sd.keys), ["q_proj.weight", "q_proj.bias", "k_proj.weight", "k_proj.bias",
                                      "v_proj.weight", "v_proj.bias", "out_proj.weight", "out_proj.bias"])
        try mha.load(stateDict: [
            "in_proj_weight": Tensor.concat([sd["q_proj.weight"]!, sd["k_proj.weight"]!, sd["v_proj.weight"]!], axis: 0),
            "in_proj_bias": Tensor.concat([sd["q_proj.bias"]!, sd["k_proj.bias"]!, sd["v_proj.bias"]!], axis: 0),
            "out_proj.weight": sd["out_proj.weight"]!, "out_proj.bias": sd["out_proj.bias"]!,
        ])
        let query = randomTensor([2, 3, 8], seed: 1), context = randomTensor([2, 5, 8], seed: 2)
        assertClose(cross(query, context), mha(query: query, key: context, value: context), rtol: 1e-4, atol: 1e-5)
        // Batch dims broadcast: one query set over a batch of contexts.
        let one = query.sliced(axis: 0, start: 0, end: 1)
        let broadcast = cross(one, context)
        XCTAssertEqual(broadcast.shape, [2, 3, 8])
        assertClose(broadcast.sliced(axis: 0, start: 1, end: 2),
                    cross(one, context.sliced(axis: 0, start: 1, end: 2)), rtol: 1e-5, atol: 1e-6)
    }
}
