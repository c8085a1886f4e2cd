import Foundation

/// Loader for a plain folder of the user's own images (one category).
///
/// ```
/// ROOT/good/*.png                 normal test images (also accepted: ok/, normal/)
/// ROOT/<anything else>/*.png      anomalous test images, defect type = folder name
/// ROOT/masks/<defect>/<name>[_mask].png    optional masks (or ground_truth/; a flat masks/ also works)
/// ROOT/reference/*.png            optional normal reference images (or references/, refs/, train/,
///                                 each possibly with a good/ sub-folder)
/// ```
/// Without a reference folder, the references are drawn from `good/` itself and the category is marked
/// ``DatasetCategory/trainOverlapsTest``, so the harness removes them from the test set. When a mask folder
/// exists every anomalous image must have a mask; without one, anomalous samples have no mask (image metrics
/// only).
public struct FolderLoader: Sendable {
    public static let normalFolderNames = ["good", "ok", "normal"]
    public static let maskFolderNames = ["masks", "ground_truth"]
    public static let referenceFolderNames = ["reference", "references", "refs", "train"]

    /// The folder.
    public let root: URL
    /// Category name (default: the folder's name).
    public let categoryName: String

    public init(root: URL, categoryName: String? = nil) {
        self.root = root
        self.categoryName = categoryName ?? root.standardizedFileURL.lastPathComponent
    }

    /// Loads the folder as one category.
    /// - Throws: ``DatasetError/notFound(_:)``, ``DatasetError/unknownLayout(_:reason:)`` without a normal
    ///   folder, ``DatasetError/emptyCategory(name:folder:)``, ``DatasetError/missingMask(image:searched:)``.
    public func load() throws -> DatasetCategory {
        guard DatasetFiles.isDirectory(root) else { throw DatasetError.notFound(root) }
        guard let goodFolder = DatasetFiles.firstSubdirectory(of: root, named: Self.normalFolderNames) else {
            throw DatasetError.unknownLayout(root, reason: "a plain folder needs a good/ sub-folder of normal images")
        }
        let maskRoot = DatasetFiles.firstSubdirectory(of: root, named: Self.maskFolderNames)
        let referenceFolder = DatasetFiles.firstSubdirectory(of: root, named: Self.referenceFolderNames)
        let reserved = Set(Self.normalFolderNames + Self.maskFolderNames + Self.referenceFolderNames)

        var test = DatasetFiles.images(in: goodFolder).map {
            DatasetSample(imagePath: $0, label: .normal, maskPath: nil, category: categoryName, defectType: "good")
        }
        let flatMasks = maskRoot.map { MaskIndex(folder: $0) }
        for folder in DatasetFiles.subdirectories(root) where !reserved.contains(folder.lastPathComponent) {
            let defect = folder.lastPathComponent
            let masks = maskRoot.map { MaskIndex(folder: $0.appendingPathComponent(defect)) }
            for image in DatasetFiles.images(in: folder) {
                var mask: URL? = nil
                if let masks, let flatMasks {
                    mask = masks.mask(for: image) ?? flatMasks.mask(for: image)
                    if mask == nil { throw DatasetError.missingMask(image: image, searched: masks.folder) }
                }
                test.append(DatasetSample(imagePath: image, label: .anomalous, maskPath: mask, category: categoryName,
                                          defectType: defect))
            }
        }
        guard !test.isEmpty else { throw DatasetError.emptyCategory(name: categoryName, folder: root) }

        if let referenceFolder {
            let nested = DatasetFiles.firstSubdirectory(of: referenceFolder, named: Self.normalFolderNames)
            let refs = DatasetFiles.images(in: referenceFolder) + (nested.map { DatasetFiles.images(in: $0) } ?? [])
            return DatasetCategory(name: categoryName, trainGood: refs, test: test)
        }
        return DatasetCategory(name: categoryName, trainGood: test.filter { !$0.isAnomalous }.map(\.imagePath),
                               test: test, trainOverlapsTest: true)
    }
}
