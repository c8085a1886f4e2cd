import Foundation
import UserFiles

/// What `DatasetValidator` found: the categories that loaded and every problem (not just the first).
public struct DatasetValidationReport: Sendable {
    /// Counts of one category that loaded.
    public struct CategorySummary: Codable, Sendable, Equatable {
        public var name: String
        /// Normal training (reference) images.
        public var trainGood: Int
        public var testNormal: Int
        public var testAnomalous: Int
        /// Anomalous samples with a mask.
        public var masks: Int
        /// Defect folder names (sorted).
        public var defectTypes: [String]
    }

    /// The layout checked (`nil` when it could not be detected).
    public var format: DatasetFormat?
    public var root: URL
    public var categories: [CategorySummary] = []
    /// Every problem found, each naming its file.
    public var problems: [DatasetError] = []
    /// Image and mask files whose headers were read.
    public var filesChecked = 0

    /// No problems.
    public var isValid: Bool { problems.isEmpty }
}

/// Loads a dataset with the regular loaders and checks every file, collecting all problems instead of
/// stopping at the first: categories that fail to load (layout, empty category, CSV rows), anomalous images
/// without masks (all of them, for MVTec-like and plain-folder layouts), categories without normal training
/// images, unreadable images or masks (fully decoded by default, through the injected `imageSize`), and masks whose size
/// differs from their image's.
public enum DatasetValidator {
    /// Size reader signature (`ImageSizeReader.size(of:)` by default).
    public typealias SizeReader = (URL) throws -> (width: Int, height: Int)

    /// Validates `spec` (all categories when `categories` is nil). Never throws: problems go in the report.
    /// `progress` receives one line per category.
    public static func validate(_ spec: DatasetSpec, categories: [String]? = nil,
                                imageSize: SizeReader = ImageSizeReader.decodedSize(of:),
                                progress: ((String) -> Void)? = nil) -> DatasetValidationReport {
        var report = DatasetValidationReport(format: spec.format, root: spec.root)
        let format: DatasetFormat
        do { format = try spec.format ?? DatasetFormat.detect(root: spec.root) } catch {
            report.problems.append(asDatasetError(error, spec.root))
            return report
        }
        report.format = format
        let loaded: [(name: String, result: Result<DatasetCategory, DatasetError>, extra: [DatasetError], lenient: DatasetCategory?)]
        do {
            loaded = try loadEach(format: format, root: spec.root, categories: categories)
        } catch {
            report.problems.append(asDatasetError(error, spec.root))
            return report
        }
        var seen: Set<String> = []
        for entry in loaded {
            var problems = entry.extra
            switch entry.result {
            case .failure(let error):
                if problems.isEmpty { problems = [error] }
                if let category = entry.lenient {
                    let (checked, found) = checkFiles(category, imageSize: imageSize)
                    problems += found
                    report.filesChecked += checked
                }
                progress?("\(entry.name): failed to load: \(problems.count) problem(s)")
            case .success(let category):
                let (checked, found) = checkFiles(category, imageSize: imageSize)
                problems += found
                report.filesChecked += checked
                report.categories.append(summary(category))
                progress?("\(entry.name): \(category.trainGood.count) train, \(category.normalCount) good + "
                          + "\(category.anomalousCount) anomalous test images, \(checked) files read, "
                          + "\(problems.count) problem(s)")
            }
            // A file-level error (a VisA CSV row) is met by every category: list it once.
            for p in problems where seen.insert(p.description).inserted { report.problems.append(p) }
        }
        return report
    }

    /// Loads categories one at a time so that one broken category does not hide the others. `extra` holds the
    /// complete list of missing masks when a category failed on one.
    static func loadEach(format: DatasetFormat, root: URL, categories: [String]?) throws
        -> [(name: String, result: Result<DatasetCategory, DatasetError>, extra: [DatasetError], lenient: DatasetCategory?)] {
        switch format {
        case .mvtec, .mpdd, .btad:
            let loader = MVTecLayoutLoader(root: root)
            let names = try categories ?? loader.categoryNames()
            let single = DatasetFiles.isDirectory(root.appendingPathComponent("test"))
            var entries = names.map { name in
                let result = capture { try loader.load(categories: [name])[0] }
                var extra: [DatasetError] = []
                var lenient: DatasetCategory? = nil
                if case .failure(.missingMask) = result {
                    let folder = single ? root : root.appendingPathComponent(name)
                    extra = missingMasksMVTec(folder)
                    // Report and go on: the category's other files are still checked.
                    lenient = try? MVTecLayoutLoader.loadCategory(name: name, folder: folder, allowMissingMasks: true)
                }
                return (name: name, result: result, extra: extra, lenient: lenient)
            }
            // Category folders without test/ are not loaded by the loader: say so.
            if categories == nil && !single {
                for sub in DatasetFiles.subdirectories(root)
                where !DatasetFiles.isDirectory(sub.appendingPathComponent("test")) && !sub.lastPathComponent.hasPrefix(".")
                    && DatasetFiles.isDirectory(sub.appendingPathComponent("train")) {
                    let problem = DatasetError.unknownLayout(sub, reason: "category folder has train/ but no test/ folder; it is not loaded")
                    entries.append((name: sub.lastPathComponent, result: .failure(problem), extra: [], lenient: nil))
                }
            }
            return entries
        case .visa:
            let loader = VisALoader(root: root)
            let names: [String]
            do { names = try categories ?? loader.categoryNames() } catch let error as DatasetError {
                guard case .missingFile = error else { throw error }
                return [(loader.splitFile.lastPathComponent, .failure(error), missingFilesVisA(loader.splitFile, root: root), nil)]
            }
            var csvProblems: [DatasetError]?
            return names.map { name in
                let result = capture { try loader.load(categories: [name])[0] }
                var extra: [DatasetError] = []
                if case .failure(.missingFile) = result {
                    if csvProblems == nil { csvProblems = missingFilesVisA(loader.splitFile, root: root) }
                    extra = csvProblems!
                }
                return (name, result, extra, nil)
            }
        case .folder:
            let result = capture { try DatasetLoader.load(format: .folder, root: root, categories: categories)[0] }
            var extra: [DatasetError] = []
            if case .failure(.missingMask) = result { extra = missingMasksFolder(root) }
            return [(FolderLoader(root: root).categoryName, result, extra, nil)]
        }
    }

    /// Header-reads every image and mask of `category`; returns the number of files read and the problems.
    static func checkFiles(_ category: DatasetCategory, imageSize: SizeReader) -> (Int, [DatasetError]) {
        var problems: [DatasetError] = []
        var checked = 0
        func size(_ url: URL) -> (width: Int, height: Int)? {
            checked += 1
            do { return try imageSize(url) } catch {
                problems.append(.unreadable(url, reason: reason(error, url)))
                return nil
            }
        }
        if category.trainGood.isEmpty && !category.trainOverlapsTest {
            problems.append(.notEnoughReferences(category: category.name, requested: 1, available: 0))
        }
        if !category.trainOverlapsTest { for url in category.trainGood { _ = size(url) } }
        for sample in category.test {
            let imageSize = size(sample.imagePath)
            guard let mask = sample.maskPath else { continue }
            guard DatasetFiles.isFile(mask) else {
                problems.append(.missingMask(image: sample.imagePath, searched: mask))
                continue
            }
            guard let maskSize = size(mask), let image = imageSize else { continue }
            if image != maskSize {
                problems.append(.maskSizeMismatch(image: sample.imagePath, mask: mask, imageWidth: image.width,
                                                  imageHeight: image.height, maskWidth: maskSize.width,
                                                  maskHeight: maskSize.height))
            }
        }
        return (checked, problems)
    }

    /// All anomalous test images of an MVTec-like category folder without a mask (the loader's rules).
    static func missingMasksMVTec(_ folder: URL) -> [DatasetError] {
        let truth = folder.appendingPathComponent("ground_truth")
        var out: [DatasetError] = []
        for sub in DatasetFiles.subdirectories(folder.appendingPathComponent("test"))
        where !MVTecLayoutLoader.normalFolderNames.contains(sub.lastPathComponent) {
            let masks = MaskIndex(folder: truth.appendingPathComponent(sub.lastPathComponent))
            for image in DatasetFiles.images(in: sub) where masks.mask(for: image) == nil {
                out.append(.missingMask(image: image, searched: masks.folder))
            }
        }
        return out
    }

    /// All anomalous images of a plain folder without a mask, when it has a mask folder (the loader's rules).
    static func missingMasksFolder(_ root: URL) -> [DatasetError] {
        guard let maskRoot = DatasetFiles.firstSubdirectory(of: root, named: FolderLoader.maskFolderNames) else { return [] }
        let reserved = Set(FolderLoader.normalFolderNames + FolderLoader.maskFolderNames + FolderLoader.referenceFolderNames)
        let flat = MaskIndex(folder: maskRoot)
        var out: [DatasetError] = []
        for folder in DatasetFiles.subdirectories(root) where !reserved.contains(folder.lastPathComponent) {
            let masks = MaskIndex(folder: maskRoot.appendingPathComponent(folder.lastPathComponent))
            for image in DatasetFiles.images(in: folder) where masks.mask(for: image) == nil && flat.mask(for: image) == nil {
                out.append(.missingMask(image: image, searched: masks.folder))
            }
        }
        return out
    }

    /// Every image or mask listed in a VisA split file that does not exist (the loader stops at the first).
    static func missingFilesVisA(_ csv: URL, root: URL) -> [DatasetError] {
        guard let data = try? UserFile.data(csv.path, maxBytes: UserFile.maxTextBytes),
              let text = String(data: data, encoding: .utf8), let records = CSVReader.parse(text),
              let header = records.first else { return [] }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let columns = ["image", "mask"].compactMap { names.firstIndex(of: $0) }
        var out: [DatasetError] = []
        for record in records.dropFirst() where record.fields.count == names.count {
            for c in columns {
                let path = record.fields[c].trimmingCharacters(in: .whitespaces)
                let url = root.appendingPathComponent(path)
                if !path.isEmpty && !DatasetFiles.isFile(url) {
                    out.append(.missingFile(url, listedIn: csv, line: record.line))
                }
            }
        }
        return out
    }

    static func summary(_ c: DatasetCategory) -> DatasetValidationReport.CategorySummary {
        let anomalous = c.test.filter(\.isAnomalous)
        return .init(name: c.name, trainGood: c.trainGood.count, testNormal: c.normalCount,
                     testAnomalous: anomalous.count, masks: anomalous.filter { $0.maskPath != nil }.count,
                     defectTypes: Array(Set(anomalous.map(\.defectType))).sorted())
    }

    private static func capture(_ body: () throws -> DatasetCategory) -> Result<DatasetCategory, DatasetError> {
        do { return .success(try body()) } catch { return .failure(asDatasetError(error, nil)) }
    }

    private static func asDatasetError(_ error: Error, _ root: URL?) -> DatasetError {
        if let e = error as? DatasetError { return e }
        return .unknownLayout(root ?? URL(fileURLWithPath: "/"), reason: "\(error)")
    }

    /// The error's message without a leading "<path>: " (the problem already names the file).
    private static func reason(_ error: Error, _ url: URL) -> String {
        let text = "\(error)"
        let prefix = url.path + ": "
        return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }
}
