import Imaging
import Tensor

/// What the CLIP vision tower returns for anomaly detection.
public struct CLIPVisionFeatures {
    /// Patch tokens `[B, N, C]` per requested layer (`C` = projection width when projected).
    public var patchTokens: [Tensor]
    /// The image embedding `ln_post(class token) @ proj`, `[B, projectionDim]`.
    public var imageEmbedding: Tensor
    /// The final class token before `ln_post`, `[B, width]`.
    public var classToken: Tensor
    /// Patch grid `(rows, columns)`.
    public var grid: (height: Int, width: Int)
}

/// The OpenAI-architecture CLIP image encoder (HF `CLIPVisionModel` + `visual_projection`).
///
/// `embeddings = [class; patches] + pos` -> `ln_pre` -> pre-LN blocks (`x += attn(ln_1 x)`,
/// `x += mlp(ln_2 x)`) -> `ln_post(class)` -> `@ proj`. Inputs of any size that is a multiple of the patch
/// size are accepted: the positional table is resized bicubically (as HF `interpolate_pos_encoding`).
public final class CLIPVisionTower: Backbone {
    public let config: CLIPVisionConfig
    public let projectionDim: Int
    let params: Parameters
    /// The validated weights (``ModelStore``'s fingerprint reads them).
    public var weights: Parameters { params }
    /// V-V attention in this many final blocks for ``features(images:layers:)`` (0 = off).
    public var vvBlocks: Int = 0
    /// Whether ``features(images:layers:)`` applies `ln_post` and the projection to patch tokens.
    public var projectsPatchTokens = false

    static let prefix = "vision_model."

    init(config: CLIPVisionConfig, projectionDim: Int, params: Parameters) {
        self.config = config
        self.projectionDim = projectionDim
        self.params = params
    }

    public var imageSize: Int { config.imageSize }
    public var patchSize: Int { config.patchSize }
    public var mean: [Float] { Normalization.clip.mean }
    public var std: [Float] { Normalization.clip.std }
    public var layerCount: Int { config.numHiddenLayers }
    public var tokenWidth: Int { projectsPatchTokens ? projectionDim : config.hiddenSize }

    /// Names and shapes of the tower's parameters (HF naming).
    static func parameterList(_ c: CLIPVisionConfig, projectionDim: Int) -> [(name: String, shape: [Int])] {
        var l = ParameterList()
        let p = prefix, w = c.hiddenSize
        l.add(p + "embeddings.class_embedding", [w])
        l.add(p + "embeddings.patch_embedding.weight", [w, c.numChannels, c.patchSize, c.patchSize])
        l.add(p + "embeddings.position_embedding.weight", [c.gridSize * c.gridSize + 1, w])
        l.layerNorm(p + "pre_layrnorm", w)
        for i in 0..<c.numHiddenLayers {
            CLIPBlock.parameters(&l, p + "encoder.layers.\(i).", width: w, inner: c.intermediateSize)
        }
        l.layerNorm(p + "post_layernorm", w)
        l.linear("visual_projection", w, projectionDim, bias: false)
        return l.items
    }

    /// `ln_post` + projection of tokens `[..., width]` -> `[..., projectionDim]`.
    public func project(_ tokens: Tensor) -> Tensor {
        let normed = TransformerOps.layerNorm(tokens, params, Self.prefix + "post_layernorm", eps: config.layerNormEps)
        return TransformerOps.linear(normed, params, "visual_projection", bias: false)
    }

    /// Embeddings entering the first block: `ln_pre([class; patches] + pos)`, `[B, 1 + N, width]`.
    func embed(_ images: Tensor) throws -> (Tensor, (Int, Int)) {
        let c = config
        guard images.rank == 4, images.shape[1] == c.numChannels,
              images.shape[2] % c.patchSize == 0, images.shape[3] % c.patchSize == 0, images.shape[2] > 0 else {
            throw BackboneError.invalidInput("CLIP expects images [B, \(c.numChannels), H, W] with H, W multiples of \(c.patchSize); got \(images.shape)")
        }
        let (b, gh, gw) = (images.shape[0], images.shape[2] / c.patchSize, images.shape[3] / c.patchSize)
        let p = Self.prefix
        let patches = TransformerOps.patchEmbed(images, weight: params[p + "embeddings.patch_embedding.weight"],
                                                bias: nil, patch: c.patchSize)
        let cls = params[p + "embeddings.class_embedding"].reshaped([1, 1, c.hiddenSize]).expanded(to: [b, 1, c.hiddenSize])
        let pos = PositionInterpolation.resizeViT(params[p + "embeddings.position_embedding.weight"], height: gh, width: gw)
        let x = Tensor.concat([cls, patches], axis: 1) + pos
        return (TransformerOps.layerNorm(x, params, p + "pre_layrnorm", eps: c.layerNormEps), (gh, gw))
    }

    /// Runs the tower once and returns the requested taps.
    ///
    /// - Parameters:
    ///   - images: `[B, 3, H, W]`, normalised with ``mean``/``std``; `H`, `W` multiples of the patch size.
    ///   - layers: 1-based block outputs to tap (0 = after `ln_pre`).
    ///   - projected: apply `ln_post` and the projection to the patch tokens (APRIL-GAN / AnomalyCLIP style).
    ///   - vvBlocks: run the V-V path (CLIP Surgery) in the last `vvBlocks` blocks; taps inside that range
    ///     come from the V-V stream; the image embedding always comes from the original stream.
    public func forward(images: Tensor, layers: [Int], projected: Bool = false, vvBlocks: Int = 0) throws -> CLIPVisionFeatures {
        let depth = config.numHiddenLayers
        guard layers.allSatisfy({ $0 >= 0 && $0 <= depth }) else {
            throw BackboneError.invalidInput("layer taps \(layers) outside 0...\(depth)")
        }
        guard vvBlocks >= 0 && vvBlocks <= depth else {
            throw BackboneError.invalidInput("vvBlocks \(vvBlocks) outside 0...\(depth)")
        }
        var (x, grid) = try embed(images)
        var taps: [Int: Tensor] = [:]
        if layers.contains(0) { taps[0] = x }
        var vv: Tensor? = nil
        for i in 0..<depth {
            let prefix = Self.prefix + "encoder.layers.\(i)."
            let block = CLIPBlock(params: params, prefix: prefix, heads: config.numAttentionHeads,
                                  act: config.hiddenAct, eps: config.layerNormEps)
            if i >= depth - vvBlocks {
                vv = (vv ?? x) + block.valueValueAttention(x)
            }
            x = block(x)
            if layers.contains(i + 1) { taps[i + 1] = vv ?? x }
        }
        let patchTokens = layers.map { l -> Tensor in
            let t = taps[l]!.sliced(axis: 1, start: 1)
            return projected ? project(t) : t
        }
        let cls = x.selecting(axis: 1, index: 0)
        return CLIPVisionFeatures(patchTokens: patchTokens, imageEmbedding: project(cls), classToken: cls, grid: grid)
    }

    /// Image embeddings `[B, projectionDim]` (not normalised).
    public func imageEmbeddings(_ images: Tensor) throws -> Tensor {
        try forward(images: images, layers: []).imageEmbedding
    }

    public func features(images: Tensor, layers: [Int]) throws -> (patchTokens: [Tensor], classToken: Tensor) {
        let f = try forward(images: images, layers: layers, projected: projectsPatchTokens, vvBlocks: vvBlocks)
        return (f.patchTokens, f.imageEmbedding)
    }
}

/// One pre-LN residual attention block in HF `CLIPEncoderLayer` naming.
struct CLIPBlock {
    let params: Parameters
    let prefix: String
    let heads: Int
    let act: Activation
    let eps: Float

    static func parameters(_ l: inout ParameterList, _ p: String, width: Int, inner: Int) {
        for n in ["k_proj", "v_proj", "q_proj", "out_proj"] { l.linear(p + "self_attn." + n, width, width) }
        l.layerNorm(p + "layer_norm1", width)
        l.linear(p + "mlp.fc1", width, inner)
        l.linear(p + "mlp.fc2", inner, width)
        l.layerNorm(p + "layer_norm2", width)
    }

    private func proj(_ x: Tensor, _ name: String, residual: Tensor? = nil) -> Tensor {
        TransformerOps.linear(x, params, prefix + "self_attn." + name, residual: residual)
    }

    /// `x + attn(ln_1 x)` then `+ mlp(ln_2 x)`; `causal` blocks token `j > i` for token `i` (text tower).
    func callAsFunction(_ x: Tensor, causal: Bool = false) -> Tensor {
        let h = TransformerOps.layerNorm(x, params, prefix + "layer_norm1", eps: eps)
        let a = TransformerOps.selfAttention(h, params, q: prefix + "self_attn.q_proj", k: prefix + "self_attn.k_proj",
                                             v: prefix + "self_attn.v_proj", heads: heads, causal: causal)
        let y = proj(a, "out_proj", residual: x)
        let m = TransformerOps.layerNorm(y, params, prefix + "layer_norm2", eps: eps)
        let inner = TransformerOps.activate(TransformerOps.linear(m, params, prefix + "mlp.fc1"), act)
        return TransformerOps.linear(inner, params, prefix + "mlp.fc2", residual: y)
    }

    /// The V-V branch: `out_proj(softmax(v v^T * scale) v)` with `v` from `ln_1 x` (no MLP).
    func valueValueAttention(_ x: Tensor) -> Tensor {
        let h = TransformerOps.layerNorm(x, params, prefix + "layer_norm1", eps: eps)
        let v = TransformerOps.heads(proj(h, "v_proj"), heads)
        let a = TransformerOps.attend(v, v, v, scale: 1 / Float(x.shape[2] / heads).squareRoot())
        return proj(TransformerOps.mergeHeads(a), "out_proj")
    }
}
