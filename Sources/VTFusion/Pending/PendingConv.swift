import Tensor

// Stand-ins for `ops-conv` (conv2d, bilinear upsampling) with the same names and semantics. `ops-conv` does
// not build together with `ops-math` yet (its pooling code calls `max` inside `extension Tensor`); delete this
// file once a merged, building `ops-conv` is available.

extension Tensor {
    /// 2-D convolution, NCHW: `[B, C, H, W] * [O, C, kh, kw] -> [B, O, Ho, Wo]` (groups = 1, dilation = 1).
    func conv2d(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        check(rank == 4 && weight.rank == 4 && weight.shape[1] == shape[1] && groups == 1
              && dilation == (1, 1), "conv2d: input \(shape), weight \(weight.shape)")
        let (b, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        let ho = (h + 2 * padding.0 - kh) / stride.0 + 1, wo = (w + 2 * padding.1 - kw) / stride.1 + 1
        let ck = c * kh * kw, hw = ho * wo
        let x = contiguous(), wt = weight.contiguous()
        // cols[b]: [C*kh*kw, Ho*Wo]
        let cols = Tensor.zeros([b, ck, hw])
        for n in 0..<b {
            let src = x.pointer + n * c * h * w, dst = cols.pointer + n * ck * hw
            for ci in 0..<c { for i in 0..<kh { for j in 0..<kw {
                let row = dst + ((ci * kh + i) * kw + j) * hw
                for y in 0..<ho {
                    let sy = y * stride.0 - padding.0 + i
                    if sy < 0 || sy >= h { continue }
                    for xo in 0..<wo {
                        let sx = xo * stride.1 - padding.1 + j
                        if sx >= 0 && sx < w { row[y * wo + xo] = src[(ci * h + sy) * w + sx] }
                    }
                }
            } } }
        }
        let out = Tensor(uninitializedShape: [b, o, ho, wo])
        for n in 0..<b {
            BLAS.sgemm(transA: false, transB: false, m: o, n: hw, k: ck, a: wt.pointer, lda: ck,
                       b: cols.pointer + n * ck * hw, ldb: hw, c: out.pointer + n * o * hw, ldc: hw)
        }
        let xShape = shape
        let conv = record(out, "conv2d", [self, weight]) { g in
            let gc = g.contiguous()
            let gw = Tensor.zeros([o, ck])
            let gx = Tensor.zeros(xShape)
            let gcols = Tensor(uninitializedShape: [ck, hw])
            for n in 0..<b {
                let gn = gc.pointer + n * o * hw
                BLAS.sgemm(transA: false, transB: true, m: o, n: ck, k: hw, a: gn, lda: hw,
                           b: cols.pointer + n * ck * hw, ldb: hw, beta: 1, c: gw.pointer, ldc: ck)
                BLAS.sgemm(transA: true, transB: false, m: ck, n: hw, k: o, a: wt.pointer, lda: ck,
                           b: gn, ldb: hw, c: gcols.pointer, ldc: hw)
                let dst = gx.pointer + n * c * h * w
                for ci in 0..<c { for i in 0..<kh { for j in 0..<kw {
                    let row = gcols.pointer + ((ci * kh + i) * kw + j) * hw
                    for y in 0..<ho {
                        let sy = y * stride.0 - padding.0 + i
                        if sy < 0 || sy >= h { continue }
                        for xo in 0..<wo {
                            let sx = xo * stride.1 - padding.1 + j
                            if sx >= 0 && sx < w { dst[(ci * h + sy) * w + sx] += row[y * wo + xo] }
                        }
                    }
                } } }
            }
            return [gx, gw.reshaped([o, c, kh, kw])]
        }
        guard let bias else { return conv }
        return conv + bias.reshaped([1, o, 1, 1])
    }

    /// Bilinear resize of `[B, C, H, W]` to `size` (PyTorch `interpolate(mode="bilinear")` semantics).
    func upsampleBilinear(size: (Int, Int), alignCorners: Bool = false) -> Tensor {
        check(rank == 4, "upsampleBilinear: expects [B, C, H, W], got \(shape)")
        let (bc, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let (oh, ow) = size
        func taps(_ n: Int, _ m: Int) -> [(Int, Int, Float)] {
            (0..<m).map { i in
                var src: Float
                if alignCorners { src = m > 1 ? Float(i) * Float(n - 1) / Float(m - 1) : 0 }
                else { src = Swift.max((Float(i) + 0.5) * Float(n) / Float(m) - 0.5, 0) }
                let i0 = Swift.min(Int(src), n - 1), i1 = Swift.min(i0 + 1, n - 1)
                return (i0, i1, src - Float(i0))
            }
        }
        let ty = taps(h, oh), tx = taps(w, ow)
        let x = contiguous()
        let out = Tensor(uninitializedShape: [shape[0], shape[1], oh, ow])
        for p in 0..<bc {
            let s = x.pointer + p * h * w, d = out.pointer + p * oh * ow
            for (y, (y0, y1, ly)) in ty.enumerated() {
                for (xo, (x0, x1, lx)) in tx.enumerated() {
                    let top = s[y0 * w + x0] * (1 - lx) + s[y0 * w + x1] * lx
                    let bot = s[y1 * w + x0] * (1 - lx) + s[y1 * w + x1] * lx
                    d[y * ow + xo] = top * (1 - ly) + bot * ly
                }
            }
        }
        let inShape = shape
        return record(out, "upsample_bilinear", [self]) { g in
            let gc = g.contiguous()
            let gx = Tensor.zeros(inShape)
            for p in 0..<bc {
                let s = gc.pointer + p * oh * ow, d = gx.pointer + p * h * w
                for (y, (y0, y1, ly)) in ty.enumerated() {
                    for (xo, (x0, x1, lx)) in tx.enumerated() {
                        let v = s[y * ow + xo]
                        d[y0 * w + x0] += v * (1 - ly) * (1 - lx)
                        d[y0 * w + x1] += v * (1 - ly) * lx
                        d[y1 * w + x0] += v * ly * (1 - lx)
                        d[y1 * w + x1] += v * ly * lx
                    }
                }
            }
            return [gx]
        }
    }
}
