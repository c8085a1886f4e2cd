import Tensor

/// A fully connected layer, `y = x Wᵀ + b`, like `torch.nn.Linear`.
///
/// State-dict keys: `weight` `[outFeatures, inFeatures]` and `bias` `[outFeatures]` (absent when created
/// with `bias: false`).
public final class Linear: Module {
    /// `[outFeatures, inFeatures]`.
    public let weight: Tensor
    /// `[outFeatures]`, or nil.
    public let bias: Tensor?
    public let inFeatures: Int
    public let outFeatures: Int

    /// Creates a layer with PyTorch's default initialisation: weight and bias uniform in
    /// `[-1/sqrt(inFeatures), 1/sqrt(inFeatures))` (`kaiming_uniform_(a: sqrt(5))`).
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout SeededRandom) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let bound = 1 / Float(max(inFeatures, 1)).squareRoot()
        weight = Tensor.uniform([outFeatures, inFeatures], -bound, bound, using: &rng).requiringGrad()
        self.bias = bias ? Tensor.uniform([outFeatures], -bound, bound, using: &rng).requiringGrad() : nil
        super.init()
    }

    /// Creates a layer initialised from a fixed seed (for layers whose weights are loaded afterwards).
    public convenience init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, seed: UInt64 = 0) {
        var rng = SeededRandom(seed: seed)
        self.init(inFeatures, outFeatures, bias: bias, rng: &rng)
    }

    /// `[..., inFeatures] -> [..., outFeatures]`.
    public override func forward(_ x: Tensor) -> Tensor {
        check(x.rank >= 1 && x.shape[x.rank - 1] == inFeatures,
              "Linear(\(inFeatures) -> \(outFeatures)): input shape \(x.shape) has wrong last dimension")
        let y = x.matmul(weight.transposed())
        return bias.map { y + $0 } ?? y
    }
}

/// Two linear layers with an activation between them: `fc2(act(fc1(x)))`.
///
/// State-dict keys default to `fc1.*` / `fc2.*` (Hugging Face CLIP, timm); pass `names` to match other
/// checkpoints, e.g. `("c_fc", "c_proj")` for OpenCLIP.
public final class MLP: Module {
    public let fc1: Linear
    public let fc2: Linear
    public let activation: Activation
    private let names: (String, String)

    /// - Parameters:
    ///   - inFeatures: input width; `hiddenFeatures` the inner width; `outFeatures` defaults to `inFeatures`.
    ///   - names: state-dict names of the two layers.
    public init(_ inFeatures: Int, hiddenFeatures: Int, outFeatures: Int? = nil, activation: Activation = .gelu,
                names: (String, String) = ("fc1", "fc2"), rng: inout SeededRandom) {
        fc1 = Linear(inFeatures, hiddenFeatures, rng: &rng)
        fc2 = Linear(hiddenFeatures, outFeatures ?? inFeatures, rng: &rng)
        self.activation = activation
        self.names = names
        super.init()
    }

    public override var keyMap: [String: String] { ["fc1": names.0, "fc2": names.1] }

    /// `[..., inFeatures] -> [..., outFeatures]`.
    public override func forward(_ x: Tensor) -> Tensor { fc2(activation(fc1(x))) }
}
