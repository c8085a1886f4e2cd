#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Leftovers of our own atomic writes and staging folders after a kill: `.NAME.tmp-PID-RANDOM` files
/// (AtomicFile, Safetensors) and `.tmp-NAME-PID-RANDOM` folders (model store staging). An entry is stale
/// when its process is gone; entries of live processes (another run writing) are kept.
public enum StaleTemporaryFiles {
    /// The writer's process id when `name` follows our temporary naming, else nil.
    public static func ownerPID(_ name: String) -> Int32? {
        guard name.hasPrefix(".") else { return nil }
        let parts = name.split(separator: "-")
        guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]), UInt32(parts[parts.count - 1]) != nil, pid > 0 else { return nil }
        let head = parts.dropLast(2).joined(separator: "-")
        guard head.hasSuffix(".tmp") || head.hasPrefix(".tmp") else { return nil }
        return pid
    }

    static func isAlive(_ pid: Int32) -> Bool { pid == getpid() || kill(pid, 0) == 0 || errno == EPERM }

    /// Removes stale temporary entries directly inside `directory`; returns their names.
    @discardableResult
    public static func clean(in directory: URL) -> [String] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [String] = []
        for name in names.sorted() {
            guard let pid = ownerPID(name), !isAlive(pid) else { continue }
            if (try? fm.removeItem(at: directory.appendingPathComponent(name))) != nil { removed.append(name) }
        }
        return removed
    }
}
