import Foundation

/// Expansion of command-line image arguments (`--refs`, `--images`): files and directories.
public struct InputFiles: Equatable, Sendable {
    /// Image files, in argument order; each directory's images sorted by relative path.
    public var images: [String]
    /// Files found in directories and skipped because their extension is not an image type, with the reason.
    public var skipped: [(path: String, reason: String)]
    /// Arguments that do not exist.
    public var missing: [String]

    /// Extensions (lower case) treated as images inside directories.
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "bmp", "tif", "tiff"]

    public static func == (a: InputFiles, b: InputFiles) -> Bool {
        a.images == b.images && a.missing == b.missing
            && a.skipped.map(\.path) == b.skipped.map(\.path) && a.skipped.map(\.reason) == b.skipped.map(\.reason)
    }

    /// Expands `arguments`: a file is taken as given (whatever its extension: the decoder sniffs the
    /// content and reports a non-image); a directory contributes its image files, recursively, sorted by
    /// path, skipping hidden entries (`.name`); other files inside it are listed in ``skipped``. Symbolic
    /// links (to the folder itself, to sub-folders, to files) are followed, each real folder once (a link
    /// loop is reported in ``skipped``); an unreadable sub-folder or a broken link is listed in ``skipped``
    /// with the reason. A file reached twice (under two spellings or through links) is kept once, under
    /// its first spelling.
    public static func expand(_ arguments: [String]) -> InputFiles {
        var result = InputFiles(images: [], skipped: [], missing: [])
        var seen = Set<String>()
        let fm = FileManager.default
        func real(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path }
        for arg in arguments {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: arg, isDirectory: &isDir) else {
                var st = stat()
                if lstat(arg, &st) == 0 { result.skipped.append((arg, "broken symbolic link or symlink loop")) }
                else { result.missing.append(arg) }
                continue
            }
            if !isDir.boolValue {
                if seen.insert(real(arg)).inserted { result.images.append(arg) }
                continue
            }
            var found: [String] = []
            var visited = Set<String>()
            func walk(_ dir: String, _ display: String) {
                guard visited.insert(real(dir)).inserted else {
                    result.skipped.append((display, "folder already visited (symbolic link loop)"))
                    return
                }
                let names: [String]
                do { names = try fm.contentsOfDirectory(atPath: dir) } catch {
                    let reason = fm.isReadableFile(atPath: dir) ? "\((error as NSError).localizedDescription)" : "permission denied"
                    result.skipped.append((display, "unreadable folder: \(reason)"))
                    return
                }
                for name in names where !name.hasPrefix(".") {
                    let path = dir + "/" + name
                    let shown = display.hasSuffix("/") ? display + name : display + "/" + name
                    var sub: ObjCBool = false
                    if fm.fileExists(atPath: path, isDirectory: &sub) {
                        if sub.boolValue { walk(path, shown) } else { found.append(shown) }
                    } else {
                        result.skipped.append((shown, "broken symbolic link or symlink loop"))
                    }
                }
            }
            walk(arg.count > 1 && arg.hasSuffix("/") ? String(arg.dropLast()) : arg, arg.count > 1 && arg.hasSuffix("/") ? String(arg.dropLast()) : arg)
            for path in found.sorted() {
                let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
                if imageExtensions.contains(ext) {
                    if seen.insert(real(path)).inserted { result.images.append(path) }
                } else {
                    result.skipped.append((path, ext.isEmpty ? "no file extension" : "not an image type (.\(ext))"))
                }
            }
        }
        return result
    }
}
