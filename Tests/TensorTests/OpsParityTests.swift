import Foundation
import XCTest
@testable import Tensor

/// Forward and gradient parity with PyTorch on fixtures from Scripts/make_fixtures.py.
final class OpsParityTests: XCTestCase {
    struct Blob: Decodable { let shape: [Int]; let data: [Float] }
    struct Case: Decodable { let name: String; let inputs: [Blob]; let output: Blob; let weight: Blob; let grads: [Blob]? }
    struct File: Decodable { let torch: String; let cases: [Case] }

    static let ops: [String: ([Tensor]) -> Tensor] = [
        "add": { $0[0] + $0[1] },
        "sub": { $0[0] - $0[1] },
        "mul": { $0[0] * $0[1] },
        "div": { $0[0] / $0[1] },
        "neg_scalar_ops": { -(2 * $0[0] + 1) / 3 - 0.5 },
        "exp": { $0[0].exp() },
        "log": { $0[0].log() },
        "sqrt": { $0[0].sqrt() },
        "rsqrt": { $0[0].rsqrt() },
        "pow": { $0[0].pow(2.5) },
        "abs": { $0[0].abs() },
        "clamp": { $0[0].clamped(min: -0.5, max: 0.3) },
        "sigmoid": { $0[0].sigmoid() },
        "tanh": { $0[0].tanh() },
        "relu": { $0[0].relu() },
        "gelu": { $0[0].gelu() },
        "gelu_tanh": { $0[0].gelu(approximate: .tanh) },
        "quick_gelu": { $0[0].quickGELU() },
        "sum_axes_keepdim": { $0[0].sum(axes: [0, 2], keepDim: true) },
        "mean_axis": { $0[0].mean(axis: 1) },
        "max_axis": { $0[0].max(axis: 2) },
        "min_axis_keepdim": { $0[0].min(axis: 1, keepDim: true) },
        "topk": { $0[0].topK(3, axis: -1).values },
        "softmax": { $0[0].softmax(axis: -1) },
        "softmax_axis1": { $0[0].softmax(axis: 1) },
        "log_softmax": { $0[0].logSoftmax(axis: -1) },
        "layer_norm": { $0[0].layerNorm(weight: $0[1], bias: $0[2], eps: 1e-5) },
        "l2_normalize": { $0[0].l2Normalized(axis: -1) },
        "cosine_similarity": { $0[0].cosineSimilarity($0[1], axis: -1) },
        "concat": { Tensor.concat([$0[0], $0[1]], axis: 1) },
        "stack": { Tensor.stack([$0[0], $0[1]], axis: 1) },
        "split_second": { $0[0].split(sizes: [3, 4], axis: 1)[1] },
        "index_select": { $0[0].indexSelect(axis: 0, indices: [4, 0, 4, 2]) },
        "gather": { $0[0].gather(axis: 1, indices: [0, 3, 1, 1, 2, 0], indexShape: [3, 2]) },
        "embedding": { Tensor.embedding(weight: $0[0], ids: [1, 5, 1, 0, 2, 3], shape: [2, 3]) },
        "where": { Tensor.where(Tensor(shape: [2, 3], data: [1, 0, 1, 0, 0, 1]), $0[0], $0[1]) },
        "masked_fill": { $0[0].maskedFill(Tensor(shape: [1, 3], data: [1, 0, 1]), value: -2) },
        "matmul_batched_broadcast": { $0[0].matmul($0[1]) },
        "matmul_vector": { $0[0].matmul($0[1]) },
        "sdpa_mask": { Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: $0[3]) },
        "sdpa_causal": { Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], causal: true) },
        "views": { $0[0].permuted(2, 0, 1).sliced(axis: 1, start: 1).reshaped(4, -1).expanded(to: [2, 4, 3]).contiguous() },
        "conv2d": { $0[0].conv2d(weight: $0[1], bias: $0[2], stride: (2, 2), padding: (1, 1), dilation: (1, 1), groups: 2) },
        "avg_pool": { $0[0].avgPool2d(kernel: (2, 2)) },
        "max_pool": { $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) },
        "upsample_bilinear": { $0[0].upsampleBilinear(size: (7, 9), alignCorners: false) },
        "upsample_bilinear_ac": { $0[0].upsampleBilinear(size: (7, 9), alignCorners: true) },
        "upsample_nearest": { $0[0].upsampleNearest(size: (7, 9)) },
    ]

    func testEveryFixtureCaseMatchesPyTorch() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "ops", withExtension: "json", subdirectory: "Fixtures"))
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        XCTAssertGreaterThanOrEqual(file.cases.count, 48)
        for c in file.cases {
            guard let op = Self.ops[c.name] else { XCTFail("no Swift op for fixture case \(c.name)"); continue }
            let inputs = c.inputs.map { Tensor(shape: $0.shape, data: $0.data, requiresGrad: true) }
            let out = op(inputs)
            XCTAssertEqual(out.shape, c.output.shape, c.name)
            assertClose(out.scalars, c.output.data, rtol: 1e-5, atol: 1e-6, "forward \(c.name)")
            guard let grads = c.grads else { continue }
            (out * Tensor(shape: c.weight.shape, data: c.weight.data)).sum().backward()
            for (i, (x, g)) in zip(inputs, grads).enumerated() {
                let got = x.grad?.scalars ?? [Float](repeating: 0, count: x.count)
                assertClose(got, g.data, rtol: 1e-4, atol: 1e-5, "gradient \(i) of \(c.name)")
            }
        }
    }
}
