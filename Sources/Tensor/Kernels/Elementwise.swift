extension Kernels {
    /// `out[i] = f(x[i])` into a new dense tensor (parallel for large tensors).
    @inlinable @inline(__always)
    public static func map(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
        let src = x.contiguous()
        let out = Tensor(uninitializedShape: x.shape)
        let s = src.pointer, d = out.pointer
        Threading.parallelFor(x.count) { r in
            for i in r { d[i] = f(s[i]) }
        }
        return out
    }

    /// `out[i] = f(a[i], b[i])` for two tensors of the same shape.
    @inlinable @inline(__always)
    public static func zip(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        check(a.shape == b.shape, "zip: shapes \(a.shape) and \(b.shape) differ")
        let ac = a.contiguous(), bc = b.contiguous()
        let out = Tensor(uninitializedShape: a.shape)
        let pa = ac.pointer, pb = bc.pointer, d = out.pointer
        Threading.parallelFor(a.count) { r in
            for i in r { d[i] = f(pa[i], pb[i]) }
        }
        return out
    }

    /// `out = f(a, b)` with NumPy broadcasting.
    @inlinable @inline(__always)
    public static func broadcast(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape { return zip(a, b, f) }
        let shape = ShapeUtil.broadcast(a.shape, b.shape)
        let out = Tensor(uninitializedShape: shape)
        let n = out.count
        if n == 0 { return out }
        let d = out.pointer
        if b.count == 1 && a.shape == shape {
            let ac = a.contiguous(), pa = ac.pointer, v = b.pointer[0]
            Threading.parallelFor(n) { r in for i in r { d[i] = f(pa[i], v) } }
            return out
        }
        if a.count == 1 && b.shape == shape {
            let bc = b.contiguous(), pb = bc.pointer, v = a.pointer[0]
            Threading.parallelFor(n) { r in for i in r { d[i] = f(v, pb[i]) } }
            return out
        }
        // b repeats along leading dimensions of a (bias add: [N, D] + [D]).
        if a.shape == shape, b.isContiguous, isSuffix(b.shape, of: shape) {
            let ac = a.contiguous(), pa = ac.pointer, pb = b.pointer, m = b.count
            Threading.parallelFor(n / m, grain: max(1, (1 << 15) / m)) { r in
                for row in r {
                    let o = row * m
                    for j in 0..<m { d[o + j] = f(pa[o + j], pb[j]) }
                }
            }
            return out
        }
        if b.shape == shape, a.isContiguous, isSuffix(a.shape, of: shape) {
            let bc = b.contiguous(), pb = bc.pointer, pa = a.pointer, m = a.count
            Threading.parallelFor(n / m, grain: max(1, (1 << 15) / m)) { r in
                for row in r {
                    let o = row * m
                    for j in 0..<m { d[o + j] = f(pa[j], pb[o + j]) }
                }
            }
            return out
        }
        // General case: both views expanded to the output shape, strided inner loop.
        let ea = a.expandedView(to: shape), eb = b.expandedView(to: shape)
        let r = shape.count
        let inner = shape[r - 1], sa = ea.strides[r - 1], sb = eb.strides[r - 1]
        let pa = ea.pointer, pb = eb.pointer
        var index = [Int](repeating: 0, count: r)
        var oa = 0, ob = 0, od = 0
        for _ in 0..<(n / inner) {
            if sa == 1 && sb == 1 {
                for j in 0..<inner { d[od + j] = f(pa[oa + j], pb[ob + j]) }
            } else {
                for j in 0..<inner { d[od + j] = f(pa[oa + j * sa], pb[ob + j * sb]) }
            }
            od += inner
            var k = r - 2
            while k >= 0 {
                index[k] += 1
                oa += ea.strides[k]; ob += eb.strides[k]
                if index[k] < shape[k] { break }
                oa -= ea.strides[k] * shape[k]; ob -= eb.strides[k] * shape[k]
                index[k] = 0
                k -= 1
            }
        }
        return out
    }

    @usableFromInline
    static func isSuffix(_ s: [Int], of shape: [Int]) -> Bool {
        var t = s
        while let f = t.first, f == 1, t.count > 1 { t.removeFirst() }
        guard t.count <= shape.count else { return false }
        return Array(shape.suffix(t.count)) == t
    }
}

extension Tensor {
    /// A stride-0 broadcast view that is never recorded (kernel use only).
    @usableFromInline
    func expandedView(to target: [Int]) -> Tensor {
        let lead = target.count - rank
        var st = [Int](repeating: 0, count: target.count)
        for i in lead..<target.count where shape[i - lead] == target[i] { st[i] = strides[i - lead] }
        return Tensor(storage: storage, shape: target, strides: st, offset: offset)
    }
}
