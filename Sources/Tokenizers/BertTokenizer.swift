import Foundation

/// BERT WordPiece tokenizer with the semantics of Hugging Face's Python `BertTokenizer`
/// (as used by sentence-transformers all-MiniLM-L6-v2): clean-text, CJK character splitting, NFC,
/// whitespace split, lowercasing, accent stripping (NFD, drop Mn), punctuation splitting, greedy
/// longest-match WordPiece with `##` continuations (words over 100 code points become `[UNK]`),
/// `[CLS] ... [SEP]` framing and truncation to a maximum length.
public struct BertTokenizer: Sendable {
    /// Token -> id (line number in vocab.txt).
    public let vocabulary: [String: Int]
    public let clsToken: Int, sepToken: Int, padToken: Int, unkToken: Int
    /// Lowercase and strip accents (true for uncased models such as MiniLM).
    public let lowercase: Bool
    /// Words longer than this many code points map to `[UNK]`.
    public let maxCharactersPerWord = 100

    /// Loads a `vocab.txt` (one token per line; a token's id is its 0-based line number).
    public init(vocabFile url: URL, lowercase: Bool = true) throws {
        let text = try TokenizerError.utf8(TokenizerError.read(url), url)
        var vocab = [String: Int]()
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        for (i, line) in lines.enumerated() { vocab[String(line)] = i }
        try self.init(vocabulary: vocab, lowercase: lowercase, file: url.path)
    }

    /// Builds a tokenizer from an in-memory vocabulary, which must contain `[CLS]`, `[SEP]`, `[PAD]`, `[UNK]`.
    public init(vocabulary: [String: Int], lowercase: Bool = true, file: String = "<memory>") throws {
        func id(_ t: String) throws -> Int {
            guard let i = vocabulary[t] else { throw TokenizerError.missingToken(file: file, token: t) }
            return i
        }
        self.vocabulary = vocabulary
        self.lowercase = lowercase
        clsToken = try id("[CLS]")
        sepToken = try id("[SEP]")
        padToken = try id("[PAD]")
        unkToken = try id("[UNK]")
    }

    // MARK: Basic tokenization

    /// Whitespace- and punctuation-separated words after cleaning and normalisation (BERT's BasicTokenizer).
    public func basicTokens(_ text: String) -> [String] {
        var cleaned = [Unicode.Scalar]()
        for c in text.unicodeScalars {
            if c.value == 0 || c.value == 0xFFFD || BertTokenizer.isControl(c) { continue }
            if BertTokenizer.isWhitespace(c) {
                cleaned.append(" ")
            } else if BertTokenizer.isChineseCharacter(c.value) {
                cleaned += [" ", c, " "]
            } else {
                cleaned.append(c)
            }
        }
        var pieces = [String]()
        for word in PythonText.split(PythonText.nfc(cleaned)) {
            var w = Array(word)
            if lowercase {
                w = PythonText.nfd(PythonText.lower(w)).filter { $0.properties.generalCategory != .nonspacingMark }
            }
            // Split on punctuation: every punctuation character is its own piece.
            var current = [Unicode.Scalar]()
            for c in w {
                if BertTokenizer.isPunctuation(c) {
                    if !current.isEmpty { pieces.append(PythonText.string(current)); current = [] }
                    pieces.append(String(Character(c)))
                } else {
                    current.append(c)
                }
            }
            if !current.isEmpty { pieces.append(PythonText.string(current)) }
        }
        // Python re-splits " ".join(pieces) on whitespace.
        return pieces.flatMap { p in PythonText.split(Array(p.unicodeScalars)).map(PythonText.string) }
    }

    /// Greedy longest-match-first WordPiece split of one word; `nil` when a piece is not in the vocabulary.
    func wordPieces(_ word: String) -> [Int]? {
        let chars = Array(word.unicodeScalars)
        if chars.count > maxCharactersPerWord { return nil }
        var ids = [Int]()
        var start = 0
        while start < chars.count {
            var end = chars.count
            var found: Int? = nil
            while start < end {
                let piece = (start > 0 ? "##" : "") + PythonText.string(chars[start..<end])
                if let id = vocabulary[piece] { found = id; break }
                end -= 1
            }
            guard let id = found else { return nil }
            ids.append(id)
            start = end
        }
        return ids
    }

    /// Word-piece ids of `text` without `[CLS]`/`[SEP]` and without truncation.
    public func tokenIDs(_ text: String) -> [Int] {
        basicTokens(text).flatMap { wordPieces($0) ?? [unkToken] }
    }

    /// `[CLS] + tokenIDs(text) + [SEP]`, keeping at most `maxLength` ids (the word pieces are cut, `[SEP]` stays
    /// last), like `tokenizer(text, truncation=True, max_length=maxLength)`. MiniLM uses `maxLength` 256.
    public func encode(_ text: String, maxLength: Int = 256) -> [Int32] {
        precondition(maxLength >= 2, "maxLength must leave room for [CLS] and [SEP]")
        let body = tokenIDs(text).prefix(maxLength - 2)
        return ([clsToken] + body + [sepToken]).map(Int32.init)
    }

    /// A padded batch: `ids` and `attentionMask` are [batch][length] where `length` is the longest encoded
    /// text (or `maxLength` when `padToMaxLength`); padding uses `[PAD]` ids and mask 0.
    public func encode(_ texts: [String], maxLength: Int = 256, padToMaxLength: Bool = false) -> BertBatch {
        let rows = texts.map { encode($0, maxLength: maxLength) }
        let length = padToMaxLength ? maxLength : (rows.map(\.count).max() ?? 0)
        let pad = Int32(padToken)
        return BertBatch(
            ids: rows.map { $0 + [Int32](repeating: pad, count: length - $0.count) },
            attentionMask: rows.map { [Int32](repeating: 1, count: $0.count) + [Int32](repeating: 0, count: length - $0.count) })
    }

    // MARK: Character classes (transformers' _is_whitespace / _is_control / _is_punctuation)

    static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\r" || c.properties.generalCategory == .spaceSeparator
    }

    static func isControl(_ c: Unicode.Scalar) -> Bool {
        if c == "\t" || c == "\n" || c == "\r" { return false }
        return PythonText.isOther(c)
    }

    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        default: return PythonText.isPunctuationCategory(c)
        }
    }

    static func isChineseCharacter(_ v: UInt32) -> Bool {
        switch v {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }
}

/// A padded batch of BERT inputs; both arrays are [batch][length]. Token type ids are all zero for single
/// sentences and are not stored.
public struct BertBatch: Sendable, Equatable {
    public var ids: [[Int32]]
    public var attentionMask: [[Int32]]
}
