/// Spatial resizing of NCHW tensors, matching torch `F.interpolate` (no antialias).
extension Tensor {
    /// Nearest-neighbour resize (torch `mode='nearest'`): output index `d` reads input
    /// `Swift.min(floor(d * in / out), in - 1)`, with the scale `in / out` computed in `Float` as torch does.
    ///
    /// - Returns: `[N, C, size.0, size.1]` for `self` `[N, C, H, W]`. Differentiable (gradients of all
    ///   outputs reading a pixel are summed).
    public func upsampleNearest(size: (Int, Int)) -> Tensor {
        check(rank == 4, "upsampleNearest: input must be [N, C, H, W], got \(shape)")
        check(size.0 >= 1 && size.1 >= 1, "upsampleNearest: size \(size) must be positive")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        check(h >= 1 && w >= 1, "upsampleNearest: input \(shape) is empty")
        let (oh, ow) = size
        let rowIdx = Tensor.nearestIndices(input: h, output: oh), colIdx = Tensor.nearestIndices(input: w, output: ow)
        let planes = n * c, inPlane = h * w, outPlane = oh * ow
        let x = contiguousView()
        let out = Tensor(uninitializedShape: [n, c, oh, ow])
        let src = x.pointer, dst = out.pointer
        Threading.parallelFor(planes * oh, grain: Swift.max(1, 16_384 / Swift.max(ow, 1))) { range in
            for t in range {
                let p = t / oh, i = t % oh
                let s = src + p * inPlane + rowIdx[i] * w, d = dst + t * ow
                for j in 0..<ow { d[j] = s[colIdx[j]] }
            }
        }
        let inShape = shape
        return record(out, "upsampleNearest", [self]) { g in
            let gc = g.contiguousView()
            let gx = Tensor(shape: inShape, repeating: 0)
            let gp = gc.pointer, dx = gx.pointer
            Threading.parallelFor(planes, grain: Swift.max(1, 16_384 / Swift.max(outPlane, 1))) { range in
                for p in range {
                    let gq = gp + p * outPlane, d = dx + p * inPlane
                    for i in 0..<oh {
                        let row = d + rowIdx[i] * w, gr = gq + i * ow
                        for j in 0..<ow { row[colIdx[j]] += gr[j] }
                    }
                }
            }
            return [gx]
        }
    }

    /// Bilinear resize matching torch `F.interpolate(mode='bilinear', align_corners:)` without antialias.
    ///
    /// With `alignCorners` the corner pixels' centres map onto each other (`src = d * (in - 1) / (out - 1)`);
    /// without it pixel areas do (`src = Swift.max(0, (d + 0.5) * in / out - 0.5)`). Coordinates are computed in
    /// `Float` as torch does.
    /// - Returns: `[N, C, size.0, size.1]` for `self` `[N, C, H, W]`. Differentiable.
    public func upsampleBilinear(size: (Int, Int), alignCorners: Bool) -> Tensor {
        check(rank == 4, "upsampleBilinear: input must be [N, C, H, W], got \(shape)")
        check(size.0 >= 1 && size.1 >= 1, "upsampleBilinear: size \(size) must be positive")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        check(h >= 1 && w >= 1, "upsampleBilinear: input \(shape) is empty")
        let (oh, ow) = size
        let ry = Tensor.linearTaps(input: h, output: oh, alignCorners: alignCorners)
        let rx = Tensor.linearTaps(input: w, output: ow, alignCorners: alignCorners)
        let planes = n * c, inPlane = h * w, outPlane = oh * ow
        let x = contiguousView()
        let out = Tensor(uninitializedShape: [n, c, oh, ow])
        let src = x.pointer, dst = out.pointer
        ry.withUnsafeBufferPointer { ryb in
            rx.withUnsafeBufferPointer { rxb in
                let tys = ryb.baseAddress!, txs = rxb.baseAddress!
                Threading.parallelFor(planes * oh, grain: Swift.max(1, 8_192 / Swift.max(ow, 1))) { range in
                    for t in range {
                        let p = t / oh, ty = tys[t % oh]
                        let r0 = src + p * inPlane + ty.i0 * w, r1 = src + p * inPlane + ty.i1 * w, d = dst + t * ow
                        for j in 0..<ow {
                            let tx = txs[j]
                            let top = tx.l0 * r0[tx.i0] + tx.l1 * r0[tx.i1]
                            let bottom = tx.l0 * r1[tx.i0] + tx.l1 * r1[tx.i1]
                            d[j] = ty.l0 * top + ty.l1 * bottom
                        }
                    }
                }
            }
        }
        let inShape = shape
        return record(out, "upsampleBilinear", [self]) { g in
            let gc = g.contiguousView()
            let gx = Tensor(shape: inShape, repeating: 0)
            let gp = gc.pointer, dx = gx.pointer
            ry.withUnsafeBufferPointer { ryb in
                rx.withUnsafeBufferPointer { rxb in
                    let tys = ryb.baseAddress!, txs = rxb.baseAddress!
                    Threading.parallelFor(planes, grain: Swift.max(1, 8_192 / Swift.max(outPlane, 1))) { range in
                        for p in range {
                            let gq = gp + p * outPlane, d = dx + p * inPlane
                            for i in 0..<oh {
                                let ty = tys[i]
                                let r0 = d + ty.i0 * w, r1 = d + ty.i1 * w, gr = gq + i * ow
                                for j in 0..<ow {
                                    let tx = txs[j], v = gr[j]
                                    let v0 = ty.l0 * v, v1 = ty.l1 * v
                                    r0[tx.i0] += tx.l0 * v0
                                    r0[tx.i1] += tx.l1 * v0
                                    r1[tx.i0] += tx.l0 * v1
                                    r1[tx.i1] += tx.l1 * v1
                                }
                            }
                        }
                    }
                }
            }
            return [gx]
        }
    }

    /// torch's `nearest_idx` for one axis.
    static func nearestIndices(input: Int, output: Int) -> [Int] {
        if input == output { return Array(0..<output) }
        if output == 2 * input { return (0..<output).map { $0 >> 1 } }
        let scale = Float(input) / Float(output)
        return (0..<output).map { Swift.min(Int((Float($0) * scale).rounded(.down)), input - 1) }
    }

    /// The two input taps and weights of linear interpolation per output index (torch's
    /// `area_pixel_compute_source_index` and `compute_indices_weights_linear`, in `Float`).
    static func linearTaps(input: Int, output: Int, alignCorners: Bool) -> [LinearTap] {
        let scale: Float
        if alignCorners {
            scale = output > 1 ? Float(input - 1) / Float(output - 1) : 0
        } else {
            scale = Float(input) / Float(output)
        }
        return (0..<output).map { d in
            var src: Float
            if alignCorners {
                src = scale * Float(d)
            } else {
                src = scale * (Float(d) + 0.5) - 0.5
                if src < 0 { src = 0 }
            }
            let i0 = Swift.min(Int(src), input - 1)
            let i1 = i0 + (i0 < input - 1 ? 1 : 0)
            let l1 = src - Float(i0)
            return LinearTap(i0: i0, i1: i1, l0: 1 - l1, l1: l1)
        }
    }
}

/// One output index of linear interpolation: `value = l0 * x[i0] + l1 * x[i1]`.
struct LinearTap {
    var i0: Int, i1: Int
    var l0: Float, l1: Float
}
