import XCTest
@testable import NN
@testable import Tensor

/// A module exercising every discovery rule.
private class Base: Module {
    let embed = Tensor.zeros([3, 2]).requiringGrad()
}

private final class Net: Base {
    let first = Linear(2, 4, seed: 1)
    let layers: [Linear] = [Linear(4, 4, seed: 2), Linear(4, 4, bias: false, seed: 3)]
    let scale = Tensor(1.0).requiringGrad()
    let positions = Tensor.arange(3)
    let absentHead: Linear? = nil
    let presentHead: Linear? = Linear(4, 1, seed: 4)
    let hidden = 5
    let activation: (Tensor) -> Tensor = { $0 }

    override var keyMap: [String: String] { ["scale": "logit_scale", "first": "proj_in"] }
    override var bufferNames: Set<String> { ["positions"] }
}

final class ModuleTests: XCTestCase {
    func testDiscoveryKeysOrderAndRenaming() {
        let net = Net()
        XCTAssertEqual(net.namedParameters().map(\.0), [
            "embed", "proj_in.weight", "proj_in.bias", "layers.0.weight", "layers.0.bias", "layers.1.weight",
            "logit_scale", "presentHead.weight", "presentHead.bias",
        ])
        XCTAssertTrue(net.namedParameters()[1].1 === net.first.weight)
        XCTAssertEqual(net.namedBuffers().map(\.0), ["positions"])
        XCTAssertEqual(Set(net.stateDict().keys), Set(net.namedParameters().map(\.0) + ["positions"]))
        XCTAssertEqual(net.parameterCount, 6 + 12 + 20 + 16 + 1 + 5)
        XCTAssertEqual(net.namedModules().map(\.0), ["", "proj_in", "layers.0", "layers.1", "presentHead"])
    }

    func testSequentialUsesTorchIndices() {
        let seq = Sequential(Linear(3, 5, seed: 1), Lambda("relu") { $0 * 2 }, Linear(5, 2, seed: 2))
        XCTAssertEqual(seq.namedParameters().map(\.0), ["0.weight", "0.bias", "2.weight", "2.bias"])
        let x = randomTensor([4, 3], seed: 9)
        let expected = seq.layers[2](seq.layers[0](x) * 2)
        assertClose(seq(x), expected)
    }

    func testSharedTensorListedOnce() {
        final class Tied: Module {
            let a: Linear
            let b: Linear
            override init() { a = Linear(2, 2, seed: 1); b = a; super.init() }
        }
        let m = Tied()
        XCTAssertEqual(m.namedParameters().map(\.0), ["a.weight", "a.bias"])
        XCTAssertEqual(Set(m.stateDict().keys), ["a.weight", "a.bias", "b.weight", "b.bias"])
    }

    func testLoadWritesIntoExistingStorage() throws {
        let net = Net()
        let heldWeight = net.first.weight
        var dict: [String: Tensor] = [:]
        for (k, t) in net.stateDict() { dict[k] = randomTensor(t.shape, seed: UInt64(k.count)) }
        // a transposed (non-contiguous) source must be copied element-wise correctly
        let w = randomTensor([2, 4], seed: 77)
        dict["proj_in.weight"] = w.transposed()
        let report = try net.load(stateDict: dict)
        XCTAssertEqual(report, StateDictLoadReport(missingKeys: [], unexpectedKeys: []))
        XCTAssertTrue(heldWeight === net.first.weight)
        XCTAssertEqual(heldWeight.scalars, w.transposed().scalars)
        XCTAssertEqual(net.layers[1].weight.scalars, dict["layers.1.weight"]!.scalars)
        XCTAssertEqual(net.positions.scalars, dict["positions"]!.scalars)
        XCTAssertEqual(net.scale.item, dict["logit_scale"]!.item)
    }

    func testStrictLoadErrors() {
        let net = Net()
        let before = net.first.weight.scalars
        var dict = net.stateDict().mapValues { Tensor.ones($0.shape) }
        dict.removeValue(forKey: "layers.1.weight")
        XCTAssertThrowsError(try net.load(stateDict: dict)) { error in
            XCTAssertEqual(error as? StrictLoadError, .missingKey(file: StrictLoadError.inMemory, key: "layers.1.weight", expected: [4, 4]))
            XCTAssertTrue("\(error)".contains("layers.1.weight"))
        }
        XCTAssertEqual(net.first.weight.scalars, before, "a failed load must not modify the module")

        dict["layers.1.weight"] = Tensor.ones([4, 4])
        dict["extra.bias"] = Tensor.ones([7])
        XCTAssertThrowsError(try net.load(stateDict: dict)) { error in
            XCTAssertEqual(error as? StrictLoadError, .unexpectedKey(file: StrictLoadError.inMemory, key: "extra.bias", found: [7]))
        }
        dict.removeValue(forKey: "extra.bias")
        dict["proj_in.bias"] = Tensor.ones([5])
        XCTAssertThrowsError(try net.load(stateDict: dict)) { error in
            XCTAssertEqual(error as? StrictLoadError, .shapeMismatch(file: StrictLoadError.inMemory, key: "proj_in.bias", expected: [4], found: [5]))
            XCTAssertTrue("\(error)".contains("[4]") && "\(error)".contains("[5]"))
        }
        XCTAssertEqual(net.first.weight.scalars, before)
    }

    func testNonStrictLoadReportsSkippedKeys() throws {
        let net = Net()
        let dict: [String: Tensor] = ["proj_in.bias": Tensor(shape: [4], data: [1, 2, 3, 4]), "junk": Tensor(0)]
        let report = try net.load(stateDict: dict, strict: false)
        XCTAssertEqual(report.unexpectedKeys, ["junk"])
        XCTAssertEqual(report.missingKeys.count, net.stateDict().count - 1)
        XCTAssertFalse(report.missingKeys.contains("proj_in.bias"))
        XCTAssertEqual(net.first.bias!.scalars, [1, 2, 3, 4])
    }

    func testPrefixHelpers() {
        let d: [String: Tensor] = ["visual.a": Tensor(1), "visual.b.c": Tensor(2), "text.a": Tensor(3)]
        XCTAssertEqual(Set(d.withPrefixRemoved("visual.").keys), ["a", "b.c"])
        XCTAssertEqual(Set(d.withPrefixAdded("m.").keys), ["m.visual.a", "m.visual.b.c", "m.text.a"])
    }

    func testFreezeTrainEvalZeroGrad() {
        let net = Net()
        XCTAssertEqual(net.trainableParameters().count, 9)
        net.layers[0].freeze()
        XCTAssertEqual(net.trainableParameters().count, 7)
        XCTAssertFalse(net.layers[0].weight.requiresGrad)
        net.freeze()
        XCTAssertEqual(net.trainableParameters().count, 0)
        net.unfreeze()
        XCTAssertEqual(net.trainableParameters().count, 9)
        XCTAssertFalse(net.positions.requiresGrad, "buffers are never trainable")

        XCTAssertTrue(net.layers[1].isTraining)
        net.eval()
        XCTAssertTrue(net.namedModules().allSatisfy { !$0.1.isTraining })
        net.train()
        XCTAssertTrue(net.namedModules().allSatisfy { $0.1.isTraining })

        let x = randomTensor([3, 2], seed: 1)
        net.layers[0](net.first(x)).sum().backward()
        XCTAssertNotNil(net.first.weight.grad)
        net.zeroGrad()
        XCTAssertTrue(net.parameters().allSatisfy { $0.grad == nil })
    }

    func testLinearForwardInitAndGradients() {
        var rng = SeededRandom(seed: 3)
        let layer = Linear(6, 3, rng: &rng)
        let bound = 1 / Float(6).squareRoot()
        XCTAssertTrue(layer.weight.scalars.allSatisfy { abs($0) <= bound })
        XCTAssertTrue(layer.bias!.scalars.allSatisfy { abs($0) <= bound })
        XCTAssertGreaterThan(layer.weight.scalars.map(abs).max()!, bound * 0.7, "weights should fill the init range")
        let x = randomTensor([2, 2, 6], seed: 4)
        let y = layer(x)
        XCTAssertEqual(y.shape, [2, 2, 3])
        let xs = x.scalars, w = layer.weight.scalars, b = layer.bias!.scalars
        var ref = [Float]()
        for r in 0..<4 { for o in 0..<3 {
            var s = b[o]
            for i in 0..<6 { s += xs[r * 6 + i] * w[o * 6 + i] }
            ref.append(s)
        } }
        assertClose(y.scalars, ref)
        gradCheck([x.clone().detached(), layer.weight, layer.bias!]) { t in t[0].matmul(t[1].transposed()) + t[2] }
        gradCheck([randomTensor([3, 6], seed: 5)]) { t in layer(t[0]) }
    }
}

final class ModuleCheckpointTests: XCTestCase {
    func testSaveAndLoadSafetensorsWithPrefix() throws {
        let dir = try temporaryDirectory(self)
        let a = Sequential(Linear(3, 2, seed: 1), Linear(2, 2, seed: 2))
        let url = dir.appendingPathComponent("a.safetensors")
        try a.save(safetensors: url)
        let b = Sequential(Linear(3, 2, seed: 5), Linear(2, 2, seed: 6))
        XCTAssertNotEqual(b.layers[0].parameters()[0].scalars, a.layers[0].parameters()[0].scalars)
        try b.load(safetensors: url)
        for (pa, pb) in zip(a.parameters(), b.parameters()) { XCTAssertEqual(pa.scalars, pb.scalars) }

        let wrapped = dir.appendingPathComponent("wrapped.safetensors")
        try Safetensors.write(a.stateDict().withPrefixAdded("visual.").merging(["text.x": Tensor(1)]) { $1 }, to: wrapped)
        let c = Sequential(Linear(3, 2, seed: 7), Linear(2, 2, seed: 8))
        try c.load(safetensors: wrapped, prefix: "visual.")
        for (pa, pc) in zip(a.parameters(), c.parameters()) { XCTAssertEqual(pa.scalars, pc.scalars) }
        XCTAssertThrowsError(try c.load(safetensors: wrapped)) { e in
            // A load from a file names the file, the first key and the shapes.
            guard case let .missingKey(file, key, expected)? = e as? StrictLoadError else { return XCTFail("\(e)") }
            XCTAssertEqual(file, wrapped.path)
            XCTAssertEqual(key, "0.weight")
            XCTAssertEqual(expected, [2, 3])
            XCTAssertTrue("\(e)".hasPrefix(wrapped.path + ": missing tensor '0.weight'"), "\(e)")
        }
    }
}
