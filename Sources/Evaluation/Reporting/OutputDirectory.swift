import Foundation
import UserFiles

/// The output-directory policy of `vtfusion detect`: never overwrite a user's files silently.
///
/// - A missing directory is created (with its parents).
/// - An existing, empty directory is used.
/// - An existing, non-empty directory is refused with ``ReportError/outputNotEmpty(path:)`` unless `force`;
///   with `force` the run replaces only the files it writes itself (`results.*`, `maps/`, `overlays/`,
///   `panels/` entries of the same names, `report.html`); nothing else is deleted.
/// - A path that exists and is not a directory is refused.
public enum OutputDirectory {
    /// Prepares `url` for a run (see the type's documentation).
    public static func prepare(_ url: URL, force: Bool) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw ReportError.notADirectory(path: url.path) }
            // Temporary files of an interrupted run (ours, by name and dead writer) are not the user's.
            for sub in ["", "maps", "overlays", "panels"] { StaleTemporaryFiles.clean(in: sub.isEmpty ? url : url.appendingPathComponent(sub)) }
            let contents = (try? fm.contentsOfDirectory(atPath: url.path)) ?? []
            if !contents.isEmpty && !force { throw ReportError.outputNotEmpty(path: url.path) }
        } else {
            if let problem = creationProblem(url.path) { throw ReportError.unreadable(path: url.path, reason: problem) }
            do { try fm.createDirectory(at: url, withIntermediateDirectories: true) } catch {
                throw ReportError.unreadable(path: url.path, reason: "cannot create directory: \(creationProblem(url.path) ?? error.localizedDescription)")
            }
        }
    }

    /// Why a folder cannot be created at `path` (its nearest existing ancestor is a file or not writable),
    /// or nil when nothing is visibly wrong.
    public static func creationProblem(_ path: String) -> String? { UserFile.folderCreationProblem(path) }

    /// The up-front check of an output folder flag (`--out`) before any long work: it must be new or empty
    /// unless `force`, must not be a file, and must be creatable. Throws ``FlagError`` naming `flag`.
    public static func check(_ path: String, force: Bool, flag: String = "--out") throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw FlagError(flag, "\(path) exists and is not a folder") }
            // Our own temporary files of an interrupted run do not count (the run removes them).
            let contents = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).filter { StaleTemporaryFiles.ownerPID($0) == nil }
            if !contents.isEmpty && !force {
                throw FlagError(flag, "\(path) is not empty; choose a new folder or pass --force to replace the files a run writes")
            }
            if !fm.isWritableFile(atPath: path) { throw FlagError(flag, "\(path) is not writable (read-only folder or no permission)") }
        } else if let problem = creationProblem(path) {
            throw FlagError(flag, "cannot create \(path): \(problem)")
        }
    }

    /// Unique, file-system-safe stems for output files: the input's file name without extension (prefixed
    /// with its folder's name, `crack_000`, when several inputs share a file name, as in MVTec's `test/*/`),
    /// with characters other than letters, digits, `-`, `_`, `.` replaced by `_`, and `_2`, `_3`, ...
    /// appended on remaining collisions (case-insensitively, for case-insensitive file systems).
    public static func uniqueStems(for paths: [String]) -> [String] {
        let urls = paths.map { URL(fileURLWithPath: $0) }
        let bases = urls.map { $0.deletingPathExtension().lastPathComponent }
        var counts: [String: Int] = [:]
        for b in bases { counts[b.lowercased(), default: 0] += 1 }
        var used = Set<String>()
        return zip(urls, bases).map { url, b in
            let parent = url.deletingLastPathComponent().lastPathComponent
            let base = counts[b.lowercased()]! > 1 && !parent.isEmpty && parent != "/" ? parent + "_" + b : b
            var safe = String(base.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
            if safe.isEmpty || safe.hasPrefix(".") { safe = "image" + safe }
            var stem = safe
            var n = 2
            while used.contains(stem.lowercased()) { stem = "\(safe)_\(n)"; n += 1 }
            used.insert(stem.lowercased())
            return stem
        }
    }
}
