import Tensor

/// The pointwise nonlinearities used between layers.
public enum Activation: Sendable, Equatable {
    case relu
    /// Exact (erf) GELU, `torch.nn.GELU()`.
    case gelu
    /// Tanh-approximated GELU, `torch.nn.GELU(approximate="tanh")`.
    case geluTanh
    /// `x * sigmoid(1.702 x)`, the activation of OpenAI's CLIP.
    case quickGELU
    case sigmoid
    case tanh
    case identity

    /// Applies the activation elementwise.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .relu: return x.relu()
        case .gelu: return x.gelu(approximate: .none)
        case .geluTanh: return x.gelu(approximate: .tanh)
        case .quickGELU: return x.quickGELU()
        case .sigmoid: return x.sigmoid()
        case .tanh: return x.tanh()
        case .identity: return x
        }
    }

    /// The activation as a parameter-free layer (for ``Sequential``).
    public var layer: Lambda { Lambda("\(self)") { self($0) } }
}
