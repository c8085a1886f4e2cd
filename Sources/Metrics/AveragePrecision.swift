/// Running average precision, scikit-learn's step-wise definition (no interpolation, no trapezoid):
/// `AP = sum_n (R_n - R_{n-1}) * P_n` over the distinct thresholds in descending order.
struct AveragePrecisionSweep {
    private var sum: Double = 0
    private var lastTP = 0

    @inline(__always)
    mutating func step(tp: Int, fp: Int) {
        if tp != lastTP {
            sum += Double(tp - lastTP) * (Double(tp) / Double(tp + fp))
            lastTP = tp
        }
    }

    func value(anomalous: Int) -> Double { sum / Double(anomalous) }
}

extension ClassificationMetrics {
    /// Average precision, equal to scikit-learn's `average_precision_score(labels, scores)`.
    ///
    /// - Throws: ``MetricError/singleClass(metric:anomalous:normal:)`` when no sample is anomalous (with no
    ///   normal samples the result is 1).
    public static func averagePrecision(scores: [Double], labels: [Bool]) throws -> Double {
        let (anomalous, normal) = try ThresholdSweep.validate(scores: scores, labels: labels, metric: "average precision")
        guard anomalous > 0 else {
            throw MetricError.singleClass(metric: "average precision", anomalous: anomalous, normal: normal)
        }
        var sweep = AveragePrecisionSweep()
        ThresholdSweep.run(scores: scores, labels: labels) { _, tp, fp in sweep.step(tp: tp, fp: fp) }
        return sweep.value(anomalous: anomalous)
    }
}
