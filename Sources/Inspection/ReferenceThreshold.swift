import Foundation

/// Errors from setting a threshold without labelled data.
public enum ReferenceThresholdError: Error, LocalizedError, CustomStringConvertible, Equatable {
    /// No reference images.
    case noReferences
    /// One reference and no synthetic anomalies: there is no score a normal image would get.
    case oneReferenceWithoutSynthetic
    /// A score was NaN or infinite.
    case nonFiniteScore(what: String, index: Int)
    /// A rule parameter is out of range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .noReferences:
            return "no reference images: a threshold from references needs at least one (or give --threshold VALUE)"
        case .oneReferenceWithoutSynthetic:
            return "one reference image cannot be scored leave-one-out; add a second reference, enable synthetic "
                + "anomalies, or give --threshold VALUE"
        case .nonFiniteScore(let what, let i): return "\(what) score \(i) is not a finite number"
        case .invalidArgument(let m): return m
        }
    }

    public var errorDescription: String? { description }
}

/// A decision threshold from the k normal reference images alone (no labelled data).
///
/// **Normal scores.** With k >= 2 each reference `i` is scored *leave-one-out*: against the other k - 1
/// references, as a new good part would be scored against all k. With k = 1 no leave-one-out is possible:
/// the reference is scored against itself (an optimistic, too-low normal score), and synthetic anomalies
/// are then required to place the threshold (see below).
///
/// **Rule.** Let `n` be the number of normal scores and `r` the target false-alarm rate.
/// - If `floor(r * n) >= 1` (at least `1 / r` references, e.g. 100 for 1%), the empirical rule
///   ``Thresholds/forFalseAlarmRate(_:normalScores:)``: the lowest threshold flagging at most `r * n` of them.
/// - Otherwise (the few-shot case) the empirical quantile would be the maximum itself, which a new good part
///   exceeds with probability about `1 / (n + 1)`; the threshold is
///   `max + margin * spread` with `spread = max(max - min, 0.05 * |max|, 1e-6)` (default `margin` 0.5).
///   The margin is additive rather than a multiple of the maximum because scores may be probabilities near
///   1, where `max * (1 + m)` would exceed every possible score.
/// - **Synthetic anomalies** (optional; required for k = 1): synthetic defects pasted into the references and
///   scored against all references. When their median `A` is above the normal maximum `M`, the threshold is
///   capped at the midpoint `(M + A) / 2`, so a margin larger than the gap to real defects cannot hide them;
///   for k = 1 the threshold *is* that midpoint. The fraction of synthetic anomalies flagged is recorded.
///   When `A <= M` the synthetic anomalies are not separated from normal scores and are only reported.
///
/// The result is a ``ThresholdChoice`` whose `description` states the rule and numbers. With a labelled
/// validation set use ``f1Optimal(scores:labels:)`` instead.
public struct ReferenceThreshold: Sendable, Equatable {
    /// Target fraction of good parts flagged (default 1%).
    public var targetFalseAlarmRate: Double
    /// Multiplier of the normal scores' spread added to their maximum in the few-shot rule.
    public var margin: Double
    /// The few-reference rule's threshold is at least this (scores in calibrated units, where a spread of
    /// the references' own scores is 1, ask for a few spreads); `nil` = no floor.
    public var floor: Double?

    public init(targetFalseAlarmRate: Double = 0.01, margin: Double = 0.5, floor: Double? = nil) {
        self.targetFalseAlarmRate = targetFalseAlarmRate
        self.margin = margin
        self.floor = floor
    }

    /// Scores the references with the caller's model and chooses the threshold.
    ///
    /// - Parameters:
    ///   - referenceCount: k, the number of reference images (indices `0..<k`).
    ///   - score: the image score of reference `index` against the reference set `references` (indices);
    ///     called k times with the other k - 1 indices (k >= 2), or once as `score(0, [0])` (k = 1).
    ///   - synthetic: scores of synthetic anomalies made from the references and scored against all of them,
    ///     or `nil` to skip them.
    public func estimate(referenceCount k: Int,
                         score: (_ index: Int, _ references: [Int]) throws -> Float,
                         synthetic: (() throws -> [Float])? = nil) throws -> ThresholdChoice {
        guard k >= 1 else { throw ReferenceThresholdError.noReferences }
        if k == 1 && synthetic == nil { throw ReferenceThresholdError.oneReferenceWithoutSynthetic }
        var normals: [Double] = []
        if k == 1 {
            normals = [Double(try score(0, [0]))]
        } else {
            for i in 0..<k { normals.append(Double(try score(i, (0..<k).filter { $0 != i }))) }
        }
        let anomalies = try synthetic.map { try $0().map(Double.init) }
        return try choose(normalScores: normals, syntheticScores: anomalies, selfScored: k == 1)
    }

    /// The rule on precomputed scores (see the type's documentation).
    /// - Parameter selfScored: the single normal score is a reference scored against itself (k = 1).
    public func choose(normalScores: [Double], syntheticScores: [Double]? = nil,
                       selfScored: Bool = false) throws -> ThresholdChoice {
        guard targetFalseAlarmRate >= 0 && targetFalseAlarmRate <= 1 else {
            throw ReferenceThresholdError.invalidArgument("target false-alarm rate must be in [0, 1], got \(targetFalseAlarmRate)")
        }
        guard margin >= 0 && margin.isFinite else {
            throw ReferenceThresholdError.invalidArgument("margin must be a finite number >= 0, got \(margin)")
        }
        guard !normalScores.isEmpty else { throw ReferenceThresholdError.noReferences }
        if let i = normalScores.firstIndex(where: { !$0.isFinite }) { throw ReferenceThresholdError.nonFiniteScore(what: "reference", index: i) }
        let synthetic = syntheticScores ?? []
        if let i = synthetic.firstIndex(where: { !$0.isFinite }) { throw ReferenceThresholdError.nonFiniteScore(what: "synthetic anomaly", index: i) }
        if selfScored && synthetic.isEmpty { throw ReferenceThresholdError.oneReferenceWithoutSynthetic }

        let n = normalScores.count
        let hi = normalScores.max()!, lo = normalScores.min()!
        var choice: ThresholdChoice
        if !selfScored && Int((targetFalseAlarmRate * Double(n) + 1e-9).rounded(.down)) >= 1 {
            choice = try Thresholds.forFalseAlarmRate(targetFalseAlarmRate, normalScores: normalScores)
        } else {
            let spread = Swift.max(hi - lo, 0.05 * abs(hi), 1e-6)
            choice = ThresholdChoice(threshold: hi + margin * spread, method: .referenceMargin, sampleCount: n,
                                     targetFalseAlarmRate: targetFalseAlarmRate, achievedFalseAlarmRate: nil, f1: nil)
            choice.margin = margin
            choice.normalMax = hi
            choice.spread = spread
            choice.selfScored = selfScored
            if let floor, choice.threshold < floor { choice.threshold = floor; choice.floor = floor }
        }
        if !synthetic.isEmpty {
            let median = Self.median(synthetic)
            if median > hi {
                let mid = (hi + median) / 2
                if selfScored || mid < choice.threshold { choice.threshold = mid }
            }
            choice.syntheticCount = synthetic.count
            choice.syntheticMedian = median
            if let f = choice.floor, choice.threshold < f { choice.floor = nil }
            choice.syntheticDetectionRate = Double(synthetic.filter { $0 >= choice.threshold }.count) / Double(synthetic.count)
        }
        if !selfScored {
            choice.achievedFalseAlarmRate = Double(normalScores.filter { $0 >= choice.threshold }.count) / Double(n)
        }
        return choice
    }

    /// A threshold given by the user.
    public static func manual(_ value: Double) -> ThresholdChoice {
        ThresholdChoice(threshold: value, method: .manual, sampleCount: 0,
                        targetFalseAlarmRate: nil, achievedFalseAlarmRate: nil, f1: nil)
    }

    /// Median (mean of the two middle values for an even count).
    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        let m = s.count / 2
        return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
    }
}
