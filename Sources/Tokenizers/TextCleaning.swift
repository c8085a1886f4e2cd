/// The text cleaning OpenAI CLIP / open_clip apply before BPE (`_clean_lower`):
/// `whitespace_clean(basic_clean(text)).lower()` where `basic_clean` is `ftfy.fix_text` followed by
/// `html.unescape` twice and `strip()`.
///
/// ftfy 6.3.1's fixes are reproduced step by step with its default configuration: HTML entities, heuristic
/// mojibake repair (`fix_encoding`, see `MojibakeRepair`: "cafÃ©" becomes "café"), C1 controls as
/// Windows-1252, Latin ligatures, full/half-width forms, curly quotes, line breaks, terminal escapes, control
/// characters and NFC.
public enum CLIPTextCleaner {
    /// Cleans and lowercases `text` exactly like open_clip's default `clean='lower'`.
    public static func clean(_ text: String) -> String {
        PythonText.string(clean(PythonText.scalars(text)))
    }

    static func clean(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var s = fixText(text)
        s = HTMLUnescape.pythonUnescape(HTMLUnescape.pythonUnescape(s))
        // strip() then " ".join(split()) == " ".join(split())
        var joined = [Unicode.Scalar]()
        joined.reserveCapacity(s.count)
        for part in PythonText.split(s) {
            if !joined.isEmpty { joined.append(" ") }
            joined += part
        }
        return PythonText.lower(joined)
    }

    /// `ftfy.fix_text`: line-by-line segments (cut every `maxSegmentLength` code points within longer lines),
    /// each fixed until it stops changing. HTML unescaping is switched off from the first segment that contains
    /// '<' onwards (as ftfy does).
    /// `fixEncoding: false` is ftfy's `fix_text(text, fix_encoding=False)` (used by tests).
    static func fixText(_ text: [Unicode.Scalar], fixEncoding: Bool = true) -> [Unicode.Scalar] {
        var out = [Unicode.Scalar]()
        out.reserveCapacity(text.count)
        var unescape = true
        var pos = 0
        while pos < text.count {
            var end = pos
            while end < text.count && text[end] != "\n" { end += 1 }
            end = min(end + 1, text.count, pos + maxSegmentLength)
            let segment = Array(text[pos..<end])
            if unescape && segment.contains("<") { unescape = false }
            out += fixSegment(segment, unescapeHTML: unescape, fixEncoding: fixEncoding)
            pos = end
        }
        return out
    }

    /// ftfy's `max_decode_length`.
    static let maxSegmentLength = 1_000_000

    static func fixSegment(_ segment: [Unicode.Scalar], unescapeHTML: Bool, fixEncoding: Bool = true) -> [Unicode.Scalar] {
        var s = segment
        while true {
            let original = s
            if unescapeHTML { s = HTMLUnescape.ftfyUnescape(s) }
            if fixEncoding { s = MojibakeRepair.fixEncoding(s) }
            s = s.map { c in  // fix_c1_controls
                (0x80...0x9F).contains(c.value) ? Unicode.Scalar(HTMLUnescape.windows1252[c.value] ?? c.value)! : c
            }
            s = s.flatMap { ligatures[$0.value].map(PythonText.scalars) ?? [$0] }
            s = s.flatMap { c -> [Unicode.Scalar] in  // fix_character_width
                if c == "\u{3000}" { return [" "] }
                if c.value >= 0xFF01 && c.value < 0xFFF0 { return PythonText.nfkc([c]) }
                return [c]
            }
            s = s.map { c in  // uncurl_quotes
                switch c.value {
                case 0x02BC, 0x2018...0x201B: return "'"
                case 0x201C...0x201F: return "\""
                default: return c
                }
            }
            s = fixLineBreaks(s)
            s = removeTerminalEscapes(s)
            s = s.filter { !isRemovedControl($0.value) }
            s = PythonText.nfc(s)
            if s == original { return s }
        }
    }

    static let ligatures: [UInt32: String] = [
        0x132: "IJ", 0x133: "ij", 0x149: "\u{02BC}n", 0x1F1: "DZ", 0x1F2: "Dz", 0x1F3: "dz",
        0x1C4: "D\u{17D}", 0x1C5: "D\u{17E}", 0x1C6: "d\u{17E}", 0x1C7: "LJ", 0x1C8: "Lj", 0x1C9: "lj",
        0x1CA: "NJ", 0x1CB: "Nj", 0x1CC: "nj", 0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi",
        0xFB04: "ffl", 0xFB05: "\u{17F}t", 0xFB06: "st",
    ]

    static func fixLineBreaks(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out = [Unicode.Scalar]()
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            switch s[i].value {
            case 0x0D:
                out.append("\n")
                if i + 1 < s.count && s[i + 1] == "\n" { i += 1 }
            case 0x2028, 0x2029, 0x85: out.append("\n")
            default: out.append(s[i])
            }
            i += 1
        }
        return out
    }

    /// Removes ANSI escapes `ESC [ (digits|;)* letter`.
    static func removeTerminalEscapes(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains("\u{1B}") else { return s }
        var out = [Unicode.Scalar]()
        var i = 0
        while i < s.count {
            if s[i] == "\u{1B}", i + 1 < s.count, s[i + 1] == "[" {
                var j = i + 2
                while j < s.count && (s[j] == ";" || s[j].properties.generalCategory == .decimalNumber) { j += 1 }
                if j < s.count && s[j].value < 0x80 && PythonText.isLetter(s[j]) {
                    i = j + 1
                    continue
                }
            }
            out.append(s[i])
            i += 1
        }
        return out
    }

    /// ftfy's `remove_control_chars` set.
    static func isRemovedControl(_ v: UInt32) -> Bool {
        switch v {
        case 0x00...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x206A...0x206F, 0xFEFF, 0xFFF9...0xFFFC: return true
        default: return false
        }
    }
}
