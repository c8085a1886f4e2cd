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
    /// path, skipping hidden entries (`.name`); other files inside it are listed in ``skipped``. A path
    /// listed twice is kept once.
    public static func expand(_ arguments: [String]) -> InputFiles {
        var result = InputFiles(images: [], skipped: [], missing: [])
        var seen = Set<String>()
        let fm = FileManager.default
        for arg in arguments {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: arg, isDirectory: &isDir) else { result.missing.append(arg); continue }
            if !isDir.boolValue {
                if seen.insert(arg).inserted { result.images.append(arg) }
                continue
            }
            let root = URL(fileURLWithPath: arg)
            var found: [String] = []
            if let walker = fm.enumerator(at: root, includingPropertiesForKeys: [.isDirectoryKey],
                                          options: [.skipsHiddenFiles]) {
                for case let url as URL in walker {
                    if (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true { continue }
                    let rel = String(url.path.dropFirst(root.path.count)).drop { $0 == "/" }
                    found.append(arg.hasSuffix("/") ? arg + rel : arg + "/" + rel)
                }
            }
            for path in found.sorted() where seen.insert(path).inserted {
                let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
                if imageExtensions.contains(ext) {
                    result.images.append(path)
                } else {
                    result.skipped.append((path, ext.isEmpty ? "no file extension" : "not an image type (.\(ext))"))
                }
            }
        }
        return result
    }
}
