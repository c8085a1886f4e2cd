import ArgumentParser
import Foundation

/// `vtfusion data`: build the synthetic-defect benchmark and check datasets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Build the real-texture defect benchmark and validate datasets.",
        discussion: """
        Examples:
          vtfusion data build-bench --out bench
          vtfusion data validate --dataset mvtec:bench
          vtfusion data validate --dataset visa:/data/VisA
        """,
        subcommands: [BuildBenchCommand.self, ValidateDatasetCommand.self]
    )
}

/// Progress and diagnostics go to standard error so that `--json` output stays clean.
enum Console {
    static func log(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }

    static func seconds(_ s: Double) -> String { String(format: s < 10 ? "%.2f s" : "%.1f s", s) }
}
