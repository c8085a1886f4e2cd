import Foundation
import NN
import Tensor

/// A CLIP model (OpenAI architecture): ``CLIPVisionTower`` + ``CLIPTextTower`` + `logit_scale`.
///
/// Loading: checkpoint -> ``sanitize(_:)`` (HF naming is canonical; OpenAI/OpenCLIP names are mapped,
/// fused `in_proj` split, projections transposed, buffers dropped) -> strict validation against the
/// config's parameter list (errors name the first missing or mismatched key).
public final class CLIPModel {
    public let config: CLIPConfig
    public let vision: CLIPVisionTower
    public let text: CLIPTextTower
    let params: Parameters

    /// Builds the model from a state dict in HF or OpenAI/OpenCLIP naming.
    public init(config: CLIPConfig, stateDict: StateDict, strict: Bool = true) throws {
        let params = try Parameters(expected: Self.parameterList(config), stateDict: Self.sanitize(stateDict), strict: strict)
        self.config = config
        self.params = params
        self.vision = CLIPVisionTower(config: config.visionConfig, projectionDim: config.projectionDim, params: params)
        self.text = CLIPTextTower(config: config.textConfig, projectionDim: config.projectionDim, params: params)
    }

    /// Builds the model with the architecture inferred from the checkpoint's shapes (``CLIPConfig/inferred(from:)``).
    public convenience init(stateDict: StateDict, strict: Bool = true) throws {
        try self.init(config: CLIPConfig.inferred(from: stateDict), stateDict: stateDict, strict: strict)
    }

    /// Loads a safetensors checkpoint (a file, a sharded checkpoint's `model.safetensors.index.json`, or a
    /// directory holding either or an OpenCLIP `open_clip_model.safetensors`); the config is `config`, else
    /// `config.json` next to the checkpoint, else inferred from the tensor shapes (with the activation and
    /// head counts from an `open_clip_config.json` next to it, see ``CLIPConfig/applyingOpenCLIPConfig(_:contentsOf:)``).
    public static func load(safetensors url: URL, config: CLIPConfig? = nil, strict: Bool = true) throws -> CLIPModel {
        let sd = try Safetensors.readCheckpoint(url)
        if let config { return try StrictLoadError.naming(url.path) { try CLIPModel(config: config, stateDict: sd, strict: strict) } }
        let dir = Safetensors.modelDirectory(of: url)
        let json = dir.appendingPathComponent("config.json")
        if FileManager.default.fileExists(atPath: json.path) {
            let config = try CLIPConfig.load(contentsOf: json)
            return try StrictLoadError.naming(url.path) { try CLIPModel(config: config, stateDict: sd, strict: strict) }
        }
        var config = try CLIPConfig.inferred(from: sd)
        let openCLIP = dir.appendingPathComponent("open_clip_config.json")
        if FileManager.default.fileExists(atPath: openCLIP.path) {
            // The shapes fix the widths and depths; OpenCLIP's config gives the activation and head counts.
            config = try CLIPConfig.applyingOpenCLIPConfig(config, contentsOf: openCLIP)
        }
        return try StrictLoadError.naming(url.path) { [config] in try CLIPModel(config: config, stateDict: sd, strict: strict) }
    }

    /// `exp(logit_scale)` (100 for released CLIP weights).
    public var logitScale: Float { Foundation.exp(params["logit_scale"].item) }

    /// `logit_scale.exp() * cos(image, text)`: `[images, texts]`, as HF `logits_per_image`.
    public func logits(images: Tensor, ids: [[Int]]) throws -> Tensor {
        let i = try vision.imageEmbeddings(images).l2Normalized(axis: -1)
        let t = try text.encode(ids: ids).l2Normalized(axis: -1)
        return i.matmul(t.transposed()) * logitScale
    }
}

// MARK: - Checkpoint naming

extension CLIPModel {
    /// Maps a checkpoint in OpenAI `clip` / OpenCLIP naming (or HF naming, passed through) to HF `CLIPModel`
    /// naming. Pure: dictionary in, dictionary out. Drops buffers (`attn_mask`, `position_ids`, ...), strips
    /// `module.`, splits fused `in_proj_weight`/`in_proj_bias` into q/k/v, transposes `visual.proj` and
    /// `text_projection` (`[in, out]` matrices) to `Linear` weights.
    public static func sanitize(_ stateDict: StateDict) -> StateDict {
        var out: StateDict = [:]
        let dropped: Set<String> = ["attn_mask", "input_resolution", "context_length", "vocab_size"]
        for (rawKey, t) in stateDict {
            var key = rawKey.hasPrefix("module.") ? String(rawKey.dropFirst(7)) : rawKey
            if dropped.contains(key) || key.hasSuffix("position_ids") { continue }
            if key.hasPrefix("vision_model.") || key.hasPrefix("text_model.")
                || key == "visual_projection.weight" || key == "text_projection.weight" || key == "logit_scale" {
                out[key] = t
                continue
            }
            switch key {
            case "visual.class_embedding": out["vision_model.embeddings.class_embedding"] = t; continue
            case "visual.conv1.weight": out["vision_model.embeddings.patch_embedding.weight"] = t; continue
            case "visual.positional_embedding": out["vision_model.embeddings.position_embedding.weight"] = t; continue
            case "visual.proj": out["visual_projection.weight"] = t.transposed().contiguous(); continue
            case "text_projection": out["text_projection.weight"] = t.transposed().contiguous(); continue
            case "token_embedding.weight": out["text_model.embeddings.token_embedding.weight"] = t; continue
            case "positional_embedding": out["text_model.embeddings.position_embedding.weight"] = t; continue
            default: break
            }
            for (from, to) in [("visual.ln_pre.", "vision_model.pre_layrnorm."), ("visual.ln_post.", "vision_model.post_layernorm."),
                               ("ln_final.", "text_model.final_layer_norm."),
                               ("visual.transformer.resblocks.", "vision_model.encoder.layers."),
                               ("transformer.resblocks.", "text_model.encoder.layers.")] where key.hasPrefix(from) {
                key = to + key.dropFirst(from.count)
                break
            }
            key = key.replacingOccurrences(of: ".ln_1.", with: ".layer_norm1.")
                .replacingOccurrences(of: ".ln_2.", with: ".layer_norm2.")
                .replacingOccurrences(of: ".mlp.c_fc.", with: ".mlp.fc1.")
                .replacingOccurrences(of: ".mlp.c_proj.", with: ".mlp.fc2.")
                .replacingOccurrences(of: ".attn.out_proj.", with: ".self_attn.out_proj.")
            if key.hasSuffix(".attn.in_proj_weight") || key.hasSuffix(".attn.in_proj_bias") {
                let base = String(key.prefix(upTo: key.range(of: ".attn.in_proj_")!.lowerBound))
                let suffix = key.hasSuffix("weight") ? "weight" : "bias"
                let w = t.shape[0] / 3
                for (j, name) in ["q_proj", "k_proj", "v_proj"].enumerated() {
                    out["\(base).self_attn.\(name).\(suffix)"] = t.sliced(axis: 0, start: j * w, end: (j + 1) * w).contiguous()
                }
                continue
            }
            out[key] = t
        }
        return out
    }
}

// MARK: - Architecture from shapes

extension CLIPConfig {
    /// The architecture implied by a checkpoint's tensor shapes (either naming). Heads are `width / 64`
    /// (all OpenAI/OpenCLIP ViTs); the activation is taken from the registry entry with the same shapes,
    /// else QuickGELU (OpenAI).
    public static func inferred(from stateDict: StateDict) throws -> CLIPConfig {
        let sd = CLIPModel.sanitize(stateDict)
        func shape(_ k: String) throws -> [Int] {
            guard let t = sd[k] else { throw BackboneError.cannotInferArchitecture("no tensor '\(k)'") }
            return t.shape
        }
        func depth(_ prefix: String) -> Int {
            var n = 0
            while sd["\(prefix)\(n).layer_norm1.weight"] != nil { n += 1 }
            return n
        }
        let conv = try shape("vision_model.embeddings.patch_embedding.weight")
        let positions = try shape("vision_model.embeddings.position_embedding.weight")[0] - 1
        let grid = Int(Double(positions).squareRoot().rounded())
        guard grid * grid == positions else {
            throw BackboneError.cannotInferArchitecture("\(positions) vision positions is not a square grid")
        }
        let vw = conv[0], tokens = try shape("text_model.embeddings.token_embedding.weight")
        let tw = tokens[1]
        let vision = CLIPVisionConfig(
            hiddenSize: vw, intermediateSize: try shape("vision_model.encoder.layers.0.mlp.fc1.weight")[0],
            numHiddenLayers: depth("vision_model.encoder.layers."), numAttentionHeads: max(1, vw / 64),
            imageSize: grid * conv[2], patchSize: conv[2], numChannels: conv[1])
        let text = CLIPTextConfig(
            vocabSize: tokens[0], hiddenSize: tw, intermediateSize: try shape("text_model.encoder.layers.0.mlp.fc1.weight")[0],
            numHiddenLayers: depth("text_model.encoder.layers."), numAttentionHeads: max(1, tw / 64),
            maxPositionEmbeddings: try shape("text_model.embeddings.position_embedding.weight")[0],
            eosTokenId: tokens[0] - 1)
        var config = CLIPConfig(textConfig: text, visionConfig: vision,
                                projectionDim: try shape("visual_projection.weight")[0])
        if let known = registry.values.first(where: {
            var k = $0
            k.visionConfig.hiddenAct = vision.hiddenAct; k.textConfig.hiddenAct = text.hiddenAct
            k.textConfig.eosTokenId = text.eosTokenId
            return k == config
        }) {
            config.visionConfig.hiddenAct = known.visionConfig.hiddenAct
            config.textConfig.hiddenAct = known.textConfig.hiddenAct
        }
        return config
    }
}
