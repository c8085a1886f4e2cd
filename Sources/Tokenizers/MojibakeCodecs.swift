/// A single-byte code page that ftfy re-encodes suspected mojibake with (`chardata.CHARMAP_ENCODINGS`).
/// Bytes 0x00-0x7F are ASCII; the "sloppy" Windows code pages give unassigned bytes their Latin-1 character
/// and encode U+FFFD as byte 0x1A (ftfy's marker for a byte that was lost to a replacement character).
struct SingleByteCodePage: Sendable {
    let name: String
    let sloppy: Bool
    /// Characters of bytes 0x80...0xFF.
    let high: [Unicode.Scalar]
    private let byteOf: [UInt32: UInt8]

    init(name: String, sloppy: Bool, high: [UInt16]) {
        self.name = name
        self.sloppy = sloppy
        self.high = high.map { Unicode.Scalar(UInt32($0))! }
        var map = [UInt32: UInt8]()
        for (i, v) in high.enumerated() { map[UInt32(v)] = UInt8(0x80 + i) }
        byteOf = map
    }

    /// ftfy's code pages in the order it tries them.
    static let all: [SingleByteCodePage] = MojibakeTables.charmaps.map {
        SingleByteCodePage(name: $0.name, sloppy: $0.sloppy, high: $0.high)
    }
    static let windows1252 = all.first { $0.name == "sloppy-windows-1252" }!

    /// `text.encode(name)` when `chardata.possible_encoding(text, name)` holds, else nil.
    func encode(_ text: [Unicode.Scalar]) -> [UInt8]? {
        var out = [UInt8]()
        out.reserveCapacity(text.count)
        for c in text {
            let v = c.value
            if v < 0x80 {
                if v == 0x1A && sloppy { return nil }
                out.append(UInt8(v))
            } else if v == 0xFFFD && sloppy {
                out.append(0x1A)
            } else if let b = byteOf[v] {
                out.append(b)
            } else {
                return nil
            }
        }
        return out
    }
}

/// The byte-level steps of ftfy's re-decoding: strict UTF-8 (and ftfy's `utf-8-variants` codec, which also
/// accepts CESU-8 surrogate pairs and Java's `C0 80` for U+0000), `restore_byte_a0` and
/// `replace_lossy_sequences`.
enum MojibakeBytes {
    /// Python's strict `bytes.decode("utf-8")`, or `decode("utf-8-variants")` when `variants`; nil on error.
    static func decodeUTF8(_ b: [UInt8], variants: Bool) -> [Unicode.Scalar]? {
        var out = [Unicode.Scalar]()
        out.reserveCapacity(b.count)
        let n = b.count
        // The codec finds its special sequences with a regex whose `$` also matches before a final "\n".
        func atEnd(_ q: Int) -> Bool { q == n || (q == n - 1 && b[q] == 0x0A) }
        var p = 0
        while p < n {
            if variants && b[p] == 0xC0 && (p + 1 < n && b[p + 1] == 0x80 || atEnd(p + 1)) {
                guard p + 1 < n else { return nil }
                out.append("\u{0}")
                p += 2
                continue
            }
            if variants && b[p] == 0xED && p + 1 < n && (0xA0...0xBF).contains(b[p + 1]) {
                // Only a whole CESU-8 pair decodes; a lone surrogate is an error as in plain UTF-8.
                guard p + 6 <= n, b[p + 1] <= 0xAF, isContinuation(b[p + 2]), b[p + 3] == 0xED,
                      (0xB0...0xBF).contains(b[p + 4]), isContinuation(b[p + 5]) || (p + 6 == n && b[p + 5] == 0x0A)
                else { return nil }
                var v = (UInt32(b[p + 1] & 0x0F) << 16) + (UInt32(b[p + 2] & 0x3F) << 10)
                v += (UInt32(b[p + 4] & 0x0F) << 6) + UInt32(b[p + 5] & 0x3F) + 0x10000
                out.append(Unicode.Scalar(v)!)
                p += 6
                continue
            }
            guard let (c, len) = decodeOne(b, at: p) else { return nil }
            out.append(c)
            p += len
        }
        return out
    }

    private static func isContinuation(_ x: UInt8) -> Bool { x & 0xC0 == 0x80 }

    /// One well-formed UTF-8 sequence at `p` (no overlongs, surrogates or values above U+10FFFF).
    private static func decodeOne(_ b: [UInt8], at p: Int) -> (Unicode.Scalar, Int)? {
        let lead = b[p]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let len: Int, low: UInt8, high: UInt8  // allowed range of the second byte
        switch lead {
        case 0xC2...0xDF: (len, low, high) = (2, 0x80, 0xBF)
        case 0xE0: (len, low, high) = (3, 0xA0, 0xBF)
        case 0xED: (len, low, high) = (3, 0x80, 0x9F)
        case 0xE1...0xEF: (len, low, high) = (3, 0x80, 0xBF)
        case 0xF0: (len, low, high) = (4, 0x90, 0xBF)
        case 0xF1...0xF3: (len, low, high) = (4, 0x80, 0xBF)
        case 0xF4: (len, low, high) = (4, 0x80, 0x8F)
        default: return nil
        }
        guard p + len <= b.count, b[p + 1] >= low, b[p + 1] <= high else { return nil }
        var v = UInt32(lead) & (0x7F >> len)
        for k in 1..<len {
            guard isContinuation(b[p + k]) else { return nil }
            v = (v << 6) | UInt32(b[p + k] & 0x3F)
        }
        return (Unicode.Scalar(v)!, len)
    }

    /// `fixes.restore_byte_a0`: "Ã " before a word becomes "à " (bytes C3 20 -> C3 A0 20, except before a space,
    /// "quele", "quela", "quilo" or "s "), then each sequence that would be UTF-8 with byte A0 in place of its
    /// space (`chardata.ALTERED_UTF8_RE`) gets that byte back.
    static func restoreByteA0(_ input: [UInt8]) -> [UInt8] {
        var b = [UInt8]()
        b.reserveCapacity(input.count + 4)
        var p = 0
        while p < input.count {
            if input[p] == 0xC3 && p + 1 < input.count && input[p + 1] == 0x20 && !startsAGraveException(input, p + 2) {
                b += [0xC3, 0xA0, 0x20]
                p += 2
            } else {
                b.append(input[p])
                p += 1
            }
        }
        let n = b.count
        func cont(_ q: Int) -> Bool { q < n && (0x80...0xBF).contains(b[q]) }
        func contNotA0or85(_ q: Int) -> Bool { cont(q) && b[q] != 0x85 && b[q] != 0xA0 }
        func space(_ q: Int) -> Bool { q < n && b[q] == 0x20 }
        p = 0
        while p < n {
            var spaceAt = -1, end = p
            switch b[p] {
            case 0xC2, 0xC3, 0xC5, 0xCE, 0xD0, 0xD9:
                if space(p + 1) { (spaceAt, end) = (p + 1, p + 2) }
            case 0xE0...0xE3:
                if b[p] >= 0xE2 && space(p + 1) && contNotA0or85(p + 2) {
                    (spaceAt, end) = (p + 1, p + 3)
                } else if contNotA0or85(p + 1) && space(p + 2) {
                    (spaceAt, end) = (p + 2, p + 3)
                }
            case 0xF0:
                if space(p + 1) && cont(p + 2) && cont(p + 3) {
                    (spaceAt, end) = (p + 1, p + 4)
                } else if cont(p + 1) && space(p + 2) && cont(p + 3) {
                    (spaceAt, end) = (p + 2, p + 4)
                } else if cont(p + 1) && cont(p + 2) && space(p + 3) {
                    (spaceAt, end) = (p + 3, p + 4)
                }
            default: break
            }
            if spaceAt >= 0 {
                b[spaceAt] = 0xA0
                p = end
            } else {
                p += 1
            }
        }
        return b
    }

    private static func startsAGraveException(_ b: [UInt8], _ q: Int) -> Bool {
        func has(_ s: String) -> Bool {
            let u = Array(s.utf8)
            return q + u.count <= b.count && Array(b[q..<(q + u.count)]) == u
        }
        return has(" ") || has("quele") || has("quela") || has("quilo") || has("s ")
    }

    /// `fixes.replace_lossy_sequences`: UTF-8 sequences that lost a byte to U+FFFD (byte 1A in the sloppy code
    /// pages) or to "?" (`chardata.LOSSY_UTF8_RE`), and any remaining 1A, become the bytes of U+FFFD.
    static func replaceLossySequences(_ b: [UInt8]) -> [UInt8] {
        guard b.contains(0x1A) || b.contains(0x3F) else { return b }
        let n = b.count
        func at(_ q: Int) -> UInt8? { q < n ? b[q] : nil }
        func isIn(_ q: Int, _ lo: UInt8, _ hi: UInt8, _ extra: [UInt8] = []) -> Bool {
            guard let x = at(q) else { return false }
            return (x >= lo && x <= hi) || extra.contains(x)
        }
        func lost(_ q: Int) -> Bool { at(q) == 0x1A || at(q) == 0x3F }  // [\x1a?]
        func lostOrCont(_ q: Int) -> Bool { isIn(q, 0x80, 0xBF, [0x1A]) }  // [\x1a\x80-\xbf]
        func anyTail(_ q: Int) -> Bool { isIn(q, 0x80, 0xBF, [0x1A, 0x3F]) }  // [\x1a?\x80-\xbf]
        var out = [UInt8]()
        out.reserveCapacity(n)
        var p = 0
        while p < n {
            let x = b[p]
            var len = 0
            if (0xC2...0xDF).contains(x) && at(p + 1) == 0x1A {
                len = 2
            } else if (x == 0xC2 || x == 0xC3) && at(p + 1) == 0x3F {
                len = 2
            } else if x == 0xED && isIn(p + 1, 0xA0, 0xAF) && at(p + 3) == 0xED && isIn(p + 4, 0xB0, 0xBF)
                        && ((lost(p + 2) && anyTail(p + 5)) || (anyTail(p + 2) && lost(p + 5))) {
                len = 6
            } else if (0xE0...0xEF).contains(x)
                        && ((lost(p + 1) && lostOrCont(p + 2)) || (lostOrCont(p + 1) && lost(p + 2))) {
                len = 3
            } else if (0xF0...0xF4).contains(x) {
                // one of the three tail bytes is [\x1a?], the other two are [\x1a\x80-\xbf]
                let tail = 1...3
                if tail.allSatisfy({ anyTail(p + $0) }) && tail.contains(where: { lost(p + $0) })
                    && tail.filter({ at(p + $0) == 0x3F }).count <= 1 { len = 4 }
            } else if x == 0x1A {
                len = 1
            }
            if len > 0 {
                out += [0xEF, 0xBF, 0xBD]
                p += len
            } else {
                out.append(x)
                p += 1
            }
        }
        return out
    }
}
