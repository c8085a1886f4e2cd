import Foundation
import NN
import Tensor
import XCTest
@testable import Backbones

/// Reads a committed fixture (`Tests/BackbonesTests/Fixtures/<name>.safetensors`).
func fixture(_ name: String) throws -> StateDict {
    guard let url = Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures") else {
        throw BackboneError.unreadableFile(name, reason: "fixture missing; run Scripts/make_backbone_fixtures.py")
    }
    return try Safetensors.read(url)
}

/// Integer rows stored as floats in a fixture (`[B, L]`).
func intRows(_ t: Tensor) -> [[Int]] {
    let v = t.scalars, l = t.shape[1]
    return (0..<t.shape[0]).map { b in (0..<l).map { Int(v[b * l + $0]) } }
}

/// Asserts `max |actual - expected| <= tol` with equal shapes.
func assertMaxAbs(_ actual: Tensor, _ expected: Tensor?, _ tol: Float = 1e-4, _ what: String,
                  file: StaticString = #filePath, line: UInt = #line) {
    guard let expected else { return XCTFail("no reference for \(what)", file: file, line: line) }
    XCTAssertEqual(actual.shape, expected.shape, "shape of \(what)", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    let a = actual.scalars, e = expected.scalars
    var worst: Float = 0
    for i in 0..<a.count { let d = abs(a[i] - e[i]); worst = d.isNaN ? .infinity : max(worst, d) }
    XCTAssertLessThanOrEqual(worst, tol, "max abs error of \(what)", file: file, line: line)
}

extension CLIPConfig {
    /// The same architecture with `layers` blocks in each tower.
    func withLayers(_ layers: Int) -> CLIPConfig {
        var c = self
        c.visionConfig.numHiddenLayers = layers
        c.textConfig.numHiddenLayers = layers
        return c
    }
}
