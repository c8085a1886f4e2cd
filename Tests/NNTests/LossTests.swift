import XCTest
@testable import NN
@testable import Tensor

final class LossTests: XCTestCase {
    private var f: [String: Tensor] = [:]

    override func setUpWithError() throws {
        f = try Safetensors.read(try fixtureURL("losses", "safetensors"))
    }

    /// Value and gradient of `loss(x)` against the torch fixture `name`.
    private func check(_ name: String, _ x: Tensor, file: StaticString = #filePath, line: UInt = #line,
                       _ loss: (Tensor) -> Tensor) {
        let leaf = x.detached().contiguousCopy().requiringGrad()
        let value = loss(leaf)
        XCTAssertEqual(value.shape, [], "\(name) is a scalar", file: file, line: line)
        value.backward()
        assertClose([value.item], f["\(name).value"]!.scalars, rtol: 1e-5, atol: 1e-6, "\(name) value", file: file, line: line)
        assertClose(leaf.grad!, f["\(name).grad"]!, rtol: 1e-4, atol: 1e-6, "\(name) gradient", file: file, line: line)
    }

    func testBinaryCrossEntropyWithLogits() {
        let x = f["bce.logits"]!, y = f["bce.targets"]!, pw = f["bce.pos_weight"]!
        check("bce", x) { binaryCrossEntropyWithLogits($0, y) }
        check("bce_pw", x) { binaryCrossEntropyWithLogits($0, y, posWeight: pw) }
        check("bce_sum", x) { binaryCrossEntropyWithLogits($0, y, reduction: .sum) }
        gradCheck([randomTensor([3, 3], seed: 1, lo: -3, hi: 3)]) {
            binaryCrossEntropyWithLogits($0[0], y.sliced(axis: 0, start: 0, end: 3), posWeight: pw, reduction: .none)
        }
        // stable for huge logits: no inf / nan, the right limits
        let big = binaryCrossEntropyWithLogits(Tensor(shape: [2], data: [200, -200]), Tensor(shape: [2], data: [1, 1]), reduction: .none)
        assertClose(big.scalars, [0, 200])
    }

    func testCrossEntropy() {
        let x = f["ce.logits"]!
        let targets = f["ce.targets"]!.scalars.map { Int($0) }
        check("ce", x) { crossEntropy($0, targets) }
        check("ce_smooth", x) { crossEntropy($0, targets, labelSmoothing: 0.1) }
        check("ce_sum", x) { crossEntropy($0, targets, reduction: .sum) }
        gradCheck([randomTensor([4, 5], seed: 2, lo: -2, hi: 2)]) {
            crossEntropy($0[0], [4, 0, -100, 2], labelSmoothing: 0.2, reduction: .none)
        }
        let none = crossEntropy(x, targets, reduction: .none)
        XCTAssertEqual(none.shape, [5])
        XCTAssertEqual(none.scalars[3], 0, "ignored row")
    }

    func testFocalLossMatchesAnomalyCLIPReference() {
        let p = f["focal.probs"]!, mask = f["focal.mask"]!
        check("focal", p) { focalLoss(probabilities: $0, mask: mask) }
        check("focal_alpha", p) { focalLoss(probabilities: $0, mask: mask, alpha: [0.25, 0.75]) }
        // finite differences on a softmax input (keeps probabilities valid)
        let logits = randomTensor([1, 3, 2, 2], seed: 3, lo: -2, hi: 2)
        let m = Tensor(shape: [1, 2, 2], data: [0, 2, 1, 2])
        gradCheck([logits], eps: 1e-3) { t in focalLoss(probabilities: t[0].softmax(axis: 1), mask: m, gamma: 2) }
    }

    func testDiceLossMatchesAnomalyCLIPReference() {
        let p = f["focal.probs"]!.selecting(axis: 1, index: 1)
        let mask = f["focal.mask"]!.selecting(axis: 1, index: 0)
        check("dice", p) { diceLoss($0, mask) }
        gradCheck([randomTensor([2, 3, 3], seed: 4, lo: 0, hi: 1)]) { diceLoss($0[0], mask.sliced(axis: 1, start: 0, end: 3).sliced(axis: 2, start: 0, end: 3)) }
        // a perfect prediction has zero loss
        XCTAssertEqual(diceLoss(mask, mask).item, 0, accuracy: 1e-6)
    }

    func testMSELoss() {
        let b = f["mse.b"]!
        check("mse", f["mse.a"]!) { mseLoss($0, b) }
        XCTAssertEqual(mseLoss(Tensor(shape: [2], data: [1, 3]), Tensor(shape: [2], data: [0, 0]), reduction: .sum).item, 10)
    }
}
