import Foundation

/// What the user asks of decisions: a target false-alarm rate and one sensitivity knob.
public struct DecisionRule: Codable, Sendable, Equatable {
    /// Target fraction of good parts flagged (`--threshold-far`, default 1 %).
    public var targetFalseAlarmRate: Double
    /// 0...1, default 0.5. Moves the target by a factor of 10 either way on a log scale: 1 flags ten times
    /// more good parts (and catches more defects), 0 ten times fewer.
    public var sensitivity: Double

    public init(targetFalseAlarmRate: Double = 0.01, sensitivity: Double = 0.5) {
        self.targetFalseAlarmRate = targetFalseAlarmRate
        self.sensitivity = sensitivity
    }

    /// The false-alarm rate the decision is made at: `target * 10^(2 * (sensitivity - 0.5))`, at most 0.5.
    public var effectiveRate: Double { min(0.5, targetFalseAlarmRate * pow(10, 2 * (sensitivity - 0.5))) }

    public func validate() throws {
        guard targetFalseAlarmRate > 0 && targetFalseAlarmRate < 0.5 else {
            throw ReferenceThresholdError.invalidArgument("threshold-far: the target false-alarm rate must be in (0, 0.5), got \(targetFalseAlarmRate)")
        }
        guard (0...1).contains(sensitivity) else {
            throw ReferenceThresholdError.invalidArgument("sensitivity must be in [0, 1], got \(sensitivity)")
        }
    }
}

/// How a good part's score is distributed relative to its profile's own calibration, learned on auxiliary
/// categories (never on the categories a result is reported for): sorted standardised scores `u` of good
/// test images, for one number of references.
public struct DecisionTail: Codable, Sendable, Equatable {
    /// Number of references the samples were drawn with.
    public var referenceCount: Int
    /// Sorted standardised scores of good test images.
    public var samples: [Double]
    /// The same samples split by the category they came from (each sorted), when the tail is the worst
    /// category's (``exceedance(_:)``); `nil` in files written before categories were kept.
    public var categories: [[Double]]?

    public init(referenceCount: Int, samples: [Double]) {
        self.referenceCount = referenceCount
        self.samples = samples.sorted()
        self.categories = nil
    }

    /// A tail from samples grouped by category: the pooled samples and each category's.
    public init(referenceCount: Int, samplesByCategory groups: [[Double]]) {
        self.referenceCount = referenceCount
        self.samples = groups.flatMap { $0 }.sorted()
        let kept = groups.filter { $0.count >= Self.minimumCategorySamples }.map { $0.sorted() }
        self.categories = kept.isEmpty ? nil : kept
    }

    /// Fewest samples a category needs for its own tail.
    public static let minimumCategorySamples = 10

    /// Estimated probability that a good part's standardised score is at least `u`. With categories, the
    /// largest estimate over the pooled samples and every category's own: a new product's good parts are
    /// assumed to spread like the worst auxiliary category's, not like their average (the pooled tail alone
    /// kept the promise on the auxiliary categories it was fitted on but not on new ones).
    public func exceedance(_ u: Double) -> Double {
        var p = Self.exceedance(u, sorted: samples)
        for c in categories ?? [] { p = max(p, Self.exceedance(u, sorted: c)) }
        return p
    }

    /// One sample set's estimate: the empirical exceedance `(1 + #{samples >= u}) / (n + 1)` (conformal)
    /// inside the samples; beyond the top `m` samples an exponential tail with the mean excess of those
    /// samples, so rates below `1 / (n + 1)` can be estimated.
    static func exceedance(_ u: Double, sorted samples: [Double]) -> Double {
        let n = samples.count
        guard n > 0 else { return 1 }
        let m = max(5, n / 20)
        let anchorIndex = max(0, n - m)
        let anchor = samples[anchorIndex]
        if u <= anchor {
            let above = n - lowerBound(u, in: samples)
            return Double(1 + above) / Double(n + 1)
        }
        let top = samples[anchorIndex...]
        let excess = max(top.map { $0 - anchor }.reduce(0, +) / Double(top.count), 1e-6)
        return Double(1 + (n - anchorIndex)) / Double(n + 1) * exp(-(u - anchor) / excess)
    }

    private static func lowerBound(_ u: Double, in samples: [Double]) -> Int {
        var lo = 0, hi = samples.count
        while lo < hi { let mid = (lo + hi) / 2; if samples[mid] < u { lo = mid + 1 } else { hi = mid } }
        return lo
    }
}

/// The tails of one recipe on one backbone, per number of references (``DecisionTail``), with what they
/// were fitted on. Written by `vtfusion eval --fit-decision-tails FILE` on auxiliary categories.
public struct DecisionTails: Codable, Sendable, Equatable {
    public var format = "vtfusion-decision-tails"
    /// Backbone the tails were fitted with (recorded; the recipe must match exactly).
    public var backbone: String
    public var spec: EvidenceSpec
    /// Auxiliary categories and seeds the samples come from.
    public var fittedOn: [String]
    public var seeds: [UInt64]
    public var tails: [DecisionTail]

    public init(backbone: String, spec: EvidenceSpec, fittedOn: [String], seeds: [UInt64], tails: [DecisionTail]) {
        self.backbone = backbone; self.spec = spec; self.fittedOn = fittedOn; self.seeds = seeds
        self.tails = tails.sorted { $0.referenceCount < $1.referenceCount }
    }

    /// The tail for k references: the one fitted with the largest count not above k (the smallest otherwise).
    public func tail(forReferences k: Int) -> DecisionTail? {
        tails.last(where: { $0.referenceCount <= k }) ?? tails.first
    }
}

/// A profile's calibrated decision: the normal calibration scores (each reference left out of the others,
/// and its augmented views; with one reference, the reference and its views scored against themselves
/// outside a window), their location and spread, and the tail that turns a standardised score into an
/// estimated false-alarm rate. `anomalous` means the estimate is below the rule's effective rate, which is
/// the same as `score >= threshold`.
public struct DecisionCalibration: Codable, Sendable, Equatable {
    /// Combined scores of the normal calibration samples.
    public var normalScores: [Double]
    public var location: Double
    /// Standard deviation of the normal scores, at least ``minimumSpread``.
    public var spread: Double
    public var referenceCount: Int
    /// Learned tail (see ``DecisionTail``); `nil` = a Student-t predictive tail from the normal scores alone.
    public var tail: DecisionTail?
    public var rule: DecisionRule
    /// Score at which the estimated false-alarm rate equals the rule's effective rate.
    public var threshold: Double

    /// Smallest spread (combined-score units, where a channel's references spread by about 1).
    public static let minimumSpread = 0.25

    public init(normalScores: [Double], referenceCount: Int, tail: DecisionTail?, rule: DecisionRule) {
        let n = Double(max(normalScores.count, 1))
        let mean = normalScores.reduce(0, +) / n
        let variance = normalScores.count >= 2
            ? normalScores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1) : 0
        self.normalScores = normalScores
        self.location = mean
        self.spread = max(variance.squareRoot(), Self.minimumSpread)
        self.referenceCount = referenceCount
        self.tail = tail
        self.rule = rule
        self.threshold = 0
        self.threshold = score(atFalseAlarmRate: rule.effectiveRate)
    }

    /// `(score - location) / spread`.
    public func standardized(_ score: Double) -> Double { (score - location) / spread }

    /// Estimated fraction of good parts scoring at least `score`: with a learned tail the larger of the
    /// tail's and the Student-t estimate (chosen on auxiliary categories, leave-category-out: the learned
    /// tail alone broke the 1 % promise at k = 1 and 4 there, the Student-t alone at k = 1; the larger of the
    /// two kept k = 2 and 4 within target), else the Student-t estimate.
    public func falseAlarmRate(_ score: Double) -> Double {
        let t = studentTFalseAlarmRate(score)
        guard let tail else { return t }
        return max(t, min(1, tail.exceedance(standardized(score))))
    }

    /// The predictive Student-t tail of the profile's own normal samples: `P(T >= u / sqrt(1 + 1/n))` with
    /// n - 1 degrees of freedom (at least 1).
    public func studentTFalseAlarmRate(_ score: Double) -> Double {
        let n = Double(max(normalScores.count, 1))
        return StudentT.survival(standardized(score) / (1 + 1 / n).squareRoot(), degreesOfFreedom: max(n - 1, 1))
    }

    /// The score whose estimated false-alarm rate is `rate` (bisection; the estimate falls with the score).
    public func score(atFalseAlarmRate rate: Double) -> Double {
        var lo = location - spread, hi = location + spread
        while falseAlarmRate(hi) > rate && hi - location < 1e6 * spread { hi = location + 2 * (hi - location) }
        while falseAlarmRate(lo) <= rate && location - lo < 1e6 * spread { lo = location - 2 * (location - lo) }
        for _ in 0..<100 {
            let mid = (lo + hi) / 2
            if falseAlarmRate(mid) > rate { lo = mid } else { hi = mid }
        }
        return hi
    }

    /// A 0...1 score with the decision at 0.5 (the convention of anomalib's normalised scores):
    /// `0.5 * log(far) / log(rate)`, clamped, so a good part's typical score (far about 0.5) reads near 0,
    /// the threshold 0.5, and a score whose false-alarm estimate is the rate squared reads 1.
    public func normalized(_ score: Double) -> Double {
        let far = max(falseAlarmRate(score), 1e-300)
        return min(1, max(0, 0.5 * log(far) / log(rule.effectiveRate)))
    }
}

/// The Student-t distribution's upper tail.
enum StudentT {
    /// P(T >= t) for `degreesOfFreedom` nu.
    static func survival(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        let x = nu / (nu + t * t)
        let half = 0.5 * IncompleteBeta.regularized(x, a: nu / 2, b: 0.5)
        return t >= 0 ? half : 1 - half
    }
}

/// The regularised incomplete beta function I_x(a, b) (continued fraction, modified Lentz).
enum IncompleteBeta {
    static func regularized(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let gammas: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let powers: Double = a * log(x) + b * log(1 - x)
        let lnFront = gammas + powers
        if x > (a + 1) / (a + b + 2) { return 1 - exp(lnFront) * fraction(1 - x, a: b, b: a) / b }
        return exp(lnFront) * fraction(x, a: a, b: b) / a
    }

    private static func fraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...300 {
            let m2 = Double(2 * m), md = Double(m)
            let evenDen: Double = (a + m2 - 1) * (a + m2)
            var num: Double = md * (b - md) * x / evenDen
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d; h *= d * c
            let oddDen: Double = (a + m2) * (a + m2 + 1)
            num = -(a + md) * (a + b + md) * x / oddDen
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-12 { break }
        }
        return h
    }
}
