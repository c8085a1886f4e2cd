import Foundation

/// Supported dataset layouts.
public enum DatasetFormat: String, CaseIterable, Codable, Sendable {
    /// MVTec AD: `<category>/train/good`, `test/<defect>`, `ground_truth/<defect>/<name>_mask.png`.
    case mvtec
    /// VisA: `split_csv/1cls.csv`.
    case visa
    /// MPDD (MVTec AD layout).
    case mpdd
    /// BTAD (MVTec-like with `ok`/`ko` folders and `.png`/`.bmp` masks named like their images).
    case btad
    /// A plain folder: `good/` normal, any other folder anomalous, optional masks (see ``FolderLoader``).
    case folder

    /// Guesses the layout of `root`: `split_csv/1cls.csv` -> VisA; `test/` in `root` or in a sub-folder ->
    /// MVTec-like (BTAD when a `test/ok` folder is found); a `good/` folder -> plain folder.
    /// - Throws: ``DatasetError/notFound(_:)``, ``DatasetError/unknownLayout(_:reason:)``.
    public static func detect(root: URL) throws -> DatasetFormat {
        guard DatasetFiles.isDirectory(root) else { throw DatasetError.notFound(root) }
        if DatasetFiles.isFile(root.appendingPathComponent("split_csv").appendingPathComponent("1cls.csv")) { return .visa }
        let testFolders = ([root] + DatasetFiles.subdirectories(root))
            .map { $0.appendingPathComponent("test") }
            .filter(DatasetFiles.isDirectory)
        if !testFolders.isEmpty {
            return testFolders.contains { DatasetFiles.isDirectory($0.appendingPathComponent("ok")) } ? .btad : .mvtec
        }
        if DatasetFiles.firstSubdirectory(of: root, named: FolderLoader.normalFolderNames) != nil { return .folder }
        throw DatasetError.unknownLayout(root, reason: "expected split_csv/1cls.csv (VisA), <category>/test/ "
                                         + "(MVTec AD, MPDD, BTAD) or good/ (plain folder)")
    }
}

/// A dataset named on the command line: `FORMAT:PATH` (`mvtec:/data/mvtec`) or a plain `PATH` (detected).
public struct DatasetSpec: Equatable, Sendable, CustomStringConvertible {
    /// The layout, or `nil` to detect it when loading.
    public var format: DatasetFormat?
    /// The dataset root (`~` expanded).
    public var root: URL

    public init(format: DatasetFormat?, root: URL) {
        self.format = format
        self.root = root
    }

    /// Parses `FORMAT:PATH` or `PATH`.
    /// - Throws: ``DatasetError/badSpec(_:)`` for an empty path or an unknown `FORMAT:` prefix (unless the whole
    ///   string is an existing path).
    public init(parsing text: String) throws {
        func url(_ path: String) -> URL {
            URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        }
        if let colon = text.firstIndex(of: ":") {
            let prefix = text[..<colon].lowercased()
            let path = String(text[text.index(after: colon)...])
            if let format = DatasetFormat(rawValue: prefix) {
                guard !path.isEmpty else { throw DatasetError.badSpec(text) }
                self.init(format: format, root: url(path))
                return
            }
            guard FileManager.default.fileExists(atPath: url(text).path) else { throw DatasetError.badSpec(text) }
        }
        guard !text.isEmpty else { throw DatasetError.badSpec(text) }
        self.init(format: nil, root: url(text))
    }

    public var description: String { "\(format?.rawValue ?? "auto"):\(root.path)" }
}

/// Entry point for loading any supported dataset.
public enum DatasetLoader {
    /// Loads `categories` (all when `nil`) of the dataset `spec` names, detecting the layout if needed.
    public static func load(_ spec: DatasetSpec, categories: [String]? = nil) throws -> [DatasetCategory] {
        try load(format: spec.format ?? DatasetFormat.detect(root: spec.root), root: spec.root, categories: categories)
    }

    /// Loads `categories` (all when `nil`) of a dataset of a known layout.
    public static func load(format: DatasetFormat, root: URL, categories: [String]? = nil) throws -> [DatasetCategory] {
        switch format {
        case .mvtec, .mpdd, .btad:
            return try MVTecLayoutLoader(root: root).load(categories: categories)
        case .visa:
            return try VisALoader(root: root).load(categories: categories)
        case .folder:
            let category = try FolderLoader(root: root).load()
            if let categories, let wrong = categories.first(where: { $0 != category.name }) {
                throw DatasetError.unknownCategory(wrong, root: root, available: [category.name])
            }
            return [category]
        }
    }
}
