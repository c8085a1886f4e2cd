/// Walks the distinct thresholds of a labelled score set from the highest score down.
///
/// At each distinct score `t` (tied scores form one step) it reports the cumulative counts
/// `tp = #{anomalous with score >= t}` and `fp = #{normal with score >= t}`: exactly the operating points of
/// scikit-learn's `roc_curve` / `precision_recall_curve` (before their point dropping, which does not change
/// the areas).
enum ThresholdSweep {
    /// Validates `scores`/`labels` and returns the anomalous and normal counts.
    static func validate(scores: [Double], labels: [Bool], metric: String) throws -> (anomalous: Int, normal: Int) {
        guard scores.count == labels.count else {
            throw MetricError.lengthMismatch(scores: scores.count, labels: labels.count)
        }
        guard !scores.isEmpty else { throw MetricError.empty(metric: metric) }
        if let bad = scores.firstIndex(where: { $0.isNaN }) { throw MetricError.nanScore(index: bad, image: nil) }
        let anomalous = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
        return (anomalous, labels.count - anomalous)
    }

    /// Calls `body(threshold, tp, fp)` once per distinct score, in descending score order.
    /// Inputs must have passed ``validate(scores:labels:metric:)``.
    static func run(scores: [Double], labels: [Bool], _ body: (Double, Int, Int) -> Void) {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var tp = 0
        var fp = 0
        var i = 0
        while i < order.count {
            let threshold = scores[order[i]]
            while i < order.count && scores[order[i]] == threshold {
                if labels[order[i]] { tp += 1 } else { fp += 1 }
                i += 1
            }
            body(threshold, tp, fp)
        }
    }
}

/// Namespace for the classification metrics on labelled scores (image level, or any score/label list).
///
/// Convention everywhere: larger score = more anomalous; label `true` = anomalous.
public enum ClassificationMetrics {}
