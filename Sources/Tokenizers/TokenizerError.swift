import Foundation
import UserFiles

/// Errors raised while loading tokenizer vocabularies.
public enum TokenizerError: Error, LocalizedError, CustomStringConvertible {
    /// A file could not be read.
    case unreadable(file: String, reason: String)
    /// A file was read but its content is not what the format requires.
    case malformed(file: String, reason: String)
    /// A token the tokenizer needs is absent from the vocabulary.
    case missingToken(file: String, token: String)

    public var description: String {
        switch self {
        case .unreadable(let f, let r): return "cannot read tokenizer file \(f): \(r)"
        case .malformed(let f, let r): return "malformed tokenizer file \(f): \(r)"
        case .missingToken(let f, let t): return "tokenizer vocabulary \(f) has no entry for \(t.debugDescription)"
        }
    }
    public var errorDescription: String? { description }

    static func read(_ url: URL) throws -> Data {
        do { return try UserFile.data(url.path, maxBytes: UserFile.maxTextBytes) } catch let e as UserFileError {
            throw TokenizerError.unreadable(file: url.path, reason: e.reason)
        }
    }

    static func utf8(_ data: Data, _ url: URL) throws -> String {
        guard let s = String(data: data, encoding: .utf8) else {
            throw TokenizerError.malformed(file: url.path, reason: "not valid UTF-8")
        }
        return s
    }
}
