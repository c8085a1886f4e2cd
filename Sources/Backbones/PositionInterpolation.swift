import Tensor

/// Resizing of ViT positional embeddings to other patch grids.
public enum PositionInterpolation {
    /// Keys cubic convolution weights, `A = -0.75` as in PyTorch.
    @inline(__always) private static func cubicWeights(_ t: Float) -> (Float, Float, Float, Float) {
        let a: Float = -0.75
        func near(_ x: Float) -> Float { ((a + 2) * x - (a + 3)) * x * x + 1 }
        func far(_ x: Float) -> Float { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return (far(t + 1), near(t), near(1 - t), far(2 - t))
    }

    /// Source taps and weights along one axis for `torch.nn.functional.interpolate(mode: "bicubic",
    /// align_corners: false)` from `input` to `output` samples (scale `input / output`, borders clamped).
    static func taps(input: Int, output: Int) -> [(idx: (Int, Int, Int, Int), w: (Float, Float, Float, Float))] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { o in
            let real = scale * (Float(o) + 0.5) - 0.5
            let base = Int(real.rounded(.down))
            let t = real - Float(base)
            let c = { (i: Int) in min(max(i, 0), input - 1) }
            return ((c(base - 1), c(base), c(base + 1), c(base + 2)), cubicWeights(t))
        }
    }

    /// Bicubic resize of a channels-last grid, matching PyTorch's `bicubic` with `align_corners=False`
    /// (no antialiasing).
    ///
    /// - Parameters:
    ///   - grid: `[H, W, C]`.
    ///   - height, width: output size.
    /// - Returns: `[height, width, C]`.
    public static func bicubic(_ grid: Tensor, height: Int, width: Int) -> Tensor {
        check(grid.rank == 3, "bicubic: expected [H, W, C], got \(grid.shape)")
        let (h, w, c) = (grid.shape[0], grid.shape[1], grid.shape[2])
        let src = grid.contiguous()
        let ty = taps(input: h, output: height), tx = taps(input: w, output: width)
        // Horizontal pass into [h, width, c], then vertical into [height, width, c].
        var rowPass = [Float](repeating: 0, count: h * width * c)
        let s = src.pointer
        for y in 0..<h {
            for (ox, t) in tx.enumerated() {
                let o = (y * width + ox) * c
                let r = y * w
                for ch in 0..<c {
                    var v = s[(r + t.idx.0) * c + ch] * t.w.0
                    v += s[(r + t.idx.1) * c + ch] * t.w.1
                    v += s[(r + t.idx.2) * c + ch] * t.w.2
                    v += s[(r + t.idx.3) * c + ch] * t.w.3
                    rowPass[o + ch] = v
                }
            }
        }
        let out = Tensor(uninitializedShape: [height, width, c])
        let d = out.pointer
        for (oy, t) in ty.enumerated() {
            for x in 0..<width {
                let o = (oy * width + x) * c
                for ch in 0..<c {
                    var v = rowPass[(t.idx.0 * width + x) * c + ch] * t.w.0
                    v += rowPass[(t.idx.1 * width + x) * c + ch] * t.w.1
                    v += rowPass[(t.idx.2 * width + x) * c + ch] * t.w.2
                    v += rowPass[(t.idx.3 * width + x) * c + ch] * t.w.3
                    d[o + ch] = v
                }
            }
        }
        return out
    }

    /// A ViT positional table `[1 + g*g, C]` (class position first) resized to a `height x width` patch grid,
    /// returned as `[1 + height*width, C]`; returned unchanged when the grid already matches.
    public static func resizeViT(_ table: Tensor, height: Int, width: Int) -> Tensor {
        let n = table.shape[0] - 1, c = table.shape[1]
        let g = Int(Double(n).squareRoot().rounded())
        check(g * g == n, "resizeViT: \(n) patch positions is not a square grid")
        if g == height && g == width { return table }
        let grid = table.sliced(axis: 0, start: 1).reshaped([g, g, c])
        let resized = bicubic(grid, height: height, width: width).reshaped([height * width, c])
        let out = Tensor(uninitializedShape: [1 + height * width, c])
        let cls = table.sliced(axis: 0, start: 0, end: 1).contiguous()
        out.pointer.update(from: cls.pointer, count: c)
        (out.pointer + c).update(from: resized.pointer, count: height * width * c)
        return out
    }
}
