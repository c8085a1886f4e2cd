/// A decision threshold and how it was chosen. Decision rule: anomalous when `score >= threshold`.
public struct ThresholdChoice: Codable, Equatable, Sendable, CustomStringConvertible {
    /// How the threshold was set.
    public enum Method: String, Codable, Sendable {
        /// From normal scores alone, for a target false-alarm rate.
        case falseAlarmRate
        /// F1-optimal on labelled scores.
        case f1Optimal
        /// Too few normal scores for the empirical false-alarm quantile (fewer than `1 / rate`): the
        /// highest normal score plus ``ThresholdChoice/margin`` times their spread, optionally capped by
        /// synthetic anomalies (earlier releases; still read from old results).
        case referenceMargin
        /// Given by the user (`--threshold VALUE`).
        case manual
        /// From the profile's calibrated decision (``DecisionCalibration``): the score whose estimated
        /// false-alarm rate equals the target.
        case calibrated
    }

    public var threshold: Double
    public var method: Method
    /// Number of scores the threshold was set from.
    public var sampleCount: Int
    /// For ``Method/falseAlarmRate``: the requested rate.
    public var targetFalseAlarmRate: Double?
    /// Fraction of the normal scores at or above the threshold (for both methods when normals were given).
    public var achievedFalseAlarmRate: Double?
    /// For ``Method/f1Optimal``: the F1 reached on the labelled scores.
    public var f1: Double?
    /// For ``Method/referenceMargin``: the margin multiplier and the highest normal score it was added to.
    public var margin: Double? = nil
    public var normalMax: Double? = nil
    /// The spread the margin multiplies (`max - min` of the normal scores, at least 5% of `|max|`).
    public var spread: Double? = nil
    /// `true` when the only normal score is a reference scored against itself (k = 1, no leave-one-out).
    public var selfScored: Bool? = nil
    /// Synthetic anomalies scored (when used): count, median score, and fraction at or above the threshold.
    public var syntheticCount: Int? = nil
    public var syntheticMedian: Double? = nil
    public var syntheticDetectionRate: Double? = nil
    /// For ``Method/referenceMargin``: the floor that raised the threshold, when it did.
    public var floor: Double? = nil
    /// For ``Method/calibrated``: the user's target and sensitivity (``targetFalseAlarmRate`` is the
    /// effective rate), and the good images of auxiliary categories the tail was learned on (0 = Student-t).
    public var requestedFalseAlarmRate: Double? = nil
    public var sensitivity: Double? = nil
    public var tailSamples: Int? = nil
    public var referenceCount: Int? = nil

    /// The threshold of a calibrated decision.
    public static func calibrated(_ d: DecisionCalibration) -> ThresholdChoice {
        var c = ThresholdChoice(threshold: d.threshold, method: .calibrated, sampleCount: d.normalScores.count,
                                targetFalseAlarmRate: d.rule.effectiveRate, achievedFalseAlarmRate: nil, f1: nil)
        c.requestedFalseAlarmRate = d.rule.targetFalseAlarmRate
        c.sensitivity = d.rule.sensitivity
        c.tailSamples = d.tail?.samples.count ?? 0
        c.referenceCount = d.referenceCount
        c.achievedFalseAlarmRate = Double(d.normalScores.filter { $0 >= d.threshold }.count) / Double(max(d.normalScores.count, 1))
        return c
    }

    /// A threshold given by the user.
    public static func manual(_ value: Double) -> ThresholdChoice {
        ThresholdChoice(threshold: value, method: .manual, sampleCount: 0,
                        targetFalseAlarmRate: nil, achievedFalseAlarmRate: nil, f1: nil)
    }

    public init(threshold: Double, method: Method, sampleCount: Int, targetFalseAlarmRate: Double?,
                achievedFalseAlarmRate: Double?, f1: Double?) {
        self.threshold = threshold; self.method = method; self.sampleCount = sampleCount
        self.targetFalseAlarmRate = targetFalseAlarmRate; self.achievedFalseAlarmRate = achievedFalseAlarmRate; self.f1 = f1
    }

    /// One line saying the threshold, the rule that set it and what it achieved.
    public var description: String {
        var text: String
        switch method {
        case .falseAlarmRate:
            let target = targetFalseAlarmRate ?? .nan
            let achieved = achievedFalseAlarmRate ?? .nan
            text = "threshold \(threshold): false-alarm rate \(achieved) on \(sampleCount) normal scores "
                + "(target \(target))"
        case .f1Optimal:
            text = "threshold \(threshold): F1-optimal (F1 \(f1 ?? .nan)) on \(sampleCount) labelled scores"
        case .referenceMargin:
            let basis = selfScored == true
                ? "the single reference scored against itself (\(normalMax ?? .nan))"
                : "the highest of \(sampleCount) leave-one-out reference scores (\(normalMax ?? .nan))"
            text = "threshold \(threshold): \(basis) + margin \(margin ?? .nan) x spread \(spread ?? .nan)"
            if let floor { text += ", raised to the floor \(floor)" }
            if let target = targetFalseAlarmRate {
                text += " (too few references for the empirical \(target) false-alarm quantile)"
            }
        case .manual:
            text = "threshold \(threshold): given by the user"
        case .calibrated:
            let tail = (tailSamples ?? 0) > 0
                ? "a tail learned on \(tailSamples!) good images of auxiliary categories"
                : "a Student-t tail of those samples"
            text = String(format: "threshold %.4g: estimated false-alarm rate %.3g (target %.3g at sensitivity %.2f) from %d normal samples of %d references and %@",
                          threshold, targetFalseAlarmRate ?? .nan, requestedFalseAlarmRate ?? .nan, sensitivity ?? .nan,
                          sampleCount, referenceCount ?? 0, tail)
        }
        if let n = syntheticCount, n > 0 {
            text += "; \(n) synthetic anomalies (median score \(syntheticMedian ?? .nan)), "
                + "\(syntheticDetectionRate ?? .nan) of them flagged"
        }
        return text + "; anomalous when score >= threshold"
    }
}

/// Threshold selection helpers.
public enum Thresholds {
    /// The lowest threshold whose false-alarm rate on `normalScores` does not exceed `rate`.
    ///
    /// With the normal scores sorted descending `s_1 >= ... >= s_n` and `m = floor(rate * n)` alarms allowed,
    /// the threshold is the smallest `Double` above `s_(m+1)` (any lower threshold would flag `s_(m+1)` too).
    /// Ties can make the achieved rate lower than `rate`. With `m >= n` every normal score may alarm and the
    /// threshold is the lowest normal score. Typical use: leave-one-out scores of the k references.
    ///
    /// - Throws: ``ReferenceThresholdError`` for no scores, a NaN score or `rate` outside [0, 1].
    public static func forFalseAlarmRate(_ rate: Double, normalScores: [Double]) throws -> ThresholdChoice {
        guard rate >= 0 && rate <= 1 else {
            throw ReferenceThresholdError.invalidArgument("false-alarm rate must be in [0, 1], got \(rate)")
        }
        guard !normalScores.isEmpty else { throw ReferenceThresholdError.noReferences }
        if let bad = normalScores.firstIndex(where: { $0.isNaN }) { throw ReferenceThresholdError.nonFiniteScore(what: "normal", index: bad) }
        let sorted = normalScores.sorted(by: >)
        let n = sorted.count
        let allowed = Int((rate * Double(n) + 1e-9).rounded(.down))
        let threshold = allowed >= n ? sorted[n - 1] : sorted[allowed].nextUp
        let alarms = sorted.reduce(0) { $0 + ($1 >= threshold ? 1 : 0) }
        return ThresholdChoice(threshold: threshold, method: .falseAlarmRate, sampleCount: n,
                               targetFalseAlarmRate: rate, achievedFalseAlarmRate: Double(alarms) / Double(n), f1: nil)
    }
}
