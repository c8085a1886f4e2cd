import ArgumentParser
import Evaluation
import Foundation
import PerfBench

/// `vtfusion data validate`: loads a dataset and checks every image and mask, reporting all problems.
struct ValidateDatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a dataset: layout, masks, readable images, image/mask sizes.",
        discussion: """
        Loads the dataset with the same loaders `eval` and `train` use, then fully decodes every \
        training image, test image and mask (--headers-only reads headers alone: faster, misses truncated pixel data). All problems are listed (it does not stop at the first): missing \
        masks, masks whose size differs from their image's, unreadable or non-image files, empty categories, \
        categories without normal training images, malformed VisA split rows. Exit status 1 when any problem \
        is found, 0 otherwise.

        Examples:
          vtfusion data validate --dataset mvtec:bench
          vtfusion data validate --dataset visa:/data/VisA --categories candle,pcb1
          vtfusion data validate --dataset folder:~/line3 --headers-only
        """
    )

    @Option(help: "FORMAT:PATH with FORMAT mvtec, visa, mpdd, btad or folder (or a plain PATH to detect it).")
    var dataset: String

    @Option(help: "Comma-separated category names (default: all).")
    var categories: String?

    @Flag(help: ArgumentHelp("Decode every file fully (the default).", visibility: .hidden))
    var decode = false

    @Flag(help: "Read only image headers (faster; misses truncated pixel data).")
    var headersOnly = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    struct JSONReport: Encodable {
        var dataset: String
        var format: String?
        var valid: Bool
        var filesChecked: Int
        var seconds: Double
        var categories: [DatasetValidationReport.CategorySummary]
        var problems: [String]
    }

    func run() throws {
        let spec: DatasetSpec
        do { spec = try DatasetSpec(parsing: dataset) } catch { throw ValidationError("\(error)") }
        let names = categories.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let start = Timing.now()
        let reader: DatasetValidator.SizeReader = headersOnly ? ImageSizeReader.size(of:) : ImageSizeReader.decodedSize(of:)
        let report = DatasetValidator.validate(spec, categories: names, imageSize: reader) { line in
            Console.log("  " + line)
        }
        let elapsed = Timing.now() - start
        if json {
            let out = JSONReport(dataset: spec.root.path, format: report.format?.rawValue, valid: report.isValid,
                                 filesChecked: report.filesChecked, seconds: elapsed, categories: report.categories,
                                 problems: report.problems.map(\.description))
            let encoder = JSONEncoder.pretty
            encoder.outputFormatting.insert(.withoutEscapingSlashes)
            print(String(decoding: try encoder.encode(out), as: UTF8.self))
        } else {
            let c = report.categories
            print("\(report.format?.rawValue ?? "unknown") dataset \(spec.root.path): \(c.count) categories loaded, "
                  + "\(c.reduce(0) { $0 + $1.trainGood }) train, \(c.reduce(0) { $0 + $1.testNormal }) good test, "
                  + "\(c.reduce(0) { $0 + $1.testAnomalous }) anomalous test images (\(c.reduce(0) { $0 + $1.masks }) "
                  + "with masks); \(report.filesChecked) files read in \(Console.seconds(elapsed))")
            if report.isValid {
                print("no problems found")
            } else {
                print("\(report.problems.count) problem(s):")
                for p in report.problems { print("  - \(p)") }
            }
        }
        if !report.isValid { throw ExitCode(1) }
    }
}
