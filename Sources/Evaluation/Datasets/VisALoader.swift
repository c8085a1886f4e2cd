import Foundation
import UserFiles

/// Loader for VisA through its split file (`split_csv/1cls.csv`).
///
/// The CSV has a header with the columns `object,split,label,image,mask` (any order, extra columns ignored);
/// `split` is `train` or `test`, `label` is `normal` or `anomaly`, `image`/`mask` are paths relative to the
/// dataset root (`mask` empty for normal images). Categories are the `object` values. Anomalous samples get
/// the defect type `"anomaly"` (VisA does not name defect types in this file); normal ones `"good"`.
public struct VisALoader: Sendable {
    /// Dataset root (paths in the CSV are relative to it).
    public let root: URL
    /// The split file.
    public let splitFile: URL

    /// - Parameter splitFile: defaults to `root/split_csv/1cls.csv`.
    public init(root: URL, splitFile: URL? = nil) {
        self.root = root
        self.splitFile = splitFile ?? root.appendingPathComponent("split_csv").appendingPathComponent("1cls.csv")
    }

    /// Category names in the split file, sorted.
    public func categoryNames() throws -> [String] { try parse().keys.sorted() }

    /// Loads the given categories (all, sorted, when `nil`).
    /// - Throws: ``DatasetError`` naming the CSV line or the missing file.
    public func load(categories: [String]? = nil) throws -> [DatasetCategory] {
        let all = try parse()
        let names = categories ?? all.keys.sorted()
        return try names.map { name in
            guard let category = all[name] else {
                throw DatasetError.unknownCategory(name, root: root, available: all.keys.sorted())
            }
            guard !category.test.isEmpty else {
                throw DatasetError.emptyCategory(name: name, folder: root.appendingPathComponent(name))
            }
            return category
        }
    }

    private func parse() throws -> [String: DatasetCategory] {
        guard DatasetFiles.isFile(splitFile) else { throw DatasetError.notFound(splitFile) }
        let text: String
        do { text = try String(decoding: UserFile.data(splitFile.path, maxBytes: UserFile.maxTextBytes), as: UTF8.self) } catch {
            throw DatasetError.badRow(file: splitFile, line: 1, reason: "not readable as UTF-8 text")
        }
        guard let records = CSVReader.parse(text), let header = records.first else {
            throw DatasetError.badRow(file: splitFile, line: 1, reason: "empty file or unterminated quote")
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        func column(_ name: String) throws -> Int {
            guard let i = names.firstIndex(of: name) else { throw DatasetError.missingColumn(file: splitFile, column: name) }
            return i
        }
        let (objectCol, splitCol, labelCol, imageCol, maskCol) =
            (try column("object"), try column("split"), try column("label"), try column("image"), try column("mask"))
        var categories: [String: DatasetCategory] = [:]
        for record in records.dropFirst() {
            let f = record.fields
            guard f.count == names.count else {
                throw DatasetError.badRow(file: splitFile, line: record.line,
                                          reason: "\(f.count) fields, header has \(names.count)")
            }
            let object = f[objectCol].trimmingCharacters(in: .whitespaces)
            let split = f[splitCol].trimmingCharacters(in: .whitespaces).lowercased()
            let label = f[labelCol].trimmingCharacters(in: .whitespaces).lowercased()
            guard !object.isEmpty else { throw DatasetError.badRow(file: splitFile, line: record.line, reason: "empty object") }
            guard label == "normal" || label == "anomaly" else {
                throw DatasetError.badRow(file: splitFile, line: record.line,
                                          reason: "label '\(label)' is neither 'normal' nor 'anomaly'")
            }
            let image = try existing(f[imageCol], line: record.line)
            var category = categories[object] ?? DatasetCategory(name: object, trainGood: [], test: [])
            switch split {
            case "train":
                guard label == "normal" else {
                    throw DatasetError.badRow(file: splitFile, line: record.line, reason: "anomalous image in the train split")
                }
                category.trainGood.append(image)
            case "test":
                if label == "normal" {
                    category.test.append(DatasetSample(imagePath: image, label: .normal, maskPath: nil,
                                                       category: object, defectType: "good"))
                } else {
                    guard !f[maskCol].trimmingCharacters(in: .whitespaces).isEmpty else {
                        throw DatasetError.badRow(file: splitFile, line: record.line,
                                                  reason: "anomalous image \(image.path) has an empty mask column")
                    }
                    let mask = try existing(f[maskCol], line: record.line)
                    category.test.append(DatasetSample(imagePath: image, label: .anomalous, maskPath: mask,
                                                       category: object, defectType: "anomaly"))
                }
            default:
                throw DatasetError.badRow(file: splitFile, line: record.line,
                                          reason: "split '\(split)' is neither 'train' nor 'test'")
            }
            categories[object] = category
        }
        for key in categories.keys {
            categories[key]!.trainGood.sort { $0.path < $1.path }
            categories[key]!.test.sort { $0.imagePath.path < $1.imagePath.path }
        }
        return categories
    }

    private func existing(_ relative: String, line: Int) throws -> URL {
        let path = relative.trimmingCharacters(in: .whitespaces)
        let url = root.appendingPathComponent(path)
        guard !path.isEmpty, DatasetFiles.isFile(url) else {
            throw DatasetError.missingFile(url, listedIn: splitFile, line: line)
        }
        return url
    }
}
