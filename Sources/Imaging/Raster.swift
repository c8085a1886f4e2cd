import Tensor

/// A 2-D image: `height` rows of `width` pixels of `channels` interleaved samples (HWC, row-major).
///
/// Three sample types are used:
/// - `Image8` (`UInt8`, 0...255): what the codecs produce; the Pillow-parity resize works on it.
/// - `Image16` (`UInt16`, 0...65535): the depth-preserving path for 16-bit PNGs (masks, depth maps).
/// - `Image` (`Float`, nominally 0...1): synthesis, blur, anomaly maps and drawing.
/// Channels are 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA).
public struct Raster<Sample: Sendable>: Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    /// `height * width * channels` samples, index `(y * width + x) * channels + c`.
    public var samples: [Sample]

    public init(width: Int, height: Int, channels: Int, samples: [Sample]) {
        check(width >= 0 && height >= 0 && channels >= 1, "Raster: bad size \(width)x\(height)x\(channels)")
        check(samples.count == width * height * channels,
              "Raster: \(samples.count) samples for \(width)x\(height)x\(channels)")
        self.width = width; self.height = height; self.channels = channels; self.samples = samples
    }

    public init(width: Int, height: Int, channels: Int, repeating value: Sample) {
        self.init(width: width, height: height, channels: channels,
                  samples: [Sample](repeating: value, count: width * height * channels))
    }

    /// Number of pixels.
    public var pixelCount: Int { width * height }

    /// Sample at column `x`, row `y`, channel `c`.
    @inlinable public subscript(x: Int, y: Int, c: Int) -> Sample {
        get { samples[(y * width + x) * channels + c] }
        set { samples[(y * width + x) * channels + c] = newValue }
    }
}

/// 8-bit image (0...255), the codecs' output.
public typealias Image8 = Raster<UInt8>
/// 16-bit image (0...65535), the depth-preserving path (16-bit PNG masks).
public typealias Image16 = Raster<UInt16>
/// Float image with values nominally in 0...1 (synthesis, maps, drawing).
public typealias Image = Raster<Float>

extension Raster where Sample == UInt8 {
    /// Values scaled to 0...1 (`v / 255`).
    public func toFloat() -> Image {
        Image(width: width, height: height, channels: channels, samples: samples.map { Float($0) * (1 / 255) })
    }

    /// Three-channel copy: gray is replicated, alpha is dropped (as Pillow's `convert("RGB")`).
    public func rgb() -> Image8 {
        if channels == 3 { return self }
        var out = [UInt8](repeating: 0, count: pixelCount * 3)
        let c = channels
        samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<pixelCount {
                    if c <= 2 {
                        let v = src[i * c]
                        dst[3 * i] = v; dst[3 * i + 1] = v; dst[3 * i + 2] = v
                    } else {
                        dst[3 * i] = src[i * c]; dst[3 * i + 1] = src[i * c + 1]; dst[3 * i + 2] = src[i * c + 2]
                    }
                }
            }
        }
        return Image8(width: width, height: height, channels: 3, samples: out)
    }

    /// One-channel copy. Colour uses Pillow's `convert("L")` fixed-point luma
    /// `(R*19595 + G*38470 + B*7471 + 0x8000) >> 16`; alpha is dropped.
    public func gray() -> Image8 {
        if channels == 1 { return self }
        var out = [UInt8](repeating: 0, count: pixelCount)
        for i in 0..<pixelCount {
            if channels <= 2 { out[i] = samples[i * channels]; continue }
            let r = UInt32(samples[i * channels]), g = UInt32(samples[i * channels + 1])
            let b = UInt32(samples[i * channels + 2])
            out[i] = UInt8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
        }
        return Image8(width: width, height: height, channels: 1, samples: out)
    }

    /// Widened to 16 bits (`v * 257`, so 255 maps to 65535).
    public func to16() -> Image16 {
        Image16(width: width, height: height, channels: channels, samples: samples.map { UInt16($0) &* 257 })
    }
}

extension Raster where Sample == UInt16 {
    /// Narrowed to 8 bits by keeping the high byte (as Pillow does for 16-bit RGB PNGs).
    public func to8() -> Image8 {
        Image8(width: width, height: height, channels: channels, samples: samples.map { UInt8($0 >> 8) })
    }
}

extension Raster where Sample == Float {
    /// Rounded to 8 bits after clamping to 0...1 (`round(v * 255)`).
    public func toUInt8() -> Image8 {
        Image8(width: width, height: height, channels: channels, samples: samples.map { v in
            let s = (v * 255).rounded()
            return s <= 0 ? 0 : (s >= 255 ? 255 : UInt8(s))
        })
    }

    /// Rounded to 16 bits after clamping to 0...1 (`round(v * 65535)`).
    public func toUInt16() -> Image16 {
        Image16(width: width, height: height, channels: channels, samples: samples.map { v in
            let s = (v * 65535).rounded()
            return s <= 0 ? 0 : (s >= 65535 ? 65535 : UInt16(s))
        })
    }

    /// Three-channel copy (gray replicated, alpha dropped).
    public func rgb() -> Image {
        if channels == 3 { return self }
        var out = [Float](repeating: 0, count: pixelCount * 3)
        for i in 0..<pixelCount {
            for k in 0..<3 { out[3 * i + k] = samples[i * channels + (channels <= 2 ? 0 : k)] }
        }
        return Image(width: width, height: height, channels: 3, samples: out)
    }

    /// Channel `c` as a one-channel image.
    public func channel(_ c: Int) -> Image {
        check(c >= 0 && c < channels, "channel \(c) of a \(channels)-channel image")
        var out = [Float](repeating: 0, count: pixelCount)
        for i in 0..<pixelCount { out[i] = samples[i * channels + c] }
        return Image(width: width, height: height, channels: 1, samples: out)
    }
}
