import Backbones
import Foundation
import VTFusion

/// Small synthetic models for tests (no weight files): DINOv2s of any small width and depth with
/// ``SyntheticWeights``, and the registry's `random-tiny` CLIP (``SyntheticModels``).
public enum TinyModels {
    /// The registry's tiny CLIP (vision: width 32, 2 blocks, patch 8 at 64 px; text: width 16, 1 block).
    public static func clip() throws -> CLIPModel { try SyntheticModels.clip() }

    /// The tiny CLIP's text tower with a hashing tokenizer (`random-tiny`).
    public static func textEncoder() -> TextEncoderBundle { SyntheticModels.textEncoder() }

    /// A tiny DINOv2 (`width` wide, `depth` blocks, patch 8, native 64 px) with synthetic weights; the
    /// defaults are the registry's `dinov2-tiny-random`.
    public static func dinov2(width: Int = 32, depth: Int = 2, heads: Int = 2) throws -> DINOv2 {
        try DINOv2.synthetic(DINOv2Config(hiddenSize: width, numHiddenLayers: depth, numAttentionHeads: heads,
                                          imageSize: 64, patchSize: 8))
    }

    /// The spec of ``dinov2(width:depth:heads:)`` at `imageSize` (ImageNet normalisation, taps 1...depth).
    public static func dinov2Spec(imageSize: Int = 64, depth: Int = 2) -> BackboneSpec {
        BackboneSpec(name: SyntheticModels.dinov2Name, family: .dinov2, imageSize: imageSize, patchSize: 8,
                     taps: Array(1...depth), depth: depth, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    }
}

extension HeadSize {
    /// Head widths for tests with tiny backbones.
    public static let tiny = HeadSize(jointWidth: 32, adapterHidden: 16, fusionHeads: 2, evidenceProjection: 2,
                                      channels: [8, 8, 8, 8, 8])
}
