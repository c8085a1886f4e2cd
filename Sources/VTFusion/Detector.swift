import Foundation
import NN
import Tensor

/// The result of inspecting one image.
public struct InspectionResult {
    /// Image anomaly probability in [0, 1].
    public let score: Float
    /// Anomaly probability map `[H, W]` at the configured image size (bilinear from the head's output).
    public let anomalyMap: Tensor
    /// Per-branch maps on the token grid `[h, w]`, averaged over layers, for explanation: `"text"` (text
    /// anomaly probability), `"reference"` (nearest-reference distance), `"fused"` (fused probability).
    /// A branch that is off or has no input is absent.
    public let branchMaps: [String: Tensor]
}

/// Inference: a trained head plus its text side and an optional k-shot reference memory.
///
/// Two phases: ``fitReferences(_:augment:object:)`` (optional: without it the detector runs zero-shot),
/// then ``inspect(_:batchSize:)``. No graph is recorded; memory is bounded by `batchSize`.
public final class Detector {
    public let model: VTFusionModel
    /// Prompt embeddings (before the text adapter), or `nil` to run without the text branch.
    public var text: TextEmbeddings?
    /// The k-shot memory, once fitted or loaded.
    public var references: ReferenceMemory?

    public init(model: VTFusionModel, text: TextEmbeddings?) {
        self.model = model
        self.text = text
    }

    /// Builds a detector from a checkpoint directory; the text side comes from `encoder` with the
    /// checkpoint's prompt ensemble for `object`, or from stored `text.normal` / `text.abnormal` tensors
    /// (learned prompts) when the checkpoint holds them.
    public convenience init(checkpoint directory: URL, backboneSHA256: String? = nil,
                            encoder: PromptEncoder?, object: String? = nil) throws {
        let c = try Checkpoint.load(from: directory, backboneSHA256: backboneSHA256)
        let model = try VTFusionModel(config: c.config)
        let keys = Set(model.namedParameters().map(\.0))
        let weights = directory.appendingPathComponent(Checkpoint.weightsFile).path
        try StrictLoadError.naming(weights) { try model.load(stateDict: c.parameters.filter { keys.contains($0.key) }) }
        var text: TextEmbeddings? = nil
        if let n = c.parameters["text.normal"], let a = c.parameters["text.abnormal"] {
            text = TextEmbeddings(normal: n, abnormal: a)
        } else if let encoder {
            guard encoder.width == c.config.textWidth else {
                throw VTFusionError.invalidConfig("text encoder width \(encoder.width) != text_width \(c.config.textWidth)")
            }
            text = try TextEmbeddings.encode(c.config.prompts, object: object, with: encoder)
        }
        self.init(model: model, text: text)
    }

    /// Fits the reference memory from the features of k normal images (replacing any previous one).
    public func fitReferences(_ features: FeatureSet, augment: Bool = false, object: String? = nil) {
        references = noGrad { model.referenceMemory(from: features, augment: augment, object: object) }
    }

    /// Loads a reference memory saved with ``ReferenceMemory/save(to:)``, checking it fits the model.
    public func loadReferences(from url: URL) throws {
        let r = try ReferenceMemory.load(from: url)
        guard r.layers.count == model.config.layerWidths.count,
              r.layers.allSatisfy({ $0.shape[1] == model.config.jointWidth }) else {
            throw VTFusionError.referenceMismatch("\(r.layers.count) layers of width \(r.layers.first?.shape[1] ?? 0); "
                + "expected \(model.config.layerWidths.count) of width \(model.config.jointWidth)")
        }
        references = r
    }

    /// Scores a batch of images' features, `batchSize` images at a time.
    public func inspect(_ features: FeatureSet, batchSize: Int = 8) -> [InspectionResult] {
        let size = (model.config.imageSize[0], model.config.imageSize[1])
        var results: [InspectionResult] = []
        var start = 0
        while start < features.batchSize {
            let end = min(start + max(batchSize, 1), features.batchSize)
            let chunk = features.slice(start..<end)
            noGrad {
                let out = model(chunk, text: text, references: references)
                let b = end - start
                let prob = out.anomalyProbability
                let full = prob.reshaped([b, 1, prob.shape[1], prob.shape[2]]).upsampleBilinear(size: size, alignCorners: false)
                let scores = out.imageProbability.scalars
                let (h, w) = features.grid
                func layerMean(_ maps: [Tensor], _ f: (Tensor) -> Tensor) -> Tensor? {
                    maps.isEmpty ? nil : Tensor.stack(maps.map(f), axis: 0).mean(axis: 0).reshaped([b, h, w])
                }
                let text = layerMean(out.textLogits) { $0.sigmoid() }
                let reference = layerMean(out.referenceDistances) { $0 }
                let fused = layerMean(out.fusedLogits) { $0.sigmoid() }
                for i in 0..<b {
                    var maps: [String: Tensor] = [:]
                    if let text { maps["text"] = text.selecting(axis: 0, index: i).contiguous() }
                    if let reference { maps["reference"] = reference.selecting(axis: 0, index: i).contiguous() }
                    if let fused { maps["fused"] = fused.selecting(axis: 0, index: i).contiguous() }
                    results.append(InspectionResult(score: scores[i],
                                                    anomalyMap: full.selecting(axis: 0, index: i).squeezed(0).contiguous(),
                                                    branchMaps: maps))
                }
            }
            start = end
        }
        return results
    }
}
