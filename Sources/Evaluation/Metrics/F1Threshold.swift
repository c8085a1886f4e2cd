import Inspection

extension Thresholds {
    /// The F1-optimal threshold on labelled scores (the threshold of ``ClassificationMetrics/f1Max(scores:labels:)``).
    public static func f1Optimal(scores: [Double], labels: [Bool]) throws -> ThresholdChoice {
        let best = try ClassificationMetrics.f1Max(scores: scores, labels: labels)
        var normals = 0
        var alarms = 0
        for (s, l) in zip(scores, labels) where !l {
            normals += 1
            if s >= best.threshold { alarms += 1 }
        }
        return ThresholdChoice(threshold: best.threshold, method: .f1Optimal, sampleCount: scores.count,
                               targetFalseAlarmRate: nil,
                               achievedFalseAlarmRate: normals > 0 ? Double(alarms) / Double(normals) : nil,
                               f1: best.value)
    }
}
