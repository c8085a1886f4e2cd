import Foundation
import NN
import Tensor
import Tokenizers

/// A model loaded from a directory (`model.safetensors` + `config.json` + tokenizer files), as the store
/// lays it out, for feature dumps.
public enum LoadedModel {
    case clip(CLIPModel, tokenizer: CLIPTokenizer?)
    case dinov2(DINOv2)
    case bert(BERTModel, tokenizer: BertTokenizer?)

    /// Loads `directory/model.safetensors` (or a sharded `model.safetensors.index.json`); the architecture is `config.json`'s `model_type` (`clip`,
    /// `dinov2`, `bert`), else `hint` when it names one of these (`dinov2-s-imgfocus`, `openai/clip-...`).
    public static func load(directory: URL, hint: String = "") throws -> LoadedModel {
        guard let weights = Safetensors.checkpointFile(in: directory) else {
            throw BackboneError.unreadableFile(directory.appendingPathComponent("model.safetensors").path,
                                               reason: "no such file (nor a sharded model.safetensors.index.json)")
        }
        let file = { (n: String) -> URL? in
            let u = directory.appendingPathComponent(n)
            return FileManager.default.fileExists(atPath: u.path) ? u : nil
        }
        var type = file("config.json").flatMap { ModelStore.modelType(configAt: $0) }
            ?? (file(ModelStore.openCLIPConfigFile) != nil ? "clip" : "unknown")
        if type == "unknown" {
            let h = hint.lowercased()
            type = h.contains("dinov2") ? "dinov2" : h.contains("clip") || h.contains("vit-") ? "clip"
                : h.contains("minilm") || h.contains("bert") ? "bert" : "unknown"
        }
        switch type {
        case "clip":
            var tok: CLIPTokenizer?
            if let v = file("vocab.json"), let m = file("merges.txt") { tok = try CLIPTokenizer(vocabFile: v, mergesFile: m) }
            return .clip(try CLIPModel.load(safetensors: weights), tokenizer: tok)
        case "dinov2":
            return .dinov2(try DINOv2.load(safetensors: weights))
        case "bert":
            return .bert(try BERTModel.load(safetensors: weights), tokenizer: try file("vocab.txt").map { try BertTokenizer(vocabFile: $0) })
        default:
            throw BackboneError.invalidConfig(directory.appendingPathComponent("config.json").path,
                                              reason: "model_type '\(type)' is not one of clip, dinov2, bert")
        }
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

/// What `vtfusion features` writes: tapped patch tokens, class token and prompt embeddings.
public enum FeatureDump {
    /// Runs `vision` on `images` (already normalised, `[B, 3, H, W]`) and `text` on `prompts`.
    ///
    /// - Returns: `layer.<L>.patch_tokens` `[B, N, C]` for each `L` in `layers`, `class_token` `[B, D]`
    ///   (the backbone's pooled image embedding), and `text_embeddings` `[P, D]` when prompts are given.
    public static func features(vision: Backbone?, images: Tensor?, layers: [Int], text: LoadedModel?,
                                prompts: [String]) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        if let images {
            guard let vision else { throw BackboneError.invalidInput("images given, but the model has no vision tower") }
            let (tokens, cls) = try vision.features(images: images, layers: layers)
            for (l, t) in zip(layers, tokens) { out["layer.\(l).patch_tokens"] = t.contiguous() }
            out["class_token"] = cls.contiguous()
        }
        if !prompts.isEmpty {
            guard let text, let emb = try text.textEmbeddings(prompts) else {
                throw BackboneError.invalidInput("prompts given, but no text encoder (DINOv2 has none: pass a CLIP or MiniLM text model)")
            }
            out["text_embeddings"] = emb.contiguous()
        }
        return out
    }

    /// Images for the vision tower from a safetensors file: the tensor `images` (or the file's only tensor),
    /// `[B, 3, H, W]` or `[3, H, W]`, RGB in `[0, 1]` unless `normalized` (then used as is); otherwise
    /// normalised with `mean` / `std`.
    public static func readImageTensor(_ url: URL, mean: [Float], std: [Float], normalized: Bool) throws -> Tensor {
        let all = try Safetensors.read(url)
        guard let t = all["images"] ?? (all.count == 1 ? all.values.first : nil) else {
            throw BackboneError.invalidInput("\(url.path): expected a tensor named 'images' (or a single tensor); found \(all.keys.sorted())")
        }
        let x = t.rank == 3 ? t.unsqueezed(0) : t
        guard x.rank == 4, x.shape[1] == 3 else {
            throw BackboneError.invalidInput("\(url.path): images must be [B, 3, H, W] or [3, H, W]; got \(t.shape)")
        }
        if normalized { return x }
        return (x - Tensor(shape: [1, 3, 1, 1], data: mean)) / Tensor(shape: [1, 3, 1, 1], data: std)
    }
}
