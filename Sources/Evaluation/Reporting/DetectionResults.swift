import Inspection
import Foundation
import UserFiles
import Imaging

/// The output of `vtfusion detect` (and the per-image part of `vtfusion eval`): what was run, how the
/// threshold was set, and one entry per input image.
///
/// ## Results directory (format version 1)
/// ```
/// OUT/
///   results.json        this structure (pretty JSON, sorted keys, ISO-8601 dates)
///   results.csv         path,score,decision,label,error  (one row per image, input order)
///   maps/NAME.png       anomaly map, 16-bit gray, image size: p = round(65535 * clamp((v - lo) / (hi - lo)))
///                       with `mapRange` {lo, hi}; so v = lo + p / 65535 * (hi - lo) inside the range
///   maps/NAME.npy       (with --format npy|both) the raw float32 map [H, W] at image size, unscaled
///   overlays/NAME.png   image blended with the colourised map (run range), contour where the map exceeds
///                       `mapRange.contourLevel`
///   panels/NAME.png     image | map | overlay + contour | ground truth (black when unknown), longer side
///                       of each pane at most 384 px
///   report.html         (written by `vtfusion report`)
/// ```
/// `NAME` is the image file name without extension, made unique within the run (`_2`, `_3`, ... appended
/// on collisions). All paths in the files are relative to the results directory, except the input `path`s,
/// which are as given on the command line. Every file is written atomically (temporary file + rename).
///
/// ## Overwriting
/// A run refuses an output directory that exists and is not empty unless `--force` is given; with `--force`
/// it replaces the files it writes (same names) and leaves every other file alone. See ``OutputDirectory``.
///
/// ## Decision
/// `anomalous = score >= threshold.threshold`; with no threshold (`threshold == nil`) `anomalous` is absent.
public struct DetectionResults: Codable, Equatable, Sendable {
    /// Version of this format; readers refuse newer major versions.
    public static let currentVersion = 1
    /// Value of ``format``.
    public static let formatName = "vtfusion-detect-results"
    /// File names inside a results directory.
    public static let jsonFile = "results.json"
    public static let csvFile = "results.csv"

    /// Anomaly-map normalisation used for every picture of the run (one per run).
    public struct MapRange: Codable, Equatable, Sendable {
        public var lo: Double
        public var hi: Double
        /// Map value around which overlays draw a contour.
        public var contourLevel: Double?
        /// How the range was set: `"references"`, `"run"` or `"fixed"` (see ``MapRangePolicy``).
        public var source: String

        public init(lo: Double, hi: Double, contourLevel: Double?, source: String) {
            self.lo = lo; self.hi = hi; self.contourLevel = contourLevel; self.source = source
        }

        /// As an imaging ``ScoreRange``.
        public var scoreRange: ScoreRange { ScoreRange(lo: Float(lo), hi: Float(hi)) }
    }

    /// Files written for one image, relative to the results directory.
    public struct Files: Codable, Equatable, Sendable {
        public var map: String?
        public var mapNPY: String?
        public var overlay: String?
        public var panel: String?

        public init(map: String? = nil, mapNPY: String? = nil, overlay: String? = nil, panel: String? = nil) {
            self.map = map; self.mapNPY = mapNPY; self.overlay = overlay; self.panel = panel
        }
    }

    /// One input image.
    public struct Entry: Codable, Equatable, Sendable {
        /// The input path as given.
        public var path: String
        /// Image score (absent when the image failed).
        public var score: Double?
        /// `score >= threshold` (absent when failed or without threshold).
        public var anomalous: Bool?
        /// Ground truth when known (`true` = anomalous).
        public var label: Bool?
        /// Category / object of this image when the run has several (eval output).
        public var category: String?
        public var files: Files?
        /// Why the image failed (it was skipped; the run went on).
        public var error: String?
        /// Per defect family (`local`, `global`) the evidence behind the score (the score is the largest).
        public var families: [String: Double]? = nil
        /// Estimated fraction of good parts that score at least this high (profile's calibrated decision).
        public var falseAlarmRate: Double? = nil
        /// 0...1, decision at 0.5.
        public var normalizedScore: Double? = nil
        /// Defect regions (original pixels), largest peak first.
        public var regions: [DefectRegion]? = nil

        public init(path: String, score: Double? = nil, anomalous: Bool? = nil, label: Bool? = nil,
                    category: String? = nil, files: Files? = nil, error: String? = nil) {
            self.path = path; self.score = score; self.anomalous = anomalous; self.label = label
            self.category = category; self.files = files; self.error = error
        }
    }

    public var format: String = DetectionResults.formatName
    public var version: Int = DetectionResults.currentVersion
    /// `vtfusion` version that wrote the results.
    public var toolVersion: String
    /// The command line (arguments, program name first).
    public var commandLine: [String]
    public var created: Date
    /// Backbone name or directory and head checkpoint used (nil when not applicable).
    public var backbone: String?
    public var checkpoint: String?
    /// Object name used in the text prompts.
    public var object: String?
    /// Reference images used (paths as given).
    public var references: [String]
    /// Decision threshold and how it was set (nil: scores only).
    public var threshold: ThresholdChoice?
    /// The profile's calibrated decision: rule, normal calibration scores, location and spread, tail.
    public var decision: DecisionCalibration? = nil
    public var mapRange: MapRange?
    /// Map file formats written: `["png"]`, `["npy"]` or `["png", "npy"]`.
    public var mapFormats: [String]
    public var entries: [Entry]

    public init(toolVersion: String, commandLine: [String], created: Date = Date(), backbone: String? = nil,
                checkpoint: String? = nil, object: String? = nil, references: [String] = [],
                threshold: ThresholdChoice? = nil, mapRange: MapRange? = nil, mapFormats: [String] = ["png"],
                entries: [Entry] = []) {
        self.toolVersion = toolVersion; self.commandLine = commandLine
        // Whole seconds: the ISO-8601 encoding keeps no fraction, so a reloaded file compares equal.
        self.created = Date(timeIntervalSince1970: created.timeIntervalSince1970.rounded(.down))
        self.backbone = backbone; self.checkpoint = checkpoint; self.object = object
        self.references = references; self.threshold = threshold; self.mapRange = mapRange
        self.mapFormats = mapFormats; self.entries = entries
    }

    /// Counts for summaries.
    public struct Summary: Codable, Equatable, Sendable {
        public var images: Int
        public var failed: Int
        public var anomalous: Int
        public var normal: Int
    }

    public var summary: Summary {
        let failed = entries.filter { $0.error != nil }.count
        let anomalous = entries.filter { $0.anomalous == true }.count
        let normal = entries.filter { $0.anomalous == false }.count
        return Summary(images: entries.count, failed: failed, anomalous: anomalous, normal: normal)
    }

    // MARK: files

    /// Pretty JSON, sorted keys, ISO-8601 dates.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    /// RFC 4180 CSV `path,score,decision,label,false_alarm_rate,normalized_score,regions,largest_region,defect,error`;
    /// decision and label are `anomalous`, `normal` or empty; `largest_region` is `x y width height area` of the
    /// region with the highest peak and `defect` its most likely name.
    public func csv() -> String {
        var lines = ["path,score,decision,label,false_alarm_rate,normalized_score,regions,largest_region,defect,error"]
        for e in entries {
            let decision = e.anomalous.map { $0 ? "anomalous" : "normal" } ?? ""
            let label = e.label.map { $0 ? "anomalous" : "normal" } ?? ""
            let top = e.regions?.first.map { "\($0.x) \($0.y) \($0.width) \($0.height) \($0.area)" } ?? ""
            lines.append([CSVText.escape(e.path), e.score.map { "\($0)" } ?? "", decision, label,
                          e.falseAlarmRate.map { "\($0)" } ?? "", e.normalizedScore.map { "\($0)" } ?? "",
                          e.regions.map { "\($0.count)" } ?? "", top, CSVText.escape(e.regions?.first?.names?.first?.name ?? ""),
                          CSVText.escape(e.error ?? "")].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `results.json` and `results.csv` atomically into `directory`.
    public func write(to directory: URL) throws {
        try AtomicFile.write(Array(try jsonData()), to: directory.appendingPathComponent(Self.jsonFile).path)
        try AtomicFile.write(text: csv(), to: directory.appendingPathComponent(Self.csvFile).path)
    }

    /// Reads `results.json` from a results directory (or the file itself).
    public static func load(from url: URL) throws -> DetectionResults {
        var isDir: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
            ? url.appendingPathComponent(jsonFile) : url
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw ReportError.missing(path: file.path, what: "results file")
        }
        let data: Data
        do { data = try UserFile.data(file.path) } catch let e as UserFileError {
            throw ReportError.unreadable(path: file.path, reason: e.reason)
        }
        return try decode(data, name: file.path)
    }

    /// Decodes `results.json` bytes (`name` labels errors).
    public static func decode(_ data: Data, name: String = "<memory>") throws -> DetectionResults {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let results: DetectionResults
        do { results = try decoder.decode(DetectionResults.self, from: data) } catch {
            throw ReportError.unreadable(path: name, reason: "\(error)")
        }
        guard results.format == formatName else {
            throw ReportError.unreadable(path: name, reason: "format '\(results.format)', expected '\(formatName)'")
        }
        guard results.version <= currentVersion else {
            throw ReportError.unreadable(path: name, reason: "format version \(results.version) is newer than this tool's \(currentVersion)")
        }
        return results
    }
}

/// CSV escaping (RFC 4180) of text cells, with formula injection neutralised: a cell starting with
/// `=`, `+`, `-`, `@`, tab or carriage return gets a leading single quote, so spreadsheets show it as text.
enum CSVText {
    static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    static func escape(_ text: String) -> String {
        var s = text
        if let first = s.unicodeScalars.first, formulaStarts.contains(Character(first)) { s = "'" + s }
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Errors reading results or writing reports.
public enum ReportError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case missing(path: String, what: String)
    case unreadable(path: String, reason: String)
    case outputNotEmpty(path: String)
    case notADirectory(path: String)

    public var description: String {
        switch self {
        case .missing(let p, let w): return "\(p): \(w) not found"
        case .unreadable(let p, let r): return "\(p): cannot read: \(r)"
        case .outputNotEmpty(let p):
            return "\(p): output directory exists and is not empty; choose a new one or pass --force to replace the files a run writes"
        case .notADirectory(let p): return "\(p): exists and is not a directory"
        }
    }

    public var errorDescription: String? { description }
}
