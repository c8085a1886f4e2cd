/// 2-D convolutions on NCHW tensors (torch semantics), on im2col + BLAS `sgemm`.
extension Tensor {
    /// 2-D convolution (cross-correlation, like torch `F.conv2d`).
    ///
    /// - Parameters:
    ///   - weight: `[O, C / groups, kh, kw]`.
    ///   - bias: `[O]`, optional.
    ///   - stride, padding, dilation: per axis `(height, width)`; padding is zeros on both sides.
    ///   - groups: `C` and `O` must both be divisible by it.
    /// - Returns: `[N, O, OH, OW]` with `OH = (H + 2 * ph - dh * (kh - 1) - 1) / sh + 1` (same for `OW`),
    ///   for `self` of shape `[N, C, H, W]`. Differentiable in the input, the weight and the bias.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        check(rank == 4, "conv2d: input must be [N, C, H, W], got \(shape)")
        check(weight.rank == 4, "conv2d: weight must be [O, C/groups, kh, kw], got \(weight.shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        check(groups >= 1 && c % groups == 0 && o % groups == 0 && weight.shape[1] * groups == c,
              "conv2d: input \(shape), weight \(weight.shape), groups \(groups): need C = weight[1] * groups and O % groups == 0")
        check(stride.0 >= 1 && stride.1 >= 1 && dilation.0 >= 1 && dilation.1 >= 1 && padding.0 >= 0 && padding.1 >= 0,
              "conv2d: stride \(stride) and dilation \(dilation) must be >= 1, padding \(padding) >= 0")
        if let bias { check(bias.shape == [o], "conv2d: bias must be [\(o)], got \(bias.shape)") }
        let oh = ConvGeometry.outputSize(h, kernel: kh, stride: stride.0, padding: padding.0, dilation: dilation.0)
        let ow = ConvGeometry.outputSize(w, kernel: kw, stride: stride.1, padding: padding.1, dilation: dilation.1)
        check(oh >= 1 && ow >= 1, "conv2d: input \(shape) too small for kernel \(weight.shape) (padding \(padding), dilation \(dilation))")
        let geo = ConvGeometry(channels: c, height: h, width: w, kh: kh, kw: kw, sh: stride.0, sw: stride.1,
                               ph: padding.0, pw: padding.1, dh: dilation.0, dw: dilation.1, outHeight: oh, outWidth: ow)
        let problem = ConvProblem(geo: geo, batch: n, columnChannels: o, groups: groups)

        let x = contiguousView(), wt = weight.contiguousView(), bs = bias?.contiguousView()
        let out = Tensor(uninitializedShape: [n, o, oh, ow])
        if out.count > 0 {
            Kernels.convImageToColumns(problem, x: x.pointer, weight: wt.pointer, y: out.pointer)
            if let bs { Kernels.addChannelBias(out.pointer, bias: bs.pointer, batch: n, channels: o, length: oh * ow) }
        }
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        let needX = requiresGrad, needW = weight.requiresGrad, needB = bias?.requiresGrad ?? false
        return record(out, "conv2d", inputs) { g in
            let gc = g.contiguousView()
            var gx: Tensor? = nil, gw: Tensor? = nil, gb: Tensor? = nil
            if needX {
                let t = Tensor(uninitializedShape: [n, c, h, w])
                Kernels.convColumnsToImage(problem, y: gc.pointer, weight: wt.pointer, x: t.pointer)
                gx = t
            }
            if needW {
                let t = Tensor(uninitializedShape: wt.shape)
                Kernels.convWeightGradient(problem, y: gc.pointer, x: x.pointer, into: t.pointer)
                gw = t
            }
            if needB {
                let t = Tensor(uninitializedShape: [o])
                Kernels.channelSums(gc.pointer, batch: n, channels: o, length: oh * ow, into: t.pointer)
                gb = t
            }
            return bias == nil ? [gx, gw] : [gx, gw, gb]
        }
    }

    /// 2-D transposed convolution (torch `F.conv_transpose2d`): the gradient of ``conv2d`` with respect to
    /// its input, plus a bias.
    ///
    /// - Parameters:
    ///   - weight: `[C, O / groups, kh, kw]` (torch's transposed-conv layout).
    ///   - bias: `[O]`, optional.
    ///   - outputPadding: extra rows/columns added on the bottom/right of the output; each must be smaller
    ///     than the stride or the dilation of its axis.
    ///   - dilation: kernel dilation (torch's `dilation`), default 1.
    /// - Returns: `[N, O, OH, OW]` with `OH = (H - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1` (same for
    ///   `OW`), for `self` of shape `[N, C, H, W]`. Differentiable in the input, the weight and the bias.
    public func convTranspose2d(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                                padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0), groups: Int = 1,
                                dilation: (Int, Int) = (1, 1)) -> Tensor {
        check(rank == 4, "convTranspose2d: input must be [N, C, H, W], got \(shape)")
        check(weight.rank == 4, "convTranspose2d: weight must be [C, O/groups, kh, kw], got \(weight.shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (kh, kw) = (weight.shape[2], weight.shape[3])
        let o = weight.shape[1] * groups
        check(groups >= 1 && c % groups == 0 && weight.shape[0] == c,
              "convTranspose2d: input \(shape), weight \(weight.shape), groups \(groups): need weight[0] = C and C % groups == 0")
        check(stride.0 >= 1 && stride.1 >= 1 && dilation.0 >= 1 && dilation.1 >= 1 && padding.0 >= 0 && padding.1 >= 0,
              "convTranspose2d: stride \(stride) and dilation \(dilation) must be >= 1, padding \(padding) >= 0")
        check(outputPadding.0 >= 0 && outputPadding.1 >= 0
              && (outputPadding.0 < stride.0 || outputPadding.0 < dilation.0)
              && (outputPadding.1 < stride.1 || outputPadding.1 < dilation.1),
              "convTranspose2d: outputPadding \(outputPadding) must be smaller than stride \(stride) or dilation \(dilation)")
        if let bias { check(bias.shape == [o], "convTranspose2d: bias must be [\(o)], got \(bias.shape)") }
        let oh = (h - 1) * stride.0 - 2 * padding.0 + dilation.0 * (kh - 1) + outputPadding.0 + 1
        let ow = (w - 1) * stride.1 - 2 * padding.1 + dilation.1 * (kw - 1) + outputPadding.1 + 1
        check(oh >= 1 && ow >= 1, "convTranspose2d: output size \([oh, ow]) for input \(shape), weight \(weight.shape) is empty")
        // The conv whose input gradient this is: image side = our output, column side = our input.
        let geo = ConvGeometry(channels: o, height: oh, width: ow, kh: kh, kw: kw, sh: stride.0, sw: stride.1,
                               ph: padding.0, pw: padding.1, dh: dilation.0, dw: dilation.1, outHeight: h, outWidth: w)
        let problem = ConvProblem(geo: geo, batch: n, columnChannels: c, groups: groups)

        let x = contiguousView(), wt = weight.contiguousView(), bs = bias?.contiguousView()
        let out = Tensor(uninitializedShape: [n, o, oh, ow])
        if out.count > 0 {
            Kernels.convColumnsToImage(problem, y: x.pointer, weight: wt.pointer, x: out.pointer)
            if let bs { Kernels.addChannelBias(out.pointer, bias: bs.pointer, batch: n, channels: o, length: oh * ow) }
        }
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        let needX = requiresGrad, needW = weight.requiresGrad, needB = bias?.requiresGrad ?? false
        return record(out, "convTranspose2d", inputs) { g in
            let gc = g.contiguousView()
            var gx: Tensor? = nil, gw: Tensor? = nil, gb: Tensor? = nil
            if needX {
                let t = Tensor(uninitializedShape: [n, c, h, w])
                Kernels.convImageToColumns(problem, x: gc.pointer, weight: wt.pointer, y: t.pointer)
                gx = t
            }
            if needW {
                let t = Tensor(uninitializedShape: wt.shape)
                Kernels.convWeightGradient(problem, y: x.pointer, x: gc.pointer, into: t.pointer)
                gw = t
            }
            if needB {
                let t = Tensor(uninitializedShape: [o])
                Kernels.channelSums(gc.pointer, batch: n, channels: o, length: oh * ow, into: t.pointer)
                gb = t
            }
            return bias == nil ? [gx, gw] : [gx, gw, gb]
        }
    }
}
