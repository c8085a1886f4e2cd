#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Why an atomic write failed; names the target path.
public struct AtomicWriteError: Error, LocalizedError, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): cannot write file: \(reason)" }
    public var errorDescription: String? { description }
}

/// Atomic file writes: a uniquely named temporary file next to the target, then `rename(2)`.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically, creating parent folders.
    /// - Throws: ``AtomicWriteError``.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            try Data(bytes).write(to: tmp)
            if rename(tmp.path, url.path) != 0 {
                let err = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: tmp)
                throw AtomicWriteError(path: path, reason: err)
            }
        } catch let e as AtomicWriteError {
            throw e
        } catch {
            throw AtomicWriteError(path: path, reason: error.localizedDescription)
        }
    }

    /// Writes UTF-8 text atomically.
    public static func write(text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }
}
