/// Minimal EXIF reader: the orientation tag (0x0112) of a JPEG's APP1 "Exif" segment.
public enum EXIF {
    /// Orientation 1...8, or nil when absent or unreadable. Stops at the first SOS marker.
    public static func orientation(jpeg b: [UInt8]) -> Int? {
        guard b.count > 4, b[0] == 0xFF, b[1] == 0xD8 else { return nil }
        var p = 2
        while p + 4 <= b.count {
            guard b[p] == 0xFF else { return nil }
            let marker = b[p + 1]
            if marker == 0xFF { p += 1; continue }                 // fill byte
            if marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 { p += 2; continue }
            if marker == 0xDA || marker == 0xD9 { return nil }     // start of scan / end of image
            let len = Int(b[p + 2]) << 8 | Int(b[p + 3])
            guard len >= 2, p + 2 + len <= b.count else { return nil }
            let start = p + 4, end = p + 2 + len
            if marker == 0xE1, end - start >= 14, Array(b[start..<start + 6]) == [0x45, 0x78, 0x69, 0x66, 0, 0] {
                if let o = tiffOrientation(b, start + 6, end) { return o }
            }
            p = end
        }
        return nil
    }

    static func tiffOrientation(_ b: [UInt8], _ base: Int, _ end: Int) -> Int? {
        guard end - base >= 8 else { return nil }
        let little: Bool
        if b[base] == 0x49 && b[base + 1] == 0x49 { little = true }
        else if b[base] == 0x4D && b[base + 1] == 0x4D { little = false }
        else { return nil }
        func u16(_ o: Int) -> Int? {
            guard o >= base, o + 2 <= end else { return nil }
            return little ? Int(b[o]) | Int(b[o + 1]) << 8 : Int(b[o]) << 8 | Int(b[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let lo = u16(little ? o : o + 2), let hi = u16(little ? o + 2 : o) else { return nil }
            return hi << 16 | lo
        }
        guard u16(base + 2) == 42, let ifd = u32(base + 4), let n = u16(base + ifd) else { return nil }
        for i in 0..<n {
            let e = base + ifd + 2 + 12 * i
            guard let tag = u16(e) else { return nil }
            if tag == 0x0112 {
                guard let type = u16(e + 2), type == 3, let v = u16(e + 8), (1...8).contains(v) else { return nil }
                return v
            }
        }
        return nil
    }
}

extension Raster {
    /// Applies an EXIF orientation (1...8) the way `PIL.ImageOps.exif_transpose` does:
    /// 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 anticlockwise.
    public func oriented(exif o: Int) -> Raster {
        if o <= 1 || o > 8 { return self }
        let w = width, h = height, c = channels
        let swap = o >= 5
        let ow = swap ? h : w, oh = swap ? w : h
        var out = samples
        samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<oh {
                    for x in 0..<ow {
                        let sx: Int, sy: Int
                        switch o {
                        case 2: sx = w - 1 - x; sy = y
                        case 3: sx = w - 1 - x; sy = h - 1 - y
                        case 4: sx = x; sy = h - 1 - y
                        case 5: sx = y; sy = x
                        case 6: sx = y; sy = h - 1 - x
                        case 7: sx = w - 1 - y; sy = h - 1 - x
                        default: sx = w - 1 - y; sy = x
                        }
                        let s = (sy * w + sx) * c, d = (y * ow + x) * c
                        for k in 0..<c { dst[d + k] = src[s + k] }
                    }
                }
            }
        }
        return Raster(width: ow, height: oh, channels: c, samples: out)
    }
}
