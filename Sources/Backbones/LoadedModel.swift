import Foundation
import NN
import Tensor
import Tokenizers
import UserFiles

/// The architecture of a model's weights.
public enum ModelArchitecture: String, Sendable, Equatable, CaseIterable {
    case clip, dinov2, bert
}

/// Facts about a model directory's files.
public enum ModelDirectory {
    /// OpenCLIP's model config (`model_cfg` with `quick_gelu`, `vision_cfg`, `text_cfg`).
    public static let openCLIPConfigFile = "open_clip_config.json"

    /// `model_type` of a config.json (`clip`, `dinov2`, `bert`, ...), or `unknown`.
    public static func modelType(configAt url: URL) -> String {
        guard let data = try? UserFile.data(url.path),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return "unknown" }
        return json["model_type"] as? String ?? "unknown"
    }
}

/// A model loaded from a directory, as the model store lays it out: `model.safetensors` (or a sharded
/// `model.safetensors.index.json`) + `config.json` + tokenizer files, an OpenCLIP
/// `open_clip_model.safetensors` + `open_clip_config.json`, or (DINOv2) an ONNX export.
public enum LoadedModel {
    case clip(CLIPModel, tokenizer: CLIPTokenizer?)
    case dinov2(DINOv2)
    case bert(BERTModel, tokenizer: BertTokenizer?)

    /// The one loader of weight directories. The architecture is `architecture` when given (a registry
    /// entry's), else `config.json`'s `model_type` (`clip`, `dinov2`, `bert`), else `clip` for an OpenCLIP
    /// directory. A DINOv2 directory without safetensors may hold a `.onnx` export instead.
    ///
    /// - Throws: ``BackboneError/unreadableFile(_:reason:)`` when there are no weights,
    ///   ``BackboneError/invalidConfig(_:reason:)`` when the architecture is unknown, ``StrictLoadError``
    ///   when the weights do not fit the architecture.
    public static func load(directory: URL, architecture: ModelArchitecture? = nil) throws -> LoadedModel {
        let file = { (n: String) -> URL? in
            let u = directory.appendingPathComponent(n)
            return FileManager.default.fileExists(atPath: u.path) ? u : nil
        }
        let type = architecture?.rawValue
            ?? file("config.json").flatMap { ModelDirectory.modelType(configAt: $0) }
            ?? (file(ModelDirectory.openCLIPConfigFile) != nil ? "clip" : "unknown")
        guard let weights = Safetensors.checkpointFile(in: directory) else {
            if type == ModelArchitecture.dinov2.rawValue, let onnx = onnxExport(in: directory) {
                return .dinov2(try DINOv2.load(onnx: onnx))
            }
            throw BackboneError.unreadableFile(directory.appendingPathComponent("model.safetensors").path,
                                               reason: "no such file (nor a sharded model.safetensors.index.json"
                                                   + (type == ModelArchitecture.dinov2.rawValue ? ", nor a DINOv2 .onnx export)" : ")"))
        }
        switch ModelArchitecture(rawValue: type) {
        case .clip:
            var tok: CLIPTokenizer?
            if let v = file("vocab.json"), let m = file("merges.txt") { tok = try CLIPTokenizer(vocabFile: v, mergesFile: m) }
            return .clip(try CLIPModel.load(safetensors: weights), tokenizer: tok)
        case .dinov2:
            return .dinov2(try DINOv2.load(safetensors: weights))
        case .bert:
            return .bert(try BERTModel.load(safetensors: weights), tokenizer: try file("vocab.txt").map { try BertTokenizer(vocabFile: $0) })
        case nil:
            throw BackboneError.invalidConfig(directory.appendingPathComponent("config.json").path,
                                              reason: "model_type '\(type)' is not one of clip, dinov2, bert")
        }
    }

    /// The first (sorted) `.onnx` file in `directory`.
    static func onnxExport(in directory: URL) -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.filter { $0.hasSuffix(".onnx") }
        return names?.sorted().first.map { directory.appendingPathComponent($0) }
    }

    /// The vision tower, if the model has one.
    public var vision: Backbone? {
        switch self {
        case let .clip(m, _): return m.vision
        case let .dinov2(m): return m
        case .bert: return nil
        }
    }

    /// Sentence/prompt embeddings `[P, D]` for `prompts`, or nil when the model has no text tower.
    public func textEmbeddings(_ prompts: [String]) throws -> Tensor? {
        switch self {
        case let .clip(m, tok):
            guard let tok else { throw BackboneError.invalidInput("the CLIP directory has no vocab.json + merges.txt to tokenize prompts") }
            return try m.text.encode(ids: tok.encode(prompts, contextLength: m.text.maxLength).map { $0.map(Int.init) }, attentionMask: nil)
        case let .bert(m, tok):
            guard let tok else { throw BackboneError.invalidInput("the BERT directory has no vocab.txt to tokenize prompts") }
            let b = tok.encode(prompts, maxLength: min(256, m.maxLength))
            return try m.encode(ids: b.ids.map { $0.map(Int.init) }, attentionMask: b.attentionMask.map { $0.map(Int.init) })
        case .dinov2: return nil
        }
    }
}
