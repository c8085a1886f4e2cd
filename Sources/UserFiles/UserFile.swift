#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Why a file given by the user (image, weights, config, archive) cannot be read; each case names the path.
public enum UserFileError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case notFound(path: String)
    case permissionDenied(path: String)
    case symlinkLoop(path: String)
    /// The path exists but is not a regular file (`kind`: "a folder", "a FIFO (named pipe)", "a character device", ...).
    case notRegularFile(path: String, kind: String)
    /// The file is larger than the cap for its kind.
    case tooLarge(path: String, bytes: Int, limit: Int)
    case unreadable(path: String, reason: String)

    public var path: String {
        switch self {
        case .notFound(let p), .permissionDenied(let p), .symlinkLoop(let p), .notRegularFile(let p, _),
             .tooLarge(let p, _, _), .unreadable(let p, _): return p
        }
    }

    /// The problem without the path.
    public var reason: String {
        switch self {
        case .notFound: return "no such file"
        case .permissionDenied: return "permission denied"
        case .symlinkLoop: return "too many levels of symbolic links (symlink loop)"
        case .notRegularFile(_, let k): return "not a regular file (it is \(k))"
        case .tooLarge(_, let b, let l): return "file is \(b) bytes, over the limit of \(l) bytes"
        case .unreadable(_, let r): return r
        }
    }

    public var description: String { "\(path): \(reason)" }
    public var errorDescription: String? { description }
}

/// Reading files named by the user: the path is checked to be a regular file (symlinks resolved) before it
/// is opened, and opened non-blocking, so a FIFO or device never blocks or streams forever; sizes are capped.
public enum UserFile {
    /// Default caps.
    public static let maxImageBytes = 512 << 20
    public static let maxJSONBytes = 64 << 20
    public static let maxTextBytes = 256 << 20

    static func describe(mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a plain file"
        }
    }

    static func error(errno code: Int32, path: String) -> UserFileError {
        switch code {
        case ENOENT, ENOTDIR: return .notFound(path: path)
        case EACCES, EPERM: return .permissionDenied(path: path)
        case ELOOP: return .symlinkLoop(path: path)
        default: return .unreadable(path: path, reason: String(cString: strerror(code)))
        }
    }

    /// The size of a regular file at `path` (symlinks followed), checked against `maxBytes`.
    @discardableResult
    public static func check(_ path: String, maxBytes: Int = .max) throws -> Int {
        var st = stat()
        if stat(path, &st) != 0 { throw error(errno: errno, path: path) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw UserFileError.notRegularFile(path: path, kind: describe(mode: st.st_mode)) }
        let size = Int(st.st_size)
        if size > maxBytes { throw UserFileError.tooLarge(path: path, bytes: size, limit: maxBytes) }
        return size
    }

    /// Opens a regular file for reading (non-blocking open, then `fstat`, so a swapped-in FIFO cannot block).
    /// Returns the descriptor and the size; the caller closes it.
    public static func open(_ path: String, maxBytes: Int = .max) throws -> (fd: Int32, size: Int) {
        try check(path, maxBytes: maxBytes)
        #if canImport(Glibc)
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        #else
        let fd = Darwin.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        #endif
        guard fd >= 0 else { throw error(errno: errno, path: path) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { let e = errno; close(fd); throw error(errno: e, path: path) }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw UserFileError.notRegularFile(path: path, kind: describe(mode: st.st_mode))
        }
        let size = Int(st.st_size)
        if size > maxBytes { close(fd); throw UserFileError.tooLarge(path: path, bytes: size, limit: maxBytes) }
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        return (fd, size)
    }

    /// Why a folder cannot be created at `path` (the path or its nearest existing ancestor is a file, or
    /// that ancestor is not writable), or nil when nothing is visibly wrong.
    public static func folderCreationProblem(_ path: String) -> String? {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let url = URL(fileURLWithPath: path).standardizedFileURL
        if fm.fileExists(atPath: url.path, isDirectory: &isDir) {
            return isDir.boolValue ? nil : "\(url.path) is a file, not a folder"
        }
        var ancestor = url.deletingLastPathComponent()
        while true {
            if fm.fileExists(atPath: ancestor.path, isDirectory: &isDir) {
                if !isDir.boolValue { return "\(ancestor.path) is a file, not a folder, so nothing can be created under it" }
                if !fm.isWritableFile(atPath: ancestor.path) { return "\(ancestor.path) is not writable (read-only folder or no permission)" }
                return nil
            }
            let up = ancestor.deletingLastPathComponent()
            if up.path == ancestor.path { return nil }
            ancestor = up
        }
    }

    /// Reads up to `count` bytes from `fd` at the current position.
    static func readUp(_ fd: Int32, into buf: UnsafeMutableRawPointer, count: Int) -> Int {
        var done = 0
        while done < count {
            #if canImport(Glibc)
            let n = Glibc.read(fd, buf + done, count - done)
            #else
            let n = Darwin.read(fd, buf + done, count - done)
            #endif
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            done += n
        }
        return done
    }

    /// The whole file, at most `maxBytes`.
    public static func read(_ path: String, maxBytes: Int) throws -> [UInt8] {
        let (fd, size) = try open(path, maxBytes: maxBytes)
        defer { close(fd) }
        if size == 0 { return [] }
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buf, count in
            count = readUp(fd, into: buf.baseAddress!, count: size)
        }
        if bytes.count != size {
            throw UserFileError.unreadable(path: path, reason: "short read (\(bytes.count) of \(size) bytes)")
        }
        return bytes
    }

    /// The whole file as `Data`, at most `maxBytes`.
    public static func data(_ path: String, maxBytes: Int = maxJSONBytes) throws -> Data {
        Data(try read(path, maxBytes: maxBytes))
    }

    /// Up to `count` leading bytes, with the file's size.
    public static func prefix(_ path: String, count: Int, maxBytes: Int = .max) throws -> (bytes: [UInt8], size: Int) {
        let (fd, size) = try open(path, maxBytes: maxBytes)
        defer { close(fd) }
        let n = min(count, size)
        if n == 0 { return ([], size) }
        let bytes = [UInt8](unsafeUninitializedCapacity: n) { buf, c in c = readUp(fd, into: buf.baseAddress!, count: n) }
        return (bytes, size)
    }
}
