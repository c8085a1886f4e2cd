import Backbones
import Foundation
import Imaging
import Tensor

/// Runs a frozen backbone over prepared images in batches and keeps the tapped layers (no graph).
public final class FeatureExtractor {
    public let backbone: Backbone
    public let spec: BackboneSpec
    /// Images per backbone call (bounds peak memory).
    public var batchSize: Int

    public init(backbone: Backbone, spec: BackboneSpec, batchSize: Int = 8) {
        self.backbone = backbone
        self.spec = spec
        self.batchSize = batchSize
    }

    public var preprocessor: ImagePreprocessor { spec.preprocessor }

    /// Features of normalised image tensors `[3, S, S]` each, concatenated on the batch axis.
    /// `progress(done, total)` is called after each batch.
    public func features(_ images: [Tensor], progress: ((Int, Int) -> Void)? = nil) throws -> FeatureSet {
        guard !images.isEmpty else { throw PipelineError.invalidOption("feature extraction: no images") }
        var parts: [FeatureSet] = []
        var start = 0
        while start < images.count {
            let end = min(start + max(batchSize, 1), images.count)
            let batch = Tensor.stack(Array(images[start..<end]), axis: 0)
            parts.append(try FeatureSet.extract(from: backbone, images: batch, taps: spec.taps).compacted())
            start = end
            progress?(end, images.count)
        }
        return FeatureSet.concat(parts)
    }

    /// Features of prepared 8-bit images.
    public func features(prepared: [Image8], progress: ((Int, Int) -> Void)? = nil) throws -> FeatureSet {
        try features(prepared.map { preprocessor.tensor($0) }, progress: progress)
    }

    /// Seconds per image for one batch of `count` random images (for timing reports).
    public func timePerImage(count: Int = 2) throws -> Double {
        var rng = SeededRandom(seed: 1)
        let images = (0..<count).map { _ in Tensor.randn([3, spec.imageSize, spec.imageSize], using: &rng) }
        let t0 = Date()
        _ = try features(images)
        return Date().timeIntervalSince(t0) / Double(count)
    }
}

extension FeatureSet {
    /// A copy whose tensors are contiguous and detached (owns its memory; safe to cache).
    public func compacted() -> FeatureSet {
        noGrad {
            FeatureSet(patches: patches.map { $0.detached().contiguous() }, classToken: classToken.detached().contiguous(),
                       grid: grid)
        }
    }

    /// Concatenation on the batch axis (all parts share grid and widths).
    public static func concat(_ parts: [FeatureSet]) -> FeatureSet {
        check(!parts.isEmpty, "FeatureSet.concat: no parts")
        if parts.count == 1 { return parts[0] }
        return noGrad {
            FeatureSet(patches: parts[0].patches.indices.map { l in Tensor.concat(parts.map { $0.patches[l] }, axis: 0) },
                       classToken: Tensor.concat(parts.map(\.classToken), axis: 0), grid: parts[0].grid)
        }
    }

    /// The images at `indices` (a copy), in that order.
    public func gather(_ indices: [Int]) -> FeatureSet {
        noGrad {
            FeatureSet(patches: patches.map { $0.indexSelect(axis: 0, indices: indices) },
                       classToken: classToken.indexSelect(axis: 0, indices: indices), grid: grid)
        }
    }

    /// Bytes held by the feature tensors.
    public var byteCount: Int { (patches.reduce(0) { $0 + $1.count } + classToken.count) * 4 }
}
