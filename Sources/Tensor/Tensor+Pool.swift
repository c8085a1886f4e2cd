/// 2-D pooling on NCHW tensors (torch semantics, floor mode).
extension Tensor {
    /// Average pooling (torch `F.avg_pool2d`, `ceil_mode=False`).
    ///
    /// - Parameters:
    ///   - kernel: window `(kh, kw)`.
    ///   - stride: defaults to `kernel`.
    ///   - padding: implicit zeros on both sides; at most half the kernel.
    ///   - countIncludePad: divide by the full window (`kh * kw`) rather than by its in-image part.
    /// - Returns: `[N, C, OH, OW]` with `OH = (H + 2 * ph - kh) / sh + 1`, for `self` `[N, C, H, W]`.
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                          countIncludePad: Bool = true) -> Tensor {
        let s = stride ?? kernel
        let (rows, cols) = poolWindows("avgPool2d", kernel: kernel, stride: s, padding: padding)
        return windowAverage("avgPool2d", rows: rows, cols: cols,
                             fixedDivisor: countIncludePad ? Float(kernel.0 * kernel.1) : nil)
    }

    /// Adaptive average pooling (torch `F.adaptive_avg_pool2d`): output cell `i` along an axis of input size
    /// `H` averages input rows `floor(i * H / OH) ..< ceil((i + 1) * H / OH)`.
    ///
    /// - Returns: `[N, C, outputSize.0, outputSize.1]` for `self` `[N, C, H, W]`.
    public func adaptiveAvgPool2d(outputSize: (Int, Int)) -> Tensor {
        check(rank == 4, "adaptiveAvgPool2d: input must be [N, C, H, W], got \(shape)")
        check(outputSize.0 >= 1 && outputSize.1 >= 1, "adaptiveAvgPool2d: output size \(outputSize) must be positive")
        func windows(_ size: Int, _ out: Int) -> [(Int, Int)] {
            (0..<out).map { i in ((i * size) / out, ((i + 1) * size + out - 1) / out) }
        }
        return windowAverage("adaptiveAvgPool2d", rows: windows(shape[2], outputSize.0),
                             cols: windows(shape[3], outputSize.1), fixedDivisor: nil)
    }

    /// Max pooling (torch `F.max_pool2d`, `ceil_mode=False`, dilation 1); padding acts as `-inf`.
    ///
    /// The gradient flows to the first maximum of each window (row-major scan, as torch); NaN wins.
    /// - Returns: `[N, C, OH, OW]` with `OH = (H + 2 * ph - kh) / sh + 1`, for `self` `[N, C, H, W]`.
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
        let s = stride ?? kernel
        let (rows, cols) = poolWindows("maxPool2d", kernel: kernel, stride: s, padding: padding)
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let oh = rows.count, ow = cols.count, planes = n * c, inPlane = h * w, outPlane = oh * ow
        let x = contiguousView()
        let out = Tensor(uninitializedShape: [n, c, oh, ow])
        var argmax = [Int32](repeating: 0, count: planes * outPlane)
        let src = x.pointer, dst = out.pointer
        argmax.withUnsafeMutableBufferPointer { am in
            let idx = am.baseAddress!
            Threading.parallelFor(planes, grain: Swift.max(1, 16_384 / Swift.max(inPlane, 1))) { range in
                for p in range {
                    let xp = src + p * inPlane, op = dst + p * outPlane, ip = idx + p * outPlane
                    for i in 0..<oh {
                        let (h0, h1) = rows[i]
                        for j in 0..<ow {
                            let (w0, w1) = cols[j]
                            var best = -Float.infinity, at = h0 * w + w0
                            for y in h0..<h1 {
                                for xx in w0..<w1 {
                                    let v = xp[y * w + xx]
                                    if v > best || v.isNaN { best = v; at = y * w + xx }
                                }
                            }
                            op[i * ow + j] = best
                            ip[i * ow + j] = Int32(at)
                        }
                    }
                }
            }
        }
        let inShape = shape, indices = argmax
        return record(out, "maxPool2d", [self]) { g in
            let gc = g.contiguousView()
            let gx = Tensor(shape: inShape, repeating: 0)
            let gp = gc.pointer, dx = gx.pointer
            indices.withUnsafeBufferPointer { am in
                let idx = am.baseAddress!
                Threading.parallelFor(planes, grain: Swift.max(1, 16_384 / Swift.max(outPlane, 1))) { range in
                    for p in range {
                        let d = dx + p * inPlane, gq = gp + p * outPlane, ip = idx + p * outPlane
                        for k in 0..<outPlane { d[Int(ip[k])] += gq[k] }
                    }
                }
            }
            return [gx]
        }
    }

    /// Validates a pooling call and returns, per output row / column, the in-image window `lo ..< hi`.
    func poolWindows(_ op: String, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int))
        -> ([(Int, Int)], [(Int, Int)]) {
        check(rank == 4, "\(op): input must be [N, C, H, W], got \(shape)")
        check(kernel.0 >= 1 && kernel.1 >= 1 && stride.0 >= 1 && stride.1 >= 1,
              "\(op): kernel \(kernel) and stride \(stride) must be positive")
        check(padding.0 >= 0 && padding.1 >= 0 && 2 * padding.0 <= kernel.0 && 2 * padding.1 <= kernel.1,
              "\(op): padding \(padding) must be between 0 and half the kernel \(kernel)")
        let h = shape[2], w = shape[3]
        let oh = (h + 2 * padding.0 - kernel.0) / stride.0 + 1, ow = (w + 2 * padding.1 - kernel.1) / stride.1 + 1
        check(h + 2 * padding.0 >= kernel.0 && w + 2 * padding.1 >= kernel.1 && oh >= 1 && ow >= 1,
              "\(op): input \(shape) with padding \(padding) is smaller than the kernel \(kernel)")
        func windows(_ size: Int, _ out: Int, _ k: Int, _ s: Int, _ p: Int) -> [(Int, Int)] {
            (0..<out).map { i in (Swift.max(i * s - p, 0), Swift.min(i * s - p + k, size)) }
        }
        return (windows(h, oh, kernel.0, stride.0, padding.0), windows(w, ow, kernel.1, stride.1, padding.1))
    }

    /// Averages rectangular windows `rows[i] x cols[j]` of each plane; divides by `fixedDivisor` or, when
    /// nil, by the window's area. Differentiable.
    func windowAverage(_ op: String, rows: [(Int, Int)], cols: [(Int, Int)], fixedDivisor: Float?) -> Tensor {
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let oh = rows.count, ow = cols.count, planes = n * c, inPlane = h * w, outPlane = oh * ow
        // Reciprocal divisors per output cell (shared by all planes).
        var inv = [Float](repeating: 0, count: outPlane)
        for i in 0..<oh {
            for j in 0..<ow {
                let area = (rows[i].1 - rows[i].0) * (cols[j].1 - cols[j].0)
                inv[i * ow + j] = 1 / (fixedDivisor ?? Float(Swift.max(area, 1)))
            }
        }
        let x = contiguousView()
        let out = Tensor(uninitializedShape: [n, c, oh, ow])
        let src = x.pointer, dst = out.pointer
        inv.withUnsafeBufferPointer { ivb in
            let iv = ivb.baseAddress!
            Threading.parallelFor(planes, grain: Swift.max(1, 16_384 / Swift.max(inPlane, 1))) { range in
                for p in range {
                    let xp = src + p * inPlane, o = dst + p * outPlane
                    for i in 0..<oh {
                        let (h0, h1) = rows[i]
                        for j in 0..<ow {
                            let (w0, w1) = cols[j]
                            var s: Float = 0
                            for y in h0..<h1 { for xx in w0..<w1 { s += xp[y * w + xx] } }
                            o[i * ow + j] = s * iv[i * ow + j]
                        }
                    }
                }
            }
        }
        let inShape = shape
        return record(out, op, [self]) { g in
            let gc = g.contiguousView()
            let gx = Tensor(shape: inShape, repeating: 0)
            let gp = gc.pointer, dx = gx.pointer
            inv.withUnsafeBufferPointer { ivb in
                let iv = ivb.baseAddress!
                Threading.parallelFor(planes, grain: Swift.max(1, 16_384 / Swift.max(inPlane, 1))) { range in
                    for p in range {
                        let d = dx + p * inPlane, gq = gp + p * outPlane
                        for i in 0..<oh {
                            let (h0, h1) = rows[i]
                            for j in 0..<ow {
                                let (w0, w1) = cols[j]
                                let v = gq[i * ow + j] * iv[i * ow + j]
                                for y in h0..<h1 { for xx in w0..<w1 { d[y * w + xx] += v } }
                            }
                        }
                    }
                }
            }
            return [gx]
        }
    }
}
