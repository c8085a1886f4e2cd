import XCTest
@testable import NN
@testable import Tensor

/// Conv2d-ReLU-Conv2d-mean-Linear trained for two AdamW / SGD-momentum steps against PyTorch.
private final class ConvNet: Module {
    let conv1: Conv2d
    let conv2: Conv2d
    let fc: Linear

    init(rng: inout SeededRandom) {
        conv1 = Conv2d(3, 8, kernelSize: 3, padding: 1, rng: &rng)
        conv2 = Conv2d(8, 8, kernelSize: 3, stride: 2, rng: &rng)
        fc = Linear(8, 4, rng: &rng)
        super.init()
    }

    override func forward(_ x: Tensor) -> Tensor {
        fc(conv2(conv1(x).relu()).mean(axes: [2, 3]))
    }
}

final class ConvNetParityTests: XCTestCase {
    private func load() throws -> ([String: Tensor], ConvNet) {
        let f = try Safetensors.read(try fixtureURL("convnet", "safetensors"))
        var rng = SeededRandom(seed: 3)
        let net = ConvNet(rng: &rng)
        try net.load(stateDict: f.withPrefixRemoved("param."))
        return (f, net)
    }

    func testConv2dInitAndKeys() {
        var rng = SeededRandom(seed: 1)
        let conv = Conv2d(4, 6, kernelSize: (3, 2), groups: 2, rng: &rng)
        XCTAssertEqual(conv.weight.shape, [6, 2, 3, 2])
        let bound = 1 / Float(2 * 3 * 2).squareRoot()
        XCTAssertTrue(conv.weight.scalars.allSatisfy { abs($0) <= bound })
        XCTAssertEqual(conv.namedParameters().map(\.0), ["weight", "bias"])
        XCTAssertEqual(conv(randomTensor([1, 4, 5, 5], seed: 2)).shape, [1, 6, 3, 4])
    }

    func testForwardMatchesPyTorch() throws {
        let (f, net) = try load()
        assertClose(noGrad { net(f["x"]!) }, f["logits"]!, rtol: 1e-5, atol: 1e-6)
    }

    private func train(_ name: String, _ makeOptimizer: (ConvNet) -> Optimizer) throws {
        let (f, net) = try load()
        let x = f["x"]!, targets = f["targets"]!.scalars.map { Int($0) }
        let opt = makeOptimizer(net)
        for step in 1...2 {
            opt.zeroGrad()
            let loss = crossEntropy(net(x), targets)
            loss.backward()
            if step == 1 {
                XCTAssertEqual(loss.item, f["\(name).loss1"]!.item, accuracy: 1e-5 * abs(loss.item))
                for (k, p) in net.namedParameters() {
                    assertClose(p.grad!, f["\(name).grad1.\(k)"]!, rtol: 1e-4, atol: 1e-6, "\(name) grad \(k)")
                }
            }
            opt.step()
            for (k, p) in net.namedParameters() {
                assertClose(p, f["\(name).step\(step).\(k)"]!, rtol: 1e-5, atol: 1e-5, "\(name) step \(step) \(k)")
            }
        }
    }

    func testAdamWStepsMatchPyTorch() throws {
        try train("adamw") { AdamW(namedParameters: $0.namedTrainableParameters(), learningRate: 0.01) }
    }

    func testSGDMomentumStepsMatchPyTorch() throws {
        try train("sgd") {
            SGD(namedParameters: $0.namedTrainableParameters(), learningRate: 0.1, momentum: 0.9, weightDecay: 1e-3)
        }
    }
}
