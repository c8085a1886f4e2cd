import CPNG
import Tensor
import Foundation

/// Decoded samples before typing: 16-bit samples are host-order pairs of bytes.
struct RawPixels {
    var width: Int, height: Int, channels: Int, depth: Int
    var bytes: [UInt8]

    func as8() -> Image8 { Image8(width: width, height: height, channels: channels, samples: bytes) }

    func as16() -> Image16 {
        let n = width * height * channels
        let samples = [UInt16](unsafeUninitializedCapacity: n) { buf, count in
            bytes.withUnsafeBytes { raw in
                _ = memcpy(buf.baseAddress!, raw.baseAddress!, n * 2)
            }
            count = n
        }
        return Image16(width: width, height: height, channels: channels, samples: samples)
    }
}

enum PNGDecoder {
    static func header(_ bytes: [UInt8], name: String) throws -> ImageHeader {
        var w: Int32 = 0, h: Int32 = 0, c: Int32 = 0, d: Int32 = 0
        var msg = [CChar](repeating: 0, count: 256)
        let rc = bytes.withUnsafeBufferPointer { vtf_png_read_header($0.baseAddress, $0.count, &w, &h, &c, &d, &msg) }
        if rc != 0 { throw ImageError.corrupt(path: name, reason: String(cString: msg)) }
        return ImageHeader(format: .png, width: Int(w), height: Int(h), channels: Int(c), bitDepth: Int(d))
    }

    static func decode(_ bytes: [UInt8], name: String, maxPixels: Int) throws -> RawPixels {
        let head = try header(bytes, name: name)
        if head.width * head.height > maxPixels {
            throw ImageError.tooLarge(path: name, width: head.width, height: head.height, maxPixels: maxPixels)
        }
        let rowBytes = head.width * head.channels * head.bitDepth / 8
        let total = rowBytes * head.height
        var msg = [CChar](repeating: 0, count: 256)
        var rc: Int32 = 0
        let out = [UInt8](unsafeUninitializedCapacity: total) { buf, count in
            rc = bytes.withUnsafeBufferPointer {
                vtf_png_decode($0.baseAddress, $0.count, buf.baseAddress, total, rowBytes, &msg)
            }
            count = total
        }
        if rc != 0 { throw ImageError.corrupt(path: name, reason: String(cString: msg)) }
        return RawPixels(width: head.width, height: head.height, channels: head.channels, depth: head.bitDepth, bytes: out)
    }
}

enum PNGEncoder {
    static func encode(_ pixels: UnsafeRawPointer, width: Int, height: Int, channels: Int, depth: Int,
                       compression: Int, name: String) throws -> [UInt8] {
        check(channels >= 1 && channels <= 4, "PNG: \(channels) channels (1-4 supported)")
        guard width > 0, height > 0 else { throw ImageError.writeFailed(path: name, reason: "empty image \(width)x\(height)") }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var len = 0
        var msg = [CChar](repeating: 0, count: 256)
        let rc = vtf_png_encode(pixels.assumingMemoryBound(to: UInt8.self), Int32(width), Int32(height), Int32(channels),
                                Int32(depth), Int32(max(0, min(9, compression))), &out, &len, &msg)
        if rc != 0 { throw ImageError.writeFailed(path: name, reason: String(cString: msg)) }
        defer { vtf_png_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: len))
    }
}
