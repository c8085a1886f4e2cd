import ArgumentParser
import Inspection

/// The defect-region options `detect` and `serve` share: the smallest region and the names ranked for each.
struct RegionOptions: ParsableArguments {
    /// Largest `--min-area` accepted, in pixels.
    static let maxMinArea = 100_000_000

    @Option(help: "Smallest defect region reported, in pixels.")
    var minArea: Int = 16

    @Option(help: "Comma-separated defect names ranked for each region (default: scratch, crack, hole, dent, stain, contamination, discoloration, missing part, deformation, wrinkle, fold, cut).")
    var defectNames: String?

    @Flag(help: "Do not name defect regions (skips loading the text encoder).")
    var noDefectNames = false

    func validate() throws {
        guard (0...Self.maxMinArea).contains(minArea) else {
            throw ValidationError("--min-area must be between 0 and \(Self.maxMinArea) pixels, got \(minArea)")
        }
        _ = try names()
    }

    /// `--defect-names` split, trimmed, de-duplicated; the default list when absent.
    func names() throws -> [String] { try Self.parseDefectNames(defectNames) }

    /// A `--defect-names` value split, trimmed, de-duplicated; the default list when `nil`.
    static func parseDefectNames(_ text: String?) throws -> [String] {
        guard let text else { return DefectNamer.defaultNames }
        var names: [String] = []
        for n in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !n.isEmpty && !names.contains(n) { names.append(n) }
        guard names.count >= 2 && names.count <= DefectNamer.maxNames && names.allSatisfy({ $0.count <= 64 }) else {
            throw ValidationError("--defect-names: give 2...\(DefectNamer.maxNames) comma-separated names of at most 64 characters, got \(names.count)")
        }
        return names
    }
}
