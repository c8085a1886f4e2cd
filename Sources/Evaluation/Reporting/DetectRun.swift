import Foundation
import Imaging
import Tensor
import VTFusion

/// A model behind `vtfusion detect`: fitted on normal references, then scoring images.
///
/// Implementations: the VTFusion detector (backbone + head), or any stand-in (tests use a brightness
/// scorer). `anomalyMap` must cover the whole input image (a scorer that crops maps its map back).
public protocol ImageScorer: AnyObject {
    /// Replaces the reference set (k >= 1 normal images).
    func fit(references: [Image8]) throws
    /// Scores images against the current references, one result per image, in order.
    func inspect(_ images: [Image8]) throws -> [InspectionResult]
}

/// How the decision threshold of a run is set.
public enum ThresholdPolicy: Sendable, Equatable {
    /// From the references alone (``ReferenceThreshold``); `syntheticPerReference` synthetic anomalies per
    /// reference (0 = none; with k = 1 at least one is used).
    case references(ReferenceThreshold, syntheticPerReference: Int)
    /// Given by the user.
    case manual(Double)
    /// The F1-optimal threshold on a labelled validation set (image paths and `true` = anomalous), scored
    /// against the references.
    case validation(images: [String], labels: [Bool])
    /// Scores only, no decision.
    case none
}

/// Settings of one detection run.
public struct DetectSettings: Sendable {
    public var references: [String]
    public var images: [String]
    public var output: URL
    public var force: Bool = false
    public var threshold: ThresholdPolicy = .references(ReferenceThreshold(), syntheticPerReference: 2)
    /// Map normalisation; `nil` picks `.references` with k >= 2 and `.run` otherwise.
    public var mapRange: MapRangePolicy? = nil
    public var formats: DetectionWriter.MapFormats = .png
    /// Images decoded and inspected together.
    public var batchSize: Int = 4
    /// Recorded in `results.json`.
    public var toolVersion: String = "unknown"
    public var commandLine: [String] = []
    public var backbone: String?
    public var checkpoint: String?
    public var object: String?
    /// Seed of the synthetic anomalies.
    public var seed: UInt64 = 0
    /// Known ground truth per image path (`true` = anomalous), recorded in the entries (e.g. benchmark runs).
    public var labels: [String: Bool] = [:]
    /// Ground-truth mask per image path, shown as the panels' last column.
    public var groundTruth: [String: String] = [:]

    public init(references: [String], images: [String], output: URL) {
        self.references = references; self.images = images; self.output = output
    }
}

/// Errors that stop a whole run (a bad test image does not: it is recorded and skipped).
public enum DetectRunError: Error, LocalizedError, CustomStringConvertible {
    case reference(path: String, reason: String)
    /// A `--validation` image could not be read.
    case validation(path: String, reason: String)
    case scorer(String)
    case wrongResultCount(expected: Int, got: Int)

    public var description: String {
        switch self {
        case .reference(let p, let r): return "reference \(p): \(r)"
        case .validation(let p, let r): return "validation image \(p): \(r)"
        case .scorer(let m): return "model failed: \(m)"
        case .wrongResultCount(let e, let g): return "scorer returned \(g) results for \(e) images"
        }
    }

    public var errorDescription: String? { description }
}

/// One `vtfusion detect` run: references -> threshold and map range -> inspect every image (a bad image is
/// recorded with its error and skipped) -> pictures -> `results.json` / `results.csv`.
///
/// Memory: with a range known before the test images (`.references`, `.fixed`) pictures are written as
/// each batch is scored, so memory stays bounded by the batch; with `.run` every map is kept (at the
/// scorer's map resolution) until the end, then the images are decoded again for the pictures.
public final class DetectRun {
    public let scorer: ImageScorer
    public let settings: DetectSettings
    /// Called after each image with `(done, total, phase)`; phases "references", "images", "pictures".
    public var progress: ((Int, Int, String) -> Void)?
    /// Messages for the user (threshold rule, skipped files).
    public var log: (String) -> Void = { _ in }

    public init(scorer: ImageScorer, settings: DetectSettings) {
        self.scorer = scorer
        self.settings = settings
    }

    /// Runs everything and returns what was written to `results.json`.
    public func run() throws -> DetectionResults {
        let s = settings
        try OutputDirectory.prepare(s.output, force: s.force)
        let refs = try s.references.map { path -> Image8 in
            do { return try ImageCodec.decode(path: path) } catch {
                throw DetectRunError.reference(path: path, reason: Self.message(error))
            }
        }
        guard !refs.isEmpty else { throw ReferenceThresholdError.noReferences }

        // Leave-one-out scores and maps of the references (k >= 2).
        var looScores: [Float] = []
        var looMaps: [Image] = []
        if refs.count >= 2 {
            for i in refs.indices {
                try scorer.fit(references: refs.indices.filter { $0 != i }.map { refs[$0] })
                let r = try inspectChecked([refs[i]])[0]
                looScores.append(r.score)
                looMaps.append(DetectionWriter.image(r.anomalyMap))
                progress?(i + 1, refs.count, "references")
            }
        }
        try scorer.fit(references: refs)
        let threshold = try chooseThreshold(refs: refs, looScores: looScores)
        if let t = threshold { log("Threshold: \(t)") }

        let policy = s.mapRange ?? (refs.count >= 2 ? .references : .run)
        var range: DetectionResults.MapRange? = nil
        switch policy {
        case .references where !looMaps.isEmpty: range = policy.range(maps: looMaps)
        case .fixed: range = policy.range(maps: [])
        default: break
        }
        let stems = OutputDirectory.uniqueStems(for: s.images)
        var entries = s.images.map { DetectionResults.Entry(path: $0, label: s.labels[$0]) }
        var pending: [(index: Int, map: Image)] = []
        var done = 0

        var start = 0
        while start < s.images.count {
            let batch = Array(start..<min(start + max(1, s.batchSize), s.images.count))
            start = batch.last! + 1
            var decoded: [(Int, Image8)] = []
            for i in batch {
                do { decoded.append((i, try ImageCodec.decode(path: s.images[i]))) } catch {
                    entries[i].error = Self.message(error)
                }
            }
            for (i, image, result) in try inspectIsolating(decoded, entries: &entries) {
                guard result.score.isFinite else { entries[i].error = "model returned a non-finite score"; continue }
                entries[i].score = Double(result.score)
                if let t = threshold { entries[i].anomalous = Double(result.score) >= t.threshold }
                let map = DetectionWriter.image(result.anomalyMap)
                if let range {
                    writePictures(i, stem: stems[i], image: image, map: map, range: range, entries: &entries)
                } else {
                    pending.append((i, map))
                }
            }
            done += batch.count
            progress?(done, s.images.count, "images")
        }

        if range == nil {
            range = MapRangePolicy.run.range(maps: pending.map(\.map))
            for (n, p) in pending.enumerated() {
                do {
                    let image = try ImageCodec.decode(path: s.images[p.index])
                    writePictures(p.index, stem: stems[p.index], image: image, map: p.map, range: range!, entries: &entries)
                } catch { entries[p.index].error = Self.message(error) }
                progress?(n + 1, pending.count, "pictures")
            }
        }

        let results = DetectionResults(toolVersion: s.toolVersion, commandLine: s.commandLine, backbone: s.backbone,
                                       checkpoint: s.checkpoint, object: s.object, references: s.references,
                                       threshold: threshold, mapRange: range, mapFormats: s.formats.names,
                                       entries: entries)
        try results.write(to: s.output)
        return results
    }

    private func writePictures(_ i: Int, stem: String, image: Image8, map: Image,
                               range: DetectionResults.MapRange, entries: inout [DetectionResults.Entry]) {
        let writer = DetectionWriter(directory: settings.output, range: range, formats: settings.formats)
        do {
            let truth = try settings.groundTruth[settings.images[i]].map { try ImageCodec.decode(path: $0) }
            entries[i].files = try writer.write(stem: stem, image: image, map: map, groundTruth: truth)
        } catch {
            entries[i].error = "writing pictures: " + Self.message(error)
        }
    }

    private func chooseThreshold(refs: [Image8], looScores: [Float]) throws -> ThresholdChoice? {
        switch settings.threshold {
        case .none: return nil
        case .manual(let v): return ReferenceThreshold.manual(v)
        case .validation(let paths, let labels):
            var scores: [Double] = []
            for path in paths {
                let image: Image8
                do { image = try ImageCodec.decode(path: path) } catch {
                    throw DetectRunError.validation(path: path, reason: Self.message(error))
                }
                scores.append(Double(try inspectChecked([image])[0].score))
            }
            return try ReferenceThreshold.f1Optimal(scores: scores, labels: labels)
        case .references(let rule, let perReference):
            let count = refs.count == 1 ? max(perReference, 4) : perReference
            var synthetic: (() throws -> [Float])? = nil
            if count > 0 {
                synthetic = { [self] in try self.syntheticScores(refs: refs, count: count) }
            }
            if refs.count == 1 {
                return try rule.estimate(referenceCount: 1, score: { [self] i, _ in try inspectChecked([refs[i]])[0].score },
                                         synthetic: synthetic)
            }
            return try rule.estimate(referenceCount: refs.count, score: { i, _ in looScores[i] }, synthetic: synthetic)
        }
    }

    /// Scores of `count` synthetic anomalies per reference. With k >= 2 each reference's anomalies are scored
    /// leave-one-out, against the other references only (scored against a memory that holds the image they
    /// were made from, everything outside the defect matches exactly and they would look too normal); the
    /// scorer is fitted to all references again afterwards. With k = 1 they are scored against the reference.
    func syntheticScores(refs: [Image8], count: Int) throws -> [Float] {
        guard refs.count >= 2 else { return try inspectChecked(syntheticAnomalies(of: refs, count: count)).map(\.score) }
        var scores: [Float] = []
        for i in refs.indices {
            try scorer.fit(references: refs.indices.filter { $0 != i }.map { refs[$0] })
            scores += try inspectChecked(syntheticAnomalies(of: [refs[i]], count: count, firstIndex: i)).map(\.score)
        }
        try scorer.fit(references: refs)
        return scores
    }

    /// `count` synthetic anomalies per reference: DRAEM-style Perlin masks (threshold 0.3, scales 2^0..2^4,
    /// so blobs cover a visible part) over a grid-shuffled copy, or CutPaste scars; opacity 0.5...1; no
    /// external textures. Made with the longer side scaled into 256...512 px. Deterministic in `seed`.
    func syntheticAnomalies(of refs: [Image8], count: Int, firstIndex: Int = 0) -> [Image8] {
        var config = SynthesisConfig()
        config.threshold = 0.3
        config.perlinScales = 0...4
        config.opacity = 0.5...1
        config.minimumArea = 0.005
        let synth = AnomalySynthesizer(textures: nil, config: config)
        var out: [Image8] = []
        for (r, ref) in refs.enumerated() {
            var img = ref.rgb()
            let longer = max(img.width, img.height)
            let target = min(max(longer, 256), 512)
            if target != longer {
                let f = Double(target) / Double(longer)
                img = img.resized(width: max(1, Int((Double(img.width) * f).rounded())),
                                  height: max(1, Int((Double(img.height) * f).rounded())), filter: .bilinear)
            }
            let base = img.toFloat()
            for j in 0..<count {
                let a = synth.synthesize(base, seed: settings.seed &+ UInt64((firstIndex + r) * 1000 + j))
                if a.isAnomalous { out.append(a.image.toUInt8()) }
            }
        }
        return out
    }

    /// A user-facing message: the error's own description for the project's typed errors, else Foundation's.
    static func message(_ error: Error) -> String {
        if let e = error as? LocalizedError, let d = e.errorDescription { return d }
        if type(of: error) == NSError.self { return error.localizedDescription }
        return "\(error)"
    }

    private func inspectChecked(_ images: [Image8]) throws -> [InspectionResult] {
        if images.isEmpty { return [] }
        let results: [InspectionResult]
        do { results = try scorer.inspect(images) } catch { throw DetectRunError.scorer(Self.message(error)) }
        guard results.count == images.count else { throw DetectRunError.wrongResultCount(expected: images.count, got: results.count) }
        return results
    }

    /// Inspects a batch; when the batch fails, retries image by image so that one bad image only fails itself.
    private func inspectIsolating(_ decoded: [(Int, Image8)], entries: inout [DetectionResults.Entry])
        throws -> [(Int, Image8, InspectionResult)] {
        if let results = try? inspectChecked(decoded.map(\.1)) {
            return zip(decoded, results).map { ($0.0, $0.1, $1) }
        }
        var out: [(Int, Image8, InspectionResult)] = []
        for (i, image) in decoded {
            do {
                out.append((i, image, try inspectChecked([image])[0]))
            } catch { entries[i].error = Self.message(error) }
        }
        return out
    }
}
