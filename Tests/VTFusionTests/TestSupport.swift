import Foundation
import XCTest
import NN
import Tensor
@testable import VTFusion

/// Asserts two tensors agree within `atol + rtol * |expected|` elementwise (shapes equal).
func assertClose(_ actual: Tensor, _ expected: Tensor, atol: Float = 1e-4, rtol: Float = 1e-4, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "shape \(message)", file: file, line: line)
    let a = actual.scalars, e = expected.scalars
    guard a.count == e.count else { return }
    var worst: (Int, Float)? = nil
    for i in 0..<a.count {
        let excess = abs(a[i] - e[i]) - (atol + rtol * abs(e[i]))
        if !(excess <= 0), worst == nil || excess > worst!.1 || excess.isNaN { worst = (i, excess.isNaN ? .infinity : excess) }
    }
    if let (i, _) = worst {
        XCTFail("\(message): mismatch at \(i): \(a[i]) vs \(e[i])", file: file, line: line)
    }
}

/// Reads a safetensors fixture from the test bundle.
func fixture(_ name: String) throws -> [String: Tensor] {
    let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures"),
                            "missing fixture \(name)")
    return try Safetensors.read(url)
}

/// A tiny configuration: 2 taps of widths 12 and 10, a 4x4 grid of 8-px patches on 32x32 images, 16x16 output.
func tinyConfig() -> VTFusionConfig {
    var c = VTFusionConfig()
    c.taps = [3, 6]
    c.layerWidths = [12, 10]
    c.classTokenWidth = 12
    c.textWidth = 8
    c.jointWidth = 16
    c.adapterHidden = 8
    c.adapterRatio = 0.5
    c.fusionHeads = 2
    c.evidenceProjection = 2
    c.decoderChannels = [6, 5, 4]
    c.logitScale = 10
    c.imageSize = [32, 32]
    c.patchSize = 8
    c.training.learningRate = 1e-3
    c.training.weightDecay = 1e-2
    c.training.referenceDropProbability = 0
    c.training.focalGamma = 2
    c.training.auxiliaryWeight = 0.5
    return c
}

/// Random features for `b` images of `config`.
func randomFeatures(_ config: VTFusionConfig, batch b: Int, seed: UInt64) -> FeatureSet {
    var rng = SeededRandom(seed: seed)
    let n = config.grid.0 * config.grid.1
    return FeatureSet(patches: config.layerWidths.map { Tensor.randn([b, n, $0], using: &rng) },
                      classToken: Tensor.randn([b, config.classTokenWidth], using: &rng), grid: config.grid)
}

/// A temporary directory removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
