import Backbones
import Foundation
import Imaging
import Tensor

/// One image's backbone tokens at one scale: L2-normalised patch tokens `[N, C]` per tapped layer.
public struct ScaleFeatures: @unchecked Sendable {
    public var frame: ScaleFrame
    /// Layer (1-based block) -> `[rows * cols, C]`, rows of unit length.
    public var layers: [Int: Tensor]
    public var grid: (Int, Int) { frame.grid }
    public var patchCount: Int { frame.grid.0 * frame.grid.1 }

    public func tokens(_ layer: Int) -> Tensor {
        guard let t = layers[layer] else { fatalError("ScaleFeatures: layer \(layer) was not extracted") }
        return t
    }
}

/// Everything the evidence channels read of one image: its features at every scale the recipe needs.
public struct ImageFeatures: @unchecked Sendable {
    public var width: Int, height: Int
    public var scales: [Int: ScaleFeatures]

    public func at(_ scale: Int) -> ScaleFeatures {
        guard let s = scales[scale] else { fatalError("ImageFeatures: scale \(scale) was not extracted") }
        return s
    }

    /// Bytes held.
    public var byteCount: Int { scales.values.reduce(0) { $0 + $1.layers.values.reduce(0) { $0 + $1.count * 4 } } }
}

/// Runs the frozen backbone at the scales and layers a recipe needs (no graph, bounded batches).
public final class MultiScaleExtractor: @unchecked Sendable {
    public let backbone: Backbone
    /// Images per backbone call.
    public var batchSize: Int
    /// Counts backbone forward passes (one per image per scale), for tests and progress.
    public private(set) var passCount = 0
    private let lock = NSLock()

    public init(backbone: Backbone, batchSize: Int = 4) {
        self.backbone = backbone
        self.batchSize = batchSize
    }

    /// Features of `images` at `layersByScale` (scale -> layers). Images of the same size share batches.
    public func features(_ images: [Image8], layersByScale: [Int: [Int]]) throws -> [ImageFeatures] {
        var out = images.map { ImageFeatures(width: $0.width, height: $0.height, scales: [:]) }
        for (scale, layers) in layersByScale.sorted(by: { $0.key < $1.key }) {
            // Group by original size so one frame (and one batch shape) serves a group.
            var groups: [String: [Int]] = [:]
            for (i, im) in images.enumerated() { groups["\(im.width)x\(im.height)", default: []].append(i) }
            for key in groups.keys.sorted() {
                let members = groups[key]!
                let first = images[members[0]]
                let frame = ScaleFrame(width: first.width, height: first.height, scale: scale, patchSize: backbone.patchSize)
                var start = 0
                while start < members.count {
                    let chunk = Array(members[start..<min(start + max(batchSize, 1), members.count)])
                    start += chunk.count
                    let batch = Tensor.stack(chunk.map { frame.prepare(images[$0]).toTensor(mean: backbone.mean, std: backbone.std) }, axis: 0)
                    let (tokens, _) = try noGrad { try backbone.features(images: batch, layers: layers) }
                    lock.lock(); passCount += chunk.count; lock.unlock()
                    for (j, i) in chunk.enumerated() {
                        var dict: [Int: Tensor] = [:]
                        for (li, l) in layers.enumerated() {
                            dict[l] = noGrad { tokens[li].selecting(axis: 0, index: j).l2Normalized(axis: -1).contiguous() }
                        }
                        out[i].scales[scale] = ScaleFeatures(frame: frame, layers: dict)
                    }
                }
            }
        }
        return out
    }
}
