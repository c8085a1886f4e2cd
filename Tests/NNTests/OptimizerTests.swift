import XCTest
@testable import NN
@testable import Tensor

final class OptimizerTests: XCTestCase {
    /// Replays the fixed gradients of optim.safetensors through `make` and compares every step with torch.optim.
    private func checkTrajectory(_ name: String, file: StaticString = #filePath, line: UInt = #line,
                                 _ make: ([(String, Tensor)]) -> Optimizer) throws {
        let f = try Safetensors.read(try fixtureURL("optim", "safetensors"))
        let p = f["p0"]!.detached().requiringGrad(), q = f["q0"]!.detached().requiringGrad()
        let opt = make([("p", p), ("q", q)])
        for i in 0..<3 {
            p.grad = f["gp\(i)"]!
            q.grad = f["gq\(i)"]!
            opt.step()
            assertClose(p, f["\(name).p\(i + 1)"]!, rtol: 1e-5, atol: 1e-6, "\(name) p step \(i + 1)", file: file, line: line)
            assertClose(q, f["\(name).q\(i + 1)"]!, rtol: 1e-5, atol: 1e-6, "\(name) q step \(i + 1)", file: file, line: line)
        }
        XCTAssertEqual(opt.stepCount, 3, file: file, line: line)
    }

    func testAdamWMatchesTorch() throws {
        try checkTrajectory("adamw") { AdamW(namedParameters: $0) }
        try checkTrajectory("adamw_custom") {
            AdamW(namedParameters: $0, learningRate: 0.05, betas: (0.8, 0.99), eps: 1e-6, weightDecay: 0.1)
        }
    }

    func testSGDMatchesTorch() throws {
        try checkTrajectory("sgd") { SGD(namedParameters: $0, learningRate: 0.1) }
        try checkTrajectory("sgd_momentum") { SGD(namedParameters: $0, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01) }
        try checkTrajectory("sgd_dampening") { SGD(namedParameters: $0, learningRate: 0.1, momentum: 0.5, dampening: 0.3) }
        try checkTrajectory("sgd_nesterov") {
            SGD(namedParameters: $0, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true)
        }
    }

    func testAdamWFirstStepIsSignStep() {
        // After one step m/sqrt(v) (bias-corrected) is sign(g): p' = p(1 - lr wd) - lr g/(|g| + eps).
        let p = Tensor(shape: [3], data: [1, -2, 0.5]).requiringGrad()
        p.grad = Tensor(shape: [3], data: [0.3, -4, 1e-3])
        let opt = AdamW(parameters: [p], learningRate: 0.1, weightDecay: 0.5)
        opt.step()
        let expected: [Float] = [1 * 0.95 - 0.1 * 0.3 / (0.3 + 1e-8), -2 * 0.95 + 0.1 * 4 / (4 + 1e-8),
                                 0.5 * 0.95 - 0.1 * 1e-3 / (1e-3 + 1e-8)]
        assertClose(p.scalars, expected, rtol: 1e-5)
        XCTAssertEqual(opt.state["0"]?["step"]?.item, 1)
    }

    func testParametersWithoutGradientAreSkipped() {
        let a = Tensor(shape: [2], data: [1, 2]).requiringGrad(), b = Tensor(shape: [2], data: [3, 4]).requiringGrad()
        a.grad = Tensor(shape: [2], data: [1, 1])
        let opt = SGD(parameters: [a, b], learningRate: 0.5, momentum: 0.9)
        opt.step()
        XCTAssertEqual(a.scalars, [0.5, 1.5])
        XCTAssertEqual(b.scalars, [3, 4])
        XCTAssertNil(opt.state["1"])
        opt.zeroGrad()
        XCTAssertNil(a.grad)
    }

    func testStateRoundTripResumesIdentically() throws {
        func run(resumeAfter: Int?) throws -> [Float] {
            let p = randomTensor([4, 3], seed: 1).requiringGrad()
            var opt = AdamW(namedParameters: [("layer.weight", p)], learningRate: 0.01)
            for i in 0..<4 {
                if i == resumeAfter {
                    let saved = opt.stateDict()
                    let dir = try temporaryDirectory(self)
                    let url = dir.appendingPathComponent("opt.safetensors")
                    try Safetensors.write(saved, to: url)
                    opt = AdamW(namedParameters: [("layer.weight", p)], learningRate: 0.01)
                    try opt.load(stateDict: try Safetensors.read(url))
                    XCTAssertEqual(opt.stepCount, i)
                }
                p.grad = randomTensor([4, 3], seed: 100 + UInt64(i))
                opt.step()
            }
            return p.scalars
        }
        let straight = try run(resumeAfter: nil)
        XCTAssertEqual(try run(resumeAfter: 2), straight)
        // a fresh optimizer without the restored state diverges
        let p = randomTensor([4, 3], seed: 1).requiringGrad()
        let opt = AdamW(parameters: [p], learningRate: 0.01)
        XCTAssertEqual(Set(opt.stateDict().keys), ["optimizer.step"])
    }

    func testStateLoadErrors() {
        let p = Tensor.zeros([2, 2]).requiringGrad()
        let opt = SGD(namedParameters: [("w", p)], learningRate: 0.1, momentum: 0.9)
        XCTAssertThrowsError(try opt.load(stateDict: ["state.v.momentum_buffer": Tensor.zeros([2, 2])])) {
            XCTAssertEqual($0 as? StrictLoadError, .unexpectedKey(file: StrictLoadError.inMemory, key: "state.v.momentum_buffer", found: [2, 2]))
        }
        XCTAssertThrowsError(try opt.load(stateDict: ["state.w.momentum_buffer": Tensor.zeros([4])])) {
            XCTAssertEqual($0 as? StrictLoadError, .shapeMismatch(file: StrictLoadError.inMemory, key: "state.w.momentum_buffer", expected: [2, 2], found: [4]))
        }
    }

    func testCosineWarmupSchedule() {
        let s = CosineWarmupSchedule(baseLR: 1, warmupSteps: 10, totalSteps: 110)
        let cases: [(Int, Float)] = [(0, 0), (5, 0.5), (10, 1), (60, 0.5), (35, Float(0.5 * (1 + cos(Double.pi / 4)))),
                                     (110, 0), (500, 0)]
        for (t, expected) in cases { XCTAssertEqual(s.learningRate(at: t), expected, accuracy: 1e-6, "step \(t)") }
        let floor = CosineWarmupSchedule(baseLR: 1e-3, warmupSteps: 0, totalSteps: 100, minLR: 1e-5)
        XCTAssertEqual(floor.learningRate(at: 0), 1e-3, accuracy: 1e-9)
        XCTAssertEqual(floor.learningRate(at: 50), 1e-5 + (1e-3 - 1e-5) * 0.5, accuracy: 1e-9)
        XCTAssertEqual(floor.learningRate(at: 100), 1e-5, accuracy: 1e-9)
        let opt = SGD(parameters: [Tensor.zeros([1])], learningRate: 9)
        s.apply(to: opt, step: 5)
        XCTAssertEqual(opt.learningRate, 0.5, accuracy: 1e-7)
    }

    func testClipGradNorm() {
        let a = Tensor.zeros([2]).requiringGrad(), b = Tensor.zeros([1]).requiringGrad(), c = Tensor.zeros([3])
        a.grad = Tensor(shape: [2], data: [3, 4])
        b.grad = Tensor(shape: [1], data: [12])
        XCTAssertEqual(clipGradNorm([a, b, c], maxNorm: 20), 13, accuracy: 1e-5)
        XCTAssertEqual(a.grad!.scalars, [3, 4], "no clipping below the threshold")
        XCTAssertEqual(clipGradNorm([a, b, c], maxNorm: 6.5), 13, accuracy: 1e-5)
        let k = Float(6.5 / (13 + 1e-6))
        assertClose(a.grad!.scalars, [3 * k, 4 * k])
        assertClose(b.grad!.scalars, [12 * k])
        XCTAssertEqual(clipGradNorm([a, b], maxNorm: 100), 6.5, accuracy: 1e-4)
    }
}
