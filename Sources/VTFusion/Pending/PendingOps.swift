import Tensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Stand-ins for ops that the `ops-math` / `ops-conv` branches provide under the same names. They are
// `internal` so they never leak; delete this file once those branches are merged (the call sites use the
// same names and argument labels).

extension Tensor {
    /// Elementwise unary op with derivative `df(x, y)`.
    func unaryOp(_ name: String, _ f: (Float) -> Float, _ df: @escaping (Float, Float) -> Float) -> Tensor {
        let out = Kernels.map(self, f)
        let x = self.detached()
        return record(out, name, [self]) { g in
            let d = Kernels.zip(x.contiguous(), out.detached(), df)
            return [g * d]
        }
    }

    func exp() -> Tensor { unaryOp("exp", { expf($0) }, { _, y in y }) }
    func log() -> Tensor { unaryOp("log", { logf($0) }, { x, _ in 1 / x }) }
    func sqrt() -> Tensor { unaryOp("sqrt", { $0.squareRoot() }, { _, y in 0.5 / y }) }
    func relu() -> Tensor { unaryOp("relu", { Swift.max($0, 0) }, { x, _ in x > 0 ? 1 : 0 }) }
    func sigmoid() -> Tensor {
        unaryOp("sigmoid", { 1 / (1 + expf(-$0)) }, { _, y in y * (1 - y) })
    }
    /// Exact (erf) GELU, PyTorch's default.
    func gelu() -> Tensor {
        unaryOp("gelu", { 0.5 * $0 * (1 + erff($0 * 0.70710678)) }, { x, _ in
            0.5 * (1 + erff(x * 0.70710678)) + x * 0.39894228 * expf(-0.5 * x * x)
        })
    }
    /// `log(1 + exp(x))`, stable for large |x|.
    func softplus() -> Tensor {
        unaryOp("softplus", { $0 > 0 ? $0 + log1pf(expf(-$0)) : log1pf(expf($0)) }, { x, _ in 1 / (1 + expf(-x)) })
    }

    /// Softmax along `axis` (stable).
    func softmax(axis: Int) -> Tensor {
        let a = ShapeUtil.axis(axis, rank: rank)
        let m = noGrad { self.maxValues(axis: a) }
        let e = (self - m).exp()
        return e / e.sum(axis: a, keepDim: true)
    }

    /// `x / sqrt(sum(x^2, axis) + eps)`.
    func l2Normalized(axis: Int = -1, eps: Float = 1e-12) -> Tensor {
        self / ((self * self).sum(axis: axis, keepDim: true) + eps).sqrt()
    }

    /// Maximum along `axis` (kept as size 1), no gradient (used for stabilisation and arg lookup).
    func maxValues(axis: Int) -> Tensor {
        let perm = (0..<rank).filter { $0 != axis } + [axis]
        var keep = shape
        keep[axis] = 1
        let rows = Kernels.reduceRows(self, axes: [axis], outShape: perm.dropLast().map { shape[$0] }) { p, n in
            var m = -Float.infinity
            for i in 0..<n where p[i] > m { m = p[i] }
            return m
        }
        return rows.reshaped(keep)
    }

    /// Concatenation along `axis`.
    static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        check(!parts.isEmpty, "concat: no tensors")
        let a = ShapeUtil.axis(axis, rank: parts[0].rank)
        var shape = parts[0].shape
        shape[a] = parts.reduce(0) { $0 + $1.shape[a] }
        let out = Tensor.zeros(shape)
        var start = 0
        var ranges: [(Int, Int)] = []
        for p in parts {
            var s = shape
            s[a] = p.shape[a]
            check(p.shape == s, "concat: shape \(p.shape) does not fit \(shape) along axis \(a)")
            let view = out.sliced(axis: a, start: start, end: start + p.shape[a])
            let c = p.contiguous()
            Kernels.stridedCopy(shape: p.shape, src: c.pointer, srcStrides: c.strides,
                                dst: view.pointer, dstStrides: view.strides)
            ranges.append((start, start + p.shape[a]))
            start += p.shape[a]
        }
        return record(out, "concat", parts) { g in ranges.map { g.sliced(axis: a, start: $0.0, end: $0.1).contiguous() } }
    }

    static func stack(_ parts: [Tensor], axis: Int = 0) -> Tensor {
        concat(parts.map { $0.unsqueezed(axis) }, axis: axis)
    }

    /// Rows `indices` of a 2-D tensor: `[M, D] -> [indices.count, D]` (gradient scatter-added).
    func indexSelect(rows indices: [Int]) -> Tensor {
        check(rank == 2, "indexSelect: expects [M, D], got \(shape)")
        let src = contiguous(), d = shape[1], m = shape[0]
        let out = Tensor(uninitializedShape: [indices.count, d])
        for (r, i) in indices.enumerated() {
            check(i >= 0 && i < m, "indexSelect: index \(i) out of range for \(shape)")
            (out.pointer + r * d).update(from: src.pointer + i * d, count: d)
        }
        return record(out, "index_select", [self]) { g in
            let gc = g.contiguous()
            let full = Tensor.zeros([m, d])
            for (r, i) in indices.enumerated() {
                let dst = full.pointer + i * d, s = gc.pointer + r * d
                for j in 0..<d { dst[j] += s[j] }
            }
            return [full]
        }
    }

    /// Mean of the `k` largest values along the last axis: `[..., N] -> [...]`.
    func topKMean(_ k: Int) -> Tensor {
        let n = shape[rank - 1]
        check(k >= 1 && k <= n, "topKMean: k = \(k) for last axis \(n)")
        let c = contiguous()
        let rows = count / n
        let out = Tensor(uninitializedShape: Array(shape.dropLast()))
        var picks = [[Int]](repeating: [], count: rows)
        for r in 0..<rows {
            let p = c.pointer + r * n
            let idx = (0..<n).sorted { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }.prefix(k)
            picks[r] = Array(idx)
            out.pointer[r] = idx.reduce(0) { $0 + p[$1] } / Float(k)
        }
        let inShape = shape
        return record(out, "topk_mean", [self]) { g in
            let gc = g.contiguous()
            let full = Tensor.zeros(inShape)
            for r in 0..<rows { for i in picks[r] { full.pointer[r * n + i] = gc.pointer[r] / Float(k) } }
            return [full]
        }
    }
}
