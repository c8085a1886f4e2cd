import Foundation

/// Loader for the MVTec AD layout and its relatives MPDD and BTAD.
///
/// ```
/// ROOT/<category>/train/good/*.png             normal training images (BTAD: train/ok)
/// ROOT/<category>/test/good/*.png              normal test images     (BTAD: test/ok)
/// ROOT/<category>/test/<defect>/*.png          anomalous test images  (BTAD: test/ko)
/// ROOT/<category>/ground_truth/<defect>/<name>_mask.png   masks (BTAD: <name>.png or <name>.bmp)
/// ```
/// `ROOT` may also be one category folder (it contains `test/` itself). Normal folders are `good` or `ok`;
/// masks are matched by stem (`<name>_mask.*` first, then `<name>.*`) with any image extension, which covers
/// MVTec AD, MPDD and all three BTAD products. Hidden files are ignored; listings are sorted.
public struct MVTecLayoutLoader: Sendable {
    /// Folder names holding normal images.
    public static let normalFolderNames = ["good", "ok"]

    /// Dataset root (or a single category folder).
    public let root: URL

    public init(root: URL) { self.root = root }

    /// Category names, sorted (folders of `root` that contain `test/`).
    /// - Throws: ``DatasetError/notFound(_:)``, ``DatasetError/unknownLayout(_:reason:)``.
    public func categoryNames() throws -> [String] { try categoryFolders().map(\.name) }

    /// Loads the given categories (all when `nil`), in the order given (sorted when `nil`).
    public func load(categories: [String]? = nil) throws -> [DatasetCategory] {
        let folders = try categoryFolders()
        let selected: [(name: String, folder: URL)]
        if let categories {
            selected = try categories.map { name in
                guard let hit = folders.first(where: { $0.name == name }) else {
                    throw DatasetError.unknownCategory(name, root: root, available: folders.map(\.name))
                }
                return hit
            }
        } else {
            selected = folders
        }
        return try selected.map { try Self.loadCategory(name: $0.name, folder: $0.folder) }
    }

    private func categoryFolders() throws -> [(name: String, folder: URL)] {
        guard DatasetFiles.isDirectory(root) else { throw DatasetError.notFound(root) }
        if DatasetFiles.isDirectory(root.appendingPathComponent("test")) {
            return [(root.standardizedFileURL.lastPathComponent, root)]
        }
        let folders = DatasetFiles.subdirectories(root)
            .filter { DatasetFiles.isDirectory($0.appendingPathComponent("test")) }
            .map { (name: $0.lastPathComponent, folder: $0) }
        guard !folders.isEmpty else {
            throw DatasetError.unknownLayout(root, reason: "no <category>/test/ folder (MVTec AD, MPDD and BTAD layout)")
        }
        return folders
    }

    /// Loads one category folder (`folder/train`, `folder/test`, `folder/ground_truth`).
    ///
    /// A category whose anomalous images have no masks at all (no `ground_truth/` masks for any of them,
    /// as in some BTAD-like exports) loads with `maskPath == nil` for them: image metrics work, pixel
    /// metrics are not available. Some masks present but one missing is an error
    /// (``DatasetError/missingMask(image:searched:)``) unless `allowMissingMasks` (used by the validator to
    /// check the rest of such a category).
    static func loadCategory(name: String, folder: URL, allowMissingMasks: Bool = false) throws -> DatasetCategory {
        let train = folder.appendingPathComponent("train")
        let trainGood = normalFolderNames.flatMap { DatasetFiles.images(in: train.appendingPathComponent($0)) }
        let testFolder = folder.appendingPathComponent("test")
        let truth = folder.appendingPathComponent("ground_truth")
        var test: [DatasetSample] = []
        var missing: [(image: URL, searched: URL)] = []
        for sub in DatasetFiles.subdirectories(testFolder) {
            let kind = sub.lastPathComponent
            let images = DatasetFiles.images(in: sub)
            if normalFolderNames.contains(kind) {
                test += images.map {
                    DatasetSample(imagePath: $0, label: .normal, maskPath: nil, category: name, defectType: kind)
                }
                continue
            }
            let masks = MaskIndex(folder: truth.appendingPathComponent(kind))
            for image in images {
                let mask = masks.mask(for: image)
                if mask == nil { missing.append((image, masks.folder)) }
                test.append(DatasetSample(imagePath: image, label: .anomalous, maskPath: mask, category: name,
                                          defectType: kind))
            }
        }
        guard !test.isEmpty else { throw DatasetError.emptyCategory(name: name, folder: testFolder) }
        let anomalous = test.filter(\.isAnomalous).count
        let anyMask = !DatasetFiles.images(in: truth).isEmpty
            || DatasetFiles.subdirectories(truth).contains { !DatasetFiles.images(in: $0).isEmpty }
        if let first = missing.first, missing.count < anomalous || anyMask, !allowMissingMasks {
            throw DatasetError.missingMask(image: first.image, searched: first.searched)
        }
        return DatasetCategory(name: name, trainGood: trainGood, test: test)
    }
}
