import Tensor

/// Applies its layers in order, like `torch.nn.Sequential`; layer `i`'s keys are prefixed `"i."`.
///
/// Parameter-free steps (activations) are layers too (``Lambda``), so indices match a PyTorch
/// `Sequential` built from the same list.
public final class Sequential: Module {
    /// The layers, applied first to last.
    public let layers: [Module]

    public init(_ layers: [Module]) {
        self.layers = layers
        super.init()
    }

    public convenience init(_ layers: Module...) { self.init(layers) }

    public override var keyMap: [String: String] { ["layers": ""] }

    public override func forward(_ x: Tensor) -> Tensor {
        layers.reduce(x) { $1.forward($0) }
    }
}

/// A parameter-free layer wrapping a function (an activation, a reshape), for use in ``Sequential``.
public final class Lambda: Module {
    /// A short description, such as `"gelu"`.
    public let name: String
    private let body: (Tensor) -> Tensor

    public init(_ name: String = "lambda", _ body: @escaping (Tensor) -> Tensor) {
        self.name = name
        self.body = body
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor { body(x) }
}

/// Passes its input through unchanged (`torch.nn.Identity`).
public final class Identity: Module {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) -> Tensor { x }
}
