import Backbones
import Foundation

/// The two synthetic models the registry names for smoke runs without weight files (`--backbone
/// dinov2-tiny-random`, `--text-encoder random-tiny`), with deterministic ``SyntheticWeights``.
public enum SyntheticModels {
    public static let dinov2Name = "dinov2-tiny-random"
    public static let textName = "random-tiny"

    /// A tiny CLIP (vision: width 32, 2 blocks, patch 8 at 64 px; text: width 16, 1 block, vocabulary 64).
    public static func clip() throws -> CLIPModel {
        let text = CLIPTextConfig(vocabSize: 64, hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 1,
                                  numAttentionHeads: 2, maxPositionEmbeddings: 32, eosTokenId: 63)
        let vision = CLIPVisionConfig(hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2, numAttentionHeads: 2,
                                      imageSize: 64, patchSize: 8)
        return try CLIPModel.synthetic(CLIPConfig(textConfig: text, visionConfig: vision, projectionDim: 16))
    }

    /// `random-tiny`: the tiny CLIP's text tower with a hashing tokenizer.
    public static func textEncoder() -> TextEncoderBundle {
        TextEncoderBundle(name: textName, encoder: try! clip().text, tokenizer: .hashing(vocabSize: 64))
    }

    /// `dinov2-tiny-random`: a DINOv2 32 wide with 2 blocks of 2 heads, patch 8, native 64 px.
    public static func dinov2() throws -> DINOv2 {
        try DINOv2.synthetic(DINOv2Config(hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 2, imageSize: 64, patchSize: 8))
    }

    /// The spec of ``dinov2()`` at `imageSize` (ImageNet normalisation, taps 1 and 2).
    public static func dinov2Spec(imageSize: Int = 64) -> BackboneSpec {
        BackboneSpec(name: dinov2Name, family: .dinov2, imageSize: imageSize, patchSize: 8,
                     taps: [1, 2], depth: 2, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    }
}
