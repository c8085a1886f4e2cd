import Backbones
import Foundation
import Imaging
import Tensor
import VTFusion

/// ``ImageScorer`` over a frozen backbone and a VTFusion ``Detector``.
///
/// Preprocessing: each image is converted to RGB and resized (bicubic, no crop) to the head's
/// `config.imageSize` `[H, W]`, then normalised with the backbone's mean/std; so the detector's map
/// `[H, W]` covers the whole image and is resized back by the picture writer. References are fitted with
/// ``Detector/fitReferences(_:augment:object:)``.
public final class DetectorScorer: ImageScorer {
    public let backbone: Backbone
    public let detector: Detector
    public var object: String?
    /// Augment the reference memory (rotations), as the head was configured for.
    public var augmentReferences: Bool
    /// Images per backbone forward pass.
    public var batchSize: Int

    public init(backbone: Backbone, detector: Detector, object: String? = nil, augmentReferences: Bool = false,
                batchSize: Int = 4) {
        self.backbone = backbone; self.detector = detector; self.object = object
        self.augmentReferences = augmentReferences; self.batchSize = batchSize
    }

    /// `[B, 3, H, W]` normalised input for the head's image size.
    public func preprocess(_ images: [Image8]) -> Tensor {
        let size = detector.model.config.imageSize
        let planes = images.map { img in
            img.rgb().resized(width: size[1], height: size[0], filter: .bicubic).toTensor(mean: backbone.mean, std: backbone.std)
        }
        return Tensor.stack(planes, axis: 0)
    }

    func features(_ images: [Image8]) throws -> FeatureSet {
        try FeatureSet.extract(from: backbone, images: preprocess(images), taps: detector.model.config.taps)
    }

    public func fit(references: [Image8]) throws {
        var sets: [FeatureSet] = []
        var start = 0
        while start < references.count {
            let end = min(start + max(1, batchSize), references.count)
            sets.append(try features(Array(references[start..<end])))
            start = end
        }
        guard let first = sets.first else { return }
        let merged = sets.count == 1 ? first : FeatureSet(
            patches: first.patches.indices.map { l in Tensor.concat(sets.map { $0.patches[l] }, axis: 0) },
            classToken: Tensor.concat(sets.map(\.classToken), axis: 0), grid: first.grid)
        detector.fitReferences(merged, augment: augmentReferences, object: object)
    }

    public func inspect(_ images: [Image8]) throws -> [InspectionResult] {
        var out: [InspectionResult] = []
        var start = 0
        while start < images.count {
            let end = min(start + max(1, batchSize), images.count)
            out += detector.inspect(try features(Array(images[start..<end])), batchSize: batchSize)
            start = end
        }
        return out
    }
}
