/// ftfy 6.3.1's heuristic mojibake repair (`ftfy.fix_encoding` with the default `TextFixerConfig`), the step
/// of `fix_text` that turns text like "cafÃ©" or "â€œquotedâ€\u{9D}" back into what was meant.
///
/// One step (`_fix_encoding_one_step_and_explain`), repeated until the text stops changing:
/// 1. ASCII text, and text in which `MojibakeBadness.isBad` finds no unlikely sequence, is left alone.
/// 2. For each code page ftfy tries (`SingleByteCodePage.all`, in order) that can encode the whole text:
///    encode it, restore spaces that stood for byte A0 (not for MacRoman), replace sequences that lost bytes
///    to U+FFFD/"?" (sloppy code pages only), and decode as UTF-8 (as `utf-8-variants` when the bytes contain
///    ED or C0). The first code page whose bytes decode wins.
/// 3. Otherwise UTF-8 mojibake embedded in other text (`decode_inconsistent_utf8`) is repaired piece by piece.
/// 4. Otherwise C1 control characters are read as Windows-1252 (`fix_c1_controls`).
enum MojibakeRepair {
    /// `ftfy.fix_encoding(text)`.
    static func fixEncoding(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var s = text
        while true {
            let next = fixOneStep(s)
            if next == s { return s }
            s = next
        }
    }

    /// Cheap test used before any repair work: only text with a character in one of ftfy's mojibake
    /// categories can be "bad" (pure ASCII, plain accented words, CJK, emoji never reach the code pages).
    static func mayNeedRepair(_ text: [Unicode.Scalar]) -> Bool {
        text.contains { $0.value >= 0x80 && !MojibakeClass.of($0).isDisjoint(with: .anyBadness) }
    }

    static func fixOneStep(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard mayNeedRepair(text), MojibakeBadness.isBad(text[...]) else { return text }
        for page in SingleByteCodePage.all {
            guard var bytes = page.encode(text) else { continue }
            if page.name != "macroman" { bytes = MojibakeBytes.restoreByteA0(bytes) }
            if page.sloppy { bytes = MojibakeBytes.replaceLossySequences(bytes) }
            let variants = bytes.contains(0xED) || bytes.contains(0xC0)
            if let fixed = MojibakeBytes.decodeUTF8(bytes, variants: variants) { return fixed }
        }
        if text.contains(where: { !MojibakeClass.of($0).isDisjoint(with: .anyUTF8Clue) }) {
            let fixed = decodeInconsistentUTF8(text)
            if fixed != text { return fixed }
        }
        // ftfy next tries latin-1 -> windows-1252 for text with C1 controls, then fix_c1_controls; both give
        // the same text: each C1 control becomes its Windows-1252 character (unassigned bytes stay).
        if text.contains(where: { (0x80...0x9F).contains($0.value) }) { return fixC1Controls(text) }
        return text
    }

    /// `fixes.fix_c1_controls`: U+0080...U+009F read as sloppy Windows-1252.
    static func fixC1Controls(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let table = SingleByteCodePage.windows1252.high
        return text.map { (0x80...0x9F).contains($0.value) ? table[Int($0.value) - 0x80] : $0 }
    }

    /// `fixes.decode_inconsistent_utf8`: each run of characters that look like UTF-8 read in a single-byte code
    /// page (`chardata.UTF8_DETECTOR_RE`: a lead character followed by 1-3 continuation characters, repeated,
    /// not preceded by a strict continuation character) is repaired on its own when it is shorter than the
    /// whole text and is bad by itself.
    static func decodeInconsistentUTF8(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let n = text.count
        let flags = text.map(MojibakeClass.of)
        func isContinuation(_ q: Int) -> Bool { q < n && flags[q].contains(.utf8Continuation) }
        /// Length of one `[first][continuation]{k}` unit at q, or 0.
        func unit(at q: Int) -> Int {
            let options: [(MojibakeClass, Int)] = [(.utf8FirstOf2, 1), (.utf8FirstOf3, 2), (.utf8FirstOf4, 3)]
            for (first, k) in options where flags[q].contains(first) {
                if (1...k).allSatisfy({ isContinuation(q + $0) }) { return k + 1 }
            }
            return 0
        }
        var out = [Unicode.Scalar]()
        out.reserveCapacity(n)
        var p = 0
        while p < n {
            var end = p
            if p == 0 || !flags[p - 1].contains(.utf8ContinuationStrict) {
                while end < n {
                    let len = unit(at: end)
                    if len == 0 { break }
                    end += len
                }
            }
            if end == p {
                out.append(text[p])
                p += 1
                continue
            }
            let piece = Array(text[p..<end])
            out += piece.count < n && MojibakeBadness.isBad(piece[...]) ? fixEncoding(piece) : piece
            p = end
        }
        return out
    }
}
