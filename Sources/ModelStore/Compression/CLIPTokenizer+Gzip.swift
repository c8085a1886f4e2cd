import Foundation
import Tokenizers
import UserFiles

extension CLIPTokenizer {
    /// Loads OpenAI's `bpe_simple_vocab_16e6.txt.gz` (gzip; see ``CLIPTokenizer/init(bpeMerges:file:)``).
    /// - Throws: `TokenizerError` naming the file (unreadable, not gzip, not UTF-8, malformed).
    public init(bpeFile url: URL) throws {
        let raw: Data
        do { raw = try UserFile.data(url.path, maxBytes: UserFile.maxTextBytes) } catch let e as UserFileError {
            throw TokenizerError.unreadable(file: url.path, reason: e.reason)
        }
        let data: Data
        do { data = try Gzip.decompress(raw) } catch let e as CompressionError {
            throw TokenizerError.malformed(file: url.path, reason: e.description)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.malformed(file: url.path, reason: "not valid UTF-8")
        }
        try self.init(bpeMerges: text, file: url.path)
    }
}
