import Foundation
import XCTest
@testable import Tensor

/// Timings of the conv-family ops on realistic shapes. Skipped unless `VTFUSION_BENCH=1` (they take seconds).
final class ConvBenchmarkTests: XCTestCase {
    private func time(_ label: String, flops: Double = 0, reps: Int = 3, _ body: () -> Void) {
        body()  // warm-up
        var best = Double.infinity
        for _ in 0..<reps {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        let rate = flops > 0 ? String(format: ", %.1f GFLOP/s", flops / best / 1e9) : ""
        print(String(format: "BENCH %@: %.2f ms%@", label, best * 1e3, rate))
    }

    func testBenchmarks() throws {
        guard ProcessInfo.processInfo.environment["VTFUSION_BENCH"] == "1" else { throw XCTSkip("set VTFUSION_BENCH=1") }
        print("BENCH threads \(Threading.threadCount), \(BLAS.coreName)")
        // Raw GEMM of the decoder conv's size, for reference.
        let a = randomTensor([64, 576], seed: 1), b = randomTensor([576, 8 * 3136], seed: 2)
        time("sgemm 64x576x25088", flops: 2 * 64 * 576 * 25088) { _ = a.matmul(b) }

        struct C { var name: String; var x: [Int]; var w: [Int]; var s: (Int, Int); var p: (Int, Int) }
        for c in [C(name: "patchify 8x3x224x224 k16 s16 -> 768", x: [8, 3, 224, 224], w: [768, 3, 16, 16], s: (16, 16), p: (0, 0)),
                  C(name: "3x3 8x64x56x56 -> 64", x: [8, 64, 56, 56], w: [64, 64, 3, 3], s: (1, 1), p: (1, 1)),
                  C(name: "3x3 16x128x14x14 -> 128", x: [16, 128, 14, 14], w: [128, 128, 3, 3], s: (1, 1), p: (1, 1)),
                  C(name: "1x1 8x256x56x56 -> 64", x: [8, 256, 56, 56], w: [64, 256, 1, 1], s: (1, 1), p: (0, 0))] {
            let x = randomTensor(c.x, seed: 3), w = randomTensor(c.w, seed: 4), bias = randomTensor([c.w[0]], seed: 5)
            var y = x.conv2d(weight: w, bias: bias, stride: c.s, padding: c.p)
            XCTAssertEqual(y.shape[0...1], [c.x[0], c.w[0]])
            let flops = 2.0 * Double(y.count) * Double(c.w[1] * c.w[2] * c.w[3])
            time("conv2d fwd \(c.name)", flops: flops) { y = x.conv2d(weight: w, bias: bias, stride: c.s, padding: c.p) }
            let g = randomTensor(y.shape, seed: 6)
            time("conv2d fwd+bwd (x, w, b) \(c.name)", flops: 3 * flops) {
                let xr = x.detached().requiringGrad(), wr = w.detached().requiringGrad(), br = bias.detached().requiringGrad()
                xr.conv2d(weight: wr, bias: br, stride: c.s, padding: c.p).backward(g)
            }
        }
        let xt = randomTensor([8, 64, 28, 28], seed: 7), wt = randomTensor([64, 32, 2, 2], seed: 8)
        time("convTranspose2d fwd+bwd 8x64x28x28 k2 s2 -> 32", flops: 3 * 2 * 8 * 64 * 784 * 128) {
            let xr = xt.detached().requiringGrad(), wr = wt.detached().requiringGrad()
            xr.convTranspose2d(weight: wr, stride: (2, 2)).backward(Tensor.ones([8, 32, 56, 56]))
        }
        let u = randomTensor([8, 64, 56, 56], seed: 9)
        time("reference: fill a new 8x64x224x224 tensor") { _ = Tensor.ones([8, 64, 224, 224]) }
        time("upsampleNearest fwd 8x64x56x56 -> 224") { _ = u.upsampleNearest(size: (224, 224)) }
        time("upsampleBilinear fwd 8x64x56x56 -> 224") { _ = u.upsampleBilinear(size: (224, 224), alignCorners: false) }
        time("upsampleBilinear fwd+bwd 8x64x56x56 -> 224") {
            u.detached().requiringGrad().upsampleBilinear(size: (224, 224), alignCorners: false).backward(Tensor.ones([8, 64, 224, 224]))
        }
        time("maxPool2d fwd+bwd k3 s2 p1 8x64x56x56") {
            u.detached().requiringGrad().maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)).backward(Tensor.ones([8, 64, 28, 28]))
        }
        time("avgPool2d fwd k2 8x64x56x56") { _ = u.avgPool2d(kernel: (2, 2)) }
    }
}
