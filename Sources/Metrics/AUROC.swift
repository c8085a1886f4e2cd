/// Running area under the ROC curve over a descending threshold sweep (trapezoid rule, exact for ties:
/// a tied group moves TPR and FPR together, i.e. a diagonal segment, as scikit-learn's `roc_auc_score`).
struct AUROCSweep {
    private var twiceArea: Double = 0   // in units of (anomalous count x normal count)
    private var lastTP = 0
    private var lastFP = 0

    @inline(__always)
    mutating func step(tp: Int, fp: Int) {
        twiceArea += Double(fp - lastFP) * Double(tp + lastTP)
        lastTP = tp
        lastFP = fp
    }

    /// The area, given the totals (the sweep must have reached the lowest score).
    func value(anomalous: Int, normal: Int) -> Double {
        twiceArea / (2 * Double(anomalous) * Double(normal))
    }
}

extension ClassificationMetrics {
    /// Area under the ROC curve, equal to scikit-learn's `roc_auc_score(labels, scores)`.
    ///
    /// - Parameters:
    ///   - scores: one score per sample, larger = more anomalous; NaN is rejected.
    ///   - labels: `true` = anomalous, same count as `scores`.
    /// - Throws: ``MetricError/singleClass(metric:anomalous:normal:)`` unless both classes occur.
    public static func auroc(scores: [Double], labels: [Bool]) throws -> Double {
        let (anomalous, normal) = try ThresholdSweep.validate(scores: scores, labels: labels, metric: "AUROC")
        guard anomalous > 0 && normal > 0 else {
            throw MetricError.singleClass(metric: "AUROC", anomalous: anomalous, normal: normal)
        }
        var sweep = AUROCSweep()
        ThresholdSweep.run(scores: scores, labels: labels) { _, tp, fp in sweep.step(tp: tp, fp: fp) }
        return sweep.value(anomalous: anomalous, normal: normal)
    }
}
