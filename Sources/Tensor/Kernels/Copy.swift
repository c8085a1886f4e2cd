/// Low-level loops over tensor memory. Kernels read views through their strides and write dense outputs.
public enum Kernels {
    /// Copies the elements of `src` (any strides) into dense memory at `dst` in row-major order.
    public static func copy(_ src: Tensor, into dst: UnsafeMutablePointer<Float>) {
        let n = src.count
        if n == 0 { return }
        if src.isContiguous {
            dst.update(from: src.pointer, count: n)
            return
        }
        stridedCopy(shape: src.shape, src: src.pointer, srcStrides: src.strides,
                    dst: dst, dstStrides: ShapeUtil.contiguousStrides(src.shape))
    }

    /// Copies between two strided layouts of the same shape.
    public static func stridedCopy(shape: [Int], src: UnsafePointer<Float>, srcStrides: [Int],
                                   dst: UnsafeMutablePointer<Float>, dstStrides: [Int]) {
        let r = shape.count
        if r == 0 { dst[0] = src[0]; return }
        if shape.contains(0) { return }
        let inner = shape[r - 1], ss = srcStrides[r - 1], ds = dstStrides[r - 1]
        var index = [Int](repeating: 0, count: r)
        var so = 0, dof = 0
        let rows = ShapeUtil.count(shape) / inner
        for _ in 0..<rows {
            let s = src + so, d = dst + dof
            if ss == 1 && ds == 1 {
                d.update(from: s, count: inner)
            } else {
                for j in 0..<inner { d[j * ds] = s[j * ss] }
            }
            // advance the odometer over the outer dimensions
            var k = r - 2
            while k >= 0 {
                index[k] += 1
                so += srcStrides[k]; dof += dstStrides[k]
                if index[k] < shape[k] { break }
                so -= srcStrides[k] * shape[k]; dof -= dstStrides[k] * shape[k]
                index[k] = 0
                k -= 1
            }
        }
    }
}

extension Tensor {
    /// A dense row-major tensor with the same values: `self` when already dense, else a copy.
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        return contiguousCopy()
    }

    /// Always copies into fresh dense storage (recorded for autodiff).
    public func contiguousCopy() -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        Kernels.copy(self, into: out.pointer)
        return record(out, "contiguous", [self]) { g in [g] }
    }
}
