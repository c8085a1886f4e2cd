import Crypto
import Foundation

/// Content-addressed files under `DATA/blobs/ab/cdef...` (SHA-256 of the bytes, hex). A file is written to a
/// temporary name, flushed, and renamed into place, so a name that exists always holds its whole content;
/// callers write the file before the database row that names it.
public struct ContentStore: Sendable {
    public let root: URL

    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    public static func digest(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `hash` is a well-formed digest (64 lowercase hex characters).
    public static func isDigest(_ hash: String) -> Bool {
        hash.utf8.count == 64 && hash.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    func url(_ hash: String) -> URL {
        root.appendingPathComponent(String(hash.prefix(2))).appendingPathComponent(String(hash.dropFirst(2)))
    }

    /// Stores `bytes` (a no-op when the same content is already there) and returns its digest.
    @discardableResult
    public func put(_ bytes: [UInt8]) throws -> String {
        let hash = Self.digest(bytes)
        let target = url(hash)
        if FileManager.default.fileExists(atPath: target.path) { return hash }
        try DurableFile.write(bytes, to: target)
        return hash
    }

    /// The bytes stored under `hash`, or `nil`.
    public func get(_ hash: String) -> [UInt8]? {
        guard Self.isDigest(hash), let d = FileManager.default.contents(atPath: url(hash).path) else { return nil }
        return [UInt8](d)
    }

    public func contains(_ hash: String) -> Bool {
        Self.isDigest(hash) && FileManager.default.fileExists(atPath: url(hash).path)
    }

    /// Every stored digest (for consistency checks).
    public func all() -> [String] {
        let fm = FileManager.default
        guard let dirs = try? fm.contentsOfDirectory(atPath: root.path) else { return [] }
        var out: [String] = []
        for d in dirs where d.count == 2 {
            for f in (try? fm.contentsOfDirectory(atPath: root.appendingPathComponent(d).path)) ?? [] where !f.hasPrefix(".") {
                out.append(d + f)
            }
        }
        return out.sorted()
    }
}

/// Durable atomic writes: temporary file in the target's folder, `fsync`, `rename`, `fsync` of the folder.
public enum DurableFile {
    public struct WriteError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func write(_ bytes: [UInt8], to target: URL) throws {
        let dir = target.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(".\(target.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw WriteError(description: "cannot create a temporary file: \(String(cString: strerror(errno)))") }
        var ok = true
        bytes.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + off, raw.count - off)
                if n <= 0 { ok = false; return }
                off += n
            }
        }
        if ok { ok = fsync(fd) == 0 }
        close(fd)
        guard ok, rename(tmp.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp.path)
            throw WriteError(description: "cannot write a stored file: \(reason)")
        }
        let dfd = open(dir.path, O_RDONLY)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    /// Removes temporary files left by a process that died mid-write (names `.X.tmp-PID-N`).
    public static func removeTemporaries(under root: URL) {
        let fm = FileManager.default
        guard let e = fm.enumerator(at: root, includingPropertiesForKeys: nil) else { return }
        for case let u as URL in e where u.lastPathComponent.hasPrefix(".") && u.lastPathComponent.contains(".tmp-") {
            try? fm.removeItem(at: u)
        }
    }
}
