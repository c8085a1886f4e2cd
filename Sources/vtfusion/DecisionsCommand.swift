import ArgumentParser
import Evaluation
import Foundation
import UserFiles
import Imaging
import Inspection

/// `vtfusion decisions`: the decision table of an evaluation, with the false-alarm estimates recomputed
/// from its recorded standardised scores and a decision-tails file (e.g. tails fitted on auxiliary
/// categories applied to a target evaluation run before they shipped).
struct DecisionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decisions",
        abstract: "Decision table (realised false alarms, recall, best recall at the same false alarms) of an eval run under given decision tails."
    )

    @Option(name: .customLong("run"), help: "An eval output directory (its runs.json).")
    var runDirectory: String

    @Option(help: "Decision tails file (vtfusion eval --fit-decision-tails).")
    var decisionTails: String

    @Option(help: "Method whose decisions are recomputed.")
    var method: String = "vtfusion"

    func run() throws {
        let dir = URL(fileURLWithPath: runDirectory)
        let report = try EvaluationReport.load(runs: dir.appendingPathComponent("runs.json"))
        guard report.methods.contains(method) else { throw ValidationError("--method \(method): not in \(runDirectory) (\(report.methods.joined(separator: ", ")))") }
        let tails = try DecisionTailsFile.load(path: decisionTails)
        let applied = report.applying(tails, method: method)
        var text = "Decisions of \(method) in \(runDirectory) with the tails of \(decisionTails) (fitted on \(tails.fittedOn.joined(separator: ", ")), seeds \(tails.seeds.map(String.init).joined(separator: ","))):\n\n"
        text += applied.decisionMarkdown()
        try AtomicFile.write(text: text, to: dir.appendingPathComponent("decisions-tails.md").path)
        print(text)
    }
}
