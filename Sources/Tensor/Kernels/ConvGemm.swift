/// The three GEMM-based convolution passes, in conv layout: image side `X` `[N, Cx, H, W]`, column side
/// `Y` `[N, Cy, OH, OW]`, weight `[Cy, Cx / groups * kh * kw]` (row-major, i.e. torch's conv weight).
///
/// Images are processed in chunks of `chunk` images whose column matrices sit side by side
/// (`[K, chunk * L]`), so small feature maps still give BLAS one large GEMM per group. Pointwise convs
/// (1x1, stride 1, no padding) on large maps skip im2col and multiply the images in place.
public struct ConvProblem: Sendable {
    public let geo: ConvGeometry
    public let batch: Int
    /// Channels on the column side (`Cy`).
    public let columnChannels: Int
    public let groups: Int

    public init(geo: ConvGeometry, batch: Int, columnChannels: Int, groups: Int) {
        check(geo.channels % groups == 0 && columnChannels % groups == 0,
              "conv: channels \(geo.channels) and \(columnChannels) must be divisible by groups \(groups)")
        self.geo = geo; self.batch = batch; self.columnChannels = columnChannels; self.groups = groups
    }

    /// GEMM inner size per group: `Cx / groups * kh * kw`.
    var kg: Int { geo.rows / groups }
    /// Column-side channels per group.
    var cyg: Int { columnChannels / groups }
    var imageSize: Int { geo.channels * geo.plane }
    var columnSize: Int { columnChannels * geo.cols }

    /// Columns (images x output positions) aimed for per GEMM.
    static let targetColumns = 4_096

    /// Images per chunk: enough columns for an efficient GEMM, bounded memory for the column buffer.
    var chunk: Int {
        let l = max(geo.cols, 1)
        if geo.isPointwise && l >= 256 { return 1 }
        let wanted = max(1, ConvProblem.targetColumns / l)
        let memoryCap = max(1, (1 << 23) / max(geo.rows * l, 1))
        return max(1, min(batch, wanted, memoryCap))
    }

    /// True when the image is its own column matrix and chunks hold one image.
    var direct: Bool { geo.isPointwise && chunk == 1 }
}

extension Kernels {
    /// `Y = W * im2col(X)` for every image (overwrites `y`).
    public static func convImageToColumns(_ p: ConvProblem, x: UnsafePointer<Float>, weight w: UnsafePointer<Float>,
                                          y: UnsafeMutablePointer<Float>) {
        let kg = p.kg, cyg = p.cyg, l = p.geo.cols
        if p.direct {
            for n in 0..<p.batch {
                for g in 0..<p.groups {
                    BLAS.sgemm(transA: false, transB: false, m: cyg, n: l, k: kg, a: w + g * cyg * kg, lda: kg,
                               b: x + n * p.imageSize + g * kg * l, ldb: l, c: y + n * p.columnSize + g * cyg * l, ldc: l)
                }
            }
            return
        }
        let nb = p.chunk
        let col = UnsafeMutablePointer<Float>.allocate(capacity: p.geo.rows * nb * l)
        let tmp = nb > 1 ? UnsafeMutablePointer<Float>.allocate(capacity: p.columnChannels * nb * l) : nil
        defer { col.deallocate(); tmp?.deallocate() }
        var n0 = 0
        while n0 < p.batch {
            let b = min(nb, p.batch - n0), ld = b * l
            im2col(p.geo, images: x + n0 * p.imageSize, count: b, into: col)
            let c = b == 1 ? y + n0 * p.columnSize : tmp!
            for g in 0..<p.groups {
                BLAS.sgemm(transA: false, transB: false, m: cyg, n: ld, k: kg, a: w + g * cyg * kg, lda: kg,
                           b: col + g * kg * ld, ldb: ld, c: c + g * cyg * ld, ldc: ld)
            }
            if b > 1 { scatterChannels(tmp!, channels: p.columnChannels, length: l, count: b, into: y + n0 * p.columnSize) }
            n0 += b
        }
    }

    /// `X = col2im(W^T * Y)` for every image (overwrites `x`).
    public static func convColumnsToImage(_ p: ConvProblem, y: UnsafePointer<Float>, weight w: UnsafePointer<Float>,
                                          x: UnsafeMutablePointer<Float>) {
        let kg = p.kg, cyg = p.cyg, l = p.geo.cols
        if p.direct {
            for n in 0..<p.batch {
                for g in 0..<p.groups {
                    BLAS.sgemm(transA: true, transB: false, m: kg, n: l, k: cyg, a: w + g * cyg * kg, lda: kg,
                               b: y + n * p.columnSize + g * cyg * l, ldb: l, c: x + n * p.imageSize + g * kg * l, ldc: l)
                }
            }
            return
        }
        x.update(repeating: 0, count: p.batch * p.imageSize)
        let nb = p.chunk
        let col = UnsafeMutablePointer<Float>.allocate(capacity: p.geo.rows * nb * l)
        let tmp = nb > 1 ? UnsafeMutablePointer<Float>.allocate(capacity: p.columnChannels * nb * l) : nil
        defer { col.deallocate(); tmp?.deallocate() }
        var n0 = 0
        while n0 < p.batch {
            let b = min(nb, p.batch - n0), ld = b * l
            let ys: UnsafePointer<Float>
            if b == 1 {
                ys = y + n0 * p.columnSize
            } else {
                gatherChannels(y + n0 * p.columnSize, channels: p.columnChannels, length: l, count: b, into: tmp!)
                ys = UnsafePointer(tmp!)
            }
            for g in 0..<p.groups {
                BLAS.sgemm(transA: true, transB: false, m: kg, n: ld, k: cyg, a: w + g * cyg * kg, lda: kg,
                           b: ys + g * cyg * ld, ldb: ld, c: col + g * kg * ld, ldc: ld)
            }
            col2im(p.geo, columns: col, count: b, into: x + n0 * p.imageSize)
            n0 += b
        }
    }

    /// `dW = sum over images of Y * im2col(X)^T` (overwrites `gw`, `[Cy, Cx / groups * kh * kw]`).
    public static func convWeightGradient(_ p: ConvProblem, y: UnsafePointer<Float>, x: UnsafePointer<Float>,
                                          into gw: UnsafeMutablePointer<Float>) {
        let kg = p.kg, cyg = p.cyg, l = p.geo.cols
        gw.update(repeating: 0, count: p.columnChannels * kg)
        if p.direct {
            for n in 0..<p.batch {
                for g in 0..<p.groups {
                    BLAS.sgemm(transA: false, transB: true, m: cyg, n: kg, k: l, a: y + n * p.columnSize + g * cyg * l,
                               lda: l, b: x + n * p.imageSize + g * kg * l, ldb: l, beta: 1, c: gw + g * cyg * kg, ldc: kg)
                }
            }
            return
        }
        let nb = p.chunk
        let col = UnsafeMutablePointer<Float>.allocate(capacity: p.geo.rows * nb * l)
        let tmp = nb > 1 ? UnsafeMutablePointer<Float>.allocate(capacity: p.columnChannels * nb * l) : nil
        defer { col.deallocate(); tmp?.deallocate() }
        var n0 = 0
        while n0 < p.batch {
            let b = min(nb, p.batch - n0), ld = b * l
            let ys: UnsafePointer<Float>
            if b == 1 {
                ys = y + n0 * p.columnSize
            } else {
                gatherChannels(y + n0 * p.columnSize, channels: p.columnChannels, length: l, count: b, into: tmp!)
                ys = UnsafePointer(tmp!)
            }
            im2col(p.geo, images: x + n0 * p.imageSize, count: b, into: col)
            for g in 0..<p.groups {
                BLAS.sgemm(transA: false, transB: true, m: cyg, n: kg, k: ld, a: ys + g * cyg * ld, lda: ld,
                           b: col + g * kg * ld, ldb: ld, beta: 1, c: gw + g * cyg * kg, ldc: kg)
            }
            n0 += b
        }
    }

    /// `y[n, c, :] += bias[c]` over `[N, C, L]`.
    public static func addChannelBias(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, batch: Int,
                                      channels: Int, length: Int) {
        Threading.parallelFor(batch * channels, grain: max(1, 32_768 / max(length, 1))) { range in
            for t in range {
                let v = bias[t % channels], d = y + t * length
                for i in 0..<length { d[i] += v }
            }
        }
    }

    /// `out[c] = sum over n, l of g[n, c, l]` over `[N, C, L]`.
    public static func channelSums(_ g: UnsafePointer<Float>, batch: Int, channels: Int, length: Int,
                                   into out: UnsafeMutablePointer<Float>) {
        Threading.parallelFor(channels, grain: max(1, 32_768 / max(length * batch, 1))) { range in
            for c in range {
                var s: Float = 0
                for n in 0..<batch { s += sumRow(g + (n * channels + c) * length, length) }
                out[c] = s
            }
        }
    }
}
