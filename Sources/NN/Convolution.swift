import Tensor

/// 2-D convolution over `[N, C, H, W]` inputs, like `torch.nn.Conv2d` (zero padding).
///
/// State-dict keys: `weight` `[outChannels, inChannels / groups, kh, kw]` and `bias` `[outChannels]`.
public final class Conv2d: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let groups: Int

    /// PyTorch's default initialisation: weight and bias uniform in `±1/sqrt(fanIn)`,
    /// `fanIn = inChannels / groups * kh * kw`.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
                rng: inout SeededRandom) {
        check(groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0,
              "Conv2d: channels \(inChannels) -> \(outChannels) not divisible by groups \(groups)")
        let fanIn = inChannels / groups * kernelSize.0 * kernelSize.1
        let bound = 1 / Float(max(fanIn, 1)).squareRoot()
        weight = Tensor.uniform([outChannels, inChannels / groups, kernelSize.0, kernelSize.1], -bound, bound,
                                using: &rng).requiringGrad()
        self.bias = bias ? Tensor.uniform([outChannels], -bound, bound, using: &rng).requiringGrad() : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        super.init()
    }

    /// Square kernel, stride, padding and dilation.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true, rng: inout SeededRandom) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: (padding, padding), dilation: (dilation, dilation), groups: groups, bias: bias, rng: &rng)
    }

    /// `[N, inChannels, H, W] -> [N, outChannels, OH, OW]`.
    public override func forward(_ x: Tensor) -> Tensor {
        x.conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}
