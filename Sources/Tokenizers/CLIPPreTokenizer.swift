extension CLIPTokenizer {
    enum Piece: Equatable {
        case start, end
        case text([Unicode.Scalar])
    }

    static let startText = Array("<|startoftext|>".unicodeScalars)
    static let endText = Array("<|endoftext|>".unicodeScalars)

    /// The CLIP pre-tokenizer regex, applied the way `re.findall` scans (alternatives tried in order at each
    /// position, greedy runs, unmatched whitespace skipped):
    /// `<|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+` (IGNORECASE).
    static func split(_ s: [Unicode.Scalar]) -> [Piece] {
        var pieces = [Piece]()
        var i = 0
        func matches(_ lit: [Unicode.Scalar], at i: Int) -> Bool {
            i + lit.count <= s.count && s[i..<(i + lit.count)].elementsEqual(lit, by: { foldCase($0) == $1 })
        }
        while i < s.count {
            let c = s[i]
            if c == "<" && matches(startText, at: i) {
                pieces.append(.start); i += startText.count; continue
            }
            if c == "<" && matches(endText, at: i) {
                pieces.append(.end); i += endText.count; continue
            }
            if c == "'", let n = contractionLength(s, i) {
                pieces.append(.text(Array(s[i..<(i + n)]))); i += n; continue
            }
            if PythonText.isLetter(c) {
                var j = i + 1
                while j < s.count && PythonText.isLetter(s[j]) { j += 1 }
                pieces.append(.text(Array(s[i..<j]))); i = j; continue
            }
            if PythonText.isNumber(c) {
                pieces.append(.text([c])); i += 1; continue
            }
            if !isRegexSpace(c) {
                var j = i + 1
                while j < s.count && !isRegexSpace(s[j]) && !PythonText.isLetter(s[j]) && !PythonText.isNumber(s[j]) {
                    j += 1
                }
                pieces.append(.text(Array(s[i..<j]))); i = j; continue
            }
            i += 1
        }
        return pieces
    }

    /// Simple case folding for the few letters the IGNORECASE alternatives compare.
    static func foldCase(_ c: Unicode.Scalar) -> Unicode.Scalar {
        if c.value >= 65 && c.value <= 90 { return Unicode.Scalar(c.value + 32)! }
        if c == "\u{17F}" { return "s" }  // LATIN SMALL LETTER LONG S folds to 's'
        if c == "\u{212A}" { return "k" }  // KELVIN SIGN
        return c
    }

    /// Length of a contraction `'s|'t|'re|'ve|'m|'ll|'d` starting at `i`, in alternative order.
    static func contractionLength(_ s: [Unicode.Scalar], _ i: Int) -> Int? {
        guard i + 1 < s.count else { return nil }
        let a = foldCase(s[i + 1])
        if a == "s" || a == "t" || a == "m" || a == "d" { return 2 }
        guard i + 2 < s.count else { return nil }
        let b = foldCase(s[i + 2])
        if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") { return 3 }
        return nil
    }

    /// `\s` of the `regex` module: the Unicode White_Space property.
    static func isRegexSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }
}
