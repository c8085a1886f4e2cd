import Foundation

/// OpenAI CLIP's byte-level BPE tokenizer (identical ids to open_clip's `SimpleTokenizer` /
/// `open_clip.tokenize` and OpenAI `clip.tokenize`).
///
/// Pipeline: `CLIPTextCleaner.clean` (ftfy-style fixes, HTML unescaping, whitespace collapsing,
/// lowercasing), the CLIP regex split
/// `<|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`,
/// UTF-8 bytes mapped through the byte-to-unicode table, BPE merges with `</w>` marking the end of a word.
public struct CLIPTokenizer: Sendable {
    /// Token id of `<|startoftext|>` (49406 for the OpenAI vocabulary).
    public let startToken: Int
    /// Token id of `<|endoftext|>` (49407 for the OpenAI vocabulary).
    public let endToken: Int
    /// Number of tokens in the vocabulary (49408 for the OpenAI vocabulary).
    public let vocabularySize: Int

    /// Id of each byte's symbol, and of the same symbol with `</w>` appended.
    let byteIds: [Int32], byteEndIds: [Int32]
    /// (left id << 32 | right id) -> (merge rank, merged id).
    let merges: [UInt64: (rank: Int32, id: Int32)]

    /// Builds the tokenizer from OpenAI's BPE merges text (`bpe_simple_vocab_16e6.txt`, one merge per line
    /// after a header line; ``ModelStore`` reads the gzip file), the way OpenAI's `SimpleTokenizer` does:
    /// 256 byte symbols, the same with `</w>`, the first 48894 merges, then `<|startoftext|>` and
    /// `<|endoftext|>`. `file` names the source in errors.
    public init(bpeMerges text: String, file: String) throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let mergeCount = 49152 - 256 - 2
        guard lines.count > mergeCount else {
            throw TokenizerError.malformed(file: file, reason: "\(lines.count) lines, expected more than \(mergeCount)")
        }
        var pairs = [(String, String)]()
        pairs.reserveCapacity(mergeCount)
        for (n, line) in lines[1...mergeCount].enumerated() {
            let parts = line.split(separator: " ")
            guard parts.count == 2 else {
                throw TokenizerError.malformed(file: file, reason: "line \(n + 2) is not a pair of symbols")
            }
            pairs.append((String(parts[0]), String(parts[1])))
        }
        // Python's bytes_to_unicode() dict lists the printable bytes first, then the remapped ones, i.e.
        // in order of their symbols' code points.
        let symbols = CLIPTokenizer.byteSymbols.sorted { $0.value < $1.value }
        var vocab = symbols.map { String($0) } + symbols.map { String($0) + "</w>" }
        vocab += pairs.map { $0.0 + $0.1 }
        vocab += ["<|startoftext|>", "<|endoftext|>"]
        var encoder = [String: Int](minimumCapacity: vocab.count)
        for (i, t) in vocab.enumerated() { encoder[t] = i }  // later duplicates win, as in Python's dict(zip())
        try self.init(encoder: encoder, merges: pairs, file: file)
    }

    /// Loads the Hugging Face `CLIPTokenizer` files: `vocab.json` (token -> id) and `merges.txt`
    /// (a `#version` header line, then one `left right` merge per line, in rank order).
    public init(vocabFile: URL, mergesFile: URL) throws {
        let vocabData = try TokenizerError.read(vocabFile)
        guard let encoder = try? JSONDecoder().decode([String: Int].self, from: vocabData) else {
            throw TokenizerError.malformed(file: vocabFile.path, reason: "expected a JSON object of token -> integer id")
        }
        let text = try TokenizerError.utf8(TokenizerError.read(mergesFile), mergesFile)
        var pairs = [(String, String)]()
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("#version") || line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let parts = line.split(separator: " ")
            guard parts.count == 2 else {
                throw TokenizerError.malformed(file: mergesFile.path, reason: "line \(n + 1) is not a pair of symbols")
            }
            pairs.append((String(parts[0]), String(parts[1])))
        }
        try self.init(encoder: encoder, merges: pairs, file: vocabFile.path)
    }

    init(encoder: [String: Int], merges pairs: [(String, String)], file: String) throws {
        func id(_ t: String) throws -> Int32 {
            guard let i = encoder[t] else { throw TokenizerError.missingToken(file: file, token: t) }
            return Int32(i)
        }
        let symbols = CLIPTokenizer.byteSymbols
        byteIds = try symbols.map { try id(String($0)) }
        byteEndIds = try symbols.map { try id(String($0) + "</w>") }
        startToken = Int(try id("<|startoftext|>"))
        endToken = Int(try id("<|endoftext|>"))
        vocabularySize = encoder.count
        var table = [UInt64: (rank: Int32, id: Int32)](minimumCapacity: pairs.count)
        for (rank, (a, b)) in pairs.enumerated() {
            let key = UInt64(UInt32(try id(a))) << 32 | UInt64(UInt32(try id(b)))
            if table[key] == nil { table[key] = (Int32(rank), try id(a + b)) }  // first rank wins, like bpe_ranks
        }
        merges = table
    }

    /// GPT-2 / CLIP byte-to-unicode table: printable Latin-1 bytes map to themselves, the other 68 bytes to
    /// U+0100 onwards, so every byte has a visible, non-space symbol.
    static let byteSymbols: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var n: UInt32 = 0
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(256 + n)!
                n += 1
            }
        }
        return table
    }()

    // MARK: Encoding

    /// BPE token ids of `text` without start/end tokens and without truncation.
    public func tokenIDs(_ text: String) -> [Int] {
        var ids = [Int]()
        let cleaned = CLIPTextCleaner.clean(PythonText.scalars(text))
        for piece in CLIPTokenizer.split(cleaned) {
            switch piece {
            case .start: ids.append(startToken)
            case .end: ids.append(endToken)
            case .text(let scalars): ids += bpe(scalars).map(Int.init)
            }
        }
        return ids
    }

    /// `[startToken] + tokenIDs(text) + [endToken]`, truncated to `contextLength` with the end token kept in the
    /// last position (open_clip's rule), then zero-padded to `contextLength`. Returns `contextLength` ids.
    public func encode(_ text: String, contextLength: Int = 77) -> [Int32] {
        precondition(contextLength >= 2, "contextLength must leave room for the start and end tokens")
        var ids = [Int32(startToken)] + tokenIDs(text).map(Int32.init) + [Int32(endToken)]
        if ids.count > contextLength {
            ids.removeLast(ids.count - contextLength)
            ids[contextLength - 1] = Int32(endToken)
        }
        return ids + [Int32](repeating: 0, count: contextLength - ids.count)
    }

    /// Batch `encode`: shape [texts.count][contextLength].
    public func encode(_ texts: [String], contextLength: Int = 77) -> [[Int32]] {
        texts.map { encode($0, contextLength: contextLength) }
    }

    /// Position of the end token in each encoded row (the EOT pooling index, i.e. `argmax` of the ids).
    public func endTokenPosition(_ ids: [Int32]) -> Int {
        ids.firstIndex(of: Int32(endToken)) ?? (ids.count - 1)
    }

    /// Applies the merges to one pre-tokenized word (its UTF-8 bytes, the last one carrying `</w>`).
    func bpe(_ word: [Unicode.Scalar]) -> [Int32] {
        var bytes = [UInt8]()
        for c in word { bytes += Array(String(c).utf8) }
        guard !bytes.isEmpty else { return [] }
        var parts = bytes.dropLast().map { byteIds[Int($0)] } + [byteEndIds[Int(bytes.last!)]]
        while parts.count > 1 {
            var best: (rank: Int32, id: Int32)? = nil
            var bestKey: UInt64 = 0
            for i in 0..<(parts.count - 1) {
                let key = UInt64(UInt32(parts[i])) << 32 | UInt64(UInt32(parts[i + 1]))
                if let m = merges[key], m.rank < (best?.rank ?? .max) { best = m; bestKey = key }
            }
            guard let merge = best else { break }
            let first = Int32(truncatingIfNeeded: bestKey >> 32), second = Int32(truncatingIfNeeded: bestKey)
            var merged = [Int32]()
            merged.reserveCapacity(parts.count)
            var i = 0
            while i < parts.count {
                if parts[i] == first && i + 1 < parts.count && parts[i + 1] == second {
                    merged.append(merge.id)
                    i += 2
                } else {
                    merged.append(parts[i])
                    i += 1
                }
            }
            parts = merged
        }
        return parts
    }
}
