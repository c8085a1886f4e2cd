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
        try provider(names: names, progress: progress)?(object)
    }

    /// Loads the namer and the text encoder once; the provider encodes the prompts of one object per call
    /// (serialised: one text encoder). `nil` when no namer ships or the text encoder is unavailable.
    static func provider(names: [String], progress: ProgressReporter) throws -> (@Sendable (String?) -> DefectNaming?)? {
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
        let encoder = LockedTextEncoder(text)
        return { object in
            guard let prototypes = encoder.encode(names.map { DefectNamer.prompt(object: object, defect: $0) }) else { return nil }
            return DefectNaming(namer: namer, names: names, prototypes: prototypes)
        }
    }
}

/// One text encoder used from any thread, one call at a time.
final class LockedTextEncoder: @unchecked Sendable {
    private let bundle: TextEncoderBundle
    private let lock = NSLock()

    init(_ bundle: TextEncoderBundle) { self.bundle = bundle }

    /// Unit-length prompt embeddings `[prompts, D]`, or nil when encoding fails.
    func encode(_ prompts: [String]) -> Tensor? {
        lock.lock(); defer { lock.unlock() }
        return try? bundle.promptEncoder.encode(prompts).l2Normalized(axis: -1)
    }
}
