import Backbones
import Tensor

/// A ``PromptEncoder`` over a frozen `Backbones.TextEncoder` (CLIP text, MiniLM) and its tokenizer.
///
/// Each prompt is embedded by the encoder; embeddings are L2-normalised per prompt (the averaging per
/// state happens in the text adapter).
public final class TextEncoderPrompts: PromptEncoder {
    public let encoder: TextEncoder
    /// Tokenizes prompts into equal-length id rows and (where the model needs one) an attention mask.
    public let tokenize: ([String]) throws -> (ids: [[Int]], attentionMask: [[Int]]?)

    public init(encoder: TextEncoder, tokenize: @escaping ([String]) throws -> (ids: [[Int]], attentionMask: [[Int]]?)) {
        self.encoder = encoder
        self.tokenize = tokenize
    }

    public var width: Int { encoder.outputWidth }

    public func encode(_ prompts: [String]) throws -> Tensor {
        let (ids, mask) = try tokenize(prompts)
        return try noGrad { try encoder.encode(ids: ids, attentionMask: mask).l2Normalized(axis: -1) }
    }
}

extension FeatureSet {
    /// Runs a frozen backbone on normalised images `[B, 3, H, W]` and keeps the tapped layers.
    public static func extract(from backbone: Backbone, images: Tensor, taps: [Int]) throws -> FeatureSet {
        let (tokens, cls) = try noGrad { try backbone.features(images: images, layers: taps) }
        let grid = (images.shape[2] / backbone.patchSize, images.shape[3] / backbone.patchSize)
        return FeatureSet(patches: tokens, classToken: cls, grid: grid)
    }
}
