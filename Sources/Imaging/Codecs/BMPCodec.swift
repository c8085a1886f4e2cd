import Foundation

/// Windows bitmap decoding: uncompressed 1/4/8/16/24/32-bit, BI_BITFIELDS, BI_RLE8 and BI_RLE4, top-down
/// and bottom-up. Channels follow Pillow: a palette whose entries are all gray gives 1 channel, other
/// palettes and 16/24-bit data give RGB, 32-bit data gives RGB unless bit fields declare an alpha mask.
enum BMPDecoder {
    struct Info {
        var width: Int, height: Int, topDown: Bool, bpp: Int, compression: Int
        var dataOffset: Int, palette: [(UInt8, UInt8, UInt8)], masks: [UInt32]
    }

    static func u16(_ b: [UInt8], _ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
    static func u32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    static func info(_ b: [UInt8], name: String) throws -> Info {
        func corrupt(_ r: String) -> ImageError { .corrupt(path: name, reason: "BMP: " + r) }
        guard b.count >= 26, b[0] == 0x42, b[1] == 0x4D else { throw corrupt("file too short for a header") }
        let dataOffset = Int(u32(b, 10))
        let dib = Int(u32(b, 14))
        guard [12, 40, 52, 56, 64, 108, 124].contains(dib), b.count >= 14 + dib else {
            throw corrupt("unknown or truncated info header (size \(dib))")
        }
        var width: Int, height: Int, bpp: Int, compression = 0, colors = 0
        if dib == 12 {
            width = u16(b, 18); height = u16(b, 20); bpp = u16(b, 24)
        } else {
            width = Int(Int32(bitPattern: u32(b, 18))); height = Int(Int32(bitPattern: u32(b, 22)))
            bpp = u16(b, 28); compression = Int(u32(b, 30)); colors = Int(u32(b, 46))
        }
        let topDown = height < 0
        height = abs(height)
        guard width > 0, height > 0 else { throw corrupt("invalid size \(width)x\(height)") }
        guard [1, 4, 8, 16, 24, 32].contains(bpp) else { throw ImageError.unsupported(path: name, reason: "BMP with \(bpp) bits per pixel") }
        switch (compression, bpp) {
        case (0, _), (1, 8), (2, 4), (3, 16), (3, 32), (6, 16), (6, 32): break
        default: throw ImageError.unsupported(path: name, reason: "BMP compression \(compression) with \(bpp) bits per pixel")
        }
        if topDown && (compression == 1 || compression == 2) { throw corrupt("top-down bitmaps cannot be RLE-compressed") }
        var masks: [UInt32] = []
        if compression == 3 || compression == 6 {
            let n = compression == 6 ? 4 : (dib >= 56 ? 4 : 3)
            let at = 14 + 40
            guard b.count >= at + 4 * n else { throw corrupt("truncated bit fields") }
            masks = (0..<n).map { u32(b, at + 4 * $0) }
        } else if bpp == 16 {
            masks = [0x7C00, 0x03E0, 0x001F]
        }
        var palette: [(UInt8, UInt8, UInt8)] = []
        if bpp <= 8 {
            let entries = colors > 0 ? min(colors, 1 << bpp) : 1 << bpp
            let entrySize = dib == 12 ? 3 : 4
            var at = 14 + dib + ((compression == 3 && dib == 40) ? 12 : 0)
            guard b.count >= at + entries * entrySize else { throw corrupt("truncated palette") }
            for _ in 0..<entries { palette.append((b[at + 2], b[at + 1], b[at])); at += entrySize }
        }
        guard dataOffset > 0, dataOffset < b.count else { throw corrupt("pixel data offset \(dataOffset) outside the file") }
        return Info(width: width, height: height, topDown: topDown, bpp: bpp, compression: compression,
                    dataOffset: dataOffset, palette: palette, masks: masks)
    }

    static func channels(_ i: Info) -> Int {
        if i.bpp <= 8 { return i.palette.allSatisfy { $0.0 == $0.1 && $0.1 == $0.2 } ? 1 : 3 }
        if i.masks.count == 4 && i.masks[3] != 0 { return 4 }
        return 3
    }

    static func header(_ b: [UInt8], name: String) throws -> ImageHeader {
        let i = try info(b, name: name)
        return ImageHeader(format: .bmp, width: i.width, height: i.height, channels: channels(i), bitDepth: 8)
    }

    static func decode(_ b: [UInt8], name: String, maxPixels: Int) throws -> Image8 {
        let i = try info(b, name: name)
        if i.width * i.height > maxPixels {
            throw ImageError.tooLarge(path: name, width: i.width, height: i.height, maxPixels: maxPixels)
        }
        let c = channels(i)
        let w = i.width, h = i.height
        var out = [UInt8](repeating: 0, count: w * h * c)
        func put(_ x: Int, _ fileRow: Int, index: Int) {
            let y = i.topDown ? fileRow : h - 1 - fileRow
            let p = index < i.palette.count ? i.palette[index] : (0, 0, 0)
            let o = (y * w + x) * c
            if c == 1 { out[o] = p.0 } else { out[o] = p.0; out[o + 1] = p.1; out[o + 2] = p.2 }
        }
        if i.compression == 1 || i.compression == 2 {
            try decodeRLE(b, i, name: name, put: put)
            return Image8(width: w, height: h, channels: c, samples: out)
        }
        let stride = (i.bpp * w + 31) / 32 * 4
        guard i.dataOffset + stride * h <= b.count else {
            throw ImageError.corrupt(path: name, reason: "BMP: truncated pixel data (\(b.count - i.dataOffset) of \(stride * h) bytes)")
        }
        let fields = i.masks.map { m -> (mask: UInt32, shift: Int, max: UInt32) in
            guard m != 0 else { return (0, 0, 1) }
            let shift = m.trailingZeroBitCount
            return (m, shift, m >> UInt32(shift))
        }
        func field(_ v: UInt32, _ k: Int) -> UInt8 {
            let f = fields[k]
            guard f.mask != 0 else { return 255 }
            return UInt8(((v & f.mask) >> UInt32(f.shift)) * 255 / f.max)
        }
        for row in 0..<h {
            let base = i.dataOffset + row * stride
            let y = i.topDown ? row : h - 1 - row
            switch i.bpp {
            case 1, 4, 8:
                let perByte = 8 / i.bpp, mask = (1 << i.bpp) - 1
                for x in 0..<w {
                    let byte = Int(b[base + x / perByte])
                    let shift = 8 - i.bpp * (x % perByte + 1)
                    put(x, row, index: (byte >> shift) & mask)
                }
            case 24:
                for x in 0..<w {
                    let s = base + 3 * x, o = (y * w + x) * 3
                    out[o] = b[s + 2]; out[o + 1] = b[s + 1]; out[o + 2] = b[s]
                }
            case 32 where i.masks.isEmpty:
                for x in 0..<w {
                    let s = base + 4 * x, o = (y * w + x) * 3
                    out[o] = b[s + 2]; out[o + 1] = b[s + 1]; out[o + 2] = b[s]
                }
            default: // 16 or 32 with bit fields
                for x in 0..<w {
                    let v = i.bpp == 16 ? UInt32(u16(b, base + 2 * x)) : u32(b, base + 4 * x)
                    let o = (y * w + x) * c
                    for k in 0..<c { out[o + k] = field(v, k) }
                }
            }
        }
        return Image8(width: w, height: h, channels: c, samples: out)
    }

    /// BI_RLE8 / BI_RLE4 (bottom-up); pixels not written stay index 0's colour... as black, like Pillow.
    static func decodeRLE(_ b: [UInt8], _ i: Info, name: String, put: (Int, Int, Int) -> Void) throws {
        let four = i.compression == 2
        var p = i.dataOffset, x = 0, row = 0
        func next() throws -> Int {
            guard p < b.count else { throw ImageError.corrupt(path: name, reason: "BMP: truncated RLE data") }
            defer { p += 1 }
            return Int(b[p])
        }
        func emit(_ index: Int) {
            if x < i.width && row < i.height { put(x, row, index) }
            x += 1
        }
        while row < i.height {
            let n = try next(), v = try next()
            if n > 0 {
                for k in 0..<n { emit(four ? (k % 2 == 0 ? v >> 4 : v & 15) : v) }
            } else if v == 0 { x = 0; row += 1 }
            else if v == 1 { return }
            else if v == 2 { x += try next(); row += try next() }
            else {
                let bytes = four ? (v + 1) / 2 : v
                var vals: [Int] = []
                for _ in 0..<bytes { vals.append(try next()) }
                if bytes % 2 == 1 { _ = try next() }
                for k in 0..<v { emit(four ? (k % 2 == 0 ? vals[k / 2] >> 4 : vals[k / 2] & 15) : vals[k]) }
            }
        }
    }
}
