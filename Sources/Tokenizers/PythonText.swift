import Foundation

/// Code-point level string operations with the exact semantics of the Python built-ins and `unicodedata`
/// functions that the reference tokenizers use. Text is handled as `[Unicode.Scalar]` throughout, like
/// Python's `str` (Swift `Character`s would merge combining sequences).
enum PythonText {
    /// `str.isspace()` for one code point (bidirectional class WS/B/S or category Zs).
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `str.split()` with no argument: runs of whitespace separate, empty pieces dropped.
    static func split(_ s: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var parts = [ArraySlice<Unicode.Scalar>]()
        var i = 0
        while i < s.count {
            while i < s.count && isSpace(s[i]) { i += 1 }
            let start = i
            while i < s.count && !isSpace(s[i]) { i += 1 }
            if i > start { parts.append(s[start..<i]) }
        }
        return parts
    }

    /// `str.lower()`: full Unicode lowercase mapping, with Greek capital sigma becoming final sigma when it
    /// ends a cased word (the Final_Sigma context of the Unicode standard, as CPython implements it).
    static func lower(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out = [Unicode.Scalar]()
        out.reserveCapacity(s.count)
        for (i, c) in s.enumerated() {
            if c.value < 0x80 {
                out.append(c.value >= 65 && c.value <= 90 ? Unicode.Scalar(c.value + 32)! : c)
            } else if c == "\u{03A3}" {
                out.append(isFinalSigma(s, i) ? "\u{03C2}" : "\u{03C3}")
            } else {
                out += c.properties.lowercaseMapping.unicodeScalars
            }
        }
        return out
    }

    private static func isFinalSigma(_ s: [Unicode.Scalar], _ i: Int) -> Bool {
        var j = i - 1
        while j >= 0 && s[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0 && s[j].properties.isCased else { return false }
        j = i + 1
        while j < s.count && s[j].properties.isCaseIgnorable { j += 1 }
        return j == s.count || !s[j].properties.isCased
    }

    /// `unicodedata.normalize("NFC", s)`.
    static func nfc(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if s.allSatisfy({ $0.value < 0x300 }) { return s }  // nothing below U+0300 composes
        return Array(string(s).precomposedStringWithCanonicalMapping.unicodeScalars)
    }

    /// `unicodedata.normalize("NFD", s)`.
    static func nfd(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if s.allSatisfy({ $0.value < 0xC0 }) { return s }  // nothing below U+00C0 decomposes
        return Array(string(s).decomposedStringWithCanonicalMapping.unicodeScalars)
    }

    /// `unicodedata.normalize("NFKC", s)`.
    static func nfkc(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        Array(string(s).precomposedStringWithCompatibilityMapping.unicodeScalars)
    }

    static func string<S: Sequence>(_ s: S) -> String where S.Element == Unicode.Scalar {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: s)
        return String(v)
    }

    static func scalars(_ s: String) -> [Unicode.Scalar] { Array(s.unicodeScalars) }

    /// Unicode general category predicates as Python's `unicodedata.category(c)` letters.
    static func isLetter(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return (c.value | 0x20) >= 97 && (c.value | 0x20) <= 122 }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return c.value >= 48 && c.value <= 57 }
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Category "C*": Cc, Cf, Cs, Co, Cn.
    static func isOther(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// Category "P*".
    static func isPunctuationCategory(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }
}
