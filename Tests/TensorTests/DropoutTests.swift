import XCTest
@testable import Tensor

final class DropoutTests: XCTestCase {
    func testIdentityWhenNotTrainingOrZeroP() {
        var rng = SeededRandom(seed: 1)
        let x = randomTensor([10], seed: 1)
        XCTAssertTrue(x.dropout(p: 0.5, training: false, rng: &rng) === x)
        XCTAssertTrue(x.dropout(p: 0, training: true, rng: &rng) === x)
        XCTAssertEqual(x.dropout(p: 1, training: true, rng: &rng).scalars, [Float](repeating: 0, count: 10))
    }

    func testInvertedDropoutStatisticsAndDeterminism() {
        let x = Tensor.ones([200_000])
        var rng = SeededRandom(seed: 42)
        let y = x.dropout(p: 0.3, training: true, rng: &rng).scalars
        let zeros = y.filter { $0 == 0 }.count
        XCTAssertEqual(Double(zeros) / Double(y.count), 0.3, accuracy: 0.005)
        for v in y where v != 0 { XCTAssertEqual(v, 1 / 0.7, accuracy: 1e-6) }
        XCTAssertEqual(Double(y.reduce(0, +)) / Double(y.count), 1, accuracy: 0.01)
        var again = SeededRandom(seed: 42)
        XCTAssertEqual(x.dropout(p: 0.3, training: true, rng: &again).scalars, y)
    }

    func testGradientUsesTheSameMask() {
        var rng = SeededRandom(seed: 3)
        let x = randomTensor([50], seed: 2, lo: 1, hi: 2).requiringGrad()
        let y = x.dropout(p: 0.5, training: true, rng: &rng)
        y.sum().backward()
        let g = x.grad!.scalars, yv = y.scalars, xv = x.scalars
        for i in 0..<50 { XCTAssertEqual(g[i], yv[i] / xv[i], accuracy: 1e-5) }
        XCTAssertTrue(g.contains(0) && g.contains(2))
    }
}
