import Tensor

extension InspectionResult {
    /// Builds a result outside the detector (adapters, other scorers, tests).
    /// - Parameters:
    ///   - score: image anomaly score (higher = more anomalous).
    ///   - map: anomaly map `[H, W]` covering the whole image.
    ///   - branches: optional per-branch maps `[h, w]`.
    public init(score: Float, map: Tensor, branches: [String: Tensor] = [:]) {
        self.score = score
        self.anomalyMap = map
        self.branchMaps = branches
    }
}
