import Foundation
import Imaging
import Tensor

/// Where a backbone's input came from in the original image: the shorter side resized to the scale
/// (bicubic, antialiased), the longer side kept in proportion (no squashing), then a centre crop to
/// multiples of the patch (and to ``InspectionLimits/maxAspect``).
public struct ScaleFrame: Sendable, Equatable {
    public var originalWidth: Int, originalHeight: Int
    public var resizedWidth: Int, resizedHeight: Int
    public var cropX: Int, cropY: Int, cropWidth: Int, cropHeight: Int
    public var patchSize: Int

    public init(width: Int, height: Int, scale: Int, patchSize: Int) {
        originalWidth = width; originalHeight = height; self.patchSize = patchSize
        let s = Double(scale)
        if width <= height {
            resizedWidth = scale; resizedHeight = max(scale, Int(s * Double(height) / Double(width)))
        } else {
            resizedHeight = scale; resizedWidth = max(scale, Int(s * Double(width) / Double(height)))
        }
        let maxLong = Int(s * InspectionLimits.maxAspect)
        cropWidth = min(resizedWidth, maxLong) / patchSize * patchSize
        cropHeight = min(resizedHeight, maxLong) / patchSize * patchSize
        cropX = (resizedWidth - cropWidth) / 2
        cropY = (resizedHeight - cropHeight) / 2
    }

    /// Token grid `(rows, columns)`.
    public var grid: (Int, Int) { (cropHeight / patchSize, cropWidth / patchSize) }

    /// The prepared RGB crop of `image` (which must have the frame's original size).
    public func prepare(_ image: Image8) -> Image8 {
        let rgb = image.rgb()
        let resized = rgb.width == resizedWidth && rgb.height == resizedHeight ? rgb
            : rgb.resized(width: resizedWidth, height: resizedHeight, filter: .bicubic)
        return resized.cropped(x: cropX, y: cropY, width: cropWidth, height: cropHeight)
    }

    /// A grid map `[rows * cols]` brought back to the original image in one bilinear resampling: each
    /// original pixel centre is carried through the resize and the crop onto the patch grid (outside the crop
    /// the nearest edge patch holds).
    public func mapToOriginal(_ grid: [Float]) -> Image {
        let (gh, gw) = self.grid
        let sx = Double(resizedWidth) / Double(originalWidth), sy = Double(resizedHeight) / Double(originalHeight)
        let p = Double(patchSize)
        func axis(_ i: Int, scale: Double, offset: Int, cells: Int) -> (Int, Int, Float) {
            let g = ((Double(i) + 0.5) * scale - Double(offset)) / p - 0.5
            let c = min(max(g, 0), Double(cells - 1))
            let i0 = Int(c), i1 = min(i0 + 1, cells - 1)
            return (i0, i1, Float(c - Double(i0)))
        }
        let xs = (0..<originalWidth).map { axis($0, scale: sx, offset: cropX, cells: gw) }
        var out = [Float](repeating: 0, count: originalWidth * originalHeight)
        for y in 0..<originalHeight {
            let (y0, y1, fy) = axis(y, scale: sy, offset: cropY, cells: gh)
            for (x, (x0, x1, fx)) in xs.enumerated() {
                let top = grid[y0 * gw + x0] * (1 - fx) + grid[y0 * gw + x1] * fx
                let bottom = grid[y1 * gw + x0] * (1 - fx) + grid[y1 * gw + x1] * fx
                out[y * originalWidth + x] = top * (1 - fy) + bottom * fy
            }
        }
        return Image(width: originalWidth, height: originalHeight, channels: 1, samples: out)
    }
}

extension Image8 {
    /// The image rotated by `degrees` about its centre (bilinear, same size, corners filled by edge
    /// replication so no black wedges enter a reference bank).
    public func rotated(degrees: Double) -> Image8 {
        let steps = degrees / 90
        if steps == steps.rounded() {
            var out = self
            for _ in 0..<((Int(steps) % 4 + 4) % 4) { out = out.rotated90() }
            return out
        }
        let a = degrees * .pi / 180, (ca, sa) = (cos(a), sin(a))
        let cx = Double(width - 1) / 2, cy = Double(height - 1) / 2
        var out = [UInt8](repeating: 0, count: samples.count)
        for y in 0..<height {
            for x in 0..<width {
                let dx = Double(x) - cx, dy = Double(y) - cy
                let sx = min(max(ca * dx + sa * dy + cx, 0), Double(width - 1))
                let sy = min(max(-sa * dx + ca * dy + cy, 0), Double(height - 1))
                let x0 = Int(sx), y0 = Int(sy), x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
                let fx = sx - Double(x0), fy = sy - Double(y0)
                for c in 0..<channels {
                    func v(_ xx: Int, _ yy: Int) -> Double { Double(samples[(yy * width + xx) * channels + c]) }
                    let top = v(x0, y0) * (1 - fx) + v(x1, y0) * fx
                    let bottom = v(x0, y1) * (1 - fx) + v(x1, y1) * fx
                    out[(y * width + x) * channels + c] = UInt8(min(max((top * (1 - fy) + bottom * fy).rounded(), 0), 255))
                }
            }
        }
        return Image8(width: width, height: height, channels: channels, samples: out)
    }

    /// The image mirrored left to right and/or top to bottom.
    public func mirrored(horizontally: Bool = true, vertically: Bool = false) -> Image8 {
        var out = [UInt8](repeating: 0, count: samples.count)
        let (w, h, c) = (width, height, channels)
        for y in 0..<h {
            let sy = vertically ? h - 1 - y : y
            for x in 0..<w {
                let sx = horizontally ? w - 1 - x : x
                for k in 0..<c { out[(y * w + x) * c + k] = samples[(sy * w + sx) * c + k] }
            }
        }
        return Image8(width: w, height: h, channels: c, samples: out)
    }

    /// The image rotated 90 degrees counter-clockwise.
    func rotated90() -> Image8 {
        var out = [UInt8](repeating: 0, count: samples.count)
        let (w, h, c) = (width, height, channels)
        for y in 0..<h {
            for x in 0..<w {
                let (nx, ny) = (y, w - 1 - x)
                for k in 0..<c { out[(ny * h + nx) * c + k] = samples[(y * w + x) * c + k] }
            }
        }
        return Image8(width: h, height: w, channels: c, samples: out)
    }
}
