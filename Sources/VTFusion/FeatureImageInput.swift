import Backbones
import Foundation
import Imaging
import Tensor

/// Image inputs of a feature dump (`vtfusion features`): PNG/JPEG files through the backbone's
/// ``ImagePreprocessor`` (RGB, shorter side to the input size, center crop, normalisation), or
/// `.safetensors` image tensors (``FeatureDump/readImageTensor(_:mean:std:normalized:)``).
public enum FeatureImageInput {
    /// The preprocessing for `vision`: the registry's ``BackboneSpec`` when `name` is one of its names
    /// (e.g. `dinov2-s-imgfocus` at 224 px), otherwise the tower's own native size and mean/std.
    /// `imageSize` overrides the side (rounded down to a multiple of the patch size).
    /// - Throws: ``PipelineError/invalidOption(_:)`` for a side below two patches.
    public static func preprocessor(for vision: Backbone, name: String, imageSize: Int? = nil) throws -> ImagePreprocessor {
        if let spec = ModelRegistry.entry(name)?.backbone, spec.patchSize == vision.patchSize {
            return try BackboneSpec.named(name, imageSize: imageSize).preprocessor
        }
        let side = (imageSize ?? vision.imageSize) / vision.patchSize * vision.patchSize
        guard side >= 2 * vision.patchSize else {
            throw PipelineError.invalidOption("image size \(imageSize ?? vision.imageSize) is too small for patch \(vision.patchSize)")
        }
        return ImagePreprocessor(imageSize: side, normalization: Normalization(mean: vision.mean, std: vision.std))
    }

    /// One normalised `[B, 3, H, W]` batch from `urls` in order. Image files become `[1, 3, S, S]` each;
    /// safetensors files contribute their `[B, 3, H, W]` / `[3, H, W]` tensors, normalised with the
    /// preprocessor's constants unless `normalized`. All inputs must end up the same size.
    /// - Throws: the decoder's `ImageError` (naming the file), `BackboneError.invalidInput` for a bad
    ///   tensor file, ``PipelineError/invalidOption(_:)`` when sizes differ.
    public static func batch(_ urls: [URL], preprocessor: ImagePreprocessor, normalized: Bool) throws -> Tensor {
        let norm = preprocessor.normalization
        let tensors: [Tensor] = try urls.map { url in
            if url.pathExtension.lowercased() == "safetensors" {
                return try FeatureDump.readImageTensor(url, mean: norm.mean, std: norm.std, normalized: normalized)
            }
            return preprocessor.tensor(try preprocessor.load(path: url.path)).unsqueezed(0)
        }
        guard let first = tensors.first else { throw PipelineError.invalidOption("no images given") }
        for (url, t) in zip(urls, tensors) where Array(t.shape.dropFirst()) != Array(first.shape.dropFirst()) {
            throw PipelineError.invalidOption("\(url.path): image tensor \(t.shape) differs in size from \(urls[0].path) "
                                              + "\(first.shape) (PNG/JPEG inputs are \(preprocessor.imageSize) px)")
        }
        return tensors.count == 1 ? first : Tensor.concat(tensors, axis: 0)
    }
}
