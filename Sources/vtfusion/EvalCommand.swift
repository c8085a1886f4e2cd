import ArgumentParser
import Evaluation
import Foundation
import Inspection
import UserFiles
import Tensor
import VTFusion

/// `vtfusion eval`: the k-shot protocol over a dataset, for trained heads and the baselines.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate heads and training-free baselines: per-category and mean tables over shots and seeds.",
        discussion: """
        For each category x shots x seeds, k references are drawn with the seeded few-shot sampler (the lists
        are written to kshot_plan.json), every test image is scored, maps are brought to image size
        (bilinear) and smoothed (Gaussian sigma 4), and image AUROC/AP/F1-max and pixel AUROC/AUPRO/F1-max
        are computed. Writes summary.{md,csv,json}, tables/<method>_k<k>.{md,csv,json}, kshot_plan.json,
        image_scores.csv and runs.json into --out.

        --baselines adds the reference-only kNN baseline (AnomalyDINO-style) and, for a CLIP backbone, the
        text-only zero-shot baseline (WinCLIP-style). DINOv2 + MiniLM share no image-text space, so the
        text-only baseline is reported as not applicable for them.

        Examples:
          vtfusion eval --dataset mvtec:bench --target-only --checkpoint heads/default \\
            --backbone-dir models/dinov2-s-imgfocus --text-dir models/minilm-l6 --baselines --out results/eval
          vtfusion eval --dataset mvtec:bench --target-only --backbone dinov2-s-imgfocus \\
            --backbone-dir models/dinov2-s-imgfocus --baselines --shots 1,2,4 --out results/baselines
        """
    )

    @OptionGroup var data: DatasetOptions
    @OptionGroup var models: ModelOptions

    @Flag(help: "Only the benchmark's target categories (benchmark.json).")
    var targetOnly = false

    @Flag(help: "Only the benchmark's auxiliary categories (benchmark.json): where recipes and decision tails are chosen.")
    var auxiliaryOnly = false

    @Option(help: "Write the default model's decision tails (standardised scores of the good test images, per k, kept per category: decisions assume the worst category's tail) to this JSON file. Fit on --auxiliary-only categories, never on the categories results are reported for.")
    var fitDecisionTails: String?

    @Option(help: "Decision tails for the default model (default: the ones shipped for the default backbone and recipe).")
    var decisionTails: String?

    @Option(help: "Shots k (comma-separated).")
    var shots: String = "0,1,2,4"

    @Option(help: "Sampler seeds (comma-separated).")
    var seeds: String = "0,1,2"

    @Option(help: "Trained head checkpoint directory (repeatable: e.g. ablated heads).")
    var checkpoint: [String] = []

    @Flag(help: "Also run the training-free baselines on the same backbone: AnomalyDINO (448 px, last layer, 45-degree rotations, top-1 % mean), the earlier 224 px 4-tap kNN, and (CLIP) text-only zero-shot.")
    var baselines = false

    @Flag(help: "Also evaluate each evidence channel of the default recipe alone (shows what the fusion adds).")
    var channels = false

    @Flag(help: "Also evaluate every variant of the default recipe (see --ablation).")
    var ablations = false

    @Option(help: "Also evaluate this variant of the default recipe (repeatable): \(RecipeVariant.allCases.map(\.rawValue).joined(separator: ", ")). The per-family maximum needs no run: it follows from the default's recorded channel z.")
    var ablation: [String] = []

    func ablationVariants() throws -> [RecipeVariant] {
        if ablations { return RecipeVariant.allCases }
        return try ablation.map { name in
            guard let v = RecipeVariant(rawValue: name) else {
                throw FlagError("--ablation", "expected one of \(RecipeVariant.allCases.map(\.rawValue).joined(separator: ", ")), got '\(name)'")
            }
            return v
        }
    }

    @Flag(help: "Leave out the default model (the multi-scale evidence fusion); evaluate only --checkpoint heads and baselines.")
    var noDefault = false

    @Option(help: "Output directory.")
    var out: String

    @Option(help: "Gaussian sigma applied to maps at image size.")
    var sigma: Float = 4

    @Flag(help: "Print the summary table as JSON instead of Markdown.")
    var json = false

    @Flag(help: "Write into a non-empty --out, replacing only the files an evaluation writes.")
    var force = false

    func validate() throws {
        try OutputDirectory.check(out, force: force)
        if let s = models.imageSize { try CommandLineChecks.imageSize(s) }
        _ = try ablationVariants()
        try models.validateThreads()
        if !(sigma.isFinite && sigma >= 0 && sigma <= 100) { throw FlagError("--sigma", "expected 0...100, got \(sigma)") }
        let _: [Int] = try parseIntList(shots, "shots")
        let _: [UInt64] = try parseIntList(seeds, "seeds")
        for c in checkpoint { try CommandLineChecks.folder(c, flag: "--checkpoint") }
    }

    func run() throws {
        if let t = models.threads { Threading.threadCount = t }
        if let hint = blasHint() { Console.log(hint) }
        let shotList: [Int] = try parseIntList(shots, "shots")
        let seedList: [UInt64] = try parseIntList(seeds, "seeds")
        let variants = try ablationVariants()
        guard !(noDefault && checkpoint.isEmpty && !baselines && !channels && variants.isEmpty) else {
            throw ValidationError("--no-default leaves nothing to evaluate: add --checkpoint, --baselines, --channels or --ablation")
        }
        // Backbone and text encoder: from the options, else from the first checkpoint's config.
        var headConfigs: [VTFusionConfig] = []
        for c in checkpoint { headConfigs.append(try Checkpoint.load(from: URL(fileURLWithPath: c)).config) }
        let backboneName = models.backbone ?? headConfigs.first?.backbone ?? "dinov2-s-imgfocus"
        let imageSize = models.imageSize ?? headConfigs.first?.imageSize[0]
        for (c, config) in zip(checkpoint, headConfigs) where config.backbone != backboneName {
            throw ValidationError("\(c) was trained on \(config.backbone), not \(backboneName)")
        }
        if targetOnly && auxiliaryOnly { throw ValidationError("give either --target-only or --auxiliary-only, not both") }
        if fitDecisionTails != nil && noDefault { throw ValidationError("--fit-decision-tails fits the default model: drop --no-default") }
        let (spec, categories) = try data.load(role: targetOnly ? "target" : (auxiliaryOnly ? "auxiliary" : nil))
        let loaded = try models.loadBackbone(name: backboneName, imageSize: imageSize)
        let extractor = FeatureExtractor(backbone: loaded.backbone, spec: loaded.spec)
        var methods: [EvaluationMethod] = []
        var notes: [String] = []
        var textCache: [String: TextEncoderBundle] = [:]
        func text(_ name: String) throws -> TextEncoderBundle {
            if let t = textCache[name] { return t }
            let t = try models.loadText(name: name, clip: loaded.clip, backboneName: backboneName)
            textCache[name] = t
            return t
        }
        for (c, config) in zip(checkpoint, headConfigs) {
            let textBundle = config.ablation.text ? try text(models.textEncoder ?? config.textEncoder) : nil
            let head = try VTFusionPipeline.loadHead(checkpoint: URL(fileURLWithPath: c), text: textBundle,
                                                     backboneSHA256: loaded.weightsFingerprint)
            var name = EvaluationMethod.name(for: config)
            if methods.contains(where: { $0.name == name }) { name += " [\(URL(fileURLWithPath: c).lastPathComponent)]" }
            methods.append(EvaluationMethod(name: name, kind: .vtfusion(head)))
        }
        func evidence(_ name: String, _ spec: EvidenceSpec, tails: DecisionTails? = nil) throws -> EvaluationMethod {
            EvaluationMethod(name: name, kind: .inspection(try InspectionModel(name: name, backbone: loaded.backbone, spec: spec,
                                                                               batchSize: options.batchSize, decisionTails: tails)))
        }
        var options = ProtocolOptions()
        let standard = EvidenceSpec.standard(depth: loaded.backbone.layerCount)
        let tails = try decisionTails.map { try DecisionTailsFile.load(path: $0) }
            ?? DecisionTailsFile.shipped(backbone: backboneName, spec: standard)
        if !noDefault {
            methods.insert(try evidence("vtfusion", standard, tails: fitDecisionTails == nil ? tails : nil), at: 0)
            Console.log(tails == nil || fitDecisionTails != nil ? "decisions: Student-t tails of each profile's own normal samples"
                        : "decisions: tails learned on \(tails!.fittedOn.count) auxiliary categories")
        }
        for variant in variants {
            methods.append(try evidence("vtfusion (\(variant.rawValue))", variant.apply(to: standard)))
        }
        if channels {
            for c in standard.channels { methods.append(try evidence("channel \(c)", .single(c))) }
        }
        if baselines {
            methods.append(try evidence("anomalydino", EvidenceSpec.anomalyDINO(depth: loaded.backbone.layerCount)))
            methods.append(try evidence("reference-only kNN", EvidenceSpec.knn224(depth: loaded.backbone.layerCount)))
            if let clip = loaded.clip {
                methods.append(EvaluationMethod(name: "text-only zero-shot", kind: .textZeroShot(clip, try text(backboneName))))
            } else {
                notes.append("text-only zero-shot: not applicable for \(backboneName) — the backbone has no text tower "
                             + "sharing its embedding space (DINOv2 + MiniLM have none; VTFusion's trained text adapter is "
                             + "evaluated as part of the head)")
            }
        }
        options.shots = shotList
        options.seeds = seedList
        options.sigma = sigma
        options.datasetRoot = spec.root
        options.panelDirectory = URL(fileURLWithPath: out).appendingPathComponent("panels")
        Console.log("evaluating \(methods.map(\.name).joined(separator: ", ")) on \(categories.count) categories, "
             + "k in \(shotList), seeds \(seedList), backbone \(loaded.spec.name) at \(loaded.spec.imageSize) px")
        let runner = ProtocolRunner(extractor: extractor, methods: methods, options: options)
        runner.log = ProgressReporter().categoryLog(total: categories.count, phase: "evaluating")
        var report = try runner.run(categories: categories)
        report.notes += notes
        if let path = fitDecisionTails {
            let fitted = DecisionTails(backbone: backboneName, spec: standard, fittedOn: categories.map(\.name),
                                       seeds: seedList, tails: report.decisionTails(method: "vtfusion"))
            try DecisionTailsFile.write(fitted, to: path)
            Console.log("decision tails (\(fitted.tails.map { "k=\($0.referenceCount): \($0.samples.count)" }.joined(separator: ", ")) good images) written to \(path)")
        }
        let outURL = URL(fileURLWithPath: out)
        StaleTemporaryFiles.clean(in: outURL)
        try report.write(to: outURL)
        if json {
            print(String(decoding: try report.summary().json(), as: UTF8.self))
        } else {
            print(report.markdown())
            print("results in \(outURL.path)")
        }
    }
}

/// Variants of the default recipe `eval` can run beside it (`--ablation`).
enum RecipeVariant: String, CaseIterable {
    /// Channel weights learned from 2 synthetic anomalies per family made from the references, half the weight.
    case learnedWeights = "learned-weights"
    /// Crop/rotation calibration views that also calibrate each channel beside the leave-one-out scores.
    case viewsCalibrate = "views-calibrate"
    /// Learned weights with crop/rotation views calibrating each channel.
    case viewsLearned = "views-learned"
    /// The anomaly map drawn from every map channel (224 px too), weighted as the score.
    case mapAll = "map-all"
    /// Mirror-image calibration views that also calibrate each channel (the default since 2026-12-06; kept so
    /// that the earlier commands in docs/RESULTS.md still run).
    case flipViewsCalibrate = "flip-views-calibrate"
    /// The default before 2026-12-06: crop/rotation calibration views that calibrate the decision only.
    case cropViews = "crop-views"
    /// References rotated in 45-degree steps through the backbone (AnomalyDINO's augmentation) in place of the
    /// default's turns and mirrors.
    case rotations45 = "rotations-45"
    /// The default before 2026-12-07 (evening): the references as they are (token-grid views), no turned views,
    /// the mean patch distance counting at every k, and five channels (``fiveChannels``).
    case gridViews = "grid-views"
    /// The mean patch distance sits out one-reference profiles (its k = 1 calibration compares the reference
    /// with itself, whose mean distance says little about a new good part's). The default since 2026-12-07;
    /// kept so that the commands in docs/RESULTS.md still run.
    case meanKNNFromTwo = "mean-knn-from-2"
    /// The mean patch distance counts at every k (the default before 2026-12-07, evening).
    case meanKNNAlways = "mean-knn-always"
    /// References turned and mirrored through the backbone (8 passes; the default since 2026-12-07, kept so that
    /// the commands in docs/RESULTS.md still run).
    case dihedralViews = "dihedral-views"
    /// AnomalyDINO's zero-shot foreground mask on every image a profile scores (surfaces too), on every channel.
    case foregroundMask = "foreground-mask"
    /// The object mask on every channel: mean distances and feature statistics read the object only too.
    case objectMask = "object-mask"
    /// The object mask on the patch maps only (the default since 2026-12-07; kept so that the commands in
    /// docs/RESULTS.md still run).
    case objectMaskMaps = "object-mask-maps"
    /// The default before 2026-12-07: no foreground mask, objects included.
    case noMask = "no-mask"
    /// Image score of a patch channel = mean of the top 0.5 % of its patches (1 % in the default).
    case topHalfPercent = "top-half-percent"
    /// One-reference profiles calibrate each channel half against half (left/right, top/bottom) instead of
    /// each patch against the reference outside a window.
    case halvesCalibration = "halves-calibration"
    /// ``rotations45`` with ``halvesCalibration``.
    case rotations45Halves = "rotations-45-halves"
    /// The default before 2026-12-07 (night): five channels (no 224 px mid-depth channel), and the mean patch
    /// distance counting in object profiles too.
    case fiveChannels = "five-channels"
    /// Patch distances at 224 px from the mid-depth block 9 as a sixth channel (the default since 2026-12-07,
    /// night; kept so that the commands in docs/RESULTS.md still run; as first measured it counted in the score
    /// only, the default draws the map with it too).
    case mid224 = "mid-224"
    /// Patch distances at 224 px from blocks 6 and 9 (score only), the 224 px 4-tap kNN's middle taps, added to
    /// the five channels (as measured: channels 5 and 6 are blocks 6 and 9, the mean distance counts on objects).
    case mid224Pair = "mid-224-pair"
    /// The mean patch distance sits out object profiles (references recognised as objects on a background and
    /// masked): over the whole image it reads the background and the part's placement there (the default since
    /// 2026-12-07, night; kept so that the commands in docs/RESULTS.md still run).
    case meanKNNSurfaces = "mean-knn-surfaces"
    /// The 224 px mid-depth channel draws the anomaly map too, beside the 448 px channels (the score does not
    /// change; the default since 2026-12-07, night; kept so that the commands in docs/RESULTS.md still run).
    case mid224Map = "mid-224-map"
    /// Plain z in the sum at every k (``EvidenceSpec/softplusFromReferences`` off) on the six channels: the default
    /// before 2026-12-07 (late night); with it the numbers of the earlier sections of docs/RESULTS.md are reproduced.
    case plainSum = "plain-sum"
    /// Three mirror-image calibration views of each reference (horizontal, vertical, both) in place of two: more
    /// normal samples for each channel's mean and spread and for the decision (on the six channels, as measured).
    case threeFlipViews = "three-flip-views"
    /// Five more whole-image (global-family) channels recorded beside the default's six, for choosing global
    /// evidence offline (each channel's z depends only on its own bank and normal samples): feature statistics at
    /// 224 px block 9 and at 448 px blocks 12 and 9, and mean patch distances at 224 px block 9 and 448 px block
    /// 12 (from two references on, not on objects, like the default's). No patch map, so the map is the default's.
    case globalCandidates = "global-candidates"
    /// The default before 2026-12-07 (second late-night round): the six channels without the feature statistics
    /// at 448 px block 9.
    case sixChannels = "six-channels"
    /// The anomaly map drawn from the mid-depth (block 9) patch channels only, at 448 and 224 px, leaving out
    /// the 448 px last layer (``EvidenceSpec/mapLayers``; the score does not change), every region above the
    /// level kept.
    case midDepthMap = "mid-depth-map"
    /// ``midDepthMap`` with regions kept only when their peak reaches half-way from the profile's level to the
    /// image's peak (``EvidenceSpec/regionPeakFraction`` 0.5): the default since 2026-12-08, kept so that the
    /// commands in docs/RESULTS.md still run.
    case midDepthMapPeakRegions = "mid-depth-map-peak-regions"
    /// The map before 2026-12-08: drawn from every local patch channel (the 448 px last layer too), every region
    /// above the level kept.
    case allDepthsMap = "all-depths-map"

    func apply(to standard: EvidenceSpec) -> EvidenceSpec {
        var s = standard
        // Every other variant is an earlier default or an ablation of one, all of which drew the map from every
        // local patch channel and kept every region: so their commands in docs/RESULTS.md reproduce their pixel
        // and region numbers.
        s.mapLayers = nil
        s.regionPeakFraction = nil
        switch self {
        case .allDepthsMap: break
        case .midDepthMap: s.mapLayers = [9]
        case .midDepthMapPeakRegions: s.mapLayers = [9]; s.regionPeakFraction = 0.5
        case .learnedWeights: s.learnedWeightShare = 0.5; s.syntheticPerFamily = 2
        case .viewsCalibrate: s.calibrationViewKind = .cropsRotations; s.viewsCalibrateChannels = true
        case .viewsLearned:
            s.learnedWeightShare = 0.5; s.syntheticPerFamily = 2; s.calibrationViewKind = .cropsRotations; s.viewsCalibrateChannels = true
        case .mapAll: s.mapFromAllChannels = true
        case .flipViewsCalibrate: s.calibrationViewKind = .flips; s.viewsCalibrateChannels = true
        case .cropViews: s.calibrationViewKind = nil; s.viewsCalibrateChannels = nil
        case .rotations45: s.views = .rotations45
        case .gridViews:
            s = Self.fiveChannels(s)
            s.views = .flipsRotations
            for i in s.channels.indices where s.channels[i].kind == .meanKNN { s.channels[i].minReferences = nil }
        case .meanKNNFromTwo: for i in s.channels.indices where s.channels[i].kind == .meanKNN { s.channels[i].minReferences = 2 }
        case .meanKNNAlways: for i in s.channels.indices where s.channels[i].kind == .meanKNN { s.channels[i].minReferences = nil }
        case .dihedralViews: s.views = .dihedral
        case .foregroundMask: s.foregroundMask = true; s.maskObjectsOnly = nil; s.foregroundScope = .allChannels
        case .objectMask: s.foregroundMask = true; s.maskObjectsOnly = true; s.foregroundScope = .allChannels
        case .objectMaskMaps: s.foregroundMask = true; s.maskObjectsOnly = true; s.foregroundScope = .patchMaps
        case .noMask: s.foregroundMask = false; s.maskObjectsOnly = nil; s.foregroundScope = nil
        case .topHalfPercent: s.topFraction = 0.005
        case .halvesCalibration: s.singleReference = .halves
        case .rotations45Halves: s.views = .rotations45; s.singleReference = .halves
        case .fiveChannels: s = Self.fiveChannels(s)
        case .mid224: s = Self.adding224(layers: [9], to: s)
        case .meanKNNSurfaces: for i in s.channels.indices where s.channels[i].kind == .meanKNN { s.channels[i].onObjects = false }
        case .mid224Pair: s = Self.adding224(layers: [6, 9], to: Self.fiveChannels(s))
        case .mid224Map:
            s = Self.adding224(layers: [9], to: s)
            for i in s.channels.indices where s.channels[i].kind == .patchKNN && s.channels[i].scale == 224 && s.channels[i].layer == 9 {
                s.channels[i].family = .local
            }
        case .plainSum: s = Self.sixChannels(s); s.softplusFromReferences = nil
        case .threeFlipViews: s = Self.sixChannels(s); s.calibrationViews = 3
        case .sixChannels: s = Self.sixChannels(s)
        case .globalCandidates:
            s = Self.sixChannels(s)
            s.channels += [EvidenceChannel(.featureStats, scale: 224, layer: 9, family: .global),
                           EvidenceChannel(.featureStats, scale: 448, layer: 12, family: .global),
                           EvidenceChannel(.featureStats, scale: 448, layer: 9, family: .global),
                           EvidenceChannel(.meanKNN, scale: 224, layer: 9, family: .global, minReferences: 2, onObjects: false),
                           EvidenceChannel(.meanKNN, scale: 448, layer: 12, family: .global, minReferences: 2, onObjects: false)]
        }
        return s
    }

    /// The recipe without its feature statistics at 448 px (the default before 2026-12-07, second late-night
    /// round, had those at 224 px only).
    static func sixChannels(_ spec: EvidenceSpec) -> EvidenceSpec {
        var s = spec
        s.channels.removeAll { $0.kind == .featureStats && $0.scale == 448 }
        return s
    }

    /// The recipe without its 224 px mid-depth channels, the mean distance counting in object profiles too, plain
    /// z in the sum (the default before 2026-12-07, night).
    static func fiveChannels(_ spec: EvidenceSpec) -> EvidenceSpec {
        var s = sixChannels(spec)
        s.softplusFromReferences = nil
        s.channels.removeAll { $0.kind == .patchKNN && $0.scale == 224 && $0.layer < 12 }
        for i in s.channels.indices where s.channels[i].kind == .meanKNN { s.channels[i].onObjects = nil }
        return s
    }

    /// The recipe with score-only patch channels at 224 px for `layers` (those it lacks, appended).
    static func adding224(layers: [Int], to spec: EvidenceSpec) -> EvidenceSpec {
        var s = spec
        for l in layers where !s.channels.contains(where: { $0.kind == .patchKNN && $0.scale == 224 && $0.layer == l }) {
            s.channels.append(EvidenceChannel(.patchKNN, scale: 224, layer: l, family: .global))
        }
        return s
    }
}
