/// Geometry of a 2-D convolution between an "image" side `[C, H, W]` (the conv input, or the output of a
/// transposed conv) and a "column" side `[OH, OW]` (the conv output positions). Row `r` of the column
/// matrix is the kernel tap `(c, ki, kj)` with `r = (c * kh + ki) * kw + kj`; column `oh * OW + ow` reads
/// image pixel `(oh * sh - ph + ki * dh, ow * sw - pw + kj * dw)` (zero outside the image).
public struct ConvGeometry: Sendable, Equatable {
    public var channels, height, width: Int
    public var kh, kw, sh, sw, ph, pw, dh, dw: Int
    public var outHeight, outWidth: Int

    /// Rows of the column matrix: `channels * kh * kw`.
    @inlinable public var rows: Int { channels * kh * kw }
    /// Columns of the column matrix per image: `outHeight * outWidth`.
    @inlinable public var cols: Int { outHeight * outWidth }
    /// Pixels of one image plane.
    @inlinable public var plane: Int { height * width }

    /// True when the column matrix of an image is the image itself (1x1 kernel, stride 1, no padding).
    public var isPointwise: Bool {
        kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 && outHeight == height && outWidth == width
    }

    /// The conv output size along one axis (torch formula, floor mode).
    public static func outputSize(_ size: Int, kernel: Int, stride: Int, padding: Int, dilation: Int) -> Int {
        (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
    }
}

extension Kernels {
    /// The range `lo..<hi` of output columns `o` with `0 <= o * stride + off < size`.
    @inlinable @inline(__always)
    static func validRange(off: Int, stride: Int, size: Int, count: Int) -> (Int, Int) {
        let lo = off >= 0 ? 0 : min(count, (-off + stride - 1) / stride)
        let hi = size - off <= 0 ? 0 : min(count, (size - off + stride - 1) / stride)
        return (lo, max(lo, hi))
    }

    /// Writes column-matrix row `r` of the image at `src` (`[C, H, W]`) into `dst` (`OH * OW` floats).
    @inlinable @inline(__always)
    static func im2colRow(_ g: ConvGeometry, _ src: UnsafePointer<Float>, row r: Int, _ dst: UnsafeMutablePointer<Float>) {
        let kj = r % g.kw, ki = (r / g.kw) % g.kh, c = r / (g.kw * g.kh)
        let plane = src + c * g.plane
        let offW = kj * g.dw - g.pw
        let (lo, hi) = validRange(off: offW, stride: g.sw, size: g.width, count: g.outWidth)
        let ow = g.outWidth, sw = g.sw
        for oh in 0..<g.outHeight {
            let d = dst + oh * ow
            let ih = oh * g.sh - g.ph + ki * g.dh
            if ih < 0 || ih >= g.height {
                d.update(repeating: 0, count: ow)
                continue
            }
            if lo > 0 { d.update(repeating: 0, count: lo) }
            let s = plane + ih * g.width + offW
            if sw == 1 {
                (d + lo).update(from: s + lo, count: hi - lo)
            } else {
                var x = lo
                while x < hi { d[x] = s[x * sw]; x += 1 }
            }
            if hi < ow { (d + hi).update(repeating: 0, count: ow - hi) }
        }
    }

    /// Adds column-matrix row `r` (`src`, `OH * OW` floats) back into the image at `dst` (`[C, H, W]`).
    @inlinable @inline(__always)
    static func col2imRow(_ g: ConvGeometry, _ src: UnsafePointer<Float>, row r: Int, _ dst: UnsafeMutablePointer<Float>) {
        let kj = r % g.kw, ki = (r / g.kw) % g.kh, c = r / (g.kw * g.kh)
        let plane = dst + c * g.plane
        let offW = kj * g.dw - g.pw
        let (lo, hi) = validRange(off: offW, stride: g.sw, size: g.width, count: g.outWidth)
        let ow = g.outWidth, sw = g.sw
        for oh in 0..<g.outHeight {
            let ih = oh * g.sh - g.ph + ki * g.dh
            if ih < 0 || ih >= g.height { continue }
            let s = src + oh * ow
            let d = plane + ih * g.width + offW
            var x = lo
            if sw == 1 {
                while x < hi { d[x] += s[x]; x += 1 }
            } else {
                while x < hi { d[x * sw] += s[x]; x += 1 }
            }
        }
    }

    /// Column matrices of `count` consecutive images into `dst`, laid out `[rows, count * cols]` (image `i`
    /// occupies columns `i * cols ..< (i + 1) * cols`). Parallel over rows.
    public static func im2col(_ g: ConvGeometry, images src: UnsafePointer<Float>, count: Int,
                              into dst: UnsafeMutablePointer<Float>) {
        let rows = g.rows, cols = g.cols, ld = count * cols, imageSize = g.channels * g.plane
        Threading.parallelFor(count * rows, grain: max(1, 16_384 / max(cols, 1))) { range in
            for t in range {
                let i = t / rows, r = t % rows
                im2colRow(g, src + i * imageSize, row: r, dst + r * ld + i * cols)
            }
        }
    }

    /// Adds the column matrices in `src` (layout of ``im2col(_:images:count:into:)``) into `count` images at
    /// `dst`. Parallel over (image, channel) so no two threads touch the same pixels.
    public static func col2im(_ g: ConvGeometry, columns src: UnsafePointer<Float>, count: Int,
                              into dst: UnsafeMutablePointer<Float>) {
        let taps = g.kh * g.kw, cols = g.cols, ld = count * cols, imageSize = g.channels * g.plane
        Threading.parallelFor(count * g.channels, grain: max(1, 8_192 / max(cols * taps, 1))) { range in
            for t in range {
                let i = t / g.channels, c = t % g.channels
                for r in (c * taps)..<((c + 1) * taps) {
                    col2imRow(g, src + r * ld + i * cols, row: r, dst + i * imageSize)
                }
            }
        }
    }

    /// Copies `count` images `[C, L]` at `src` into `dst` laid out `[C, count * L]`.
    static func gatherChannels(_ src: UnsafePointer<Float>, channels: Int, length: Int, count: Int,
                               into dst: UnsafeMutablePointer<Float>) {
        let ld = count * length
        Threading.parallelFor(count * channels, grain: max(1, 16_384 / max(length, 1))) { range in
            for t in range {
                let i = t / channels, c = t % channels
                (dst + c * ld + i * length).update(from: src + (i * channels + c) * length, count: length)
            }
        }
    }

    /// Inverse of ``gatherChannels(_:channels:length:count:into:)``: `[C, count * L]` to `count` images `[C, L]`.
    static func scatterChannels(_ src: UnsafePointer<Float>, channels: Int, length: Int, count: Int,
                                into dst: UnsafeMutablePointer<Float>) {
        let ld = count * length
        Threading.parallelFor(count * channels, grain: max(1, 16_384 / max(length, 1))) { range in
            for t in range {
                let i = t / channels, c = t % channels
                (dst + (i * channels + c) * length).update(from: src + c * ld + i * length, count: length)
            }
        }
    }
}
