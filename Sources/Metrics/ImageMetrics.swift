/// Image-level metrics of one category: AUROC, average precision and F1-max from one sweep.
public struct ImageMetrics: Codable, Equatable, Sendable {
    /// Area under the ROC curve (scikit-learn `roc_auc_score`).
    public var auroc: Double
    /// Average precision (scikit-learn `average_precision_score`, step-wise).
    public var averagePrecision: Double
    /// F1-max from the precision-recall curve, with its threshold.
    public var f1Max: F1Max
    /// Number of anomalous samples.
    public var anomalous: Int
    /// Number of normal samples.
    public var normal: Int

    /// Computes all three metrics with one sort of the scores.
    ///
    /// - Parameters:
    ///   - scores: image scores, larger = more anomalous; NaN is rejected.
    ///   - labels: `true` = anomalous, one per score.
    /// - Throws: ``MetricError/singleClass(metric:anomalous:normal:)`` unless both classes occur (AUROC needs
    ///   them); use the single-metric functions of ``ClassificationMetrics`` for one-class sets.
    public static func compute(scores: [Double], labels: [Bool]) throws -> ImageMetrics {
        let (anomalous, normal) = try ThresholdSweep.validate(scores: scores, labels: labels, metric: "image metrics")
        guard anomalous > 0 && normal > 0 else {
            throw MetricError.singleClass(metric: "image metrics", anomalous: anomalous, normal: normal)
        }
        var roc = AUROCSweep()
        var ap = AveragePrecisionSweep()
        var f1 = F1MaxSweep(anomalous: anomalous)
        ThresholdSweep.run(scores: scores, labels: labels) { t, tp, fp in
            roc.step(tp: tp, fp: fp)
            ap.step(tp: tp, fp: fp)
            f1.step(threshold: t, tp: tp, fp: fp)
        }
        return ImageMetrics(auroc: roc.value(anomalous: anomalous, normal: normal),
                            averagePrecision: ap.value(anomalous: anomalous), f1Max: f1.result,
                            anomalous: anomalous, normal: normal)
    }

    /// `Float` convenience for ``compute(scores:labels:)``.
    public static func compute(scores: [Float], labels: [Bool]) throws -> ImageMetrics {
        try compute(scores: scores.map(Double.init), labels: labels)
    }
}
