import Backbones
import Foundation
import Imaging
import Tensor

/// A frozen backbone and an evidence recipe, loaded once; builds ``Profile``s from reference images and
/// inspects images against them. Immutable after creation, so concurrent inspections may share it.
public final class InspectionModel: @unchecked Sendable {
    /// Names the model in profiles (a profile built by one model is refused by another).
    public let name: String
    public let spec: EvidenceSpec
    public let extractor: MultiScaleExtractor
    public var backbone: Backbone { extractor.backbone }
    /// Where good parts' scores fall relative to a profile's calibration, learned on auxiliary categories
    /// for this recipe (``DecisionTails``); `nil` = the Student-t tail of each profile's own samples.
    public let decisionTails: DecisionTails?

    public init(name: String, backbone: Backbone, spec: EvidenceSpec, batchSize: Int = 4,
                decisionTails: DecisionTails? = nil) throws {
        try spec.validate(depth: backbone.layerCount, patchSize: backbone.patchSize)
        if let t = decisionTails, t.spec != spec {
            throw InspectionError.invalidSpec("decision tails were fitted with another evidence recipe (backbone \(t.backbone)) than model '\(name)' uses")
        }
        self.name = name
        self.spec = spec
        self.extractor = MultiScaleExtractor(backbone: backbone, batchSize: batchSize)
        self.decisionTails = decisionTails
    }

    /// The scale -> layers this model reads.
    public var layersByScale: [Int: [Int]] {
        Dictionary(uniqueKeysWithValues: spec.scales.map { ($0, spec.layers(at: $0)) })
    }

    /// Backbone features of images (one pass per image per scale).
    public func features(_ images: [Image8]) throws -> [ImageFeatures] {
        try extractor.features(images, layersByScale: layersByScale)
    }

    /// The extra real views of the references the recipe asks for (rotations in 45-degree steps, or the
    /// square's other 7 symmetries).
    public func referenceViews(_ image: Image8) -> [Image8] {
        switch spec.views {
        case .identity, .flipsRotations: return []
        case .rotations45: return stride(from: 45.0, to: 360.0, by: 45.0).map { image.rotated(degrees: $0) }
        case .dihedral:
            let mirror = image.mirrored()
            return [90.0, 180, 270].map { image.rotated(degrees: $0) } + [mirror] + [90.0, 180, 270].map { mirror.rotated(degrees: $0) }
        }
    }

    /// The augmented views of a reference scored as extra normal samples of the decision.
    public func calibrationViews(_ image: Image8) -> [Image8] {
        CalibrationViews.make(image, count: spec.calibrationViews, kind: spec.calibrationViewKind ?? .cropsRotations)
    }

    // MARK: - Profiles

    /// Options of a profile.
    public struct ProfileOptions: Sendable {
        /// Target false-alarm rate and sensitivity of the decision.
        public var rule = DecisionRule()
        public var seed: UInt64 = 0
        public init() {}
    }

    /// Builds a profile from k good reference images (the backbone runs once per reference per scale, plus
    /// once per synthetic anomaly and per extra view).
    public func makeProfile(references: [Image8], names: [String]? = nil, object: String? = nil,
                            options: ProfileOptions = ProfileOptions()) throws -> Profile {
        guard !references.isEmpty else { throw InspectionError.noReferences }
        guard references.count <= InspectionLimits.maxReferences else { throw InspectionError.tooManyReferences(references.count) }
        let identity = try features(references)
        var views: [[ImageFeatures]] = [], calibration: [[ImageFeatures]] = []
        for r in references {
            let extra = referenceViews(r)
            views.append(extra.isEmpty ? [] : try features(extra))
            let cal = calibrationViews(r)
            calibration.append(cal.isEmpty ? [] : try features(cal))
        }
        let plan = CalibrationAnomalies.plan(references: references, perFamily: spec.syntheticPerFamily, seed: options.seed)
        let synthetic = try features(plan.map(\.2))
        return try makeProfile(referenceFeatures: identity, referenceViews: views, calibrationViews: calibration,
                               synthetic: zip(plan, synthetic).map { ($0.0, $0.1, $1) },
                               names: names ?? references.indices.map { "reference \($0)" }, object: object, options: options)
    }

    /// Builds a profile from precomputed features (the evaluation protocol caches them across draws).
    /// `calibrationViews[r]`: features of ``calibrationViews(_:)`` of reference `r` (may be empty).
    public func makeProfile(referenceFeatures identity: [ImageFeatures], referenceViews views: [[ImageFeatures]],
                            calibrationViews: [[ImageFeatures]] = [],
                            synthetic: [(DefectFamily, Int, ImageFeatures)], names: [String], object: String?,
                            options: ProfileOptions = ProfileOptions()) throws -> Profile {
        let k = identity.count
        guard k > 0 else { throw InspectionError.noReferences }
        try options.rule.validate()
        let refs = buildReferenceSet(identity: identity, views: views)
        // Normal calibration: leave-one-out (k >= 2) or the single reference against itself (k = 1: outside a
        // window, or half against half, per ``EvidenceSpec/singleReference``).
        let single = ReferenceSet.Comparison.singleReference(spec)
        let normals: [RawEvidence] = k >= 2
            ? (0..<k).map { refs.evidence(identity[$0], spec: spec, comparison: .references(excluding: $0)) }
            : single.map { refs.evidence(identity[0], spec: spec, comparison: $0) }
        // The augmented views of each reference, scored as the references were (the source left out).
        var viewEvidence: [(RawEvidence, ImageFeatures)] = []
        for (r, viewFeatures) in calibrationViews.enumerated() where r < k {
            for f in viewFeatures {
                for c in k >= 2 ? [.references(excluding: r)] : single { viewEvidence.append((refs.evidence(f, spec: spec, comparison: c), f)) }
            }
        }
        let channelSamples = spec.viewsCalibrateChannels == true ? normals + viewEvidence.map(\.0) : normals
        var channels: [EvidenceCalibration.Channel] = spec.channels.indices.map { c in
            let v = channelSamples.map { $0.values[c] }
            let mean = v.reduce(0, +) / Double(v.count)
            let sd = v.count >= 2 ? (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1)).squareRoot() : 0
            return .init(name: spec.channels[c].description, mean: mean, scale: max(sd, 0.1 * abs(mean), 1e-6),
                         normalValues: v, syntheticZ: [:])
        }
        var calibration = EvidenceCalibration(channels: channels, weights: [:], combination: spec.combination)
        if let n = spec.softplusFromReferences, k >= n { calibration.softplus = true }
        // Each synthetic anomaly is scored as the normal samples were: against the other references (k >= 2), or
        // (k = 1) by the single reference's own comparisons read against its source (each patch against the
        // source's patches outside its window), not against a bank that holds the untouched source, whose patches
        // would match exactly and score below every normal sample.
        let syntheticEvidence = synthetic.map { (family, src, f) -> (DefectFamily, [Double]) in
            let zs = k >= 2 ? [calibration.z(refs.evidence(f, spec: spec, comparison: .references(excluding: src)).values)]
                : single.map { calibration.z(refs.evidence(f, spec: spec, comparison: $0, source: identity[src]).values) }
            return (family, zs[0].indices.map { c in zs.map { $0[c] }.reduce(0, +) / Double(zs.count) })
        }
        for family in DefectFamily.allCases {
            let zs = syntheticEvidence.filter { $0.0 == family }.map(\.1)
            guard !zs.isEmpty else { continue }
            for c in channels.indices { channels[c].syntheticZ[family.rawValue] = zs.map { $0[c] }.reduce(0, +) / Double(zs.count) }
        }
        if !syntheticEvidence.isEmpty {
            for c in channels.indices {
                channels[c].syntheticZ[EvidenceCalibration.all] = syntheticEvidence.map { $0.1[c] }.reduce(0, +) / Double(syntheticEvidence.count)
            }
        }
        calibration.channels = channels
        calibration.weights = weights(channels, references: k, object: refs.masked)
        let normalScores = normals.map { calibration.score(z: calibration.z($0.values)).score }
        let syntheticScores = syntheticEvidence.map { calibration.score(z: $0.1).score }
        let mapWeights = calibration.mapWeights(spec: spec)
        var mapValues: [Double] = []
        for n in normals { mapValues += gridMap(n, calibration: calibration, weights: mapWeights).flatMap { $0.1 }.map(Double.init) }
        mapValues.sort()
        let range = mapValues.isEmpty ? [0, 1] : [mapValues[Int(Double(mapValues.count - 1) * 0.01)],
                                                 mapValues[Int(Double(mapValues.count - 1) * 0.999)]]
        // The decision's normal samples: each reference and its augmented views, scored as the references were.
        var decisionScores = normalScores
        var peaks = zip(normals, identity).map { originalMap(gridMap($0.0, calibration: calibration, weights: mapWeights), image: $0.1).samples.max() ?? 0 }
        for (e, f) in viewEvidence {
            decisionScores.append(calibration.score(z: calibration.z(e.values)).score)
            peaks.append(originalMap(gridMap(e, calibration: calibration, weights: mapWeights), image: f).samples.max() ?? 0)
        }
        let decision = DecisionCalibration(normalScores: decisionScores, referenceCount: k,
                                           tail: decisionTails?.tail(forReferences: k), rule: options.rule)
        let header = Profile.Header(model: name, spec: spec, object: object, references: names, calibration: calibration,
                                    normalScores: normalScores, syntheticScores: syntheticScores, selfScored: k == 1,
                                    mapRange: range, threshold: .calibrated(decision), decision: decision,
                                    regionLevel: peaks.max().map(Double.init), foregroundMasked: refs.masked)
        return Profile(header: header, references: refs)
    }

    /// Whether a profile of these references scores the foreground only: the recipe asks for the mask and,
    /// with ``EvidenceSpec/maskObjectsOnly``, every reference looks like an object on a background at every scale.
    func usesForegroundMask(_ identity: [ImageFeatures]) -> Bool {
        guard spec.foregroundMask else { return false }
        guard spec.maskObjectsOnly == true else { return true }
        return identity.allSatisfy { f in
            spec.scales.allSatisfy { scale in
                let s = f.at(scale)
                return ReferenceSet.mask(s).map { ForegroundMask.looksLikeObject($0, grid: s.grid) } ?? false
            }
        }
    }

    func buildReferenceSet(identity: [ImageFeatures], views: [[ImageFeatures]]) -> ReferenceSet {
        let masked = usesForegroundMask(identity)
        var banks: [String: [Tensor]] = [:], stats: [String: [FeatureStatistics]] = [:]
        for c in spec.channels {
            let key = ReferenceSet.key(c.scale, c.layer)
            switch c.kind {
            case .patchKNN, .meanKNN:
                guard banks[key] == nil else { continue }
                banks[key] = identity.indices.map { r in
                    let s = identity[r].at(c.scale)
                    // Token-grid flips and rotations (``ReferenceViews/flipsRotations``) only reorder a bank's rows,
                    // which a nearest-neighbour search does not see: the bank holds each token once.
                    var parts = [s.tokens(c.layer)]
                    if r < views.count { parts += views[r].map { $0.at(c.scale).tokens(c.layer) } }
                    return noGrad { Tensor.concat(parts, axis: 0).contiguous() }
                }
            case .featureStats:
                guard stats[key] == nil else { continue }
                stats[key] = identity.map { f in
                    let s = f.at(c.scale)
                    let fg = masked && spec.foregroundScope != .patchMaps ? ReferenceSet.mask(s) : nil
                    return FeatureStatistics(tokens: ForegroundMask.rows(s.tokens(c.layer), mask: fg))
                }
            }
        }
        return ReferenceSet(banks: banks, statistics: stats, count: identity.count, masked: masked)
    }

    /// Family weights of a profile of `k` references: a blend of the recipe's prior and what the synthetic
    /// anomalies separated (a channel that sits out profiles of `k` references, or object profiles when
    /// `object`, weighs 0 in both).
    func weights(_ channels: [EvidenceCalibration.Channel], references k: Int, object: Bool = false) -> [String: [Double]] {
        func normalised(_ v: [Double]) -> [Double]? {
            let t = v.reduce(0, +)
            return t > 0 ? v.map { $0 / t } : nil
        }
        var out: [String: [Double]] = [:]
        for name in DefectFamily.allCases.map(\.rawValue) + [EvidenceCalibration.all] {
            let prior = normalised(spec.channels.indices.map {
                name == EvidenceCalibration.all || spec.channels[$0].family.rawValue == name ? spec.prior($0, references: k, object: object) : 0
            })
            let learned = channels.allSatisfy({ $0.syntheticZ[name] == nil }) ? nil
                : normalised(channels.indices.map {
                    spec.channels[$0].counts(references: k, object: object) ? max(0, channels[$0].syntheticZ[name] ?? 0) : 0
                })
            let share = spec.learnedWeightShare
            switch (prior, learned) {
            case (nil, nil): continue
            case (let p?, nil): out[name] = p
            case (nil, let l?): out[name] = l
            case (let p?, let l?): out[name] = zip(p, l).map { (1 - share) * $0 + share * $1 }
            }
        }
        return out
    }

    // MARK: - Inspection

    /// Inspects images against a profile.
    /// Regions smaller than `minRegionArea` pixels are dropped.
    /// With `naming`, each region gets its most likely defect names.
    public func inspect(_ images: [Image8], profile: Profile, minRegionArea: Int = 1, naming: DefectNaming? = nil) throws -> [Inspection] {
        try check(profile)
        return try inspect(features: features(images), profile: profile, minRegionArea: minRegionArea, naming: naming)
    }

    /// Inspects precomputed features against a profile; `smoothing: false` leaves the map unsmoothed (for a
    /// caller that smooths in its own frame, as the evaluation protocol does for every method).
    public func inspect(features: [ImageFeatures], profile: Profile, smoothing: Bool = true,
                        minRegionArea: Int = 1, naming: DefectNaming? = nil) throws -> [Inspection] {
        try check(profile)
        let referenceMean = naming.flatMap { profile.references.meanToken(scale: $0.namer.scale, layer: $0.namer.layer) }
        let cal = profile.calibration
        let mapWeights = cal.mapWeights(spec: spec)
        return features.map { f in
            let raw = profile.references.evidence(f, spec: spec)
            let z = cal.z(raw.values)
            let (score, families) = cal.score(z: z)
            let map = originalMap(gridMap(raw, calibration: cal, weights: mapWeights), image: f, smoothing: smoothing)
            let decision = profile.decision
            var regions = profile.header.regionLevel.map { DefectRegions.find(in: map, level: Float($0), minArea: minRegionArea, peakFraction: spec.regionPeakFraction) } ?? []
            if let naming, let referenceMean, f.scales[naming.namer.scale]?.layers[naming.namer.layer] != nil {
                for i in regions.indices {
                    let r = regions[i]
                    let d = naming.namer.descriptor(f, box: (r.x, r.y, r.width, r.height), referenceMean: referenceMean)
                    regions[i].names = Array(naming.namer.rank(d, prototypes: naming.prototypes, names: naming.names).prefix(naming.keep))
                }
            }
            return Inspection(score: score, anomalous: profile.threshold.map { score >= $0.threshold }, familyScores: families,
                              channelValues: raw.values, channelZ: z, map: map,
                              falseAlarmRate: decision?.falseAlarmRate(score), normalizedScore: decision?.normalized(score),
                              regions: regions)
        }
    }

    /// Each map channel's calibrated z map at the original image size, unsmoothed (channel index in the spec,
    /// map): what the inspection map is a weighted sum of.
    public func channelMaps(_ f: ImageFeatures, profile: Profile) throws -> [(channel: Int, map: Image)] {
        try check(profile)
        let raw = profile.references.evidence(f, spec: spec)
        return spec.channels.indices.filter { spec.channels[$0].hasMap }.map { i in
            var w = [Double](repeating: 0, count: spec.channels.count)
            w[i] = 1
            return (i, originalMap(gridMap(raw, calibration: profile.calibration, weights: w), image: f, smoothing: false))
        }
    }

    func check(_ profile: Profile) throws {
        guard profile.header.model == name else {
            throw InspectionError.profileMismatch("built by model '\(profile.header.model)', this is '\(name)'")
        }
        guard profile.spec == spec else { throw InspectionError.profileMismatch("its evidence recipe differs from this model's") }
    }

    /// Per scale the weighted, calibrated patch map on that scale's grid.
    func gridMap(_ raw: RawEvidence, calibration cal: EvidenceCalibration, weights: [Double]) -> [(Int, [Float])] {
        var byScale: [Int: [Float]] = [:]
        for (i, c) in spec.channels.enumerated() where c.hasMap && weights[i] > 0 {
            guard let d = raw.patchDistances[ReferenceSet.key(c.scale, c.layer)] else { continue }
            let (m, s, w) = (Float(cal.channels[i].mean), Float(cal.channels[i].scale), Float(weights[i]))
            var acc = byScale[c.scale] ?? [Float](repeating: 0, count: d.count)
            for j in d.indices { acc[j] += w * (d[j] - m) / s }
            byScale[c.scale] = acc
        }
        return byScale.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The grid maps brought to the original image size, summed, and smoothed.
    func originalMap(_ grids: [(Int, [Float])], image f: ImageFeatures, smoothing: Bool = true) -> Image {
        var sum = [Float](repeating: 0, count: f.width * f.height)
        for (scale, g) in grids {
            let m = f.at(scale).frame.mapToOriginal(g).samples
            for i in sum.indices { sum[i] += m[i] }
        }
        if smoothing && spec.sigma > 0 { sum = GaussianBlur.apply(sum, width: f.width, height: f.height, sigma: spec.sigma) }
        return Image(width: f.width, height: f.height, channels: 1, samples: sum)
    }
}
