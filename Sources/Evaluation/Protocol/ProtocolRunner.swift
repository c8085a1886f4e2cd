import Foundation
import Imaging
import Inspection
import Tensor
import VTFusion

/// The evaluation protocol: for each category x shots x seeds, pick k references with ``FewShotSampler``,
/// fit, inspect every test image, bring maps to image size (bilinear) and smooth them (Gaussian sigma 4),
/// then compute image AUROC/AP/F1-max and pixel AUROC/AUPRO/F1-max.
///
/// All work happens in the backbone's prepared frame (shorter side resized, center crop): masks go through
/// the same geometry. Backbone features of every test image and every chosen reference are computed once
/// per category and shared by all methods, shots and seeds.
public final class ProtocolRunner {
    public let extractor: FeatureExtractor
    public let methods: [EvaluationMethod]
    public let options: ProtocolOptions
    /// Progress lines.
    public var log: ((String) -> Void)?

    public init(extractor: FeatureExtractor, methods: [EvaluationMethod], options: ProtocolOptions) {
        self.extractor = extractor
        self.methods = methods
        self.options = options
    }

    /// One category's test set in the prepared frame.
    struct TestSet {
        var samples: [DatasetSample]
        var images: [Tensor]
        var masks: [[UInt8]?]
        /// Backbone features in the prepared frame (for heads and the FeatureSet baselines; empty otherwise).
        var features: FeatureSet?
        /// Pixel metrics are defined only when every anomalous image has a mask.
        var hasMasks: Bool
    }

    /// Runs every method on `categories` and returns the collected results.
    public func run(categories: [DatasetCategory]) throws -> EvaluationReport {
        let plan = try FewShotPlan.make(categories: categories, shots: options.shots, seeds: options.seeds,
                                        datasetRoot: options.datasetRoot)
        var report = EvaluationReport(plan: plan, methods: methods.map(\.name), shots: options.shots, seeds: options.seeds)
        report.families = BenchmarkFamilies.read(root: options.datasetRoot)
        let pre = extractor.preprocessor
        let size = pre.imageSize
        var unmasked: [String] = []
        for category in categories {
            let t0 = Date()
            let test = try loadTestSet(category, features: methods.contains { if case .inspection = $0.kind { return false }; return true })
            if !test.hasMasks { unmasked.append(category.name) }
            let object = TrainingSource.objectName(forCategory: category.name)
            // Features of every reference any selection uses.
            let refURLs = Array(Set(plan.selections.filter { $0.category == category.name }
                .flatMap { (try? $0.resolved(datasetRoot: options.datasetRoot)) ?? [] }.map(\.standardizedFileURL)))
                .sorted { $0.path < $1.path }
            var refIndex: [String: Int] = [:]
            for (i, u) in refURLs.enumerated() { refIndex[u.path] = i }
            let needsFeatureSets = test.features != nil
            let refFeatures = refURLs.isEmpty || !needsFeatureSets ? nil
                : try extractor.features(prepared: refURLs.map { try pre.load(path: $0.path) })
            let inspectionModels = methods.compactMap { m -> InspectionModel? in
                if case .inspection(let model) = m.kind { return model }
                return nil
            }
            let cache = inspectionModels.isEmpty ? nil
                : try InspectionFeatureCache(models: inspectionModels, testPaths: test.samples.map(\.imagePath), referencePaths: refURLs)
            for method in methods {
                if case .vtfusion(let head) = method.kind {
                    guard head.config.imageSize == [size, size] else {
                        throw PipelineError.invalidOption("head image size \(head.config.imageSize) != backbone crop \(size)")
                    }
                    try head.useObject(object)
                }
                for k in options.shots where method.applies(toShots: k) {
                    for seed in options.seeds {
                        guard let sel = plan.selection(category: category.name, k: k, seed: seed) else { continue }
                        let refs = try sel.resolved(datasetRoot: options.datasetRoot).map(\.standardizedFileURL)
                        let excluded = Set(refs.map(\.path))
                        let keep = test.samples.indices.filter {
                            !category.trainOverlapsTest || !excluded.contains(test.samples[$0].imagePath.standardizedFileURL.path)
                        }
                        let maps: [[Float]], scores: [Float]
                        var decisions: [(far: Double?, u: Double?, t: Double?)] = []
                        var channelZ: [[Double]] = []
                        var regionCounts: [RegionCounts?] = []
                        var calibration: EvidenceCalibration? = nil
                        if case .inspection(let model) = method.kind {
                            let profile = try cache!.profile(model: model, paths: refs.map(\.path), object: object, seed: seed)
                            let results = try model.inspect(features: keep.map { cache!.test[$0] }, profile: profile, smoothing: false)
                            maps = results.map { InspectionFeatureCache.preparedFrame($0.map, size: size) }
                            scores = results.map { Float($0.score) }
                            decisions = results.map { ($0.falseAlarmRate, profile.decision?.standardized($0.score),
                                                       profile.decision?.studentTFalseAlarmRate($0.score)) }
                            if let dump = ProcessInfo.processInfo.environment["VTFUSION_DUMP_CHANNEL_MAPS"] {
                                try Self.dumpChannelMaps(dir: dump, model: model, profile: profile, features: keep.map { cache!.test[$0] },
                                                         masks: keep.map { test.samples[$0].isAnomalous ? test.masks[$0] : nil },
                                                         labels: keep.map { test.samples[$0].isAnomalous },
                                                         defects: keep.map { test.samples[$0].defectType },
                                                         maps: maps, scores: scores, size: size,
                                                         name: "\(method.name)_\(category.name)_k\(k)_s\(seed)")
                            }
                            channelZ = results.map(\.channelZ)
                            calibration = profile.calibration
                            regionCounts = try zip(keep, results).map { (i, r) in
                                try Self.regionCounts(r.map, sample: test.samples[i], profile: profile, minArea: options.minRegionArea)
                            }
                        } else {
                            let refSet = refs.isEmpty ? nil : refFeatures!.gather(refs.map { refIndex[$0.path]! })
                            (maps, scores) = try inspect(method, test: test, keep: keep, references: refSet, object: object)
                        }
                        if seed == options.seeds.first, k == options.shots.filter({ method.applies(toShots: $0) }).max() {
                            try writePanels(method: method.name, category: category, k: k, test: test, keep: keep,
                                            maps: maps, scores: scores, size: size)
                        }
                        var run = try score(method: method.name, category: category.name, k: k, seed: seed,
                                            test: test, keep: keep, maps: maps, scores: scores, size: size)
                        for (j, d) in decisions.enumerated() where j < run.scores.count {
                            run.scores[j].falseAlarmRate = d.far
                            run.scores[j].standardized = d.u
                            run.scores[j].studentTFalseAlarmRate = d.t
                        }
                        for (j, z) in channelZ.enumerated() where j < run.scores.count { run.scores[j].channelZ = z }
                        for (j, c) in regionCounts.enumerated() where j < run.scores.count { run.scores[j].regions = c }
                        run.calibration = calibration
                        report.add(run)
                    }
                }
            }
            log?(String(format: "evaluated %@ (%d test images) in %.1f s", category.name, test.samples.count,
                        Date().timeIntervalSince(t0)))
        }
        if !unmasked.isEmpty { report.notes.append(Self.noMasksNote(unmasked)) }
        return report
    }

    /// Sample panels (image | map | overlay | ground truth, in the backbone's crop frame) of one run, with one
    /// map range for the run; see ``ProtocolOptions/panelDirectory``.
    func writePanels(method: String, category: DatasetCategory, k: Int, test: TestSet, keep: [Int],
                     maps: [[Float]], scores: [Float], size: Int) throws {
        guard let dir = options.panelDirectory, options.panelsPerCategory > 0, !keep.isEmpty else { return }
        let smoothed = maps.map { options.sigma > 0 ? GaussianBlur.apply($0, width: size, height: size, sigma: options.sigma) : $0 }
        let images = smoothed.map { Image(width: size, height: size, channels: 1, samples: $0) }
        let range = ScoreRange.fitting(images)
        let order = keep.indices.sorted { scores[$0] > scores[$1] }
        let anomalous = order.filter { test.samples[keep[$0]].isAnomalous }
        let normal = order.filter { !test.samples[keep[$0]].isAnomalous }
        var picks: [Int] = []
        let queues = [anomalous, Array(anomalous.reversed()), normal]
        var q = 0
        while picks.count < min(options.panelsPerCategory, keep.count) {
            let before = picks.count
            for queue in queues where picks.count < options.panelsPerCategory {
                if let next = queue.dropFirst(q).first(where: { !picks.contains($0) }) { picks.append(next) }
            }
            if picks.count == before { break }
            q += 1
        }
        let slug = method.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let folder = dir.appendingPathComponent(String(slug))
        let pre = extractor.preprocessor
        for j in picks {
            let sample = test.samples[keep[j]]
            let image = try pre.load(path: sample.imagePath.path).toFloat()
            let truth = test.masks[keep[j]].map { m in Image(width: size, height: size, channels: 1, samples: m.map { $0 > 0 ? 1 : 0 }) }
            let panel = Heatmap.panel(image: image, map: images[j], range: range, groundTruth: truth)
            let stem = (sample.defectType + "_" + sample.imagePath.deletingPathExtension().lastPathComponent)
            try ImageCodec.writePNG(panel, to: folder.appendingPathComponent("\(category.name)_k\(k)_\(stem).png").path)
        }
    }

    func loadTestSet(_ category: DatasetCategory, features: Bool = true) throws -> TestSet {
        let pre = extractor.preprocessor
        var images: [Tensor] = [], masks: [[UInt8]?] = []
        var hasMasks = true
        for s in category.test {
            if features { images.append(pre.tensor(try pre.load(path: s.imagePath.path))) }
            if let m = s.maskPath { masks.append(try pre.loadMask(path: m.path)) }
            else {
                masks.append(s.isAnomalous ? nil : [UInt8](repeating: 0, count: pre.imageSize * pre.imageSize))
                if s.isAnomalous { hasMasks = false }
            }
        }
        guard !category.test.isEmpty else { throw PipelineError.noData("category '\(category.name)' has no test images") }
        return TestSet(samples: category.test, images: images, masks: masks, features: features ? try extractor.features(images) : nil,
                       hasMasks: hasMasks)
    }

    /// Image-size maps (`S*S`, before smoothing) and image scores of the kept test images.
    func inspect(_ method: EvaluationMethod, test: TestSet, keep: [Int], references: FeatureSet?,
                 object: String) throws -> ([[Float]], [Float]) {
        let size = extractor.preprocessor.imageSize
        let features = test.features!.gather(keep)
        switch method.kind {
        case .vtfusion(let head):
            if let references { head.detector.fitReferences(references, object: object) } else { head.detector.references = nil }
            let results = head.detector.inspect(features, batchSize: options.batchSize)
            return (results.map { $0.anomalyMap.contiguous().scalars }, results.map(\.score))
        case .referenceKNN(let lastTapOnly):
            guard let references else { throw PipelineError.invalidOption("reference-only baseline needs k >= 1") }
            let d = Baselines.knnDistances(test: features, references: references, lastTapOnly: lastTapOnly,
                                           batchSize: options.batchSize)
            let n = features.grid.0 * features.grid.1
            let all = d.scalars
            let rows = (0..<keep.count).map { Array(all[($0 * n)..<(($0 + 1) * n)]) }
            return (rows.map { Baselines.imageMap($0, gridSize: features.grid, size: size, sigma: 0) },
                    rows.map { Baselines.topMean($0, fraction: options.topFraction) })
        case .inspection:
            fatalError("inspection models are run through their profiles")
        case .textZeroShot(let clip, let text):
            let images = Tensor.stack(keep.map { test.images[$0] }, axis: 0)
            var maps: [[Float]] = [], scores: [Float] = []
            var start = 0
            while start < keep.count {
                let end = min(start + options.batchSize, keep.count)
                let r = try Baselines.textZeroShot(clip: clip, text: text, images: images.sliced(axis: 0, start: start, end: end),
                                                   object: object)
                let n = r.grid.0 * r.grid.1, p = r.patches.scalars
                for i in 0..<(end - start) {
                    maps.append(Baselines.imageMap(Array(p[(i * n)..<((i + 1) * n)]), gridSize: r.grid, size: size, sigma: 0))
                }
                scores += r.image.scalars
                start = end
            }
            return (maps, scores)
        }
    }

    func score(method: String, category: String, k: Int, seed: UInt64, test: TestSet, keep: [Int],
               maps: [[Float]], scores: [Float], size: Int) throws -> EvaluationReport.Run {
        let labels = keep.map { test.samples[$0].isAnomalous }
        let image = labels.contains(true) && labels.contains(false)
            ? try ImageMetrics.compute(scores: scores, labels: labels) : nil
        var pixel: PixelMetrics? = nil
        if test.hasMasks && labels.contains(true) {
            let acc = PixelMetricAccumulator()
            for (j, i) in keep.enumerated() {
                let smoothed = options.sigma > 0 ? GaussianBlur.apply(maps[j], width: size, height: size, sigma: options.sigma) : maps[j]
                try acc.add(scores: smoothed, mask: test.masks[i], width: size, height: size)
            }
            pixel = try acc.compute()
        }
        let records = keep.enumerated().map { (j, i) in
            EvaluationReport.ImageScore(method: method, category: category, k: k, seed: seed,
                                        image: FewShotSelection.record(test.samples[i].imagePath, root: options.datasetRoot),
                                        defect: test.samples[i].defectType, anomalous: labels[j], score: Double(scores[j]))
        }
        return EvaluationReport.Run(method: method, category: category, k: k, seed: seed, image: image, pixel: pixel,
                                    scores: records)
    }

    /// Region counts of one inspected image against its original-size mask (see ``RegionCounts``): the map
    /// smoothed as `inspect` smooths it, cut at the profile's region level. `nil` without a level, for a
    /// defective image without a mask, or when the mask's size differs from the image's.
    static func regionCounts(_ map: Image, sample: DatasetSample, profile: Profile, minArea: Int) throws -> RegionCounts? {
        guard let level = profile.header.regionLevel else { return nil }
        var mask: [UInt8]? = nil
        if let m = sample.maskPath {
            let image = try ImageCodec.loadMask(path: m.path)
            guard image.width == map.width, image.height == map.height else { return nil }
            mask = stride(from: 0, to: image.samples.count, by: image.channels).map { image.samples[$0] }
        } else if sample.isAnomalous {
            return nil
        }
        let sigma = profile.spec.sigma
        let smoothed = sigma > 0 ? GaussianBlur.apply(map.samples, width: map.width, height: map.height, sigma: sigma) : map.samples
        return RegionCounts.image(map: smoothed, mask: mask, width: map.width, height: map.height, level: Float(level),
                                  peakFraction: profile.spec.regionPeakFraction,
                                  minArea: minArea, flagged: true)
    }
}
