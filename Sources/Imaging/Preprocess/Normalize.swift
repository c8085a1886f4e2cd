import Tensor

/// Per-channel normalisation constants for `toTensor(mean:std:)`.
public struct Normalization: Sendable, Equatable {
    public var mean: [Float]
    public var std: [Float]
    public init(mean: [Float], std: [Float]) { self.mean = mean; self.std = std }

    /// OpenAI CLIP's constants.
    public static let clip = Normalization(mean: [0.48145466, 0.4578275, 0.40821073],
                                           std: [0.26862954, 0.26130258, 0.27577711])
    /// torchvision's ImageNet constants.
    public static let imagenet = Normalization(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    /// No normalisation: values `v / 255` in 0...1.
    public static let unit = Normalization(mean: [0, 0, 0], std: [1, 1, 1])
}

extension Raster {
    /// Crops the rectangle at (`x`, `y`) of size `width` x `height` (must lie inside the image).
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Raster {
        check(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= width && y + h <= height,
              "crop \(w)x\(h) at (\(x),\(y)) outside \(width)x\(height)")
        var out = [Sample]()
        out.reserveCapacity(w * h * channels)
        for row in y..<(y + h) {
            let s = (row * width + x) * channels
            out.append(contentsOf: samples[s..<(s + w * channels)])
        }
        return Raster(width: w, height: h, channels: channels, samples: out)
    }

    /// torchvision `CenterCrop`: offsets `round((W - w) / 2)`, `round((H - h) / 2)` with Python's
    /// round-half-to-even. The crop must fit inside the image.
    public func centerCropped(width w: Int, height h: Int) -> Raster {
        let left = Int((Double(width - w) / 2).rounded(.toNearestOrEven))
        let top = Int((Double(height - h) / 2).rounded(.toNearestOrEven))
        return cropped(x: left, y: top, width: w, height: h)
    }
}

extension Raster where Sample == UInt8 {
    /// torchvision `Resize(size)` with an int: the shorter side becomes `size`, the longer
    /// `int(size * long / short)`; Pillow resampling.
    public func resizedShorterSide(to size: Int, filter: ResampleFilter = .bicubic) -> Image8 {
        let (w, h) = width <= height ? (size, Int(Double(size) * Double(height) / Double(width)))
                                     : (Int(Double(size) * Double(width) / Double(height)), size)
        return resized(width: w, height: h, filter: filter)
    }

    /// CLIP preprocessing: RGB, shorter side to `size` (bicubic), center crop `size` x `size`.
    public func clipPreprocessed(size: Int = 224) -> Image8 {
        rgb().resizedShorterSide(to: size, filter: .bicubic).centerCropped(width: size, height: size)
    }

    /// Float CHW tensor `[C, H, W]` with `(v / 255 - mean[c]) / std[c]` (torchvision `ToTensor` +
    /// `Normalize`, float32 arithmetic). `mean`/`std` need one entry per channel.
    public func toTensor(mean: [Float], std: [Float]) -> Tensor {
        check(mean.count == channels && std.count == channels,
              "toTensor: \(channels) channels but mean \(mean.count), std \(std.count)")
        let c = channels, n = pixelCount
        let t = Tensor(uninitializedShape: [c, height, width])
        let dst = t.storage.data
        samples.withUnsafeBufferPointer { srcBuf in
            let src = srcBuf.baseAddress!
            for ch in 0..<c {
                // A lookup table per channel gives exactly (v / 255 - m) / s in float32.
                var lut = [Float](repeating: 0, count: 256)
                for v in 0..<256 { lut[v] = (Float(v) / 255 - mean[ch]) / std[ch] }
                lut.withUnsafeBufferPointer { l in
                    let plane = dst + ch * n
                    Threading.parallelFor(n, grain: 1 << 16) { range in
                        for i in range { plane[i] = l[Int(src[i * c + ch])] }
                    }
                }
            }
        }
        return t
    }

    /// `toTensor` with a named constant set.
    public func toTensor(_ norm: Normalization) -> Tensor { toTensor(mean: norm.mean, std: norm.std) }
}

extension Raster where Sample == Float {
    /// Float CHW tensor `[C, H, W]` with `(v - mean[c]) / std[c]` (values already in 0...1).
    public func toTensor(mean: [Float], std: [Float]) -> Tensor {
        check(mean.count == channels && std.count == channels, "toTensor: \(channels) channels vs mean/std")
        let t = Tensor(uninitializedShape: [channels, height, width])
        let n = pixelCount
        for ch in 0..<channels {
            for i in 0..<n { t.storage.data[ch * n + i] = (samples[i * channels + ch] - mean[ch]) / std[ch] }
        }
        return t
    }
}

extension Tensor {
    /// A `[H, W]` or `[1, H, W]` tensor as a one-channel float image (values unchanged).
    public func toImage() -> Image {
        let s = shape
        check(s.count == 2 || (s.count == 3 && s[0] == 1), "toImage expects [H, W] or [1, H, W], got \(s)")
        let h = s[s.count - 2], w = s[s.count - 1]
        return Image(width: w, height: h, channels: 1, samples: contiguous().scalars)
    }
}
