import Foundation
import UserFiles
import Inspection
import Tensor
import VTFusion

/// The shipped defect namer (`DefaultHead/defect-namer.safetensors`, trained by `vtfusion names`) with the
/// default text encoder's prototypes of the names asked for.
enum DefectNamingLoader {
    static let fileName = "defect-namer.safetensors"

    /// `nil` (with a message) when no namer ships with this build or the text encoder cannot be loaded: the
    /// regions are then reported without names.
    static func load(names: [String], object: String?, progress: ProgressReporter) throws -> DefectNaming? {
        guard let dir = try? DefaultHead.directory(), FileManager.default.fileExists(atPath: dir.appendingPathComponent(fileName).path) else {
            progress.message("defect names: no trained namer ships with this build; regions are not named")
            return nil
        }
        let namer = try DefectNamer.load(from: dir.appendingPathComponent(fileName))
        let text: TextEncoderBundle
        do {
            text = try ModelOptions.parse([]).loadText(name: ModelRegistry.defaultTextEncoder, clip: nil, backboneName: ModelRegistry.defaultBackbone)
        } catch {
            progress.message("defect names: text encoder \(ModelRegistry.defaultTextEncoder) unavailable (\(error)); regions are not named")
            return nil
        }
        let prototypes = try text.promptEncoder.encode(names.map { DefectNamer.prompt(object: object, defect: $0) }).l2Normalized(axis: -1)
        return DefectNaming(namer: namer, names: names, prototypes: prototypes)
    }
}
