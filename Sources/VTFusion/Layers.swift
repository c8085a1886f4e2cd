import NN
import Tensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A 2-D convolution layer (`weight` `[out, in, k, k]`, `bias` `[out]`), PyTorch `nn.Conv2d` init and keys.
final class ConvLayer: Module {
    let weight: Tensor
    let bias: Tensor
    let padding: Int

    init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, padding: Int = 0, rng: inout SeededRandom) {
        let bound = 1 / Float(inChannels * kernelSize * kernelSize).squareRoot()
        weight = Tensor.uniform([outChannels, inChannels, kernelSize, kernelSize], -bound, bound, using: &rng)
            .requiringGrad()
        bias = Tensor.uniform([outChannels], -bound, bound, using: &rng).requiringGrad()
        self.padding = padding
    }

    override func forward(_ x: Tensor) -> Tensor {
        x.conv2d(weight: weight, bias: bias, padding: (padding, padding))
    }
}

extension Tensor {
    /// `log(1 + exp(x))`, stable for large |x|; gradient `sigmoid(x)`.
    func softplus() -> Tensor {
        let out = Kernels.map(self) { $0 > 0 ? $0 + log1pf(expf(-$0)) : log1pf(expf($0)) }
        let x = detached()
        return record(out, "softplus", [self]) { g in [g * x.sigmoid()] }
    }

    /// Reverses `axis` (a copy; the gradient flows back reversed).
    func flippedAxis(_ axis: Int) -> Tensor {
        indexSelect(axis: axis, indices: Array((0..<shape[ShapeUtil.axis(axis, rank: rank)]).reversed()))
    }
}
