import Foundation
import UserFiles

/// Which files a report may embed or link: only PNG images the writer makes, inside the results folder.
/// A crafted `results.json` naming `../../etc/shadow`, an absolute path, or a symlink pointing out of the
/// folder gets nothing.
public enum EmbeddablePath {
    /// The resolved file for `relative` under `directory`, or nil when it is not an embeddable image:
    /// empty, absolute, containing a `..` component, not `.png`, resolving (symlinks included) outside
    /// `directory`, not a regular file, over `maxBytes`, or without the PNG signature.
    public static func resolve(_ relative: String, under directory: URL, maxBytes: Int = 64 << 20) -> URL? {
        guard !relative.isEmpty, !relative.hasPrefix("/"), !relative.hasPrefix("~"),
              !relative.contains("\0"), !relative.contains("\\") else { return nil }
        let parts = relative.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.contains(".."), relative.lowercased().hasSuffix(".png") else { return nil }
        let root = directory.standardizedFileURL.resolvingSymlinksInPath().path
        let target = directory.appendingPathComponent(relative).standardizedFileURL.resolvingSymlinksInPath()
        guard target.path.hasPrefix(root.hasSuffix("/") ? root : root + "/") else { return nil }
        guard let head = try? UserFile.prefix(target.path, count: 8, maxBytes: maxBytes),
              head.bytes == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        return target
    }
}
