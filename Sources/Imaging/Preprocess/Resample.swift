import Tensor

/// Resampling filters of `Image.resize` in Pillow.
public enum ResampleFilter: String, Sendable, CaseIterable {
    case nearest, bilinear, bicubic

    /// Half-width of the kernel at scale 1.
    var support: Double {
        switch self { case .nearest: return 0.5; case .bilinear: return 1; case .bicubic: return 2 }
    }

    @inline(__always) func weight(_ t: Double) -> Double {
        let x = abs(t)
        switch self {
        case .nearest: return x < 0.5 ? 1 : 0
        case .bilinear: return x < 1 ? 1 - x : 0
        case .bicubic:                                            // Keys cubic, a = -0.5
            let a = -0.5
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
    }
}

/// Per-output-pixel filter taps along one axis, computed exactly as Pillow's `precompute_coeffs`:
/// when downscaling the support grows by the scale (antialiasing); weights are normalised to sum 1.
struct ResampleCoefficients {
    var ksize: Int
    var starts: [Int]       // first input index per output pixel
    var counts: [Int]       // taps per output pixel
    var weights: [Double]   // outSize * ksize
    var fixed: [Int32]      // weights in Pillow's 8-bit fixed point (22 fractional bits)

    static let precisionBits = 32 - 8 - 2

    init(inSize: Int, outSize: Int, filter: ResampleFilter, in0: Double = 0, in1: Double? = nil) {
        let scale = ((in1 ?? Double(inSize)) - in0) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        ksize = Int(support.rounded(.up)) * 2 + 1
        starts = [Int](repeating: 0, count: outSize)
        counts = [Int](repeating: 0, count: outSize)
        weights = [Double](repeating: 0, count: outSize * ksize)
        for xx in 0..<outSize {
            let center = in0 + (Double(xx) + 0.5) * scale
            let ss = 1 / filterScale
            var xmin = Int(center - support + 0.5)            // C cast: truncation toward zero
            if xmin < 0 { xmin = 0 }
            var xmax = Int(center + support + 0.5)
            if xmax > inSize { xmax = inSize }
            xmax -= xmin
            var total = 0.0
            for x in 0..<max(xmax, 0) {
                let w = filter.weight((Double(x + xmin) - center + 0.5) * ss)
                weights[xx * ksize + x] = w
                total += w
            }
            if total != 0 { for x in 0..<max(xmax, 0) { weights[xx * ksize + x] /= total } }
            starts[xx] = xmin
            counts[xx] = max(xmax, 0)
        }
        let one = Double(1 << ResampleCoefficients.precisionBits)
        fixed = weights.map { Int32($0 < 0 ? -0.5 + $0 * one : 0.5 + $0 * one) }
    }
}

extension Raster where Sample == UInt8 {
    /// Resizes like Pillow's `Image.resize((width, height), filter)` (no box, no reducing gap): nearest
    /// uses Pillow's affine pixel-centre mapping; bilinear/bicubic use Pillow's antialiased two-pass
    /// resampling (horizontal then vertical, 8-bit intermediate, 22-bit fixed-point weights), giving the
    /// same 8-bit output. Each channel is filtered independently (alpha is not premultiplied).
    public func resized(width outW: Int, height outH: Int, filter: ResampleFilter) -> Image8 {
        check(outW > 0 && outH > 0, "resize to \(outW)x\(outH)")
        if outW == width && outH == height { return self }
        if filter == .nearest { return resizedNearest(width: outW, height: outH) }
        let horiz = ResampleCoefficients(inSize: width, outSize: outW, filter: filter)
        let vert = ResampleCoefficients(inSize: height, outSize: outH, filter: filter)
        var src = self
        var rowOffset = 0
        var vStarts = vert.starts
        if outW != width {
            let first = vert.starts[0]
            let last = vert.starts[outH - 1] + vert.counts[outH - 1]
            rowOffset = first
            for i in 0..<outH { vStarts[i] -= first }
            src = Raster.horizontalPass(self, rows: first..<last, coeffs: horiz, outWidth: outW)
        }
        if outH == height && rowOffset == 0 { return src }
        return Raster.verticalPass(src, starts: vStarts, coeffs: vert, outHeight: outH)
    }

    static func horizontalPass(_ img: Image8, rows: Range<Int>, coeffs: ResampleCoefficients, outWidth: Int) -> Image8 {
        let c = img.channels, inW = img.width
        let h = rows.count
        var out = [UInt8](repeating: 0, count: h * outWidth * c)
        let half = Int32(1 << (ResampleCoefficients.precisionBits - 1))
        let ks = coeffs.ksize
        img.samples.withUnsafeBufferPointer { srcBuf in
            out.withUnsafeMutableBufferPointer { dstBuf in
                coeffs.fixed.withUnsafeBufferPointer { kBuf in
                    let src = srcBuf.baseAddress!, dst = dstBuf.baseAddress!, kk = kBuf.baseAddress!
                    Threading.parallelFor(h, grain: max(1, 8192 / max(1, outWidth))) { range in
                        for y in range {
                            let srow = src + (y + rows.lowerBound) * inW * c
                            let drow = dst + y * outWidth * c
                            for xx in 0..<outWidth {
                                let xmin = coeffs.starts[xx], n = coeffs.counts[xx]
                                let k = kk + xx * ks
                                for ch in 0..<c {
                                    var ss = half
                                    var p = srow + xmin * c + ch
                                    for x in 0..<n { ss &+= Int32(p.pointee) &* k[x]; p += c }
                                    drow[xx * c + ch] = clip8(ss)
                                }
                            }
                        }
                    }
                }
            }
        }
        return Image8(width: outWidth, height: h, channels: c, samples: out)
    }

    static func verticalPass(_ img: Image8, starts: [Int], coeffs: ResampleCoefficients, outHeight: Int) -> Image8 {
        let c = img.channels, w = img.width
        let rowLen = w * c
        var out = [UInt8](repeating: 0, count: outHeight * rowLen)
        let half = Int32(1 << (ResampleCoefficients.precisionBits - 1))
        let ks = coeffs.ksize
        img.samples.withUnsafeBufferPointer { srcBuf in
            out.withUnsafeMutableBufferPointer { dstBuf in
                coeffs.fixed.withUnsafeBufferPointer { kBuf in
                    let src = srcBuf.baseAddress!, dst = dstBuf.baseAddress!, kk = kBuf.baseAddress!
                    Threading.parallelFor(outHeight, grain: max(1, 8192 / max(1, rowLen))) { range in
                        var acc = [Int32](repeating: 0, count: rowLen)
                        acc.withUnsafeMutableBufferPointer { accBuf in
                            let a = accBuf.baseAddress!
                            for yy in range {
                                let ymin = starts[yy], n = coeffs.counts[yy]
                                let k = kk + yy * ks
                                for i in 0..<rowLen { a[i] = half }
                                for y in 0..<n {
                                    let wgt = k[y]
                                    let srow = src + (ymin + y) * rowLen
                                    for i in 0..<rowLen { a[i] &+= Int32(srow[i]) &* wgt }
                                }
                                let drow = dst + yy * rowLen
                                for i in 0..<rowLen { drow[i] = clip8(a[i]) }
                            }
                        }
                    }
                }
            }
        }
        return Image8(width: w, height: outHeight, channels: c, samples: out)
    }

    @inline(__always) static func clip8(_ v: Int32) -> UInt8 {
        let bits = Int32(ResampleCoefficients.precisionBits)
        if v >= ((Int32(1) << bits) << 8) { return 255 }
        if v <= 0 { return 0 }
        return UInt8(truncatingIfNeeded: v >> bits)
    }
}

extension Raster {
    /// Nearest-neighbour resize with Pillow's mapping: source index `floor((i + 0.5) * in / out)`,
    /// accumulated in double precision as Pillow's affine scaler does. Use it for masks.
    public func resizedNearest(width outW: Int, height outH: Int) -> Raster {
        check(outW > 0 && outH > 0, "resize to \(outW)x\(outH)")
        let ax = Double(width) / Double(outW), ay = Double(height) / Double(outH)
        var xs = [Int](repeating: 0, count: outW)
        var xo = ax * 0.5
        for x in 0..<outW { xs[x] = min(width - 1, max(0, Int(xo))); xo += ax }
        var out = [Sample]()
        out.reserveCapacity(outW * outH * channels)
        var yo = ay * 0.5
        for _ in 0..<outH {
            let sy = min(height - 1, max(0, Int(yo)))
            yo += ay
            let base = sy * width * channels
            for x in 0..<outW {
                let s = base + xs[x] * channels
                for k in 0..<channels { out.append(samples[s + k]) }
            }
        }
        return Raster(width: outW, height: outH, channels: channels, samples: out)
    }
}

extension Raster where Sample == Float {
    /// Float resize with Pillow's antialiased coefficients (as Pillow's mode "F"), no quantisation.
    public func resized(width outW: Int, height outH: Int, filter: ResampleFilter) -> Image {
        check(outW > 0 && outH > 0, "resize to \(outW)x\(outH)")
        if filter == .nearest { return resizedNearest(width: outW, height: outH) }
        let c = channels
        var cur = self
        if outW != width {
            let co = ResampleCoefficients(inSize: width, outSize: outW, filter: filter)
            var out = [Float](repeating: 0, count: height * outW * c)
            for y in 0..<height {
                for xx in 0..<outW {
                    for ch in 0..<c {
                        var s = 0.0
                        for t in 0..<co.counts[xx] {
                            s += Double(cur.samples[(y * width + co.starts[xx] + t) * c + ch]) * co.weights[xx * co.ksize + t]
                        }
                        out[(y * outW + xx) * c + ch] = Float(s)
                    }
                }
            }
            cur = Image(width: outW, height: height, channels: c, samples: out)
        }
        if outH != height {
            let co = ResampleCoefficients(inSize: height, outSize: outH, filter: filter)
            let rowLen = outW * c
            var out = [Float](repeating: 0, count: outH * rowLen)
            for yy in 0..<outH {
                for t in 0..<co.counts[yy] {
                    let w = co.weights[yy * co.ksize + t], sy = co.starts[yy] + t
                    for i in 0..<rowLen { out[yy * rowLen + i] += Float(w) * cur.samples[sy * rowLen + i] }
                }
            }
            cur = Image(width: outW, height: outH, channels: c, samples: out)
        }
        return cur
    }
}
