import Foundation

/// Problems found while loading or validating a dataset; every case names the offending path.
public enum DatasetError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
    /// The dataset root (or a file the layout requires) does not exist.
    case notFound(URL)
    /// The folder does not look like the requested (or any known) layout.
    case unknownLayout(URL, reason: String)
    /// A category has no test images.
    case emptyCategory(name: String, folder: URL)
    /// An anomalous test image has no ground-truth mask; `searched` is the folder looked in (for
    /// `<stem>_mask.<ext>` and `<stem>.<ext>` with any image extension), or the missing mask file itself.
    case missingMask(image: URL, searched: URL)
    /// Image and mask sizes differ.
    case maskSizeMismatch(image: URL, mask: URL, imageWidth: Int, imageHeight: Int, maskWidth: Int, maskHeight: Int)
    /// The injected size reader failed on a file.
    case unreadable(URL, reason: String)
    /// A split CSV lacks a required column.
    case missingColumn(file: URL, column: String)
    /// A split CSV row is malformed (1-based line number).
    case badRow(file: URL, line: Int, reason: String)
    /// A file listed in a split CSV does not exist.
    case missingFile(URL, listedIn: URL, line: Int)
    /// A requested category is not in the dataset.
    case unknownCategory(String, root: URL, available: [String])
    /// A `--dataset` spec could not be parsed.
    case badSpec(String)
    /// Fewer normal images than references requested.
    case notEnoughReferences(category: String, requested: Int, available: Int)
    /// A few-shot selection file cannot be used (bad JSON, or it names files that are gone).
    case badSelection(URL?, reason: String)

    public var description: String {
        switch self {
        case .notFound(let url):
            return "\(url.path): not found"
        case .unknownLayout(let url, let reason):
            return "\(url.path): unrecognised dataset layout: \(reason)"
        case .emptyCategory(let name, let folder):
            return "\(folder.path): category '\(name)' has no test images"
        case .missingMask(let image, let searched):
            let stem = image.deletingPathExtension().lastPathComponent
            return "\(image.path): anomalous image has no ground-truth mask (looked for \(stem)_mask.* and \(stem).* "
                + "in \(searched.path))"
        case .maskSizeMismatch(let image, let mask, let iw, let ih, let mw, let mh):
            return "\(mask.path): mask is \(mw)x\(mh) but its image \(image.path) is \(iw)x\(ih)"
        case .unreadable(let url, let reason):
            return "\(url.path): cannot read image size: \(reason)"
        case .missingColumn(let file, let column):
            return "\(file.path): missing column '\(column)' (expected object,split,label,image,mask)"
        case .badRow(let file, let line, let reason):
            return "\(file.path):\(line): \(reason)"
        case .missingFile(let url, let csv, let line):
            return "\(url.path): listed in \(csv.path):\(line) but does not exist"
        case .unknownCategory(let name, let root, let available):
            return "\(root.path): no category '\(name)' (available: \(available.joined(separator: ", ")))"
        case .badSpec(let spec):
            return "dataset spec '\(spec)': expected FORMAT:PATH with FORMAT one of mvtec, visa, mpdd, btad, folder "
                + "(or a plain PATH to detect the layout)"
        case .notEnoughReferences(let category, let requested, let available):
            return "category '\(category)': \(requested) reference images requested but only \(available) normal "
                + "training images exist"
        case .badSelection(let url, let reason):
            return "\(url?.path ?? "few-shot selection"): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
