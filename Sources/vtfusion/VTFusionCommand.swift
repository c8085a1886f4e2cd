import ArgumentParser

/// The `vtfusion` command line: few-shot industrial anomaly detection.
@main
struct VTFusionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vtfusion",
        abstract: "Few-shot industrial anomaly detection (VTFusion) in pure Swift.",
        version: VTFusionVersion.string,
        subcommands: [
            DemoCommand.self,
            DetectCommand.self,
            TrainCommand.self,
            EvalCommand.self,
            NamesCommand.self,
            DecisionsCommand.self,
            ReportCommand.self,
            DataCommand.self,
            ModelsCommand.self,
            FeaturesCommand.self,
            BenchCommand.self,
            ServeCommand.self,
            InspectClientCommand.self,
        ]
    )

    static func main() {
        ProcessSetup.installSignalHandlers()
        do { try ProcessSetup.checkEnvironment() } catch { exit(withError: ValidationError("\(error)")) }
        main(nil)
    }
}

enum VTFusionVersion {
    static let string = "0.1.0"
}
