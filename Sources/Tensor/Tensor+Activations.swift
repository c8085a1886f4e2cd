/// Which GELU formula to use (PyTorch's `approximate=` argument).
public enum GELUApproximation: Sendable {
    /// Exact: `0.5 x (1 + erf(x / sqrt 2))`.
    case none
    /// `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
    case tanh
}

/// Activation functions: vectorised forward and fused backward kernels. Each returns a new dense tensor
/// of the input's shape.
extension Tensor {
    /// Logistic sigmoid `1 / (1 + e^-x)`. Gradient: `g y (1 - y)`.
    public func sigmoid() -> Tensor {
        let out = Kernels.map8(self) { Kernels.sigmoid8($0) }
        return record(out, "sigmoid", [self]) { g in
            [Kernels.zip8(g, out.detached()) { g, y in g * y * (1 - y) }]
        }
    }

    /// Hyperbolic tangent. Gradient: `g (1 - y^2)`.
    public func tanh() -> Tensor {
        let out = Kernels.map8(self) { Kernels.tanh8($0) }
        return record(out, "tanh", [self]) { g in
            [Kernels.zip8(g, out.detached()) { g, y in g * (1 - y * y) }]
        }
    }

    /// `max(x, 0)`. Gradient: `g` where `x > 0`, else 0.
    public func relu() -> Tensor {
        let out = Kernels.map8(self) { $0.replacing(with: 0, where: $0 .< 0) }
        let x = detached()
        return record(out, "relu", [self]) { g in
            [Kernels.zip8(g, x) { g, x in g.replacing(with: 0, where: x .<= 0) }]
        }
    }

    /// Gaussian error linear unit, exact (`erf`) or tanh-approximated, matching `torch.nn.functional.gelu`.
    public func gelu(approximate: GELUApproximation = .none) -> Tensor {
        let x = detached()
        switch approximate {
        case .none:
            let out = Kernels.map8(self) { Kernels.geluErf8($0) }
            return record(out, "gelu", [self]) { g in
                [Kernels.zip8(g, x) { g, x in g * Kernels.geluErfDerivative8(x) }]
            }
        case .tanh:
            let out = Kernels.map8(self) { Kernels.geluTanh8($0) }
            return record(out, "gelu_tanh", [self]) { g in
                [Kernels.zip8(g, x) { g, x in g * Kernels.geluTanhDerivative8(x) }]
            }
        }
    }

    /// CLIP's QuickGELU `x * sigmoid(1.702 x)`.
    public func quickGELU() -> Tensor {
        let out = Kernels.map8(self) { $0 * Kernels.sigmoid8($0 * 1.702) }
        let x = detached()
        return record(out, "quick_gelu", [self]) { g in
            [Kernels.zip8(g, x) { g, x in
                let s = Kernels.sigmoid8(x * 1.702)
                return g * (s + 1.702 * x * s * (1 - s))
            }]
        }
    }
}

extension Kernels {
    @inlinable @inline(__always)
    public static func geluErf8(_ x: Float8) -> Float8 {
        0.5 * x * (1 + erf8(x * 0.707_106_781_186_547_5))
    }

    /// d/dx of exact GELU: `Phi(x) + x phi(x)`.
    @inlinable @inline(__always)
    public static func geluErfDerivative8(_ x: Float8) -> Float8 {
        let cdf = 0.5 * (1 + erf8(x * 0.707_106_781_186_547_5))
        let pdf = expNonPositive8(-0.5 * x * x) * 0.398_942_280_401_432_7
        return cdf + x * pdf
    }

    @inlinable @inline(__always)
    public static func geluTanh8(_ x: Float8) -> Float8 {
        let u = 0.797_884_560_802_865_4 * (x + 0.044_715 * x * x * x)
        return 0.5 * x * (1 + tanh8(u))
    }

    @inlinable @inline(__always)
    public static func geluTanhDerivative8(_ x: Float8) -> Float8 {
        let x2 = x * x
        let t = tanh8(0.797_884_560_802_865_4 * (x + 0.044_715 * x2 * x))
        let du = 0.797_884_560_802_865_4 * (1 + 3 * 0.044_715 * x2)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
    }
}
