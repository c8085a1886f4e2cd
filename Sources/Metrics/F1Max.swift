/// The best F1 score over the precision-recall curve and the operating point that reaches it.
///
/// Decision rule: a sample is predicted anomalous when `score >= threshold`.
public struct F1Max: Codable, Equatable, Sendable {
    /// Maximum of `2 P R / (P + R)` over all distinct thresholds (0 where `P + R = 0`).
    public var value: Double
    /// The score threshold reaching ``value``; among thresholds with the same F1, the highest.
    public var threshold: Double
    /// Precision at ``threshold``.
    public var precision: Double
    /// Recall at ``threshold``.
    public var recall: Double

    public init(value: Double, threshold: Double, precision: Double, recall: Double) {
        self.value = value
        self.threshold = threshold
        self.precision = precision
        self.recall = recall
    }
}

/// Running F1-max over a descending threshold sweep. `F1 = 2 tp / (tp + fp + anomalous)`, the same value as
/// `2 P R / (P + R)` from `precision_recall_curve` without dividing by zero.
struct F1MaxSweep {
    let anomalous: Int
    private var bestNumerator = -1   // 2 tp at the best point; compared as fractions, exactly
    private var bestDenominator = 1
    private var bestThreshold = Double.nan
    private var bestTP = 0
    private var bestFP = 0

    init(anomalous: Int) { self.anomalous = anomalous }

    @inline(__always)
    mutating func step(threshold: Double, tp: Int, fp: Int) {
        let numerator = 2 * tp
        let denominator = tp + fp + anomalous
        // numerator / denominator > best ?  (exact integer comparison; values stay far below 2^63)
        if numerator.multipliedFullWidth(by: bestDenominator) > bestNumerator.multipliedFullWidth(by: denominator) {
            bestNumerator = numerator
            bestDenominator = denominator
            bestThreshold = threshold
            bestTP = tp
            bestFP = fp
        }
    }

    var result: F1Max {
        F1Max(value: Double(bestNumerator) / Double(bestDenominator), threshold: bestThreshold,
              precision: Double(bestTP) / Double(bestTP + bestFP), recall: Double(bestTP) / Double(anomalous))
    }
}

extension ClassificationMetrics {
    /// F1-max from the precision-recall curve (scikit-learn's `precision_recall_curve`), with its threshold.
    ///
    /// - Throws: ``MetricError/singleClass(metric:anomalous:normal:)`` when no sample is anomalous.
    public static func f1Max(scores: [Double], labels: [Bool]) throws -> F1Max {
        let (anomalous, normal) = try ThresholdSweep.validate(scores: scores, labels: labels, metric: "F1-max")
        guard anomalous > 0 else { throw MetricError.singleClass(metric: "F1-max", anomalous: anomalous, normal: normal) }
        var sweep = F1MaxSweep(anomalous: anomalous)
        ThresholdSweep.run(scores: scores, labels: labels) { t, tp, fp in sweep.step(threshold: t, tp: tp, fp: fp) }
        return sweep.result
    }
}
