import Foundation
import XCTest
@testable import Tensor

/// The torch reference values in Fixtures/conv_ops.json (written by Scripts/make_conv_fixtures.py).
private struct ConvFixture: Decodable {
    struct Flat: Decodable {
        var shape: [Int]
        var data: [Float]
        var tensor: Tensor { Tensor(shape: shape, data: data) }
    }
    struct Params: Decodable {
        var stride: [Int]?
        var padding: [Int]?
        var dilation: [Int]?
        var output_padding: [Int]?
        var groups: Int?
        var kernel: [Int]?
        var size: [Int]?
        var count_include_pad: Bool?
        var align_corners: Bool?
    }
    struct Case: Decodable {
        var name: String
        var op: String
        var params: Params
        var tensors: [String: Flat]
    }
    var torch: String
    var cases: [Case]
}

private func pair(_ v: [Int]?, _ fallback: (Int, Int)) -> (Int, Int) { v.map { ($0[0], $0[1]) } ?? fallback }

final class TorchParityConvTests: XCTestCase {
    private func loadFixture() throws -> ConvFixture {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "conv_ops", withExtension: "json", subdirectory: "Fixtures"),
                                "Fixtures/conv_ops.json missing: run Scripts/make_conv_fixtures.py")
        return try JSONDecoder().decode(ConvFixture.self, from: Data(contentsOf: url))
    }

    /// Applies the case's op with our engine.
    private func apply(_ c: ConvFixture.Case, _ x: Tensor, _ w: Tensor?, _ b: Tensor?) throws -> Tensor {
        let p = c.params
        switch c.op {
        case "conv2d":
            return x.conv2d(weight: try XCTUnwrap(w), bias: b, stride: pair(p.stride, (1, 1)), padding: pair(p.padding, (0, 0)),
                            dilation: pair(p.dilation, (1, 1)), groups: p.groups ?? 1)
        case "conv_transpose2d":
            return x.convTranspose2d(weight: try XCTUnwrap(w), bias: b, stride: pair(p.stride, (1, 1)),
                                     padding: pair(p.padding, (0, 0)), outputPadding: pair(p.output_padding, (0, 0)),
                                     groups: p.groups ?? 1, dilation: pair(p.dilation, (1, 1)))
        case "avg_pool2d":
            return x.avgPool2d(kernel: pair(p.kernel, (1, 1)), stride: p.stride.map { ($0[0], $0[1]) },
                               padding: pair(p.padding, (0, 0)), countIncludePad: try XCTUnwrap(p.count_include_pad))
        case "max_pool2d":
            return x.maxPool2d(kernel: pair(p.kernel, (1, 1)), stride: p.stride.map { ($0[0], $0[1]) },
                               padding: pair(p.padding, (0, 0)))
        case "adaptive_avg_pool2d":
            return x.adaptiveAvgPool2d(outputSize: pair(p.size, (1, 1)))
        case "upsample_nearest":
            return x.upsampleNearest(size: pair(p.size, (1, 1)))
        case "upsample_bilinear":
            return x.upsampleBilinear(size: pair(p.size, (1, 1)), alignCorners: try XCTUnwrap(p.align_corners))
        default:
            throw XCTSkip("unknown op \(c.op) in fixture")
        }
    }

    /// Compares with tolerance `rtol` relative to each element and to the tensor's largest magnitude (so
    /// values that cancel to near zero are judged on the tensor's scale).
    private func assertRelative(_ actual: Tensor, _ expected: ConvFixture.Flat, rtol: Float, _ what: String) {
        let scale = expected.data.map(abs).max() ?? 0
        assertClose(actual, expected.tensor, rtol: rtol, atol: rtol * max(scale, 1e-6), what)
    }

    func testMatchesTorch() throws {
        let fixture = try loadFixture()
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 20)
        var ops = Set<String>()
        for c in fixture.cases {
            ops.insert(c.op)
            let t = c.tensors
            let x = try XCTUnwrap(t["x"], c.name).tensor.requiringGrad()
            let w = t["weight"]?.tensor.requiringGrad(), b = t["bias"]?.tensor.requiringGrad()
            let out = try apply(c, x, w, b)
            assertRelative(out, try XCTUnwrap(t["out"]), rtol: 1e-5, "\(c.name) forward")
            out.backward(try XCTUnwrap(t["grad_out"]).tensor)
            assertRelative(try XCTUnwrap(x.grad, c.name), try XCTUnwrap(t["grad_x"]), rtol: 1e-4, "\(c.name) grad x")
            if let w { assertRelative(try XCTUnwrap(w.grad), try XCTUnwrap(t["grad_weight"]), rtol: 1e-4, "\(c.name) grad weight") }
            if let b { assertRelative(try XCTUnwrap(b.grad), try XCTUnwrap(t["grad_bias"]), rtol: 1e-4, "\(c.name) grad bias") }
        }
        XCTAssertEqual(ops, ["conv2d", "conv_transpose2d", "avg_pool2d", "max_pool2d", "adaptive_avg_pool2d",
                             "upsample_nearest", "upsample_bilinear"])
    }
}
