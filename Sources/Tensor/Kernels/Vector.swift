/// SIMD8 building blocks for the elementwise and row kernels: loads/stores, vectorised `exp`, `tanh`,
/// `sigmoid` and `erf`, and dense map/zip loops with a masked tail (no per-element calls into libm).
///
/// Accuracy: `exp8` is a Cephes-style range reduction plus degree-6 polynomial (about 2 ulp on
/// [-87.3, 88.72]; below that it flushes to 0, above it returns +inf); `tanh8` uses an odd polynomial for
/// |x| < 0.625 and `1 - 2/(exp(2|x|)+1)` beyond; `erf8` is Abramowitz–Stegun 7.1.26 (absolute error
/// below 2e-7), the same formula PyTorch's vectorised CPU `erf` uses.
public typealias Float8 = SIMD8<Float>

extension Kernels {
    @inlinable @inline(__always)
    public static func load8(_ p: UnsafePointer<Float>) -> Float8 {
        UnsafeRawPointer(p).loadUnaligned(as: Float8.self)
    }

    @inlinable @inline(__always)
    public static func store8(_ v: Float8, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Float8.self)
    }

    /// Loads `n < 8` values, filling the other lanes with `fill`.
    @inlinable @inline(__always)
    public static func loadPartial(_ p: UnsafePointer<Float>, _ n: Int, fill: Float = 0) -> Float8 {
        var v = Float8(repeating: fill)
        for i in 0..<n { v[i] = p[i] }
        return v
    }

    @inlinable @inline(__always)
    public static func storePartial(_ v: Float8, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { p[i] = v[i] }
    }

    // MARK: transcendental functions

    /// `exp(x) = p * 2^n` for `x` already clamped to the float range: `p` in `[1/sqrt 2, sqrt 2]` from a
    /// degree-6 polynomial of the reduced argument `r = x - n ln 2`, and `n` as an integer (Cody-Waite
    /// reduction with a two-part `ln 2`).
    @inlinable @inline(__always)
    static func expReduced8(_ xc: Float8) -> (p: Float8, n: SIMD8<Int32>) {
        let magic = Float8(repeating: 12_582_912) // 1.5 * 2^23: adding it rounds to an integer
        let t = magic.addingProduct(xc, Float8(repeating: 1.442_695_04))
        let n = t - magic
        var r = xc.addingProduct(n, Float8(repeating: -0.693_359_375))
        r = r.addingProduct(n, Float8(repeating: 2.121_944_4e-4))
        var p = Float8(repeating: 1.987_569_15e-4)
        p = Float8(repeating: 1.398_199_95e-3).addingProduct(p, r)
        p = Float8(repeating: 8.333_451_9e-3).addingProduct(p, r)
        p = Float8(repeating: 4.166_579_59e-2).addingProduct(p, r)
        p = Float8(repeating: 1.666_666_55e-1).addingProduct(p, r)
        p = Float8(repeating: 5.000_000_12e-1).addingProduct(p, r)
        p = (r + Float8(repeating: 1)).addingProduct(p, r * r)
        // The integer n sits in the low mantissa bits of t.
        return (p, unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000)
    }

    /// Vectorised `exp`.
    @inlinable @inline(__always)
    public static func exp8(_ x: Float8) -> Float8 {
        let hi = Float8(repeating: 88.72283), lo = Float8(repeating: -87.33)
        let over = x .> hi, under = x .< lo
        var xc = x.replacing(with: hi, where: x .> hi)
        xc = xc.replacing(with: 0, where: under)
        let (p, ni) = expReduced8(xc)
        // 2^n applied as 2^(n/2) * 2^(n - n/2) so n = 128 (x near the overflow threshold) and n = -126 both
        // stay representable.
        let na = ni &>> 1, nb = ni &- na
        let sa = unsafeBitCast((na &+ 127) &<< 23, to: Float8.self)
        let sb = unsafeBitCast((nb &+ 127) &<< 23, to: Float8.self)
        var y = p * sa * sb
        y = y.replacing(with: 0, where: under)
        y = y.replacing(with: .infinity, where: over)
        return y
    }

    /// Vectorised `exp` for `x <= 0` only (the Gaussian factors of `erf` and the GELU derivative): no
    /// overflow handling, and inputs below -87 give `exp(-87)` (about 1.6e-38) rather than a smaller value.
    @inlinable @inline(__always)
    public static func expNonPositive8(_ x: Float8) -> Float8 {
        let (p, ni) = expReduced8(x.replacing(with: -87, where: x .< -87))
        // n >= -126 here, so 2^n is one normal float.
        return p * unsafeBitCast((ni &+ 127) &<< 23, to: Float8.self)
    }

    /// Vectorised logistic sigmoid `1 / (1 + exp(-x))`.
    @inlinable @inline(__always)
    public static func sigmoid8(_ x: Float8) -> Float8 {
        1 / (Float8(repeating: 1) + exp8(-x))
    }

    /// Vectorised `tanh`.
    @inlinable @inline(__always)
    public static func tanh8(_ x: Float8) -> Float8 {
        let ax = abs8(x)
        // large |x|: 1 - 2 / (exp(2|x|) + 1), with the sign of x
        let e = exp8(ax + ax)
        var big = Float8(repeating: 1) - 2 / (e + 1)
        big = big.replacing(with: -big, where: x .< 0)
        // small |x|: odd polynomial
        let z = x * x
        var p = Float8(repeating: -5.704_988_727_45e-3)
        p = Float8(repeating: 2.063_908_879_54e-2).addingProduct(p, z)
        p = Float8(repeating: -5.373_971_555_31e-2).addingProduct(p, z)
        p = Float8(repeating: 1.333_144_220_36e-1).addingProduct(p, z)
        p = Float8(repeating: -3.333_328_194_22e-1).addingProduct(p, z)
        let small = x + x * z * p
        return big.replacing(with: small, where: ax .< 0.625)
    }

    /// Vectorised error function.
    @inlinable @inline(__always)
    public static func erf8(_ x: Float8) -> Float8 {
        let ax = abs8(x)
        let t = 1 / (ax * Float8(repeating: 0.327_591_1) + 1)
        var p = Float8(repeating: 1.061_405_429)
        p = Float8(repeating: -1.453_152_027).addingProduct(p, t)
        p = Float8(repeating: 1.421_413_741).addingProduct(p, t)
        p = Float8(repeating: -0.284_496_736).addingProduct(p, t)
        p = Float8(repeating: 0.254_829_592).addingProduct(p, t)
        let y = Float8(repeating: 1) - p * t * expNonPositive8(-(ax * ax))
        return y.replacing(with: -y, where: x .< 0)
    }

    /// Lane-wise |x| (clears the sign bit).
    @inlinable @inline(__always)
    public static func abs8(_ x: Float8) -> Float8 {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Float8.self)
    }

    // MARK: dense loops

    /// `d[i] = f(s[i])` for `n` dense elements, eight at a time.
    @inlinable @inline(__always)
    public static func vmap(_ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int,
                            _ f: (Float8) -> Float8) {
        var i = 0
        while i + 8 <= n {
            store8(f(load8(s + i)), d + i)
            i += 8
        }
        if i < n { storePartial(f(loadPartial(s + i, n - i)), d + i, n - i) }
    }

    /// `d[i] = f(a[i], b[i])` for `n` dense elements, eight at a time.
    @inlinable @inline(__always)
    public static func vzip(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>,
                            _ n: Int, _ f: (Float8, Float8) -> Float8) {
        var i = 0
        while i + 8 <= n {
            store8(f(load8(a + i), load8(b + i)), d + i)
            i += 8
        }
        if i < n { storePartial(f(loadPartial(a + i, n - i), loadPartial(b + i, n - i)), d + i, n - i) }
    }

    /// A new dense tensor `f(x)` computed eight lanes at a time, in parallel for large tensors.
    @inlinable @inline(__always)
    public static func map8(_ x: Tensor, grain: Int = 1 << 14, _ f: (Float8) -> Float8) -> Tensor {
        let src = x.contiguous()
        let out = Tensor(uninitializedShape: x.shape)
        let s = src.pointer, d = out.pointer
        Threading.parallelFor(x.count, grain: grain) { r in
            vmap(s + r.lowerBound, d + r.lowerBound, r.count, f)
        }
        return out
    }

    /// A new dense tensor `f(a, b)` for two tensors of the same shape, eight lanes at a time.
    @inlinable @inline(__always)
    public static func zip8(_ a: Tensor, _ b: Tensor, grain: Int = 1 << 14, _ f: (Float8, Float8) -> Float8) -> Tensor {
        check(a.shape == b.shape, "zip8: shapes \(a.shape) and \(b.shape) differ")
        let ac = a.contiguous(), bc = b.contiguous()
        let out = Tensor(uninitializedShape: a.shape)
        let pa = ac.pointer, pb = bc.pointer, d = out.pointer
        Threading.parallelFor(a.count, grain: grain) { r in
            vzip(pa + r.lowerBound, pb + r.lowerBound, d + r.lowerBound, r.count, f)
        }
        return out
    }
}
