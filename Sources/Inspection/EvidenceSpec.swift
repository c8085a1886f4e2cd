import Foundation

/// Which family of defects an evidence channel speaks for: small local flaws, or changes of the whole
/// surface's statistics where no single patch looks wrong.
public enum DefectFamily: String, Codable, Sendable, CaseIterable {
    case local
    case global
}

/// One training-free evidence channel: a comparison of a test image's backbone features at one scale and
/// depth with the profile's reference features.
public struct EvidenceChannel: Codable, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable {
        /// Per patch `1 - max cos` to every reference patch (all views); image score = mean of the top
        /// ``EvidenceSpec/topFraction`` of the patch map (AnomalyDINO's statistic).
        case patchKNN = "patch-knn"
        /// The same patch distances averaged over the whole image: every patch a little further away.
        case meanKNN = "mean-knn"
        /// Distance of the image's patch-feature distribution (mean and covariance) to the nearest reference's.
        case featureStats = "feature-stats"
    }

    public var kind: Kind
    /// Shorter image side fed to the backbone, in pixels (rounded down to a multiple of the patch).
    public var scale: Int
    /// 1-based transformer block whose (final-normed) patch tokens are compared.
    public var layer: Int
    /// The family whose weights this channel starts from (before the profile weighs it).
    public var family: DefectFamily
    /// Fewest references a profile needs for this channel to count in its score (`nil` = 1): a channel whose
    /// one-reference calibration (the reference against itself) says little about new good parts can sit out
    /// one-reference profiles; it is still computed and recorded.
    public var minReferences: Int?
    /// Whether the channel counts in masked profiles, those whose references were recognised as objects on a
    /// background (every profile when ``EvidenceSpec/maskObjectsOnly`` is off) (`nil` = true): a whole-image
    /// channel reads the background and the part's placement there, not the part; it is still computed and
    /// recorded.
    public var onObjects: Bool?

    public init(_ kind: Kind, scale: Int, layer: Int, family: DefectFamily, minReferences: Int? = nil, onObjects: Bool? = nil) {
        self.kind = kind; self.scale = scale; self.layer = layer; self.family = family; self.minReferences = minReferences
        self.onObjects = onObjects
    }

    /// Whether the channel counts in a profile of `references` references (`object`: recognised as an object
    /// and masked).
    public func counts(references: Int, object: Bool) -> Bool {
        references >= minReferences ?? 1 && (!object || onObjects ?? true)
    }

    public var description: String { "\(kind.rawValue)@\(scale)/L\(layer)" }

    /// Whether the channel yields a patch map (and so contributes to the anomaly map).
    public var hasMap: Bool { kind == .patchKNN }
}

/// How references are augmented before the nearest-neighbour search.
public enum ReferenceViews: String, Codable, Sendable {
    /// The references as they are.
    case identity
    /// Token-grid flips and 90-degree rotations. They only reorder the bank's rows, which the nearest-neighbour
    /// search does not see, so the bank is the references' tokens as they are (kept as the default's name;
    /// profiles written before 2026-12-07 stored 6 copies of each token, with the same scores).
    case flipsRotations = "flips-rotations"
    /// The image itself rotated in 45-degree steps (8 backbone passes per reference), AnomalyDINO's default.
    case rotations45 = "rotations-45"
    /// The image itself turned in 90-degree steps and mirrored (the 8 symmetries of the square, 8 backbone
    /// passes per reference): like ``flipsRotations`` but through the backbone, so the tokens are those of
    /// a turned part rather than turned tokens.
    case dihedral
}

/// Which evidence the zero-shot foreground mask restricts.
public enum ForegroundScope: String, Codable, Sendable {
    /// Every channel: patch maps, mean distances and feature statistics (of the references too).
    case allChannels = "all-channels"
    /// The patch-distance maps (and so the patch channels' scores and the anomaly map) only; the mean
    /// distance and the feature statistics still read the whole image.
    case patchMaps = "patch-maps"
}

/// How a profile of a single reference estimates each channel's normal values (with two or more references,
/// each is scored against the others instead).
public enum SingleReferenceCalibration: String, Codable, Sendable {
    /// Each patch against the reference's own patches outside a small window around it.
    case selfWindow = "self-window"
    /// Each half of the reference (left/right, then top/bottom) scored against the other half: two samples
    /// whose spread follows how much the part varies across its own area.
    case halves
}

/// How calibrated channels become one score.
public enum EvidenceCombination: String, Codable, Sendable {
    /// Weighted sum of every channel's z (weights from the prior and all synthetic anomalies together).
    case sum
    /// Per defect family a weighted sum (weights from that family's synthetic anomalies), then the largest.
    case familyMax = "family-max"
}

/// The recipe of an ``InspectionModel``: its evidence channels and how a profile is built from them.
public struct EvidenceSpec: Codable, Sendable, Equatable {
    public var channels: [EvidenceChannel]
    public var combination: EvidenceCombination = .sum
    public var views: ReferenceViews
    /// Fraction of the highest patch distances averaged into a patch channel's image score.
    public var topFraction: Double
    /// Synthetic anomalies per family made from the references to weigh the channels (0 = fixed weights).
    public var syntheticPerFamily: Int
    /// Share of the profile-learned channel weights against the spec's prior (0 = prior only).
    public var learnedWeightShare: Double
    /// Prior weight of each channel (same order as ``channels``; empty = 1 for every channel of a family).
    public var priorWeights: [Double]
    /// Gaussian sigma (pixels of the output map) applied to anomaly maps.
    public var sigma: Float
    /// Zero-shot foreground mask (first principal component of the image's own patch tokens) on every image
    /// a profile scores: patch distances outside it are zero; with ``foregroundScope`` `all-channels` mean
    /// distances and feature statistics (of the references too) are taken over the foreground only.
    public var foregroundMask: Bool
    /// With ``foregroundMask``: mask only when every reference looks like one object on a background (its
    /// mask keeps the centre and leaves the border; ``ForegroundMask/looksLikeObject(_:grid:)``), decided
    /// once per profile, so surfaces are never masked (`nil` = always mask).
    public var maskObjectsOnly: Bool?
    /// What the foreground mask applies to (`nil` = ``ForegroundScope/allChannels``).
    public var foregroundScope: ForegroundScope?
    /// Augmented views of each reference (``CalibrationViews``) scored as extra normal samples of the decision.
    public var calibrationViews: Int
    /// Whether those views also calibrate each channel (its mean and spread), beside the references'
    /// leave-one-out scores (`nil` = references only, as profiles written before this option).
    public var viewsCalibrateChannels: Bool?
    /// What the calibration views change (`nil` = ``CalibrationViews/Kind/cropsRotations``).
    public var calibrationViewKind: CalibrationViews.Kind?
    /// Whether every map channel draws the anomaly map, weighted as in the combined score (`nil` = only the
    /// local family's map channels, as profiles written before this option).
    public var mapFromAllChannels: Bool?
    /// The blocks whose patch channels draw the anomaly map (`nil` = every map channel the weights pick, as
    /// profiles written before this option). The standard recipe draws it from block 9 at 448 and 224 px: the
    /// 448 px last layer separates whole images but blurs where a flaw is (AUPRO 9 to 19 points higher without it
    /// on the target categories; docs/RESULTS.md). Alone it draws more regions off the defects, hence
    /// ``regionPeakFraction``.
    public var mapLayers: [Int]?
    /// A defect region (a connected part of the map above the profile's level) is kept only when its peak reaches
    /// `level + fraction x (the image's highest map value - level)`: weaker blobs beside the strongest are dropped
    /// (`nil` = every part above the level, as profiles written before this option).
    public var regionPeakFraction: Double?
    /// How a one-reference profile calibrates its channels (`nil` = ``SingleReferenceCalibration/selfWindow``).
    public var singleReference: SingleReferenceCalibration?
    /// From this many references on, each channel's z enters the weighted sum as softplus(z) = log(1 + e^z)
    /// instead of z: a channel on which an image looks more normal than the references' own spread then adds
    /// about nothing rather than cancelling another channel's evidence (`nil` = plain z at every k).
    public var softplusFromReferences: Int?

    public init(channels: [EvidenceChannel], views: ReferenceViews = .flipsRotations, topFraction: Double = 0.01,
                syntheticPerFamily: Int = 2, learnedWeightShare: Double = 0.5, priorWeights: [Double] = [],
                sigma: Float = 4, foregroundMask: Bool = false, combination: EvidenceCombination = .sum,
                calibrationViews: Int = 0, viewsCalibrateChannels: Bool? = nil, mapFromAllChannels: Bool? = nil) {
        self.mapFromAllChannels = mapFromAllChannels
        self.combination = combination
        self.viewsCalibrateChannels = viewsCalibrateChannels
        self.calibrationViews = calibrationViews
        self.channels = channels; self.views = views; self.topFraction = topFraction
        self.syntheticPerFamily = syntheticPerFamily; self.learnedWeightShare = learnedWeightShare
        self.priorWeights = priorWeights; self.sigma = sigma; self.foregroundMask = foregroundMask
    }

    /// The scales in use, ascending.
    public var scales: [Int] { Array(Set(channels.map(\.scale))).sorted() }

    /// The layers needed at `scale`, ascending.
    public func layers(at scale: Int) -> [Int] {
        Array(Set(channels.filter { $0.scale == scale }.map(\.layer))).sorted()
    }

    /// Prior weight of channel `i` in a profile of `references` references (0 below the channel's
    /// ``EvidenceChannel/minReferences``, and in an object profile for a channel that sits those out).
    public func prior(_ i: Int, references: Int = .max, object: Bool = false) -> Double {
        if !channels[i].counts(references: references, object: object) { return 0 }
        return i < priorWeights.count ? priorWeights[i] : 1
    }

    /// Checks the recipe against a backbone of `depth` blocks.
    public func validate(depth: Int, patchSize: Int) throws {
        guard !channels.isEmpty else { throw InspectionError.invalidSpec("no evidence channels") }
        for c in channels {
            guard (1...depth).contains(c.layer) else {
                throw InspectionError.invalidSpec("channel \(c): layer \(c.layer) outside 1...\(depth)")
            }
            guard c.scale >= 2 * patchSize && c.scale <= InspectionLimits.maxScale else {
                throw InspectionError.invalidSpec("channel \(c): scale \(c.scale) outside \(2 * patchSize)...\(InspectionLimits.maxScale)")
            }
        }
        guard topFraction > 0 && topFraction <= 1 else { throw InspectionError.invalidSpec("top_fraction must be in (0, 1]") }
        guard (0...InspectionLimits.maxSyntheticPerFamily).contains(syntheticPerFamily) else {
            throw InspectionError.invalidSpec("synthetic_per_family must be in 0...\(InspectionLimits.maxSyntheticPerFamily)")
        }
        guard (0...CalibrationViews.maxCount).contains(calibrationViews) else {
            throw InspectionError.invalidSpec("calibration_views must be in 0...\(CalibrationViews.maxCount)")
        }
        guard (0...1).contains(learnedWeightShare) else { throw InspectionError.invalidSpec("learned_weight_share must be in [0, 1]") }
        guard channels.allSatisfy({ ($0.minReferences ?? 1) >= 1 && ($0.minReferences ?? 1) <= InspectionLimits.maxReferences }) else {
            throw InspectionError.invalidSpec("min_references must be in 1...\(InspectionLimits.maxReferences)")
        }
        guard channels.contains(where: { ($0.minReferences ?? 1) == 1 }) else {
            throw InspectionError.invalidSpec("at least one channel must count with one reference (min_references 1)")
        }
        guard channels.contains(where: { $0.counts(references: 1, object: true) }) else {
            throw InspectionError.invalidSpec("at least one channel must count in one-reference object profiles (min_references 1, on_objects true)")
        }
        if let n = softplusFromReferences, !(1...InspectionLimits.maxReferences).contains(n) {
            throw InspectionError.invalidSpec("softplus_from_references must be in 1...\(InspectionLimits.maxReferences)")
        }
        guard priorWeights.isEmpty || priorWeights.count == channels.count, priorWeights.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw InspectionError.invalidSpec("prior_weights: one finite weight >= 0 per channel")
        }
    }
}

/// Hard caps on what a user, a request or a config may ask for.
public enum InspectionLimits {
    /// Largest shorter side fed to the backbone.
    public static let maxScale = 1008
    /// Longest side over shorter side of a prepared frame (longer images are centre-cropped to this).
    public static let maxAspect = 2.0
    /// Synthetic anomalies per family in a profile.
    public static let maxSyntheticPerFamily = 16
    /// Reference images in a profile.
    public static let maxReferences = 64
}

extension EvidenceSpec {
    /// ``standard`` with its layers moved to a backbone of `depth` blocks (3/4 of the depth and the last).
    public static func standard(depth: Int) -> EvidenceSpec { standard.movingLayers(toDepth: depth) }
    public static func anomalyDINO(depth: Int) -> EvidenceSpec { anomalyDINO.movingLayers(toDepth: depth) }
    public static func knn224(depth: Int) -> EvidenceSpec { knn224.movingLayers(toDepth: depth) }

    /// The recipe with each layer `l` (written for 12 blocks) moved to `l * depth / 12`.
    public func movingLayers(toDepth depth: Int) -> EvidenceSpec {
        var s = self
        for i in s.channels.indices { s.channels[i].layer = max(1, s.channels[i].layer * depth / 12) }
        return s
    }

    /// The default recipe for DINOv2 ViT-S/14: fine local evidence (448 px, mid-depth and last layer),
    /// coarse evidence (224 px, mid-depth and last layer) and global evidence (224 px distributions), each calibrated on
    /// the references and summed with equal weights (chosen on benchmark v2's auxiliary categories: the
    /// equal-weight sum beat every single channel and every pair there). One synthetic anomaly per family
    /// places the threshold; weighing the channels by them (``learnedWeightShare``) is an option, off by
    /// default until it is shown to help on auxiliary data. Two mirror-image views of each reference
    /// (``CalibrationViews/Kind/flips``: texture scale and statistics kept) add normal samples to the
    /// decision's calibration and to each channel's (chosen on the auxiliary categories over seeds 0 and 1:
    /// pixel AUPRO +4.5 at k = 2 and +2.1 at k = 4, image AUROC unchanged, against crop/rotation views
    /// that calibrated the decision only). When every reference looks like an object on a background, the
    /// patch maps read the object only (AnomalyDINO's zero-shot mask, decided per profile; the mean distance
    /// and the statistics still read the whole image): chosen on the auxiliary object categories over seeds
    /// 0 and 1 (pixel AUPRO +26 / +18 / +18 at k = 1 / 2 / 4, image AUROC unchanged); surfaces are never masked.
    /// Each reference is also seen turned in 90-degree steps and mirrored, through the backbone (the square's 8
    /// symmetries, ``ReferenceViews/dihedral``): chosen on the auxiliary categories over seeds 0 and 1 against
    /// the references alone and against AnomalyDINO's 45-degree rotations (image AUROC +1.6 / +1.2 / +0.8 at
    /// k = 1 / 2 / 4 over the references alone, and ahead of the rotations on the mean over k of image AUROC and
    /// of pixel AUPRO), with decision tails kept per auxiliary category so the false-alarm promise holds
    /// (docs/RESULTS.md; `eval --ablation grid-views` runs the recipe before it, `rotations-45` the rotations).
    /// The mean patch distance sits out one-reference profiles (``EvidenceChannel/minReferences``): its k = 1
    /// calibration compares the reference with itself, so good parts' z spread ten times wider than on the
    /// other channels and drowned them (chosen on the auxiliary categories: image AUROC +1.3 at k = 1, local
    /// families +2.5; k >= 2 unchanged).
    /// Two more changes were chosen on the auxiliary categories of both benchmarks (13 categories, seeds 0 and 1,
    /// mean over k = 1, 2, 4 of image AUROC: 83.6 against 83.3 before): a sixth channel, patch distances at
    /// 224 px from the mid-depth block 9, and the mean patch distance sits out object profiles
    /// (``EvidenceChannel/onObjects``: over the whole image it reads the background and the part's placement
    /// there). The sixth channel draws the anomaly map with the 448 px channels (the local family; pixel AUPRO
    /// on the auxiliary categories +0.6 / +1.2 / +1.2 on v2 and +3.6 / +9.8 / +10.8 on v1 at k = 1 / 2 / 4; the
    /// score does not depend on the family).
    /// With two or more references the channels' z enter the sum through a softplus
    /// (``softplusFromReferences``): chosen on the auxiliary categories of both benchmarks over seeds 0 and 1
    /// among four ways to damp negative z (image AUROC at k = 2 and 4 higher in 7 of the 8 benchmark x seed x k
    /// cells and equal in the 8th, +0.6 / +0.5 on the 13 categories' mean; at k = 1, where each channel's spread
    /// comes from one image and good parts' z sit far below 0, it lost 0.9 and stays off;
    /// `Scripts/combination_offline.py`).
    /// A seventh channel, the patch-feature statistics at 448 px block 9 (the mid-depth tokens' distribution as a
    /// whole, for changes of the whole surface; it reads tokens the 448 px block-9 patch channel already has), was
    /// chosen among five whole-image candidates on the same 13 categories (mean over k 84.4 against 83.9; v2's
    /// global families +2.6 / +2.8 at k = 2 / 4; `eval --ablation global-candidates`, `six-channels`).
    public static let standard: EvidenceSpec = {
        var s = EvidenceSpec(channels: [
            EvidenceChannel(.patchKNN, scale: 448, layer: 9, family: .local),
            EvidenceChannel(.patchKNN, scale: 448, layer: 12, family: .local),
            EvidenceChannel(.patchKNN, scale: 224, layer: 12, family: .global),
            EvidenceChannel(.meanKNN, scale: 224, layer: 12, family: .global, minReferences: 2, onObjects: false),
            EvidenceChannel(.featureStats, scale: 224, layer: 12, family: .global),
            EvidenceChannel(.patchKNN, scale: 224, layer: 9, family: .local),
            EvidenceChannel(.featureStats, scale: 448, layer: 9, family: .global),
        ], views: .dihedral, syntheticPerFamily: 1, learnedWeightShare: 0, calibrationViews: 2, viewsCalibrateChannels: true)
        s.calibrationViewKind = .flips
        s.foregroundMask = true
        s.maskObjectsOnly = true
        s.foregroundScope = .patchMaps
        s.softplusFromReferences = 2
        s.mapLayers = [9]
        s.regionPeakFraction = 0.5
        return s
    }()

    /// AnomalyDINO-S as published: 448 px, last layer with the final norm, references rotated in 45-degree
    /// steps, image score = mean of the top 1 % of patch distances, maps smoothed with sigma 4.
    public static let anomalyDINO = EvidenceSpec(channels: [EvidenceChannel(.patchKNN, scale: 448, layer: 12, family: .local)],
                                                 views: .rotations45, syntheticPerFamily: 0, learnedWeightShare: 0)

    /// The earlier baseline: 224 px, patch kNN averaged over blocks 3, 6, 9, 12, no augmentation.
    public static let knn224 = EvidenceSpec(channels: [3, 6, 9, 12].map {
        EvidenceChannel(.patchKNN, scale: 224, layer: $0, family: .local)
    }, views: .identity, syntheticPerFamily: 0, learnedWeightShare: 0)

    /// One channel of ``standard`` alone (fixed weight), to show what each channel gives.
    public static func single(_ channel: EvidenceChannel, views: ReferenceViews = .flipsRotations) -> EvidenceSpec {
        var c = channel
        c.family = .local
        return EvidenceSpec(channels: [c], views: views, syntheticPerFamily: 0, learnedWeightShare: 0)
    }
}
