import ArgumentParser
import Evaluation
import Foundation
import UserFiles
import Inspection
import Tensor
import VTFusion
import Imaging

/// `vtfusion names`: trains the defect namer on a benchmark's auxiliary categories and measures it on its
/// target categories (leave-category-out), writing the namer and a report with the confusion table.
struct NamesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "names",
        abstract: "Train the defect namer on a benchmark's auxiliary categories; report top-1/top-3 accuracy on its targets.",
        discussion: """
        Each defective test image with a mask gives one sample: the mean backbone token of its ground-truth box minus
        the mean token of the first --references good images of its category, projected by a linear adapter into
        the text encoder's space and compared with "a photo of a {object} with a {defect}" for every defect type of
        the benchmark. The adapter is trained on auxiliary categories only and measured on the target categories.
        Example: vtfusion names --dataset mvtec:bench --out defect-namer.safetensors
        """
    )

    @OptionGroup var data: DatasetOptions

    @Option(help: "Where to write the trained namer (.safetensors); the report goes beside it (.md).")
    var out: String

    @Option(help: "Good training images per category whose mean token is subtracted.")
    var references: Int = 2

    @Option(help: "Full-batch training epochs.")
    var epochs: Int = 300

    @Option(help: "Adapter initialisation seed.")
    var seed: UInt64 = 0

    @Flag(help: "Replace an existing --out file.")
    var force = false

    func validate() throws {
        if !(1...16).contains(references) { throw ValidationError("--references must be in 1...16, got \(references)") }
        if !(1...100_000).contains(epochs) { throw ValidationError("--epochs must be in 1...100000, got \(epochs)") }
        if FileManager.default.fileExists(atPath: out) && !force { throw ValidationError("\(out) exists; pass --force to replace it") }
    }

    func run() throws {
        let (_, auxiliary) = try data.load(role: "auxiliary")
        let (_, target) = try data.load(role: "target")
        let loaded = try DetectModel.load(backbone: ModelRegistry.defaultBackbone, backboneDir: nil, recipe: .standard)
        let text = try ModelOptions.parse([]).loadText(name: ModelRegistry.defaultTextEncoder, clip: nil, backboneName: ModelRegistry.defaultBackbone)
        let names = Array(Set((auxiliary + target).flatMap { $0.test.filter(\.isAnomalous).map { DefectNameTraining.name(ofDefectType: $0.defectType) } })).sorted()
        guard names.count >= 2 else { throw ValidationError("the benchmark has fewer than two defect types") }
        let namer = DefectNamer(scale: 224, layer: loaded.model.backbone.layerCount, visualWidth: loaded.model.backbone.tokenWidth,
                                textWidth: text.encoder.outputWidth, seed: seed)
        func prototypes(_ sets: [DefectNameTraining.CategorySamples]) throws -> [String: Tensor] {
            var out: [String: Tensor] = [:]
            for s in sets {
                out[s.category] = try text.promptEncoder.encode(names.map { DefectNamer.prompt(object: s.object, defect: $0) }).l2Normalized(axis: -1)
            }
            return out
        }
        let log: (String) -> Void = { Console.log($0) }
        let train = try DefectNameTraining.samples(categories: auxiliary, extractor: loaded.model.extractor, namer: namer, names: names,
                                                   references: references, progress: log)
        let test = try DefectNameTraining.samples(categories: target, extractor: loaded.model.extractor, namer: namer, names: names,
                                                  references: references, progress: log)
        let (trainP, testP) = (try prototypes(train), try prototypes(test))
        let before = DefectNameTraining.evaluate(namer, data: test, prototypes: testP, names: names)
        let losses = DefectNameTraining.train(namer, data: train, prototypes: trainP, epochs: epochs)
        Console.log(String(format: "trained %d epochs: loss %.3f -> %.3f", losses.count, Double(losses.first ?? .nan), Double(losses.last ?? .nan)))
        let trainAcc = DefectNameTraining.evaluate(namer, data: train, prototypes: trainP, names: names)
        let testAcc = DefectNameTraining.evaluate(namer, data: test, prototypes: testP, names: names)
        try namer.save(to: URL(fileURLWithPath: out), metadata: [
            "trained_on": auxiliary.map(\.name).joined(separator: ","), "names": names.joined(separator: ","),
            "text_encoder": text.name, "backbone": ModelRegistry.defaultBackbone,
        ])
        var report = "# Defect names (trained on \(auxiliary.count) auxiliary categories, measured on \(target.count) target categories)\n\n"
        report += "Command: `vtfusion \(CommandLine.arguments.dropFirst().joined(separator: " "))`\n\n"
        report += String(format: "Untrained adapter on the targets: top-1 %.1f %%, top-3 %.1f %%.\n\n", 100 * before.top1, 100 * before.top3)
        report += DefectNameTraining.markdown(trainAcc, title: "Auxiliary categories (training data)") + "\n"
        report += DefectNameTraining.markdown(testAcc, title: "Target categories (held out)")
        let reportPath = URL(fileURLWithPath: out).deletingPathExtension().appendingPathExtension("md").path
        try AtomicFile.write(text: report, to: reportPath)
        print(report)
    }
}
