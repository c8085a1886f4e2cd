import Foundation
import Tensor

/// Raw evidence of one image against a profile's references: one value per channel, and per (scale,
/// layer) the patch distances the map is drawn from.
public struct RawEvidence: Sendable {
    public var values: [Double]
    /// `"scale/layer"` -> per patch `1 - max cos` (row-major over that scale's grid).
    public var patchDistances: [String: [Float]]
}

/// The reference side every evidence channel reads: per (scale, layer) the banks of each reference
/// (all views) and the feature statistics of each reference.
public struct ReferenceSet: @unchecked Sendable {
    /// `"scale/layer"` -> one bank `[V * N, C]` per reference.
    public var banks: [String: [Tensor]]
    /// `"scale/layer"` -> one statistics per reference.
    public var statistics: [String: [FeatureStatistics]]
    public var count: Int
    /// Whether every image is scored on its zero-shot foreground only (``EvidenceSpec/foregroundMask``,
    /// decided once per profile).
    public var masked: Bool = false

    public static func key(_ scale: Int, _ layer: Int) -> String { "\(scale)/\(layer)" }

    /// The references' mean patch token at (scale, layer) `[C]`, when the profile keeps their statistics there.
    public func meanToken(scale: Int, layer: Int) -> Tensor? {
        guard let stats = statistics[Self.key(scale, layer)], !stats.isEmpty else { return nil }
        return noGrad { Tensor.stack(stats.map(\.mean), axis: 0).mean(axis: 0).contiguous() }
    }

    /// The foreground mask of `s` (from its deepest extracted layer), or `nil` (no mask, or grid too small).
    static func mask(_ s: ScaleFeatures) -> [Bool]? {
        ForegroundMask.estimate(s.tokens(s.layers.keys.max()!), grid: s.grid)
    }

    /// What an image is compared with.
    enum Comparison: Equatable {
        /// The references (every view), leaving reference `excluding` out when set (leave-one-out calibration).
        case references(excluding: Int?)
        /// The image against itself outside a window (``SingleReferenceCalibration/selfWindow``, k = 1).
        case selfWindow
        /// Each half of the image against the other (``SingleReferenceCalibration/halves``, k = 1).
        case halves(topBottom: Bool)

        /// How the single reference of a one-reference profile is scored under `spec`: one comparison per sample.
        static func singleReference(_ spec: EvidenceSpec) -> [Comparison] {
            spec.singleReference == .halves ? [.halves(topBottom: false), .halves(topBottom: true)] : [.selfWindow]
        }
    }

    /// `source`'s features at `scale` when they lie on the same grid as `s`.
    static func sameGrid(_ source: ImageFeatures?, _ s: ScaleFeatures, scale: Int) -> ScaleFeatures? {
        guard let o = source?.at(scale), o.grid == s.grid else { return nil }
        return o
    }

    /// The evidence of `image` under `comparison` (by default against every reference). With `source` (an image
    /// on the same grids that `image` was made from), the one-reference comparisons read `source` where they
    /// would read the image itself: each patch against the source's patches outside its window, each half
    /// against the source's other half, so the untouched parts of a copy score as the source's own sample does.
    func evidence(_ image: ImageFeatures, spec: EvidenceSpec, comparison: Comparison = .references(excluding: nil),
                  source: ImageFeatures? = nil) -> RawEvidence {
        var distances: [String: [Float]] = [:], unmasked: [String: [Float]] = [:]
        var masks: [Int: [Bool]?] = [:]
        func mask(_ scale: Int) -> [Bool]? {
            guard masked else { return nil }
            if let m = masks[scale] { return m }
            let m = Self.mask(image.at(scale))
            masks[scale] = m
            return m
        }
        // With the patch-maps scope, the whole-image channels (mean distance, statistics) read every patch.
        let wholeImageGlobals = spec.foregroundScope == .patchMaps
        var values: [Double] = []
        for c in spec.channels {
            let key = Self.key(c.scale, c.layer)
            let s = image.at(c.scale)
            let fg = mask(c.scale)
            switch c.kind {
            case .patchKNN, .meanKNN:
                if distances[key] == nil {
                    let tokens = s.tokens(c.layer)
                    let other = Self.sameGrid(source, s, scale: c.scale)?.tokens(c.layer) ?? tokens
                    var d: [Float]
                    switch comparison {
                    case .selfWindow: d = NearestNeighbours.windowDistances(tokens, against: other, grid: s.grid)
                    case .halves(let topBottom): d = NearestNeighbours.splitDistances(tokens, other: other, grid: s.grid, topBottom: topBottom)
                    case .references(let excluding):
                        let banks = (banks[key] ?? []).enumerated().filter { $0.offset != excluding }.map(\.element)
                        d = NearestNeighbours.distances(tokens, banks: banks)
                    }
                    unmasked[key] = d
                    if let fg { for i in d.indices where !fg[i] { d[i] = 0 } }
                    distances[key] = d
                }
                if c.kind == .patchKNN {
                    values.append(NearestNeighbours.topMean(distances[key]!, fraction: spec.topFraction))
                } else if wholeImageGlobals || fg == nil {
                    let d = unmasked[key]!
                    values.append(d.reduce(0.0) { $0 + Double($1) } / Double(max(d.count, 1)))
                } else {
                    let d = distances[key]!, kept = fg!.filter { $0 }.count
                    values.append(d.reduce(0.0) { $0 + Double($1) } / Double(max(kept, 1)))
                }
            case .featureStats:
                let tokens = s.tokens(c.layer)
                let fg = wholeImageGlobals ? nil : fg
                switch comparison {
                case .selfWindow, .halves:
                    let other = Self.sameGrid(source, s, scale: c.scale)?.tokens(c.layer) ?? tokens
                    var leftRight = false
                    if case .halves(let topBottom) = comparison { leftRight = !topBottom }
                    values.append(FeatureStatistics.crossHalvesDistance(tokens, other: other, grid: s.grid, mask: fg, leftRight: leftRight))
                case .references(let excluding):
                    let mine = FeatureStatistics(tokens: ForegroundMask.rows(tokens, mask: fg))
                    let refs = (statistics[key] ?? []).enumerated().filter { $0.offset != excluding }.map(\.element)
                    values.append(refs.map { mine.distance(to: $0) }.min() ?? 0)
                }
            }
        }
        return RawEvidence(values: values, patchDistances: distances)
    }
}

/// How a profile turns raw evidence into one score: per channel `z = (value - mean) / scale` from the
/// references' own normal scores, then per family a weighted sum, then the largest family score.
public struct EvidenceCalibration: Codable, Sendable, Equatable {
    public struct Channel: Codable, Sendable, Equatable {
        public var name: String
        /// Mean and spread of the references' normal values (leave-one-out, or self-scored with k = 1).
        public var mean: Double
        public var scale: Double
        public var normalValues: [Double]
        /// Mean z of the synthetic anomalies of each family on this channel (what the weights learned from).
        public var syntheticZ: [String: Double]
    }

    public var channels: [Channel]
    /// Family (and `"all"`) -> one weight per channel (summing to 1).
    public var weights: [String: [Double]]
    public var combination: EvidenceCombination = .sum
    /// Whether each z enters the sums as softplus(z) (``EvidenceSpec/softplusFromReferences``; `nil` = plain z,
    /// as profiles written before this option).
    public var softplus: Bool?

    /// Channel z-scores of raw values.
    public func z(_ values: [Double]) -> [Double] {
        zip(values, channels).map { ($0 - $1.mean) / $1.scale }
    }

    /// Family scores and the combined score of channel z-scores.
    public func score(z raw: [Double]) -> (score: Double, families: [String: Double]) {
        let z = softplus == true ? raw.map(Self.softplus) : raw
        var families: [String: Double] = [:]
        for (family, w) in weights where family != Self.all && w.contains(where: { $0 > 0 }) {
            families[family] = zip(w, z).reduce(0) { $0 + $1.0 * $1.1 }
        }
        if combination == .sum, let w = weights[Self.all] { return (zip(w, z).reduce(0) { $0 + $1.0 * $1.1 }, families) }
        return (families.values.max() ?? 0, families)
    }

    /// log(1 + e^x), computed without overflow.
    static func softplus(_ x: Double) -> Double { x > 30 ? x : x < -30 ? exp(x) : log1p(exp(x)) }

    /// The weights of the sum over every channel.
    public static let all = "all"

    /// Per-channel weights of the map: the local family's weights on the map channels (a map is for locating
    /// local defects; coarse global channels would blur it) or, with ``EvidenceSpec/mapFromAllChannels``, the
    /// combined score's weights on them; else all map channels equally. With ``EvidenceSpec/mapLayers``, only
    /// the map channels of those blocks draw it.
    public func mapWeights(spec: EvidenceSpec) -> [Double] {
        let local = weights[spec.mapFromAllChannels == true ? Self.all : DefectFamily.local.rawValue] ?? []
        var drawn = spec.channels.map { $0.hasMap && (spec.mapLayers?.contains($0.layer) ?? true) }
        if !drawn.contains(true) { drawn = spec.channels.map(\.hasMap) }     // no map channel in those blocks
        var w = spec.channels.indices.map { i in drawn[i] && i < local.count ? local[i] : 0 }
        if !w.contains(where: { $0 > 0 }) { w = drawn.map { $0 ? 1 : 0 } }
        let total = w.reduce(0, +)
        return total > 0 ? w.map { $0 / total } : w
    }
}
