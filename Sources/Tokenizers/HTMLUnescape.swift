/// HTML character-reference decoding with the exact semantics of Python's `html.unescape` and of
/// ftfy's more conservative `unescape_html` (both run by OpenAI CLIP's text cleaning).
enum HTMLUnescape {
    /// HTML5 named references, keyed by name (with its ';' when it has one).
    static let html5: [String: [Unicode.Scalar]] = parseTable(html5Table)
    /// ftfy's entity map: the HTML5 names that end in ';' plus all-caps spellings.
    static let ftfyEntities: [String: [Unicode.Scalar]] = {
        var map = html5.filter { $0.key.hasSuffix(";") }
        for (k, v) in parseTable(ftfyUpperTable) { map[k] = v }
        return map
    }()
    /// Windows-1252 meanings of the C1 bytes 0x80-0x9F (undefined ones map to themselves).
    static let windows1252: [UInt32: UInt32] = [
        0x80: 0x20AC, 0x82: 0x201A, 0x83: 0x0192, 0x84: 0x201E, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021,
        0x88: 0x02C6, 0x89: 0x2030, 0x8A: 0x0160, 0x8B: 0x2039, 0x8C: 0x0152, 0x8E: 0x017D, 0x91: 0x2018,
        0x92: 0x2019, 0x93: 0x201C, 0x94: 0x201D, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02DC,
        0x99: 0x2122, 0x9A: 0x0161, 0x9B: 0x203A, 0x9C: 0x0153, 0x9E: 0x017E, 0x9F: 0x0178,
    ]

    static func parseTable(_ table: String) -> [String: [Unicode.Scalar]] {
        var map = [String: [Unicode.Scalar]]()
        for entry in table.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            guard let eq = entry.firstIndex(of: "=") else { continue }
            let value = entry[entry.index(after: eq)...].split(separator: ",")
                .compactMap { UInt32($0, radix: 16).flatMap(Unicode.Scalar.init) }
            map[String(entry[..<eq])] = value
        }
        return map
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }
    static func isHexDigit(_ c: Unicode.Scalar) -> Bool {
        isDigit(c) || (c.value | 0x20 >= 97 && c.value | 0x20 <= 102)
    }
    static func isASCIIAlnum(_ c: Unicode.Scalar) -> Bool {
        isDigit(c) || (c.value | 0x20 >= 97 && c.value | 0x20 <= 122)
    }

    /// Python's numeric character reference rules (`html._replace_charref`).
    static func numericReference(_ digits: ArraySlice<Unicode.Scalar>, radix: Int) -> [Unicode.Scalar] {
        var num: UInt32 = 0
        var overflow = false
        for d in digits {
            let v = UInt32(String(d), radix: radix)!
            let (m, o1) = num.multipliedReportingOverflow(by: UInt32(radix))
            let (a, o2) = m.addingReportingOverflow(v)
            num = a
            overflow = overflow || o1 || o2
        }
        if overflow || num > 0x10FFFF || (0xD800...0xDFFF).contains(num) { return ["\u{FFFD}"] }
        if num == 0 { return ["\u{FFFD}"] }
        if num == 0x0D { return ["\r"] }
        if (0x80...0x9F).contains(num) { return [Unicode.Scalar(windows1252[num] ?? num)!] }
        if (1...8).contains(num) || num == 0x0B || (0x0E...0x1F).contains(num) || (0x7F...0x9F).contains(num)
            || (0xFDD0...0xFDEF).contains(num) || num & 0xFFFE == 0xFFFE { return [] }
        return [Unicode.Scalar(num)!]
    }

    /// Python's `html.unescape`.
    static func pythonUnescape(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains("&") else { return s }
        var out = [Unicode.Scalar]()
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            guard s[i] == "&", i + 1 < s.count else { out.append(s[i]); i += 1; continue }
            var j = i + 1
            if s[j] == "#" {
                // &#123;? or &#x1F;?
                var k = j + 1
                let hex = k < s.count && (s[k] == "x" || s[k] == "X")
                if hex { k += 1 }
                let start = k
                while k < s.count && (hex ? isHexDigit(s[k]) : isDigit(s[k])) { k += 1 }
                if k == start { out.append(s[i]); i += 1; continue }
                out += numericReference(s[start..<k], radix: hex ? 16 : 10)
                i = k < s.count && s[k] == ";" ? k + 1 : k
                continue
            }
            while j < s.count && j - (i + 1) < 32 && !"\t\n\u{0C} <&#;".unicodeScalars.contains(s[j]) { j += 1 }
            if j == i + 1 { out.append(s[i]); i += 1; continue }
            if j < s.count && s[j] == ";" { j += 1 }
            let name = s[(i + 1)..<j]
            i = j
            if let v = html5[String(String.UnicodeScalarView(name))] { out += v; continue }
            var matched = false
            for x in stride(from: name.count - 1, to: 1, by: -1) {
                let prefix = name.prefix(x)
                if let v = html5[String(String.UnicodeScalarView(prefix))] {
                    out += v
                    out += name.dropFirst(x)
                    matched = true
                    break
                }
            }
            if !matched { out.append("&"); out += name }
        }
        return out
    }

    /// ftfy's `unescape_html`: only `&name;` / `&#num;` references of 1-24 ASCII alphanumerics with a ';'.
    static func ftfyUnescape(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains("&") else { return s }
        var out = [Unicode.Scalar]()
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            guard s[i] == "&" else { out.append(s[i]); i += 1; continue }
            var k = i + 1
            if k < s.count && s[k] == "#" { k += 1 }
            let start = k
            while k < s.count && isASCIIAlnum(s[k]) { k += 1 }
            let run = k - start
            guard run >= 1, run <= 24, k < s.count, s[k] == ";" else { out.append(s[i]); i += 1; continue }
            let match = Array(s[i...k])
            i = k + 1
            let key = String(String.UnicodeScalarView(match.dropFirst()))
            if let v = ftfyEntities[key] {
                out += v
            } else if match.count > 1 && match[1] == "#" {
                let decoded = pythonUnescape(match)
                out += decoded.contains(";") ? match : decoded
            } else {
                out += match
            }
        }
        return out
    }
}
