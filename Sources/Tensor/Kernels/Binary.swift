/// The four arithmetic operations between tensors, with SIMD loops for every layout broadcasting produces.
///
/// ``Kernels/broadcast(_:_:_:)`` takes the operation as a closure, which the optimiser cannot inline into
/// the parallel loop body: it costs one indirect call per element. Here the operation is a value switched on
/// once per contiguous run, and each case is a literal SIMD loop.
public enum BinaryOp: Sendable {
    case add, sub, mul, div
}

extension Kernels {
    /// `d[i] = a[i] op b[i]` for `n` dense elements.
    @inline(__always)
    static func binaryRun(_ op: BinaryOp, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                          _ d: UnsafeMutablePointer<Float>, _ n: Int) {
        switch op {
        case .add: vzip(a, b, d, n) { $0 + $1 }
        case .sub: vzip(a, b, d, n) { $0 - $1 }
        case .mul: vzip(a, b, d, n) { $0 * $1 }
        case .div: vzip(a, b, d, n) { $0 / $1 }
        }
    }

    /// `d[i] = a[i] op s` for `n` dense elements.
    @inline(__always)
    static func binaryRun(_ op: BinaryOp, _ a: UnsafePointer<Float>, scalar s: Float, _ d: UnsafeMutablePointer<Float>, _ n: Int) {
        let v = Float8(repeating: s)
        switch op {
        case .add: vmap(a, d, n) { $0 + v }
        case .sub: vmap(a, d, n) { $0 - v }
        case .mul: vmap(a, d, n) { $0 * v }
        case .div: vmap(a, d, n) { $0 / v }
        }
    }

    /// `d[i] = s op b[i]` for `n` dense elements.
    @inline(__always)
    static func binaryRun(_ op: BinaryOp, scalar s: Float, _ b: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int) {
        let v = Float8(repeating: s)
        switch op {
        case .add: vmap(b, d, n) { v + $0 }
        case .sub: vmap(b, d, n) { v - $0 }
        case .mul: vmap(b, d, n) { v * $0 }
        case .div: vmap(b, d, n) { v / $0 }
        }
    }

    /// `a op b` with NumPy broadcasting into a new dense tensor.
    ///
    /// Equal shapes, a scalar operand and a trailing-dimension operand (a bias `[D]` against `[N, D]`) run
    /// as dense SIMD loops; any other broadcast (`[B, C, H, W]` with `[1, C, 1, 1]`, `[B, N, D]` with
    /// `[B, 1, D]`, ...) runs row by row over the innermost dimension, each row a dense loop, a scalar
    /// against a dense row, or (both strided) a scalar loop.
    public static func binary(_ a: Tensor, _ b: Tensor, _ op: BinaryOp) -> Tensor {
        let shape = a.shape == b.shape ? a.shape : ShapeUtil.broadcast(a.shape, b.shape)
        let out = Tensor(uninitializedShape: shape)
        let n = out.count
        if n == 0 { return out }
        let d = out.pointer
        if a.shape == b.shape {
            let ac = a.contiguousView(), bc = b.contiguousView(), pa = ac.pointer, pb = bc.pointer
            Threading.parallelFor(n, grain: 1 << 14) { r in
                binaryRun(op, pa + r.lowerBound, pb + r.lowerBound, d + r.lowerBound, r.count)
            }
            return withExtendedLifetime((ac, bc)) { out }
        }
        if b.count == 1 && a.shape == shape {
            let ac = a.contiguousView(), pa = ac.pointer, s = b.pointer[0]
            Threading.parallelFor(n, grain: 1 << 14) { r in
                binaryRun(op, pa + r.lowerBound, scalar: s, d + r.lowerBound, r.count)
            }
            return withExtendedLifetime(ac) { out }
        }
        if a.count == 1 && b.shape == shape {
            let bc = b.contiguousView(), pb = bc.pointer, s = a.pointer[0]
            Threading.parallelFor(n, grain: 1 << 14) { r in
                binaryRun(op, scalar: s, pb + r.lowerBound, d + r.lowerBound, r.count)
            }
            return withExtendedLifetime(bc) { out }
        }
        // General broadcast: rows of the innermost dimension, offsets from each row's multi-index.
        let ea = a.expandedView(to: shape), eb = b.expandedView(to: shape)
        let rank = shape.count, inner = shape[rank - 1]
        let sa = ea.strides[rank - 1], sb = eb.strides[rank - 1]
        let pa = ea.pointer, pb = eb.pointer
        let outer = Array(shape.dropLast()), stA = Array(ea.strides.dropLast()), stB = Array(eb.strides.dropLast())
        Threading.parallelFor(n / inner, grain: Swift.max(1, (1 << 14) / inner)) { rows in
            for row in rows {
                var rem = row, oa = 0, ob = 0
                var k = outer.count - 1
                while k >= 0 {
                    let i = rem % outer[k]
                    rem /= outer[k]
                    oa += i * stA[k]; ob += i * stB[k]
                    k -= 1
                }
                let dr = d + row * inner
                if sa == 1 && sb == 1 {
                    binaryRun(op, pa + oa, pb + ob, dr, inner)
                } else if sa == 1 && sb == 0 {
                    binaryRun(op, pa + oa, scalar: pb[ob], dr, inner)
                } else if sa == 0 && sb == 1 {
                    binaryRun(op, scalar: pa[oa], pb + ob, dr, inner)
                } else {
                    for j in 0..<inner {
                        let x = pa[oa + j * sa], y = pb[ob + j * sb]
                        switch op {
                        case .add: dr[j] = x + y
                        case .sub: dr[j] = x - y
                        case .mul: dr[j] = x * y
                        case .div: dr[j] = x / y
                        }
                    }
                }
            }
        }
        return withExtendedLifetime((ea, eb)) { out }
    }

    /// `x op s` (or `s op x` with `scalarFirst`) into a new dense tensor.
    public static func binary(_ x: Tensor, scalar s: Float, _ op: BinaryOp, scalarFirst: Bool = false) -> Tensor {
        let xc = x.contiguousView(), px = xc.pointer
        let out = Tensor(uninitializedShape: x.shape)
        let d = out.pointer
        Threading.parallelFor(x.count, grain: 1 << 14) { r in
            if scalarFirst {
                binaryRun(op, scalar: s, px + r.lowerBound, d + r.lowerBound, r.count)
            } else {
                binaryRun(op, px + r.lowerBound, scalar: s, d + r.lowerBound, r.count)
            }
        }
        return withExtendedLifetime(xc) { out }
    }
}
