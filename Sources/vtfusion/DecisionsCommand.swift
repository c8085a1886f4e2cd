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

    @Option(help: "Decision tails file (vtfusion eval --fit-decision-tails, or --fit-tails here).")
    var decisionTails: String?

    @Option(help: "Fit the method's decision tails on this run's good images and write them to this JSON file (the run must be on auxiliary categories), instead of applying tails.")
    var fitTails: String?

    @Flag(help: "With --fit-tails: one tail pooled over categories (the rule before 2026-12-07) instead of the worst category's.")
    var pooled = false

    @Option(help: "Backbone the run used (recorded in a fitted tails file).")
    var backbone = "dinov2-s-imgfocus"

    @Option(help: "Method whose decisions are recomputed: vtfusion, or a variant as eval names it, e.g. 'vtfusion (rotations-45)'.")
    var method: String = "vtfusion"

    func validate() throws {
        guard (decisionTails == nil) != (fitTails == nil) else { throw ValidationError("give exactly one of --decision-tails and --fit-tails") }
        if pooled && fitTails == nil { throw ValidationError("--pooled applies to --fit-tails") }
        if fitTails != nil { _ = try spec(of: method) }
    }

    /// The recipe behind an eval method name (for the fitted tails' record; layers of the default backbone's depth).
    func spec(of method: String) throws -> EvidenceSpec {
        if method == "vtfusion" { return .standard }
        guard method.hasPrefix("vtfusion ("), method.hasSuffix(")"),
              let v = RecipeVariant(rawValue: String(method.dropFirst("vtfusion (".count).dropLast())) else {
            throw ValidationError("--method \(method): --fit-tails fits 'vtfusion' or 'vtfusion (VARIANT)' with a variant of eval --ablation")
        }
        return v.apply(to: .standard)
    }

    func run() throws {
        let dir = URL(fileURLWithPath: runDirectory)
        let report = try EvaluationReport.load(runs: dir.appendingPathComponent("runs.json"))
        guard report.methods.contains(method) else { throw ValidationError("--method \(method): not in \(runDirectory) (\(report.methods.joined(separator: ", ")))") }
        if let out = fitTails {
            let categories = Array(Set(report.runs.filter { $0.method == method }.map(\.category))).sorted()
            let fitted = DecisionTails(backbone: backbone, spec: try spec(of: method), fittedOn: categories, seeds: report.seeds,
                                       tails: report.decisionTails(method: method, pooled: pooled))
            guard !fitted.tails.isEmpty else { throw ValidationError("\(runDirectory): \(method) recorded no standardised scores of good images") }
            try DecisionTailsFile.write(fitted, to: out)
            print("decision tails of \(method) (\(pooled ? "pooled" : "worst category of \(categories.count)"); "
                  + fitted.tails.map { "k=\($0.referenceCount): \($0.samples.count)" }.joined(separator: ", ") + " good images) written to \(out)")
            return
        }
        let decisionTails = decisionTails!
        let tails = try DecisionTailsFile.load(path: decisionTails)
        let applied = report.applying(tails, method: method)
        var text = "Decisions of \(method) in \(runDirectory) with the tails of \(decisionTails) (fitted on \(tails.fittedOn.joined(separator: ", ")), seeds \(tails.seeds.map(String.init).joined(separator: ","))):\n\n"
        text += applied.decisionMarkdown()
        try AtomicFile.write(text: text, to: dir.appendingPathComponent("decisions-tails.md").path)
        print(text)
    }
}
