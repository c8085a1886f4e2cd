import ArgumentParser

/// The `vtfusion` command line: few-shot industrial anomaly detection.
@main
struct VTFusionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vtfusion",
        abstract: "Few-shot industrial anomaly detection (VTFusion) in pure Swift.",
        version: VTFusionVersion.string,
        subcommands: [
            BenchCommand.self,
            TrainCommand.self,
            EvalCommand.self,
        ]
    )
}

enum VTFusionVersion {
    static let string = "0.1.0"
}
