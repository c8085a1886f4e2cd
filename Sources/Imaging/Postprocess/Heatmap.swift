import Tensor

/// The value range mapped to the colour map's ends. Use ONE range for every image of a run (for
/// example `ScoreRange.fitting` over all test maps) so normal regions look calm everywhere.
public struct ScoreRange: Sendable, Equatable {
    public var lo: Float
    public var hi: Float
    public init(lo: Float, hi: Float) { self.lo = lo; self.hi = hi }

    /// Min and max over all maps (finite values only); a degenerate range is widened by 1e-6.
    public static func fitting(_ maps: [Image]) -> ScoreRange {
        var lo = Float.infinity, hi = -Float.infinity
        for m in maps { for v in m.samples where v.isFinite { lo = min(lo, v); hi = max(hi, v) } }
        if !lo.isFinite { return ScoreRange(lo: 0, hi: 1) }
        return ScoreRange(lo: lo, hi: hi > lo ? hi : lo + 1e-6)
    }

    /// `(v - lo) / (hi - lo)` clamped to 0...1.
    @inline(__always) public func normalized(_ v: Float) -> Float {
        let t = (v - lo) / (hi - lo)
        return t.isNaN ? 0 : min(max(t, 0), 1)
    }
}

/// Anomaly-map pictures: colourised maps, overlays, contours and side-by-side panels.
public enum Heatmap {
    /// Colourises a one-channel map with a fixed range: RGB image, same size.
    public static func colorize(_ map: Image, range: ScoreRange, colormap: Colormap = .jet) -> Image {
        check(map.channels == 1, "colorize expects a 1-channel map, got \(map.channels)")
        let lut = colormap.table
        var out = [Float](repeating: 0, count: map.pixelCount * 3)
        for i in 0..<map.pixelCount {
            let k = Int((range.normalized(map.samples[i]) * 255).rounded())
            out[3 * i] = lut[3 * k]; out[3 * i + 1] = lut[3 * k + 1]; out[3 * i + 2] = lut[3 * k + 2]
        }
        return Image(width: map.width, height: map.height, channels: 3, samples: out)
    }

    /// `(1 - alpha) * image + alpha * colour(map)`. The map is bilinearly upsampled to the image size if
    /// needed; `image` may be gray or RGB (0...1).
    public static func overlay(image: Image, map: Image, range: ScoreRange, colormap: Colormap = .jet,
                               alpha: Float = 0.5) -> Image {
        let m = fitted(map, to: image)
        let heat = colorize(m, range: range, colormap: colormap)
        let base = image.rgb()
        var out = base
        for i in 0..<out.samples.count { out.samples[i] = (1 - alpha) * base.samples[i] + alpha * heat.samples[i] }
        return out
    }

    /// Boundary of the region `map >= threshold`: pixels inside whose 4-neighbourhood (within the image)
    /// contains a pixel outside. Returns one flag per pixel.
    public static func contour(of map: Image, threshold: Float) -> [Bool] {
        check(map.channels == 1, "contour expects a 1-channel map")
        let w = map.width, h = map.height
        var edge = [Bool](repeating: false, count: w * h)
        for y in 0..<h {
            for x in 0..<w where map.samples[y * w + x] >= threshold {
                let outside = (x > 0 && map.samples[y * w + x - 1] < threshold)
                    || (x + 1 < w && map.samples[y * w + x + 1] < threshold)
                    || (y > 0 && map.samples[(y - 1) * w + x] < threshold)
                    || (y + 1 < h && map.samples[(y + 1) * w + x] < threshold)
                edge[y * w + x] = outside
            }
        }
        return edge
    }

    /// Paints the contour of `map >= threshold` onto an RGB image in `color`.
    public static func drawContour(on image: Image, map: Image, threshold: Float,
                                   color: (Float, Float, Float) = (1, 1, 1)) -> Image {
        let m = fitted(map, to: image)
        var out = image.rgb()
        for (i, e) in contour(of: m, threshold: threshold).enumerated() where e {
            out.samples[3 * i] = color.0; out.samples[3 * i + 1] = color.1; out.samples[3 * i + 2] = color.2
        }
        return out
    }

    /// Side-by-side panel `image | map | overlay (+ contour) | ground truth`, separated by `gap` white
    /// columns. `map` uses `range` (one per run); the contour is drawn where `map >= threshold` (in map
    /// units) when given. `groundTruth` (one channel, > 0.5 = anomalous) is shown as a white-on-black
    /// mask, or black when nil. All panes have the image's size; the result is RGB.
    public static func panel(image: Image, map: Image, range: ScoreRange, groundTruth: Image? = nil,
                             threshold: Float? = nil, colormap: Colormap = .jet, alpha: Float = 0.5,
                             gap: Int = 4) -> Image {
        let base = image.rgb()
        let m = fitted(map, to: base)
        var over = overlay(image: base, map: m, range: range, colormap: colormap, alpha: alpha)
        if let t = threshold { over = drawContour(on: over, map: m, threshold: t) }
        var gt = Image(width: base.width, height: base.height, channels: 3, repeating: 0)
        if let g = groundTruth {
            let gm = g.width == base.width && g.height == base.height ? g : g.resizedNearest(width: base.width, height: base.height)
            for i in 0..<gt.pixelCount where gm.samples[i * gm.channels] > 0.5 {
                gt.samples[3 * i] = 1; gt.samples[3 * i + 1] = 1; gt.samples[3 * i + 2] = 1
            }
        }
        return concatenate([base, colorize(m, range: range, colormap: colormap), over, gt], gap: gap)
    }

    /// Horizontal concatenation of equally tall RGB images with white gaps.
    public static func concatenate(_ panes: [Image], gap: Int = 4) -> Image {
        check(!panes.isEmpty, "concatenate: no panes")
        let h = panes[0].height
        check(panes.allSatisfy { $0.height == h && $0.channels == 3 }, "concatenate: panes differ in height or channels")
        let w = panes.reduce(0) { $0 + $1.width } + gap * (panes.count - 1)
        var out = Image(width: w, height: h, channels: 3, repeating: 1)
        var x0 = 0
        for p in panes {
            for y in 0..<h {
                let s = y * p.width * 3, d = (y * w + x0) * 3
                out.samples.replaceSubrange(d..<(d + p.width * 3), with: p.samples[s..<(s + p.width * 3)])
            }
            x0 += p.width + gap
        }
        return out
    }

    static func fitted(_ map: Image, to image: Image) -> Image {
        map.width == image.width && map.height == image.height ? map
            : map.upsampledBilinear(width: image.width, height: image.height)
    }
}
