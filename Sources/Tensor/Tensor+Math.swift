#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Elementwise math: exp, log, roots, powers, abs, clamp, square. All are differentiable; each returns a new
/// dense tensor of the input's shape (``pow(_:)-(Tensor)`` broadcasts its operands).
extension Tensor {
    /// `e^x`. Gradient: `g * e^x`.
    public func exp() -> Tensor {
        let out = Kernels.map8(self) { Kernels.exp8($0) }
        return record(out, "exp", [self]) { g in
            [Kernels.zip8(g, out.detached()) { $0 * $1 }]
        }
    }

    /// Natural logarithm (NaN below 0, -inf at 0). Gradient: `g / x`.
    public func log() -> Tensor {
        let out = Kernels.map(self) { logf($0) }
        let x = detached()
        return record(out, "log", [self]) { g in [Kernels.zip8(g, x) { $0 / $1 }] }
    }

    /// Square root. Gradient: `g / (2 sqrt(x))`.
    public func sqrt() -> Tensor {
        let out = Kernels.map8(self) { $0.squareRoot() }
        return record(out, "sqrt", [self]) { g in
            [Kernels.zip8(g, out.detached()) { $0 * 0.5 / $1 }]
        }
    }

    /// `1 / sqrt(x)`. Gradient: `-g / (2 x^(3/2))`.
    public func rsqrt() -> Tensor {
        let out = Kernels.map8(self) { 1 / $0.squareRoot() }
        return record(out, "rsqrt", [self]) { g in
            [Kernels.zip8(g, out.detached()) { g, y in g * (-0.5) * y * y * y }]
        }
    }

    /// `x * x`. Gradient: `2 x g`.
    public func square() -> Tensor {
        let out = Kernels.map8(self) { $0 * $0 }
        let x = detached()
        return record(out, "square", [self]) { g in [Kernels.zip8(g, x) { 2 * $0 * $1 }] }
    }

    /// `x^p` for a scalar exponent (torch `pow(x, p)`: NaN for negative `x` and non-integer `p`).
    /// Gradient: `g * p * x^(p-1)`.
    public func pow(_ p: Float) -> Tensor {
        if p == 1 { return self * 1 }
        if p == 2 { return square() }
        if p == 0.5 { return sqrt() }
        if p == -0.5 { return rsqrt() }
        let out: Tensor
        if p == -1 { out = Kernels.map8(self) { 1 / $0 } }
        else if p == 3 { out = Kernels.map8(self) { $0 * $0 * $0 } }
        else { out = Kernels.map(self) { powf($0, p) } }
        let x = detached()
        return record(out, "pow_scalar", [self]) { g in
            let d: Tensor
            if p == 0 { d = Tensor.zeros(x.shape) }
            else if p == -1 { d = Kernels.zip8(g, out.detached()) { g, y in -(g * y * y) } }
            else if p == 3 { d = Kernels.zip8(g, x) { g, x in 3 * g * x * x } }
            else { d = Kernels.zip(g, x) { g, x in g * p * powf(x, p - 1) } }
            return [d]
        }
    }

    /// `self^exponent` elementwise with broadcasting. Gradients: `g * e * x^(e-1)` for the base and
    /// `g * x^e * log(x)` for the exponent (0 where `x == 0` and `e >= 0`, as in torch).
    public func pow(_ exponent: Tensor) -> Tensor {
        let base = self
        let out = Kernels.broadcast(base, exponent) { powf($0, $1) }
        return record(out, "pow", [base, exponent]) { g in
            let shape = out.shape
            let gc = g.contiguous()
            let xb = base.detached().expandedView(to: shape).contiguousView()
            let eb = exponent.detached().expandedView(to: shape).contiguousView()
            let px = xb.pointer, pe = eb.pointer, pg = gc.pointer, py = out.pointer
            var gx: Tensor? = nil, ge: Tensor? = nil
            if base.requiresGrad {
                let t = Tensor(uninitializedShape: shape)
                let d = t.pointer
                Threading.parallelFor(t.count) { r in
                    for i in r { d[i] = pe[i] == 0 ? 0 : pg[i] * pe[i] * powf(px[i], pe[i] - 1) }
                }
                gx = t.summed(toShape: base.shape)
            }
            if exponent.requiresGrad {
                let t = Tensor(uninitializedShape: shape)
                let d = t.pointer
                Threading.parallelFor(t.count) { r in
                    for i in r { d[i] = (px[i] == 0 && pe[i] >= 0) ? 0 : pg[i] * py[i] * logf(px[i]) }
                }
                ge = t.summed(toShape: exponent.shape)
            }
            return [gx, ge]
        }
    }

    /// `|x|`. Gradient: `g * sign(x)` (0 at 0).
    public func abs() -> Tensor {
        let out = Kernels.map8(self) { Kernels.abs8($0) }
        let x = detached()
        return record(out, "abs", [self]) { g in
            [Kernels.zip8(g, x) { g, x in
                let zero = Float8(repeating: 0)
                var s = zero.replacing(with: 1, where: x .> 0)
                s = s.replacing(with: -1, where: x .< 0)
                return g * s
            }]
        }
    }

    /// Clamps into `[min, max]` (either bound optional). Gradient passes where `min <= x <= max`
    /// (torch `clamp`), and is 0 elsewhere.
    public func clamped(min lo: Float? = nil, max hi: Float? = nil) -> Tensor {
        if lo == nil && hi == nil { return self * 1 }
        let l = lo ?? -.infinity, h = hi ?? .infinity
        let out = Kernels.map8(self) { x in
            var y = x.replacing(with: Float8(repeating: l), where: x .< l)
            y = y.replacing(with: Float8(repeating: h), where: x .> h)
            return y
        }
        let x = detached()
        return record(out, "clamp", [self]) { g in
            [Kernels.zip8(g, x) { g, x in
                let outside = (x .< l) .| (x .> h)
                return g.replacing(with: 0, where: outside)
            }]
        }
    }
}
