/// Elementwise arithmetic with NumPy broadcasting. Gradients of broadcast operands are summed back to
/// their shapes.
extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = Kernels.binary(a, b, .add)
        let sa = a.shape, sb = b.shape
        return record(out, "add", [a, b]) { g in
            [a.requiresGrad ? g.summed(toShape: sa) : nil, b.requiresGrad ? g.summed(toShape: sb) : nil]
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = Kernels.binary(a, b, .sub)
        let sa = a.shape, sb = b.shape
        return record(out, "sub", [a, b]) { g in
            [a.requiresGrad ? g.summed(toShape: sa) : nil, b.requiresGrad ? (-g).summed(toShape: sb) : nil]
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = Kernels.binary(a, b, .mul)
        return record(out, "mul", [a, b]) { g in
            [a.requiresGrad ? (g * b.detached()).summed(toShape: a.shape) : nil,
             b.requiresGrad ? (g * a.detached()).summed(toShape: b.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = Kernels.binary(a, b, .div)
        return record(out, "div", [a, b]) { g in
            let bd = b.detached()
            return [a.requiresGrad ? (g / bd).summed(toShape: a.shape) : nil,
                    b.requiresGrad ? (-(g * out.detached()) / bd).summed(toShape: b.shape) : nil]
        }
    }

    public static prefix func - (a: Tensor) -> Tensor {
        let out = Kernels.binary(a, scalar: -1, .mul)
        return record(out, "neg", [a]) { g in [-g] }
    }

    // MARK: scalars

    public static func + (a: Tensor, s: Float) -> Tensor {
        let out = Kernels.binary(a, scalar: s, .add)
        return record(out, "add_scalar", [a]) { g in [g] }
    }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    public static func - (s: Float, a: Tensor) -> Tensor {
        let out = Kernels.binary(a, scalar: s, .sub, scalarFirst: true)
        return record(out, "rsub_scalar", [a]) { g in [-g] }
    }
    public static func * (a: Tensor, s: Float) -> Tensor {
        let out = Kernels.binary(a, scalar: s, .mul)
        return record(out, "mul_scalar", [a]) { g in [g * s] }
    }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }
    public static func / (s: Float, a: Tensor) -> Tensor {
        let out = Kernels.binary(a, scalar: s, .div, scalarFirst: true)
        return record(out, "rdiv_scalar", [a]) { g in
            let ad = a.detached()
            return [-(g * out.detached()) / ad]
        }
    }
}
