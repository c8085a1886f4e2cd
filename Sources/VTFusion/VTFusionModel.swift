import Foundation
import NN
import Tensor

/// The VTFusion head: adapters, reference branch, fusion blocks, segmentation net and image score head,
/// working on frozen backbone features (``FeatureSet``) and prompt embeddings (``TextEmbeddings``).
///
/// ```swift
/// let model = try VTFusionModel(config: config, seed: 0)
/// let refs = model.referenceMemory(from: referenceFeatures)          // k normal images
/// let out = model(queryFeatures, text: text, references: refs)     // HeadOutput
/// ```
public final class VTFusionModel {
    public let config: VTFusionConfig
    let network: VTFusionNetwork

    /// A freshly initialised head (PyTorch-style uniform init from `seed`).
    public init(config: VTFusionConfig, seed: UInt64 = 0) throws {
        try config.validate()
        self.config = config
        var rng = SeededRandom(seed: seed)
        network = VTFusionNetwork(config: config, rng: &rng)
    }

    /// Runs the head. Records the graph unless called inside `noGrad`.
    ///
    /// - Parameters:
    ///   - features: query features, `B` images.
    ///   - text: prompt embeddings (`nil` or the text ablation switch: no text branch).
    ///   - references: k-shot memory (`nil`, `k = 0` or the reference ablation switch: no reference branch).
    public func callAsFunction(_ features: FeatureSet, text: TextEmbeddings?, references: ReferenceMemory?) -> HeadOutput {
        network.forward(features, text: text, references: references)
    }

    /// Builds the reference memory from the features of k normal images: the adapted, normalised patch
    /// features of every layer, `[k * N * augmentations, D]` each. Differentiable (used in training).
    ///
    /// - Parameter augment: add token-grid rotations/flips (see ``ReferenceMemory/augmentGrid(_:grid:)``).
    public func referenceMemory(from features: FeatureSet, augment: Bool = false, object: String? = nil) -> ReferenceMemory {
        let layers = features.patches.enumerated().map { (l, p) -> Tensor in
            let x = augment ? ReferenceMemory.augmentGrid(p, grid: features.grid) : p
            let f = network.imageAdapter.patches(x, layer: l)
            return f.reshaped([-1, config.jointWidth])
        }
        let raw = noGrad { features.patches.map { $0.detached().reshaped([-1, $0.shape[2]]).l2Normalized(axis: -1).contiguous() } }
        return ReferenceMemory(layers: layers, raw: raw, objectName: object)
    }

    /// Trainable parameters with their PyTorch-style keys, in declaration order.
    public func namedParameters() -> [(String, Tensor)] { network.namedParameters() }

    /// Number of parameter elements.
    public var parameterCount: Int { network.parameterCount }

    /// Live parameter tensors by key.
    public func stateDict() -> [String: Tensor] { network.stateDict() }

    /// Copies `stateDict` into the parameters; throws naming missing/unexpected keys or a shape mismatch.
    public func load(stateDict: [String: Tensor], strict: Bool = true) throws {
        try network.load(stateDict: stateDict, strict: strict)
        // (NN's loader validates every key and shape before writing anything.)
    }

    /// Drops every parameter's gradient.
    public func zeroGrad() { for p in network.parameters() { p.grad = nil } }
}
