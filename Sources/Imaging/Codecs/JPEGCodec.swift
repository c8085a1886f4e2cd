import CJPEG

enum JPEGDecoder {
    static func header(_ bytes: [UInt8], name: String) throws -> ImageHeader {
        var w: Int32 = 0, h: Int32 = 0, c: Int32 = 0, p: Int32 = 0
        var msg = [CChar](repeating: 0, count: 256)
        let rc = bytes.withUnsafeBufferPointer {
            vtf_jpeg_read_header($0.baseAddress, UInt($0.count), &w, &h, &c, &p, &msg)
        }
        if rc == 3 { throw ImageError.unsupported(path: name, reason: String(cString: msg)) }
        if rc != 0 { throw ImageError.corrupt(path: name, reason: String(cString: msg)) }
        return ImageHeader(format: .jpeg, width: Int(w), height: Int(h), channels: Int(c), bitDepth: 8)
    }

    /// Decodes to gray (1 channel) or RGB (3), without orientation.
    static func decode(_ bytes: [UInt8], name: String, maxPixels: Int) throws -> Image8 {
        let head = try header(bytes, name: name)
        if head.width * head.height > maxPixels {
            throw ImageError.tooLarge(path: name, width: head.width, height: head.height, maxPixels: maxPixels)
        }
        let total = head.width * head.height * head.channels
        var msg = [CChar](repeating: 0, count: 256)
        var rc: Int32 = 0
        let out = [UInt8](unsafeUninitializedCapacity: total) { buf, count in
            rc = bytes.withUnsafeBufferPointer {
                vtf_jpeg_decode($0.baseAddress, UInt($0.count), buf.baseAddress, UInt(total), Int32(head.channels), &msg)
            }
            count = total
        }
        if rc != 0 { throw ImageError.corrupt(path: name, reason: String(cString: msg)) }
        return Image8(width: head.width, height: head.height, channels: head.channels, samples: out)
    }
}
