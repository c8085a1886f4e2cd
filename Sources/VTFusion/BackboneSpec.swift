import Backbones
import Foundation
import Imaging

/// Architecture family of a backbone.
public enum BackboneFamily: String, Codable, Sendable {
    case dinov2
    case clip
}

/// A named frozen vision backbone: how to load it and how to feed it.
///
/// Known names: `dinov2-s-imgfocus` (DINOv2 ViT-S/14, ImageNet normalisation, 224 px -> 16x16 grid, taps
/// 3/6/9/12), `clip-b16` (ViT-B/16, CLIP normalisation, 224 px, taps 3/6/9/12), `clip-l14-336`
/// (ViT-L/14@336, CLIP normalisation, 336 px, taps 6/12/18/24) and `clip-b16-plus-240` (OpenCLIP
/// ViT-B-16-plus-240, WinCLIP's backbone, LAION-400M weights, 240 px, taps 3/6/9/12).
///
/// DINOv2's default of 224 px (not the papers' 448) is a CPU choice: the benchmark's images are 128 px and
/// a 16x16 grid keeps feature extraction near 0.1-0.2 s per image on 2 cores; pass `imageSize: 448` for
/// full-resolution data.
public struct BackboneSpec: Codable, Equatable, Sendable {
    public var name: String
    public var family: BackboneFamily
    /// Side of the square center crop fed to the backbone (a multiple of ``patchSize``).
    public var imageSize: Int
    public var patchSize: Int
    /// 1-based block outputs tapped for the head.
    public var taps: [Int]
    /// Number of blocks of the architecture.
    public var depth: Int
    public var mean: [Float]
    public var std: [Float]

    public init(name: String, family: BackboneFamily, imageSize: Int, patchSize: Int, taps: [Int], depth: Int,
                mean: [Float], std: [Float]) {
        self.name = name; self.family = family; self.imageSize = imageSize; self.patchSize = patchSize
        self.taps = taps; self.depth = depth; self.mean = mean; self.std = std
    }

    /// The spec of the ``ModelRegistry`` backbone `name`, optionally at another image size (rounded down to
    /// a multiple of the patch).
    /// - Throws: ``PipelineError/unknownName(kind:name:known:)``, ``PipelineError/invalidOption(_:)``.
    public static func named(_ name: String, imageSize: Int? = nil) throws -> BackboneSpec {
        guard var spec = try ModelRegistry.backbone(name).backbone else {
            throw PipelineError.unknownName(kind: "backbone", name: name, known: ModelRegistry.backboneNames.sorted())
        }
        if let imageSize {
            try ConfigLimits.checkImageSize(imageSize)
            let s = imageSize / spec.patchSize * spec.patchSize
            guard s >= spec.patchSize * 2 else {
                throw PipelineError.invalidOption("image size \(imageSize) is too small for patch \(spec.patchSize)")
            }
            spec.imageSize = s
        }
        return spec
    }

    /// `taps.count` evenly spaced blocks of `depth` ending at the last one (`4 of 12` -> 3, 6, 9, 12).
    public static func evenlySpacedTaps(_ count: Int, depth: Int) -> [Int] {
        (1...max(count, 1)).map { i in Swift.max(1, (i * depth) / Swift.max(count, 1)) }
    }

    /// The per-channel normalisation constants.
    public var normalization: Normalization { Normalization(mean: mean, std: std) }

    /// The image preprocessing for this backbone.
    public var preprocessor: ImagePreprocessor { ImagePreprocessor(imageSize: imageSize, normalization: normalization) }

    /// Token grid side.
    public var gridSide: Int { imageSize / patchSize }
}

/// Errors of the training / evaluation pipeline (user input: names, directories, options).
public enum PipelineError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case unknownName(kind: String, name: String, known: [String])
    case missingFile(String, String)
    case invalidOption(String)
    case noData(String)

    public var description: String {
        switch self {
        case .unknownName(let kind, let name, let known):
            return "unknown \(kind) '\(name)'; known: \(known.joined(separator: ", "))"
        case .missingFile(let path, let what): return "\(path): missing \(what)"
        case .invalidOption(let s): return s
        case .noData(let s): return "no training data: \(s)"
        }
    }

    public var errorDescription: String? { description }
}
