import Foundation

/// File-system helpers shared by the loaders: deterministic (sorted) listings, image filtering, mask lookup.
enum DatasetFiles {
    /// Extensions (lower-cased) accepted as images and masks.
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp"]

    static func isDirectory(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
    }

    static func isFile(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && !isDir.boolValue
    }

    static func isImage(_ url: URL) -> Bool { imageExtensions.contains(url.pathExtension.lowercased()) }

    /// Visible entries of a folder, sorted by name (empty if the folder does not exist).
    private static func entries(_ folder: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// Visible sub-folders, sorted by name.
    static func subdirectories(_ folder: URL) -> [URL] { entries(folder).filter(isDirectory) }

    /// Image files directly inside `folder`, sorted by name.
    static func images(in folder: URL) -> [URL] { entries(folder).filter { isImage($0) && isFile($0) } }

    /// The first existing sub-folder of `folder` whose name is in `names` (in the order of `names`).
    static func firstSubdirectory(of folder: URL, named names: [String]) -> URL? {
        names.lazy.map { folder.appendingPathComponent($0) }.first(where: isDirectory)
    }
}

/// Index of the mask files in one folder, looked up by the stem of an image: `<stem>_mask.<ext>` (MVTec AD,
/// MPDD) is preferred over `<stem>.<ext>` (BTAD, whose masks are `.png` or `.bmp` with the image's name).
struct MaskIndex {
    let folder: URL
    private var byStem: [String: URL] = [:]

    init(folder: URL) {
        self.folder = folder
        for url in DatasetFiles.images(in: folder) {
            let stem = url.deletingPathExtension().lastPathComponent
            if byStem[stem] == nil { byStem[stem] = url }
        }
    }

    func mask(for image: URL) -> URL? {
        let stem = image.deletingPathExtension().lastPathComponent
        return byStem[stem + "_mask"] ?? byStem[stem]
    }
}
