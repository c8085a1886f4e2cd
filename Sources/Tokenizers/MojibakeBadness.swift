/// Character classes of ftfy's mojibake heuristic (`ftfy.badness.MOJIBAKE_CATEGORIES`) and of its UTF-8
/// clue detector (`ftfy.chardata.UTF8_CLUES`). Members are listed in the generated `MojibakeTables`.
struct MojibakeClass: OptionSet, Sendable {
    let rawValue: UInt32

    static let common = MojibakeClass(rawValue: 1 << 0)
    static let c1 = MojibakeClass(rawValue: 1 << 1)
    static let bad = MojibakeClass(rawValue: 1 << 2)
    static let law = MojibakeClass(rawValue: 1 << 3)
    static let currency = MojibakeClass(rawValue: 1 << 4)
    static let startPunctuation = MojibakeClass(rawValue: 1 << 5)
    static let endPunctuation = MojibakeClass(rawValue: 1 << 6)
    static let numeric = MojibakeClass(rawValue: 1 << 7)
    static let kaomoji = MojibakeClass(rawValue: 1 << 8)
    static let upperAccented = MojibakeClass(rawValue: 1 << 9)
    static let lowerAccented = MojibakeClass(rawValue: 1 << 10)
    static let upperCommon = MojibakeClass(rawValue: 1 << 11)
    static let lowerCommon = MojibakeClass(rawValue: 1 << 12)
    static let box = MojibakeClass(rawValue: 1 << 13)
    static let utf8FirstOf2 = MojibakeClass(rawValue: 1 << 16)
    static let utf8FirstOf3 = MojibakeClass(rawValue: 1 << 17)
    static let utf8FirstOf4 = MojibakeClass(rawValue: 1 << 18)
    static let utf8Continuation = MojibakeClass(rawValue: 1 << 19)
    static let utf8ContinuationStrict = MojibakeClass(rawValue: 1 << 20)

    /// Every badness category: text without any of these characters is never "bad".
    static let anyBadness = MojibakeClass(rawValue: (1 << 14) - 1)
    static let anyUTF8Clue = MojibakeClass(rawValue: 0x1F << 16)

    private static let directLimit: UInt32 = 0x2600
    private static let tables: (direct: [UInt32], other: [UInt32: UInt32]) = {
        var direct = [UInt32](repeating: 0, count: Int(directLimit))
        var other = [UInt32: UInt32]()
        for (cls, ranges) in MojibakeTables.classRanges {
            for r in ranges {
                for v in r {
                    if v < directLimit { direct[Int(v)] |= cls.rawValue } else { other[v, default: 0] |= cls.rawValue }
                }
            }
        }
        return (direct, other)
    }()

    /// The classes `c` belongs to (empty for ASCII and for most of Unicode).
    static func of(_ c: Unicode.Scalar) -> MojibakeClass {
        let v = c.value
        if v < 0x80 { return c == " " ? .utf8Continuation : [] }
        return MojibakeClass(rawValue: v < directLimit ? tables.direct[Int(v)] : tables.other[v] ?? 0)
    }
}

/// ftfy's `is_bad`: whether any of the unlikely character sequences of `ftfy.badness.BADNESS_RE` occurs in the
/// text. Each rule below is one alternative of that expression, tried at every position.
enum MojibakeBadness {
    private typealias C = MojibakeClass

    // Unions of categories the rules use more than once.
    private static let accented: C = [.lowerAccented, .upperAccented]
    private static let punct: C = [.startPunctuation, .endPunctuation]
    private static let cyrGreekMiddle: C = [.c1, .bad, .startPunctuation, .endPunctuation, .currency]

    static func isBad(_ text: ArraySlice<Unicode.Scalar>) -> Bool {
        let s = Array(text)
        var flags = [C]()
        flags.reserveCapacity(s.count)
        var any = false
        for c in s {
            let f = C.of(c)
            if !f.isDisjoint(with: .anyBadness) { any = true }
            flags.append(f)
        }
        guard any else { return false }
        for i in s.indices where matches(at: i, s, flags) { return true }
        return false
    }

    private static func matches(at i: Int, _ s: [Unicode.Scalar], _ f: [C]) -> Bool {
        let n = s.count
        let a = s[i].value, fa = f[i]
        let b: UInt32 = i + 1 < n ? s[i + 1].value : 0, fb: C = i + 1 < n ? f[i + 1] : []
        let c: UInt32 = i + 2 < n ? s[i + 2].value : 0, fc: C = i + 2 < n ? f[i + 2] : []
        let hasB = i + 1 < n, hasC = i + 2 < n
        func isLatin(_ v: UInt32) -> Bool { (v | 0x20) >= 0x61 && (v | 0x20) <= 0x7A }
        func isLower(_ v: UInt32) -> Bool { v >= 0x61 && v <= 0x7A }

        if fa.contains(.c1) { return true }
        if hasB {
            let strong: C = [.bad, .lowerAccented, .upperAccented, .box, .startPunctuation, .endPunctuation,
                             .currency, .numeric, .law]
            if !fa.isDisjoint(with: strong) && fb.contains(.bad) { return true }
            if fa.contains(.bad) && !fb.isDisjoint(with: strong.subtracting(.bad)) { return true }
            if !fa.isDisjoint(with: [.lowerAccented, .lowerCommon, .box, .endPunctuation, .currency, .numeric])
                && fb.contains(.upperAccented) { return true }
            if !fa.isDisjoint(with: [.box, .endPunctuation, .currency, .numeric]) && fb.contains(.lowerAccented) {
                return true
            }
            if !fa.isDisjoint(with: [.lowerAccented, .box, .endPunctuation]) && fb.contains(.currency) { return true }
            if !fa.isDisjoint(with: [.upperAccented, .box]) && !fb.isDisjoint(with: [.numeric, .law]) { return true }
            if !fa.isDisjoint(with: [.currency, .numeric, .box]) && fb.contains(.startPunctuation) { return true }
            if fa.contains(.box) && !fb.isDisjoint(with: [.kaomoji, .endPunctuation]) { return true }
            if !fa.isDisjoint(with: [.lowerAccented, .upperAccented, .currency, .numeric, .startPunctuation,
                                     .endPunctuation, .law]) && fb.contains(.box) { return true }
            if (a == 0x152 || a == 0x153) && !isLatin(b) { return true }  // Œœ not before a Latin letter
            if fa.contains(.upperAccented) && b == 0xB0 { return true }  // degree sign after a capital
            if [0xC2, 0xC3, 0xCE, 0xD0].contains(a)
                && ([0x20AC, 0x153, 0x160, 0x161, 0xA2, 0xA3, 0x178, 0x17E, 0xA0, 0xAD, 0xAE, 0xA9, 0xB0, 0xB7, 0xBB,
                     0x2013, 0x2014, 0xB4].contains(b) || !fb.isDisjoint(with: punct)) { return true }
            if a == 0xD7 && (b == 0xB2 || b == 0xB3) { return true }
            if a == 0xE0 && [0xB2, 0xB5, 0xB9, 0xBC, 0xBD, 0xBE].contains(b) { return true }
            if a == 0x221A && [0xB1, 0x2202, 0x2020, 0x2260, 0xAE, 0x2122, 0xB4, 0x2264, 0x2265, 0xA5, 0xB5,
                               0xF8].contains(b) { return true }
            if a == 0x2248 && (b == 0xB0 || b == 0xA2) { return true }
            if a == 0x432 && b == 0x402 { return true }  // вЂ
            if a == 0xC3 && (b == 0xA0 || b == 0xA1) { return true }
            if i == 0 && (a == 0xC3 || a == 0xC2) && b == 0x20 { return true }
            if a == 0x101 && b == 0x20AC { return true }  // ā€
        }
        guard hasC else { return false }
        if isLatin(a) && !fb.isDisjoint(with: [.lowerCommon, .upperCommon]) && fc.contains(.bad) { return true }
        if PythonText.isSpace(s[i]) && fb.contains(.upperAccented) && fc.contains(.currency) { return true }
        if !fa.isDisjoint(with: [.lowerAccented, .upperAccented, .box, .currency, .endPunctuation])
            && fb.contains(.startPunctuation) && fc.contains(.numeric) { return true }
        if !fa.isDisjoint(with: [.lowerAccented, .upperAccented, .currency, .numeric, .box, .law])
            && fb.contains(.endPunctuation) && fc.contains(.startPunctuation) { return true }
        if isLower(a) && fb.contains(.upperAccented) && !fc.isDisjoint(with: [.startPunctuation, .currency]) {
            return true
        }
        if !fa.isDisjoint(with: accented) && !fb.isDisjoint(with: punct) && isWordCharacter(s[i + 2]) { return true }
        if a == 0x201A && b == 0xC4 && [0xEC, 0xEE, 0xEF, 0xF2, 0xF4, 0xFA, 0xF9, 0xFB, 0x2020, 0xB0, 0xA2,
                                        0x3C0].contains(c) { return true }
        if a == 0x201A && (b == 0xE2 || b == 0xF3) && [0xE0, 0xE4, 0xB0, 0xEA].contains(c) { return true }
        let cyrillic: [UInt32] = [0x412, 0x413, 0x420, 0x421]  // ВГРС
        if cyrillic.contains(a) && cyrillic.contains(c)
            && (!fb.isDisjoint(with: cyrGreekMiddle) || b == 0xB0 || b == 0xB5) { return true }
        let greek: [UInt32] = [0x392, 0x393, 0x39E, 0x39F]  // ΒΓΞΟ
        if greek.contains(a) && greek.contains(c) && (!fb.isDisjoint(with: cyrGreekMiddle) || b == 0xB0) {
            return true
        }
        if a == 0x3B2 && b == 0x20AC && [0x2122, 0xA0, 0x386, 0xAD, 0xAE, 0xB0].contains(c) { return true }  // β€
        if isLower(a) && (b == 0xC3 || b == 0xC2) && c == 0x20 { return true }
        if (isLower(a) || [0x2E, 0x2C, 0x3F, 0x21].contains(a) || fa.contains(.endPunctuation)) && b == 0xC2
            && (c == 0x20 || !fc.isDisjoint(with: punct)) { return true }
        guard i + 3 < n else { return false }
        let d = s[i + 3].value
        if isLower(a) && PythonText.isSpace(s[i + 1]) && (c == 0xC3 || c == 0xC2) && d == 0x20 { return true }
        let arabicPair: C = [.common, .currency, .bad, .numeric, .startPunctuation]
        func arabicSecond(_ v: UInt32, _ fv: C) -> Bool {
            !fv.isDisjoint(with: arabicPair) || [0x178, 0x160, 0xAE, 0xB0, 0xB5, 0xBB].contains(v)
        }
        if (a == 0xD8 || a == 0xD9) && (c == 0xD8 || c == 0xD9) && arabicSecond(b, fb) && arabicSecond(d, f[i + 3]) {
            return true
        }
        // ГўВЂВ followed by any character but a line break and then a Latin letter or space
        if i + 6 < n && a == 0x413 && b == 0x45E && c == 0x412 && d == 0x402 && s[i + 4].value == 0x412
            && s[i + 5] != "\n" && (isLatin(s[i + 6].value) || s[i + 6] == " ") { return true }
        return false
    }

    /// Python's `\w` on a str pattern: `str.isalnum()` or underscore.
    static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        c == "_" || PythonText.isLetter(c) || PythonText.isNumber(c)
    }
}
