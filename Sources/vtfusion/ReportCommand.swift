import ArgumentParser
import Evaluation
import Foundation

/// `vtfusion report`: a self-contained HTML page from a detect or eval output directory.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Build an HTML report (summary, metrics, per-image panels) from a detect/eval output directory.",
        discussion: """
        Reads RESULTS_DIR/results.json (and the results.json of its immediate subfolders, e.g. one per category) and every top-level metrics-table JSON (as written by `vtfusion eval`). Writes one HTML5 file with no external resources: panel images are embedded as data URIs up to --embed-limit MB in total, and linked beside the report beyond that.

        Examples:
          vtfusion report results/
          vtfusion report eval-out/ --out eval.html
        """
    )

    @Argument(help: "Output directory of vtfusion detect or vtfusion eval.")
    var resultsDir: String

    @Option(help: "Report file (default RESULTS_DIR/report.html).")
    var out: String?

    @Option(help: "Largest total size of embedded images, in MB.")
    var embedLimit: Int = 24

    func validate() throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resultsDir, isDirectory: &isDir), isDir.boolValue else {
            throw ValidationError("\(resultsDir): not a folder (give the --out folder of vtfusion detect or eval)")
        }
        if embedLimit < 0 { throw ValidationError("--embed-limit must be >= 0") }
    }

    func run() throws {
        var report = try HTMLReport.load(from: URL(fileURLWithPath: resultsDir))
        report.embedLimit = embedLimit << 20
        let file = URL(fileURLWithPath: out ?? (resultsDir as NSString).appendingPathComponent("report.html"))
        try report.write(to: file)
        print("report: \(file.path)")
    }
}
