import Foundation
import UserFiles

/// Activation functions named as in Hugging Face `config.json` (`hidden_act`).
public enum Activation: String, Codable, Sendable {
    /// `x * sigmoid(1.702 x)` (OpenAI CLIP).
    case quickGELU = "quick_gelu"
    /// Exact (erf) GELU.
    case gelu
    /// Tanh-approximated GELU.
    case geluNew = "gelu_new"
    case geluPytorchTanh = "gelu_pytorch_tanh"
    case relu
}

/// The vision tower of a CLIP model, mirroring the `vision_config` section of HF `config.json`.
public struct CLIPVisionConfig: Codable, Sendable, Equatable {
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var imageSize: Int
    public var patchSize: Int
    public var hiddenAct: Activation
    public var layerNormEps: Float
    public var numChannels: Int

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case imageSize = "image_size", patchSize = "patch_size", hiddenAct = "hidden_act"
        case layerNormEps = "layer_norm_eps", numChannels = "num_channels"
    }

    public init(hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int, numAttentionHeads: Int,
                imageSize: Int, patchSize: Int, hiddenAct: Activation = .quickGELU, layerNormEps: Float = 1e-5,
                numChannels: Int = 3) {
        self.hiddenSize = hiddenSize; self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers; self.numAttentionHeads = numAttentionHeads
        self.imageSize = imageSize; self.patchSize = patchSize; self.hiddenAct = hiddenAct
        self.layerNormEps = layerNormEps; self.numChannels = numChannels
    }

    /// Decodes with HF's defaults (ViT-B/32) for absent fields.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? 768
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? 3072
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? 12
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? 12
        imageSize = try c.decodeIfPresent(Int.self, forKey: .imageSize) ?? 224
        patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? 32
        hiddenAct = try c.decodeIfPresent(Activation.self, forKey: .hiddenAct) ?? .quickGELU
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? 1e-5
        numChannels = try c.decodeIfPresent(Int.self, forKey: .numChannels) ?? 3
    }

    /// Patches per side at the native ``imageSize``.
    public var gridSize: Int { imageSize / patchSize }
}

/// The text tower of a CLIP model, mirroring the `text_config` section of HF `config.json`.
public struct CLIPTextConfig: Codable, Sendable, Equatable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var maxPositionEmbeddings: Int
    public var hiddenAct: Activation
    public var layerNormEps: Float
    /// End-of-text id. `2` is the legacy value of old HF configs, for which pooling takes the argmax of the
    /// ids (OpenAI's rule); any other value pools at the first position holding that id (HF's rule).
    public var eosTokenId: Int

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case maxPositionEmbeddings = "max_position_embeddings", hiddenAct = "hidden_act"
        case layerNormEps = "layer_norm_eps", eosTokenId = "eos_token_id"
    }

    public init(vocabSize: Int = 49408, hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int,
                numAttentionHeads: Int, maxPositionEmbeddings: Int = 77, hiddenAct: Activation = .quickGELU,
                layerNormEps: Float = 1e-5, eosTokenId: Int = 49407) {
        self.vocabSize = vocabSize; self.hiddenSize = hiddenSize; self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers; self.numAttentionHeads = numAttentionHeads
        self.maxPositionEmbeddings = maxPositionEmbeddings; self.hiddenAct = hiddenAct
        self.layerNormEps = layerNormEps; self.eosTokenId = eosTokenId
    }

    /// Decodes with HF's defaults for absent fields.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? 49408
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? 512
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? 2048
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? 12
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? 8
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 77
        hiddenAct = try c.decodeIfPresent(Activation.self, forKey: .hiddenAct) ?? .quickGELU
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? 1e-5
        eosTokenId = try c.decodeIfPresent(Int.self, forKey: .eosTokenId) ?? 49407
    }
}

/// A whole CLIP model, mirroring HF `CLIPConfig` (`config.json` of `openai/clip-vit-*`).
public struct CLIPConfig: Codable, Sendable, Equatable {
    public var textConfig: CLIPTextConfig
    public var visionConfig: CLIPVisionConfig
    public var projectionDim: Int
    public var logitScaleInitValue: Float

    enum CodingKeys: String, CodingKey {
        case textConfig = "text_config", visionConfig = "vision_config"
        case projectionDim = "projection_dim", logitScaleInitValue = "logit_scale_init_value"
    }

    public init(textConfig: CLIPTextConfig, visionConfig: CLIPVisionConfig, projectionDim: Int,
                logitScaleInitValue: Float = 2.6592) {
        self.textConfig = textConfig; self.visionConfig = visionConfig
        self.projectionDim = projectionDim; self.logitScaleInitValue = logitScaleInitValue
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        textConfig = try c.decode(CLIPTextConfig.self, forKey: .textConfig)
        visionConfig = try c.decode(CLIPVisionConfig.self, forKey: .visionConfig)
        projectionDim = try c.decodeIfPresent(Int.self, forKey: .projectionDim) ?? 512
        logitScaleInitValue = try c.decodeIfPresent(Float.self, forKey: .logitScaleInitValue) ?? 2.6592
    }

    /// Reads an HF `config.json`.
    public static func load(contentsOf url: URL) throws -> CLIPConfig {
        try decodeConfig(CLIPConfig.self, from: url)
    }
}

// MARK: - Registry

extension CLIPConfig {
    private static func make(vision: (width: Int, layers: Int, heads: Int, patch: Int, image: Int),
                             text: (width: Int, heads: Int), projection: Int, act: Activation) -> CLIPConfig {
        CLIPConfig(
            textConfig: CLIPTextConfig(hiddenSize: text.width, intermediateSize: 4 * text.width, numHiddenLayers: 12,
                                       numAttentionHeads: text.heads, hiddenAct: act),
            visionConfig: CLIPVisionConfig(hiddenSize: vision.width, intermediateSize: 4 * vision.width,
                                           numHiddenLayers: vision.layers, numAttentionHeads: vision.heads,
                                           imageSize: vision.image, patchSize: vision.patch, hiddenAct: act),
            projectionDim: projection)
    }

    /// The known architectures by name: `ViT-B-32`, `ViT-B-16`, `ViT-L-14`, `ViT-L-14-336` (OpenAI, QuickGELU)
    /// and `ViT-B-16-plus-240` (OpenCLIP, exact GELU).
    public static let registry: [String: CLIPConfig] = [
        "ViT-B-32": make(vision: (768, 12, 12, 32, 224), text: (512, 8), projection: 512, act: .quickGELU),
        "ViT-B-16": make(vision: (768, 12, 12, 16, 224), text: (512, 8), projection: 512, act: .quickGELU),
        "ViT-L-14": make(vision: (1024, 24, 16, 14, 224), text: (768, 12), projection: 768, act: .quickGELU),
        "ViT-L-14-336": make(vision: (1024, 24, 16, 14, 336), text: (768, 12), projection: 768, act: .quickGELU),
        "ViT-B-16-plus-240": make(vision: (896, 12, 14, 16, 240), text: (640, 10), projection: 640, act: .gelu),
    ]

    /// What an OpenCLIP `open_clip_config.json` adds to the shapes of a checkpoint: the activation
    /// (`model_cfg.quick_gelu`, default false: OpenAI-trained models set it, LAION-trained ones do not) and the
    /// head counts (`vision_cfg.head_width`, default 64; `text_cfg.heads`, default 8), applied to `config`.
    public static func applyingOpenCLIPConfig(_ config: CLIPConfig, contentsOf url: URL) throws -> CLIPConfig {
        let data: Data
        do { data = try UserFile.data(url.path) } catch let e as UserFileError {
            throw BackboneError.unreadableFile(url.path, reason: e.reason)
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw BackboneError.invalidConfig(url.path, reason: "not a JSON object")
        }
        guard let model = json["model_cfg"] as? [String: Any] else {
            throw BackboneError.invalidConfig(url.path, reason: "no 'model_cfg' object (expected OpenCLIP's open_clip_config.json)")
        }
        func int(_ object: [String: Any]?, _ key: String, _ field: String) throws -> Int? {
            guard let v = object?[key] else { return nil }
            guard let n = v as? Int, n > 0 else {
                throw BackboneError.invalidConfig(url.path, reason: "\(field) is not a positive integer")
            }
            return n
        }
        var c = config
        if let q = model["quick_gelu"], !(q is Bool) {
            throw BackboneError.invalidConfig(url.path, reason: "model_cfg.quick_gelu is not true or false")
        }
        let act: Activation = (model["quick_gelu"] as? Bool ?? false) ? .quickGELU : .gelu
        c.visionConfig.hiddenAct = act
        c.textConfig.hiddenAct = act
        let headWidth = try int(model["vision_cfg"] as? [String: Any], "head_width", "model_cfg.vision_cfg.head_width") ?? 64
        guard c.visionConfig.hiddenSize % headWidth == 0 else {
            throw BackboneError.invalidConfig(url.path, reason: "vision width \(c.visionConfig.hiddenSize) is not a multiple of head_width \(headWidth)")
        }
        c.visionConfig.numAttentionHeads = c.visionConfig.hiddenSize / headWidth
        let heads = try int(model["text_cfg"] as? [String: Any], "heads", "model_cfg.text_cfg.heads") ?? 8
        guard c.textConfig.hiddenSize % heads == 0 else {
            throw BackboneError.invalidConfig(url.path, reason: "text width \(c.textConfig.hiddenSize) is not a multiple of heads \(heads)")
        }
        c.textConfig.numAttentionHeads = heads
        return c
    }

    /// A registry configuration by name; names are matched ignoring case and `/` vs `-`
    /// (`"ViT-L/14@336"` and `"vit-l-14-336"` both work).
    public static func named(_ name: String) throws -> CLIPConfig {
        let norm = { (s: String) in s.lowercased().replacingOccurrences(of: "/", with: "-")
            .replacingOccurrences(of: "@", with: "-").replacingOccurrences(of: "px", with: "") }
        if let hit = registry.first(where: { norm($0.key) == norm(name) }) { return hit.value }
        throw BackboneError.unknownModel(name, known: registry.keys.sorted())
    }
}

func decodeConfig<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
    let data: Data
    do { data = try UserFile.data(url.path) } catch let e as UserFileError {
        throw BackboneError.unreadableFile(url.path, reason: e.reason)
    }
    do { return try JSONDecoder().decode(T.self, from: data) } catch {
        throw BackboneError.invalidConfig(url.path, reason: String(describing: error))
    }
}
