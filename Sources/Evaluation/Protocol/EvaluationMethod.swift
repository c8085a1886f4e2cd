import Backbones
import Foundation
import Inspection
import VTFusion

/// What is evaluated: the trained head, or a training-free baseline on the same backbone features.
public enum EvaluationMethodKind {
    /// A VTFusion head (its references are fitted per (category, k, seed); k = 0 runs zero-shot).
    case vtfusion(LoadedHead)
    /// Reference-only kNN (AnomalyDINO-style): per patch `1 - max cos` to the references' patches, mean over
    /// taps (or the last tap); image score = mean of the top 1% of the patch map. Needs k >= 1.
    case referenceKNN(lastTapOnly: Bool)
    /// Text-only zero-shot (WinCLIP-style) with a CLIP model: `softmax(100 cos(patch, [t_n, t_a]))` on the
    /// projected V-V patch tokens of the last block, image score from the image embedding. Runs at k = 0.
    case textZeroShot(CLIPModel, TextEncoderBundle)
    /// An ``InspectionModel`` (the default evidence fusion, AnomalyDINO, single channels): a profile is built
    /// per (category, k, seed) from the drawn references and the test images are inspected against it. k >= 1.
    case inspection(InspectionModel)
}

/// A named method of an evaluation run.
public struct EvaluationMethod {
    public var name: String
    public var kind: EvaluationMethodKind

    public init(name: String, kind: EvaluationMethodKind) {
        self.name = name
        self.kind = kind
    }

    /// Whether the method runs with `k` references.
    public func applies(toShots k: Int) -> Bool {
        switch kind {
        case .vtfusion: return true
        case .referenceKNN, .inspection: return k >= 1
        case .textZeroShot: return k == 0
        }
    }

    /// A readable name for a trained head: `vtfusion`, or `vtfusion (no text)` etc. for ablated heads.
    public static func name(for config: VTFusionConfig) -> String {
        let a = config.ablation
        var off: [String] = []
        if !a.text { off.append("text") }
        if !a.reference { off.append("reference") }
        if !a.fusion { off.append("fusion") }
        if !a.segmentationNet { off.append("seg-net") }
        if !a.syntheticAnomalies { off.append("synthetic") }
        return off.isEmpty ? "vtfusion" : "vtfusion (no " + off.joined(separator: ", no ") + ")"
    }
}

/// Settings of the evaluation protocol.
public struct ProtocolOptions: Sendable {
    public var shots: [Int] = [0, 1, 2, 4]
    public var seeds: [UInt64] = [0, 1, 2]
    /// Gaussian smoothing of every map at image size (0 = none).
    public var sigma: Float = 4
    /// Fraction of the highest patch distances averaged into the kNN image score.
    public var topFraction: Double = 0.01
    /// Images per head / backbone call.
    public var batchSize = 8
    /// The dataset root, so the k-shot plan records relative paths.
    public var datasetRoot: URL?
    /// Where sample panels go (`<dir>/<method>/<category>_k<k>_<image>.png`), `nil` for none.
    public var panelDirectory: URL?
    /// Sample panels per method and category (from the first seed at the largest k): the highest- and
    /// lowest-scoring anomalous images and the highest-scoring normal one, and so on.
    public var panelsPerCategory = 4
    /// Smallest defect region (pixels of the original image) counted in region-level results, as `detect --min-area`.
    public var minRegionArea = 16
    public init() {}
}
