import Foundation

/// Baseline TIFF decoding (first image only): 8-bit gray, gray+alpha, RGB, RGBA and palette, chunky
/// strips, uncompressed, PackBits or LZW (with or without the horizontal predictor). Tiles, planar
/// data, other bit depths and other compressions are refused with `ImageError.unsupported`.
enum TIFFDecoder {
    struct Info {
        var width = 0, height = 0, samples = 1, bits = [8], compression = 1, photometric = -1
        var rowsPerStrip = Int.max, predictor = 1, planar = 1, tiled = false
        var offsets: [Int] = [], counts: [Int] = [], colorMap: [Int] = []
    }

    static func info(_ b: [UInt8], name: String) throws -> Info {
        func corrupt(_ r: String) -> ImageError { .corrupt(path: name, reason: "TIFF: " + r) }
        guard b.count >= 8 else { throw corrupt("file too short for a header") }
        let little = b[0] == 0x49
        func u16(_ o: Int) throws -> Int {
            guard o >= 0, o + 2 <= b.count else { throw corrupt("offset \(o) outside the file") }
            return little ? Int(b[o]) | Int(b[o + 1]) << 8 : Int(b[o]) << 8 | Int(b[o + 1])
        }
        func u32(_ o: Int) throws -> Int {
            guard o >= 0, o + 4 <= b.count else { throw corrupt("offset \(o) outside the file") }
            let v = little ? UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
                : UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
            return Int(v)
        }
        guard try u16(2) == 42 else {
            if try u16(2) == 43 { throw ImageError.unsupported(path: name, reason: "BigTIFF") }
            throw corrupt("bad version number")
        }
        let ifd = try u32(4)
        let n = try u16(ifd)
        guard n > 0, n < 4096 else { throw corrupt("implausible tag count \(n)") }
        var info = Info()
        for k in 0..<n {
            let e = ifd + 2 + 12 * k
            let tag = try u16(e), type = try u16(e + 2), count = try u32(e + 4)
            let size = [1: 1, 2: 1, 3: 2, 4: 4, 6: 1, 8: 2, 9: 4][type] ?? 0
            guard size > 0 else { continue }
            guard count <= b.count else { throw corrupt("tag \(tag) count \(count) exceeds the file") }
            let at = size * count <= 4 ? e + 8 : try u32(e + 8)
            func values() throws -> [Int] {
                try (0..<count).map { i in
                    switch size { case 1: guard at + i < b.count else { throw corrupt("tag \(tag) outside the file") }; return Int(b[at + i])
                    case 2: return try u16(at + 2 * i)
                    default: return try u32(at + 4 * i) }
                }
            }
            switch tag {
            case 256: info.width = try values().first ?? 0
            case 257: info.height = try values().first ?? 0
            case 258: info.bits = try values()
            case 259: info.compression = try values().first ?? 1
            case 262: info.photometric = try values().first ?? -1
            case 273: info.offsets = try values()
            case 277: info.samples = try values().first ?? 1
            case 278: info.rowsPerStrip = try values().first ?? Int.max
            case 279: info.counts = try values()
            case 284: info.planar = try values().first ?? 1
            case 317: info.predictor = try values().first ?? 1
            case 320: info.colorMap = try values()
            case 322, 323, 324, 325: info.tiled = true
            default: break
            }
        }
        guard info.width > 0, info.height > 0 else { throw corrupt("missing or zero image size") }
        guard info.width < 1 << 24, info.height < 1 << 24 else {
            throw ImageError.tooLarge(path: name, width: info.width, height: info.height, maxPixels: 1 << 24)
        }
        func unsupported(_ r: String) -> ImageError { .unsupported(path: name, reason: "TIFF " + r) }
        if info.tiled { throw unsupported("with tiles (only strips are read)") }
        if info.planar != 1 && info.samples > 1 { throw unsupported("with planar configuration \(info.planar)") }
        guard info.bits.allSatisfy({ $0 == 8 }) else { throw unsupported("with \(info.bits) bits per sample (8 supported)") }
        guard [1, 5, 32773].contains(info.compression) else {
            throw unsupported("compression \(info.compression) (none, LZW and PackBits supported)")
        }
        guard [1, 2].contains(info.predictor) else { throw unsupported("predictor \(info.predictor)") }
        switch (info.photometric, info.samples) {
        case (0, 1), (1, 1), (1, 2), (2, 3), (2, 4), (3, 1): break
        default: throw unsupported("photometric \(info.photometric) with \(info.samples) samples per pixel")
        }
        if info.photometric == 3 && info.colorMap.count < 3 * 256 { throw corrupt("palette image without a 256-entry colour map") }
        guard !info.offsets.isEmpty, info.offsets.count == info.counts.count || info.compression == 1 else {
            throw corrupt("strip offsets and byte counts missing or inconsistent")
        }
        return info
    }

    static func channels(_ i: Info) -> Int { i.photometric == 3 ? 3 : i.samples }

    static func header(_ b: [UInt8], name: String) throws -> ImageHeader {
        let i = try info(b, name: name)
        return ImageHeader(format: .tiff, width: i.width, height: i.height, channels: channels(i), bitDepth: 8)
    }

    static func decode(_ b: [UInt8], name: String, maxPixels: Int) throws -> Image8 {
        let i = try info(b, name: name)
        if i.width * i.height > maxPixels {
            throw ImageError.tooLarge(path: name, width: i.width, height: i.height, maxPixels: maxPixels)
        }
        let rowBytes = i.width * i.samples
        let total = rowBytes * i.height
        let rowsPerStrip = min(i.rowsPerStrip, i.height)
        var raw = [UInt8]()
        raw.reserveCapacity(total)
        for (s, offset) in i.offsets.enumerated() where raw.count < total {
            let expected = min(rowsPerStrip * rowBytes, total - raw.count)
            let count = s < i.counts.count ? i.counts[s] : expected
            guard offset >= 0, count >= 0, offset + count <= b.count else {
                throw ImageError.corrupt(path: name, reason: "TIFF: strip \(s) lies outside the file (truncated?)")
            }
            let strip = b[offset..<(offset + count)]
            var data: [UInt8]
            switch i.compression {
            case 1: data = Array(strip.prefix(expected))
            case 32773: data = try packBits(strip, expected: expected, name: name)
            default: data = try lzw(Array(strip), expected: expected, name: name)
            }
            guard data.count >= expected else {
                throw ImageError.corrupt(path: name, reason: "TIFF: strip \(s) holds \(data.count) of \(expected) bytes")
            }
            raw += data.prefix(expected)
        }
        guard raw.count == total else { throw ImageError.corrupt(path: name, reason: "TIFF: pixel data ends early (\(raw.count) of \(total) bytes)") }
        if i.predictor == 2 {
            for y in 0..<i.height {
                let r = y * rowBytes
                for x in i.samples..<rowBytes { raw[r + x] = raw[r + x] &+ raw[r + x - i.samples] }
            }
        }
        if i.photometric == 0 { for k in 0..<raw.count { raw[k] = 255 - raw[k] } }
        if i.photometric == 3 {
            var rgb = [UInt8](repeating: 0, count: i.width * i.height * 3)
            for (k, v) in raw.enumerated() {
                for c in 0..<3 { rgb[3 * k + c] = UInt8(i.colorMap[c * 256 + Int(v)] >> 8) }
            }
            return Image8(width: i.width, height: i.height, channels: 3, samples: rgb)
        }
        return Image8(width: i.width, height: i.height, channels: i.samples, samples: raw)
    }

    static func packBits(_ s: ArraySlice<UInt8>, expected: Int, name: String) throws -> [UInt8] {
        var out = [UInt8](), p = s.startIndex
        out.reserveCapacity(expected)
        while p < s.endIndex && out.count < expected {
            let n = Int(Int8(bitPattern: s[p])); p += 1
            if n >= 0 {
                guard p + n + 1 <= s.endIndex else { throw ImageError.corrupt(path: name, reason: "TIFF: truncated PackBits run") }
                out += s[p..<(p + n + 1)]; p += n + 1
            } else if n != -128 {
                guard p < s.endIndex else { throw ImageError.corrupt(path: name, reason: "TIFF: truncated PackBits run") }
                out += repeatElement(s[p], count: 1 - n); p += 1
            }
        }
        return out
    }

    /// TIFF LZW: MSB-first codes of 9-12 bits, Clear 256, EOI 257, code width growing one code early.
    static func lzw(_ s: [UInt8], expected: Int, name: String) throws -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(expected)
        var table: [[UInt8]] = (0..<256).map { [UInt8($0)] } + [[], []]
        var width = 9, bitPos = 0
        var previous: [UInt8]? = nil
        func code() -> Int? {
            guard bitPos + width <= s.count * 8 else { return nil }
            var v = 0
            for _ in 0..<width {
                v = v << 1 | Int(s[bitPos >> 3] >> (7 - UInt8(bitPos & 7)) & 1)
                bitPos += 1
            }
            return v
        }
        while out.count < expected, let c = code() {
            if c == 256 {
                table.removeSubrange(258...)
                width = 9; previous = nil
                continue
            }
            if c == 257 { break }
            var entry: [UInt8]
            if c < table.count { entry = table[c] }
            else if c == table.count, let p = previous { entry = p + [p[0]] }
            else { throw ImageError.corrupt(path: name, reason: "TIFF: bad LZW code \(c)") }
            out += entry
            if let p = previous, table.count < 4096 { table.append(p + [entry[0]]) }
            previous = entry
            if table.count + 1 >= (1 << width) && width < 12 { width += 1 }
        }
        return out
    }
}
