import Foundation
import UserFiles

/// User-facing image errors; each names the file (or "<memory>" for in-memory data).
public enum ImageError: Error, LocalizedError, CustomStringConvertible, Equatable {
    /// The file does not exist or cannot be opened.
    case notFound(path: String)
    /// The file exists but holds no bytes.
    case empty(path: String)
    /// The leading bytes are neither a PNG nor a JPEG signature.
    case unknownFormat(path: String, magic: String)
    /// The decoder failed (truncated data, bad CRC, broken structure); `reason` is the decoder's message.
    case corrupt(path: String, reason: String)
    /// The header declares more pixels than the configured cap; nothing was decoded.
    case tooLarge(path: String, width: Int, height: Int, maxPixels: Int)
    /// A valid file of a kind this library does not handle (for example CMYK JPEG).
    case unsupported(path: String, reason: String)
    /// Writing failed.
    case writeFailed(path: String, reason: String)
    /// The path exists but cannot be read as an image file: permission denied, symlink loop, not a regular
    /// file (folder, FIFO, device), or larger than the file-size cap; `reason` says which.
    case unreadable(path: String, reason: String)

    /// Maps a ``UserFileError`` (a missing file stays ``notFound(path:)``).
    public init(_ e: UserFileError) {
        if case .notFound(let p) = e { self = .notFound(path: p) } else { self = .unreadable(path: e.path, reason: e.reason) }
    }

    public var description: String {
        switch self {
        case .notFound(let p): return "\(p): image file not found"
        case .empty(let p): return "\(p): image file is empty (0 bytes)"
        case .unknownFormat(let p, let m): return "\(p): unknown image format (leading bytes \(m)); expected PNG, JPEG, BMP or TIFF"
        case .corrupt(let p, let r): return "\(p): corrupt or truncated image: \(r)"
        case .tooLarge(let p, let w, let h, let m):
            return "\(p): image is \(w)x\(h) = \(w * h) pixels, over the limit of \(m) pixels"
        case .unsupported(let p, let r): return "\(p): unsupported image: \(r)"
        case .writeFailed(let p, let r): return "\(p): cannot write image: \(r)"
        case .unreadable(let p, let r): return "\(p): cannot read image file: \(r)"
        }
    }

    public var errorDescription: String? { description }
}
