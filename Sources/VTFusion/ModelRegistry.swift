import Backbones
import Foundation
import ModelStore
import Imaging

/// One model name the commands accept (`--backbone`, `--text-encoder`, `features --backbone`, `demo`):
/// its architecture, how a backbone is fed, whether it has a text tower, and where its weights come from.
public struct ModelEntry: Sendable, Equatable {
    /// Where the weights live.
    public enum Source: Sendable, Equatable {
        /// In the model store under this name: a pip-carried model (fetched on first use) or a Hugging Face
        /// id (fetched with `vtfusion models fetch`).
        case store(String)
        /// Built from ``SyntheticWeights`` (no files; smoke runs).
        case synthetic
    }

    public var name: String
    public var architecture: ModelArchitecture
    /// How the backbone is fed; nil for a text-only model.
    public var backbone: BackboneSpec?
    /// Whether the model's text tower can serve as `--text-encoder`.
    public var isTextEncoder: Bool
    public var source: Source
    public var summary: String

    /// The model-store name holding the weights (nil for a synthetic model).
    public var storeName: String? {
        if case .store(let n) = source { return n }
        return nil
    }
}

/// The one registry of named models: name -> ``ModelEntry`` (spec, weights source) -> ``ModelLoader``.
public enum ModelRegistry {
    /// The embedded default: the project's trained head (`Sources/vtfusion/DefaultHead`) is on these.
    public static let defaultBackbone = "dinov2-s-imgfocus"
    public static let defaultTextEncoder = "minilm-l6"

    public static let all: [ModelEntry] = [
        ModelEntry(name: "dinov2-s-imgfocus", architecture: .dinov2,
                   backbone: BackboneSpec(name: "dinov2-s-imgfocus", family: .dinov2, imageSize: 224, patchSize: 14,
                                          taps: [3, 6, 9, 12], depth: 12,
                                          mean: Normalization.imagenet.mean, std: Normalization.imagenet.std),
                   isTextEncoder: false, source: .store("dinov2-s-imgfocus"), summary: "DINOv2 ViT-S/14 (the default backbone)"),
        ModelEntry(name: "clip-b16", architecture: .clip,
                   backbone: BackboneSpec(name: "clip-b16", family: .clip, imageSize: 224, patchSize: 16, taps: [3, 6, 9, 12],
                                          depth: 12, mean: Normalization.clip.mean, std: Normalization.clip.std),
                   isTextEncoder: true, source: .store("openai/clip-vit-base-patch16"), summary: "OpenAI CLIP ViT-B/16"),
        ModelEntry(name: "clip-l14-336", architecture: .clip,
                   backbone: BackboneSpec(name: "clip-l14-336", family: .clip, imageSize: 336, patchSize: 14,
                                          taps: [6, 12, 18, 24], depth: 24,
                                          mean: Normalization.clip.mean, std: Normalization.clip.std),
                   isTextEncoder: true, source: .store("openai/clip-vit-large-patch14-336"), summary: "OpenAI CLIP ViT-L/14@336"),
        ModelEntry(name: "clip-b16-plus-240", architecture: .clip,
                   backbone: BackboneSpec(name: "clip-b16-plus-240", family: .clip, imageSize: 240, patchSize: 16,
                                          taps: [3, 6, 9, 12], depth: 12,
                                          mean: Normalization.clip.mean, std: Normalization.clip.std),
                   isTextEncoder: true, source: .store("timm/vit_base_patch16_plus_clip_240.laion400m_e31"),
                   summary: "OpenCLIP ViT-B-16-plus-240 (LAION-400M; WinCLIP's backbone)"),
        ModelEntry(name: "minilm-l6", architecture: .bert, backbone: nil, isTextEncoder: true,
                   source: .store("minilm-l6"), summary: "all-MiniLM-L6-v2 (the default text encoder)"),
        ModelEntry(name: SyntheticModels.dinov2Name, architecture: .dinov2, backbone: SyntheticModels.dinov2Spec(imageSize: 64),
                   isTextEncoder: false, source: .synthetic, summary: "tiny synthetic DINOv2 (smoke runs, no files)"),
        ModelEntry(name: SyntheticModels.textName, architecture: .clip, backbone: nil, isTextEncoder: true,
                   source: .synthetic, summary: "tiny synthetic CLIP text tower with a hashing tokenizer (smoke runs, no files)"),
    ]

    /// The entry called `name` (case-insensitive), or nil.
    public static func entry(_ name: String) -> ModelEntry? {
        let key = name.lowercased()
        return all.first { $0.name == key }
    }

    /// Names usable as `--backbone` / `--text-encoder`.
    public static var backboneNames: [String] { all.filter { $0.backbone != nil }.map(\.name) }
    public static var textEncoderNames: [String] { all.filter(\.isTextEncoder).map(\.name) }

    /// The backbone entry `name`. - Throws: ``PipelineError/unknownName(kind:name:known:)``.
    public static func backbone(_ name: String) throws -> ModelEntry {
        guard let e = entry(name), e.backbone != nil else {
            throw PipelineError.unknownName(kind: "backbone", name: name, known: backboneNames.sorted())
        }
        return e
    }

    /// The text-encoder entry `name`. - Throws: ``PipelineError/unknownName(kind:name:known:)``.
    public static func textEncoder(_ name: String) throws -> ModelEntry {
        guard let e = entry(name), e.isTextEncoder else {
            throw PipelineError.unknownName(kind: "text encoder", name: name, known: textEncoderNames)
        }
        return e
    }

    /// The model-store directory of `name`: for a registry name its store copy, pip-carried models fetched
    /// on first use (`announce` gets a line first, `fetchProgress` the store's events), Hugging Face models
    /// fetched beforehand (`vtfusion models fetch OWNER/NAME`); any other name is a store name that must be
    /// installed (``ModelStore/path(_:)``).
    /// - Throws: ``ModelLocationError`` for a synthetic model or a Hugging Face model not fetched yet.
    public static func directory(for name: String, store: ModelStore = ModelStore(), announce: ((String) -> Void)? = nil,
                                 fetchProgress: ((ModelStoreEvent) -> Void)? = nil) throws -> URL {
        guard let e = entry(name) else { return try store.path(name) }
        guard let storeName = e.storeName else { throw ModelLocationError.noStoreCopy(name) }
        if try store.manifest(storeName) != nil { return try store.path(storeName) }
        if ModelStore.isHubID(storeName) { throw ModelLocationError.notFetched(model: name, storeName: storeName) }
        announce?("fetching \(storeName) into \(store.root.path) (once) ...")
        return try store.fetch(storeName, progress: fetchProgress)
    }
}

/// Why a named model has no weights directory to load from.
public enum ModelLocationError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case noStoreCopy(String)
    case notFetched(model: String, storeName: String)

    public var description: String {
        switch self {
        case .noStoreCopy(let model):
            return "\(model): no model-store default; pass its directory (--backbone-dir / --text-dir)"
        case .notFetched(let model, let name):
            return "\(model): weights not in the model store; run `vtfusion models fetch \(name)` first "
                + "(or pass --backbone-dir / --text-dir)"
        }
    }

    public var errorDescription: String? { description }
}
