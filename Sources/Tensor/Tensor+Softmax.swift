#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Row-wise normalisations: softmax, log-softmax, layer norm, L2 normalisation, cosine similarity.
///
/// Each runs a fused kernel over dense rows of the normalised axis (the last axis directly; other axes are
/// swapped to the end first) with a fused backward kernel; rows are processed in parallel.
extension Tensor {
    /// `exp(x - max) / sum(exp(x - max))` along `axis`. Same shape as the input.
    public func softmax(axis: Int = -1) -> Tensor {
        alongLastAxis(axis) { $0.rowSoftmax(log: false) }
    }

    /// `x - max - log(sum(exp(x - max)))` along `axis`. Same shape as the input.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        alongLastAxis(axis) { $0.rowSoftmax(log: true) }
    }

    /// Layer normalisation over the last dimension: `(x - mean) / sqrt(var + eps) * weight + bias`, with
    /// the biased variance (torch `F.layer_norm(x, [D], weight, bias, eps)`). `weight` and `bias` have
    /// shape `[D]`. Gradients flow to the input, weight and bias.
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        check(rank >= 1, "layerNorm: needs rank >= 1, got \(shape)")
        let d = shape[rank - 1]
        if let weight { check(weight.shape == [d], "layerNorm: weight \(weight.shape) for input \(shape)") }
        if let bias { check(bias.shape == [d], "layerNorm: bias \(bias.shape) for input \(shape)") }
        let x = contiguous()
        let rows = d == 0 ? 0 : count / d
        let wc = weight?.contiguous(), bc = bias?.contiguous()
        let out = Tensor(uninitializedShape: shape)
        let stats = Tensor(uninitializedShape: [2, rows]) // mean, rstd
        Kernels.layerNormForward(x.pointer, out.pointer, rows: rows, n: d, weight: wc?.pointer, bias: bc?.pointer,
                                 eps: eps, mean: stats.pointer, rstd: stats.pointer + rows)
        var inputs = [self]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        return record(out, "layer_norm", inputs) { g in
            let gc = g.contiguous()
            let dx = Tensor(uninitializedShape: x.shape)
            var dw: Tensor? = nil, db: Tensor? = nil
            if weight?.requiresGrad == true { dw = Tensor(uninitializedShape: [d]) }
            if bias?.requiresGrad == true { db = Tensor(uninitializedShape: [d]) }
            Kernels.layerNormBackward(x.pointer, gc.pointer, rows: rows, n: d, weight: wc?.pointer,
                                      mean: stats.pointer, rstd: stats.pointer + rows,
                                      dx: dx.pointer, dw: dw?.pointer, db: db?.pointer)
            var grads: [Tensor?] = [dx]
            if weight != nil { grads.append(dw) }
            if bias != nil { grads.append(db) }
            return grads
        }
    }

    /// `x / max(||x||_2, eps)` along `axis` (torch `F.normalize(x, p=2, dim=axis, eps=eps)`).
    public func l2Normalized(axis: Int = -1, eps: Float = 1e-12) -> Tensor {
        alongLastAxis(axis) { $0.rowL2Normalized(eps: eps) }
    }

    /// Cosine similarity along `axis` after broadcasting the operands:
    /// `sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))` (torch `F.cosine_similarity`).
    /// The result has the broadcast shape without `axis`.
    public func cosineSimilarity(_ other: Tensor, axis: Int = -1, eps: Float = 1e-8) -> Tensor {
        let full = ShapeUtil.broadcast(shape, other.shape)
        let a = ShapeUtil.axis(axis, rank: full.count)
        // Normalise each operand before broadcasting when it already spans the axis (no repeated work).
        func normalised(_ t: Tensor) -> Tensor {
            let local = a - (full.count - t.rank)
            if local >= 0 && t.shape[local] == full[a] { return t.l2Normalized(axis: local, eps: eps) }
            return t.expanded(to: full).l2Normalized(axis: a, eps: eps)
        }
        return (normalised(self) * normalised(other)).sum(axis: a)
    }

    // MARK: - helpers

    /// Applies a last-axis row op along `axis` (swapping it to the end and back when needed).
    func alongLastAxis(_ axis: Int, _ op: (Tensor) -> Tensor) -> Tensor {
        if rank == 0 { return op(reshaped([1])).reshaped([]) }
        let a = ShapeUtil.axis(axis, rank: rank)
        if a == rank - 1 { return op(self) }
        return op(transposed(a, -1)).transposed(a, -1).contiguous()
    }

    /// Softmax or log-softmax of each dense last-axis row.
    func rowSoftmax(log: Bool) -> Tensor {
        let n = shape[rank - 1]
        let x = contiguous()
        let rows = n == 0 ? 0 : count / n
        let out = Tensor(uninitializedShape: shape)
        Kernels.softmaxRows(x.pointer, out.pointer, rows: rows, n: n, log: log)
        return record(out, log ? "log_softmax" : "softmax", [self]) { g in
            let gc = g.contiguous()
            let dx = Tensor(uninitializedShape: out.shape)
            Kernels.softmaxBackwardRows(out.pointer, gc.pointer, dx.pointer, rows: rows, n: n, log: log)
            return [dx]
        }
    }

    /// `x / max(||x||, eps)` of each dense last-axis row.
    func rowL2Normalized(eps: Float) -> Tensor {
        let n = shape[rank - 1]
        let x = contiguous()
        let rows = n == 0 ? 0 : count / n
        let out = Tensor(uninitializedShape: shape)
        var denom = [Float](repeating: 0, count: rows)
        let px = x.pointer, py = out.pointer
        denom.withUnsafeMutableBufferPointer { db in
            let pd = db.baseAddress!
            Threading.parallelFor(rows, grain: Swift.max(1, (1 << 14) / Swift.max(n, 1))) { r in
                for row in r {
                    let xr = px + row * n
                    let nrm = Kernels.dotRow(xr, xr, n).squareRoot()
                    let den = Swift.max(nrm, eps)
                    pd[row] = nrm > eps ? nrm : -eps // sign marks the clamped rows
                    Kernels.vmap(xr, py + row * n, n) { $0 / den }
                }
            }
        }
        return record(out, "l2_normalize", [self]) { g in
            let gc = g.contiguous()
            let dx = Tensor(uninitializedShape: out.shape)
            let pg = gc.pointer, pdx = dx.pointer
            Threading.parallelFor(rows, grain: Swift.max(1, (1 << 14) / Swift.max(n, 1))) { r in
                for row in r {
                    let yr = py + row * n, gr = pg + row * n
                    let den = denom[row]
                    if den < 0 { // clamped: y = x / eps is linear
                        let s = -1 / den
                        Kernels.vmap(gr, pdx + row * n, n) { $0 * s }
                    } else {
                        let dot = Kernels.dotRow(gr, yr, n), s = 1 / den
                        Kernels.vzip(gr, yr, pdx + row * n, n) { g, y in (g - y * dot) * s }
                    }
                }
            }
            return [dx]
        }
    }
}

extension Kernels {
    /// Sum of `a[i] * b[i]` with eight float lanes.
    @inlinable @inline(__always)
    public static func dotRow(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = Float8(repeating: 0), acc1 = Float8(repeating: 0)
        var i = 0
        while i + 16 <= n {
            acc0 = acc0.addingProduct(load8(a + i), load8(b + i))
            acc1 = acc1.addingProduct(load8(a + i + 8), load8(b + i + 8))
            i += 16
        }
        if i + 8 <= n { acc0 = acc0.addingProduct(load8(a + i), load8(b + i)); i += 8 }
        var s = (acc0 + acc1).sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// Row-wise softmax (or log-softmax) of `rows` dense rows of length `n`.
    static func softmaxRows(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, n: Int, log: Bool) {
        if n == 0 { return }
        Threading.parallelFor(rows, grain: Swift.max(1, (1 << 13) / n)) { r in
            for row in r { softmaxRow(x + row * n, y + row * n, n: n, log: log) }
        }
    }

    /// Softmax (or log-softmax) of one dense row of `n > 0` values (`y` may equal `x`).
    @inline(__always)
    static func softmaxRow(_ xr: UnsafePointer<Float>, _ yr: UnsafeMutablePointer<Float>, n: Int, log: Bool) {
        // 1. max
        var mv = Float8(repeating: -.infinity)
        var i = 0
        while i + 8 <= n { let v = load8(xr + i); mv = mv.replacing(with: v, where: v .> mv); i += 8 }
        var m = mv.max()
        while i < n { if xr[i] > m { m = xr[i] }; i += 1 }
        if m == -.infinity { m = 0 } // all -inf: exp gives 0s and the sum 0 (NaN/-inf, as torch)
        // 2. exp(x - m), sum
        let mm = Float8(repeating: m)
        var acc = Float8(repeating: 0)
        i = 0
        if log {
            while i + 8 <= n { acc += exp8(load8(xr + i) - mm); i += 8 }
            if i < n { acc += exp8(loadPartial(xr + i, n - i, fill: -.infinity) - mm) }
            let ls = Float8(repeating: logf(acc.sum()))
            vmap(xr, yr, n) { ($0 - mm) - ls }
        } else {
            while i + 8 <= n { let e = exp8(load8(xr + i) - mm); store8(e, yr + i); acc += e; i += 8 }
            if i < n {
                let e = exp8(loadPartial(xr + i, n - i, fill: -.infinity) - mm)
                storePartial(e, yr + i, n - i); acc += e
            }
            let inv = 1 / acc.sum()
            vmap(yr, yr, n) { $0 * inv }
        }
    }

    /// `row[i] = exp(row[i] - max(row))` in place over `n` values; returns their sum (the softmax
    /// denominator, left to the caller to divide by, e.g. once per output row of attention).
    static func expShiftedRow(_ row: UnsafeMutablePointer<Float>, n: Int) -> Float {
        var mv = Float8(repeating: -.infinity)
        var i = 0
        while i + 8 <= n { let v = load8(row + i); mv = mv.replacing(with: v, where: v .> mv); i += 8 }
        var m = -Float.infinity
        for l in 0..<8 where mv[l] > m { m = mv[l] }
        while i < n { if row[i] > m { m = row[i] }; i += 1 }
        if m == -.infinity { m = 0 }
        let mm = Float8(repeating: m)
        var acc = Float8(repeating: 0)
        i = 0
        while i + 8 <= n { let e = exp8(load8(row + i) - mm); store8(e, row + i); acc += e; i += 8 }
        if i < n {
            let e = exp8(loadPartial(row + i, n - i, fill: -.infinity) - mm)
            storePartial(e, row + i, n - i); acc += e
        }
        return acc.sum()
    }

    /// Backward of ``softmaxRows``: `dx = y (g - sum(g y))`, or for log-softmax `dx = g - exp(y) sum(g)`.
    static func softmaxBackwardRows(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                    rows: Int, n: Int, log: Bool) {
        if n == 0 { return }
        Threading.parallelFor(rows, grain: Swift.max(1, (1 << 13) / n)) { r in
            for row in r {
                let yr = y + row * n, gr = g + row * n, dr = dx + row * n
                if log {
                    let s = Float8(repeating: sumRow(gr, n))
                    vzip(gr, yr, dr, n) { g, y in g - exp8(y) * s }
                } else {
                    let dot = Float8(repeating: dotRow(gr, yr, n))
                    vzip(gr, yr, dr, n) { g, y in y * (g - dot) }
                }
            }
        }
    }

    /// Layer norm of dense rows; writes each row's mean and reciprocal standard deviation. A missing
    /// weight counts as ones and a missing bias as zeros.
    static func layerNormForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, n: Int,
                                 weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float,
                                 mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>) {
        if n == 0 || rows == 0 { return }
        let ones = [Float](repeating: 1, count: weight == nil ? n : 0)
        let zeros = [Float](repeating: 0, count: bias == nil ? n : 0)
        ones.withUnsafeBufferPointer { ob in zeros.withUnsafeBufferPointer { zb in
            let w = weight ?? ob.baseAddress!, b = bias ?? zb.baseAddress!
            Threading.parallelFor(rows, grain: Swift.max(1, (1 << 13) / n)) { r in
                for row in r {
                    let xr = x + row * n, yr = y + row * n
                    // Two passes over a row that sits in L1: the mean (summed relative to the first element,
                    // so a large common offset costs no precision), then the centred sum of squares.
                    let pivot = xr[0], pv = Float8(repeating: pivot)
                    var sa = Float8(repeating: 0), sb = Float8(repeating: 0)
                    var i = 0
                    while i + 16 <= n { sa += load8(xr + i) - pv; sb += load8(xr + i + 8) - pv; i += 16 }
                    var sum = (sa + sb).sum()
                    while i < n { sum += xr[i] - pivot; i += 1 }
                    let mu = pivot + sum / Float(n)
                    let mv = Float8(repeating: mu)
                    var acc0 = Float8(repeating: 0), acc1 = Float8(repeating: 0)
                    i = 0
                    while i + 16 <= n {
                        let c0 = load8(xr + i) - mv, c1 = load8(xr + i + 8) - mv
                        acc0 = acc0.addingProduct(c0, c0); acc1 = acc1.addingProduct(c1, c1)
                        i += 16
                    }
                    var ss = (acc0 + acc1).sum()
                    while i < n { let c = xr[i] - mu; ss += c * c; i += 1 }
                    let rs = 1 / (ss / Float(n) + eps).squareRoot()
                    mean[row] = mu; rstd[row] = rs
                    let rv = Float8(repeating: rs)
                    i = 0
                    while i + 8 <= n {
                        store8(((load8(xr + i) - mv) * rv) * load8(w + i) + load8(b + i), yr + i)
                        i += 8
                    }
                    while i < n { yr[i] = (xr[i] - mu) * rs * w[i] + b[i]; i += 1 }
                }
            }
        } }
    }

    /// Backward of ``layerNormForward``: `dx = rstd (gw - mean(gw) - xhat mean(gw xhat))` with `gw = g w`;
    /// `dw`/`db` (optional) receive the column sums of `g xhat` and `g`.
    static func layerNormBackward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, rows: Int, n: Int,
                                  weight: UnsafePointer<Float>?, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                  dx: UnsafeMutablePointer<Float>, dw: UnsafeMutablePointer<Float>?,
                                  db: UnsafeMutablePointer<Float>?) {
        if n == 0 { return }
        let invN = 1 / Float(n)
        let ones = [Float](repeating: 1, count: weight == nil ? n : 0)
        ones.withUnsafeBufferPointer { ob in
            let w = weight ?? ob.baseAddress!
            Threading.parallelFor(rows, grain: Swift.max(1, (1 << 13) / n)) { r in
                for row in r {
                    let xr = x + row * n, gr = g + row * n, dr = dx + row * n
                    let mv = Float8(repeating: mean[row]), rv = Float8(repeating: rstd[row])
                    var a = Float8(repeating: 0), b = Float8(repeating: 0)
                    var i = 0
                    while i + 8 <= n {
                        let gw = load8(gr + i) * load8(w + i)
                        a += gw
                        b = b.addingProduct(gw, (load8(xr + i) - mv) * rv)
                        i += 8
                    }
                    if i < n {
                        let k = n - i
                        let gw = loadPartial(gr + i, k) * loadPartial(w + i, k)
                        a += gw
                        b = b.addingProduct(gw, (loadPartial(xr + i, k) - mv) * rv)
                    }
                    let ca = Float8(repeating: a.sum() * invN), cb = Float8(repeating: b.sum() * invN)
                    i = 0
                    while i + 8 <= n {
                        let gw = load8(gr + i) * load8(w + i), xh = (load8(xr + i) - mv) * rv
                        store8(rv * (gw - ca - xh * cb), dr + i)
                        i += 8
                    }
                    if i < n {
                        let k = n - i
                        let gw = loadPartial(gr + i, k) * loadPartial(w + i, k), xh = (loadPartial(xr + i, k) - mv) * rv
                        storePartial(rv * (gw - ca - xh * cb), dr + i, k)
                    }
                }
            }
        }
        if dw == nil && db == nil { return }
        // Column sums over rows, parallel over column blocks (each block walks all rows).
        Threading.parallelFor(n, grain: Swift.max(16, (1 << 13) / Swift.max(rows, 1))) { c in
            for j in c { dw?[j] = 0; db?[j] = 0 }
            for row in 0..<rows {
                let xr = x + row * n, gr = g + row * n
                let mu = mean[row], rs = rstd[row]
                if let dw { for j in c { dw[j] += gr[j] * ((xr[j] - mu) * rs) } }
                if let db { for j in c { db[j] += gr[j] } }
            }
        }
    }
}
