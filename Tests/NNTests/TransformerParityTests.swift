import XCTest
@testable import NN
@testable import Tensor

/// Two pre-LN blocks and a cross-attention layer against PyTorch (Scripts/make_nn_fixtures.py).
final class TransformerParityTests: XCTestCase {
    private func makeStack(_ f: [String: Tensor]) throws -> Sequential {
        var rng = SeededRandom(seed: 1)
        let stack = Sequential([TransformerBlock(width: 32, heads: 4, rng: &rng), TransformerBlock(width: 32, heads: 4, rng: &rng)])
        // torch keys are "blocks.0.ln_1.weight"; ours "0.ln_1.weight"
        try stack.load(stateDict: f.withPrefixRemoved("param.").withPrefixRemoved("blocks."))
        return stack
    }

    func testStateDictKeysMatchPyTorch() throws {
        let f = try Safetensors.read(try fixtureURL("transformer", "safetensors"))
        let stack = try makeStack(f)
        let torchKeys = Set(f.keys.filter { $0.hasPrefix("param.blocks.") }.map { String($0.dropFirst("param.blocks.".count)) })
        XCTAssertEqual(Set(stack.stateDict().keys), torchKeys)
    }

    func testForwardAndGradientsMatchPyTorch() throws {
        let f = try Safetensors.read(try fixtureURL("transformer", "safetensors"))
        let stack = try makeStack(f)
        let x = f["x"]!.detached().requiringGrad(), w = f["w"]!
        let y = stack(x)
        assertClose(y, f["out"]!, rtol: 1e-5, atol: 1e-5, "forward")
        (y * w).sum().backward()
        assertClose(x.grad!, f["grad.x"]!, rtol: 1e-4, atol: 1e-5, "grad x")
        for (key, p) in stack.namedParameters() {
            let g = try XCTUnwrap(p.grad, "no gradient for \(key)")
            assertClose(g, f["grad.blocks.\(key)"]!, rtol: 1e-4, atol: 1e-5, "grad \(key)")
        }
    }

    func testCausalMaskMatchesPyTorch() throws {
        let f = try Safetensors.read(try fixtureURL("transformer", "safetensors"))
        let stack = try makeStack(f)
        let x = f["x"]!.detached().requiringGrad()
        var y = x
        for case let block as TransformerBlock in stack.layers { y = block(y, causal: true) }
        assertClose(y, f["out_causal"]!, rtol: 1e-5, atol: 1e-5, "causal forward")
        (y * f["w"]!).sum().backward()
        assertClose(x.grad!, f["grad_causal.x"]!, rtol: 1e-4, atol: 1e-5, "causal grad x")
        // an explicit additive mask gives the same result
        var m = [Float](repeating: 0, count: 49)
        for i in 0..<7 { for j in (i + 1)..<7 where j < 7 { m[i * 7 + j] = -.infinity } }
        var z = f["x"]!
        for case let block as TransformerBlock in stack.layers { z = block(z, mask: Tensor(shape: [7, 7], data: m)) }
        assertClose(z, f["out_causal"]!, rtol: 1e-5, atol: 1e-5, "mask forward")
    }

    func testCrossAttentionSequenceFirstWithPaddingMask() throws {
        let f = try Safetensors.read(try fixtureURL("transformer", "safetensors"))
        var rng = SeededRandom(seed: 2)
        let mha = MultiheadAttention(embedDim: 16, numHeads: 2, rng: &rng)
        try mha.load(stateDict: f.withPrefixRemoved("mha.param."))
        let q = f["mha.q"]!.detached().requiringGrad(), k = f["mha.k"]!.detached().requiringGrad()
        let v = f["mha.v"]!.detached().requiringGrad()
        let y = mha(query: q, key: k, value: v, keyPaddingMask: f["mha.pad"]!)
        assertClose(y, f["mha.out"]!, rtol: 1e-5, atol: 1e-5, "forward")
        (y * f["mha.w"]!).sum().backward()
        assertClose(q.grad!, f["mha.grad.q"]!, rtol: 1e-4, atol: 1e-5, "grad q")
        assertClose(k.grad!, f["mha.grad.k"]!, rtol: 1e-4, atol: 1e-5, "grad k")
        assertClose(v.grad!, f["mha.grad.v"]!, rtol: 1e-4, atol: 1e-5, "grad v")
        assertClose(mha.inProjWeight.grad!, f["mha.grad.in_proj_weight"]!, rtol: 1e-4, atol: 1e-5, "grad in_proj_weight")
    }
}
