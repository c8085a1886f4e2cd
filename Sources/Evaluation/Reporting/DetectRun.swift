import Inspection
import Foundation
import Imaging
import Tensor
import VTFusion

/// How the decision threshold of a run is set.
public enum ThresholdPolicy: Sendable, Equatable {
    /// From the references alone: the profile's calibrated decision (``DecisionCalibration``: normal
    /// samples from the references and their augmented views, a learned tail) at this rule's target.
    case references(DecisionRule)
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
    public var threshold: ThresholdPolicy = .references(DecisionRule())
    /// Defect regions smaller than this many pixels are not reported.
    public var minRegionArea: Int = 16
    /// Names each defect region with its most likely defect names (nil: regions are not named).
    public var naming: DefectNaming? = nil
    /// Map normalisation; `nil` picks `.references` (the profile's normal maps).
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
    /// A profile built earlier (`profile.safetensors`) to use instead of building one from `references`.
    public var profile: URL?
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

/// One `vtfusion detect` run: references -> one profile (features, calibration, threshold, map range; saved as
/// `profile.safetensors`) -> inspect every image (a bad image is recorded with its error and skipped) ->
/// pictures -> `results.json` / `results.csv`. The backbone runs once per reference per scale (plus the
/// profile's synthetic anomalies) and once per test image per scale.
///
/// Memory: with a range known before the test images (`.references`, `.fixed`) pictures are written as
/// each batch is scored, so memory stays bounded by the batch; with `.run` every map is kept until the
/// end, then the images are decoded again for the pictures.
public final class DetectRun {
    public let model: InspectionModel
    public let settings: DetectSettings
    /// Called after each image with `(done, total, phase)`; phases "references", "images", "pictures".
    public var progress: ((Int, Int, String) -> Void)?
    /// Messages for the user (threshold rule, skipped files).
    public var log: (String) -> Void = { _ in }
    /// The profile of the last run.
    public private(set) var profile: Profile?

    public init(model: InspectionModel, settings: DetectSettings) {
        self.model = model
        self.settings = settings
    }

    /// Runs everything and returns what was written to `results.json`.
    public func run() throws -> DetectionResults {
        let s = settings
        try OutputDirectory.prepare(s.output, force: s.force)
        let t0 = Date()
        let profile = try makeProfile()
        self.profile = profile
        log(String(format: "profile: %d references, built in %.2f s", profile.referenceCount, Date().timeIntervalSince(t0)))
        if profile.references.masked {
            let scope = profile.spec.foregroundScope == .patchMaps ? "the patch maps read" : "every channel reads"
            log("foreground mask: on (the references look like an object on a background; \(scope) the object only)")
        }
        let threshold = try chooseThreshold(profile)
        profile.setThreshold(threshold)
        if let t = threshold { log("Threshold: \(t)") }
        try profile.save(to: s.output.appendingPathComponent("profile.safetensors"))

        let policy = s.mapRange ?? .references
        var range: DetectionResults.MapRange? = nil
        switch policy {
        case .references:
            let (lo, top) = (profile.header.mapRange[0], profile.header.mapRange[1])
            let hi = max(top + (top - lo), lo + 1e-6)
            range = .init(lo: lo, hi: hi, contourLevel: top, source: "references")
        case .fixed: range = policy.range(maps: [])
        case .run: break
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
            for (i, image, result) in inspectIsolating(decoded, profile: profile, entries: &entries) {
                guard result.score.isFinite else { entries[i].error = "model returned a non-finite score"; continue }
                entries[i].score = result.score
                if let t = threshold { entries[i].anomalous = result.score >= t.threshold }
                entries[i].families = result.familyScores
                entries[i].falseAlarmRate = result.falseAlarmRate
                entries[i].normalizedScore = result.normalizedScore
                entries[i].regions = result.regions
                if let range {
                    writePictures(i, stem: stems[i], image: image, map: result.map, range: range, entries: &entries)
                } else {
                    pending.append((i, result.map))
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

        var results = DetectionResults(toolVersion: s.toolVersion, commandLine: s.commandLine, backbone: s.backbone,
                                       checkpoint: s.checkpoint, object: s.object, references: s.references,
                                       threshold: threshold, mapRange: range, mapFormats: s.formats.names,
                                       entries: entries)
        results.decision = profile.decision
        try results.write(to: s.output)
        return results
    }

    /// The profile: loaded from ``DetectSettings/profile``, or built from the references (once).
    func makeProfile() throws -> Profile {
        let s = settings
        if let url = s.profile {
            let p = try Profile.load(from: url)
            progress?(p.referenceCount, p.referenceCount, "references")
            return p
        }
        let refs = try s.references.map { path -> Image8 in
            do { return try ImageCodec.decode(path: path) } catch {
                throw DetectRunError.reference(path: path, reason: Self.message(error))
            }
        }
        guard !refs.isEmpty else { throw ReferenceThresholdError.noReferences }
        var options = InspectionModel.ProfileOptions()
        options.seed = s.seed
        if case .references(let rule) = s.threshold { options.rule = rule }
        let profile: Profile
        do { profile = try model.makeProfile(references: refs, names: s.references, object: s.object, options: options) } catch {
            throw DetectRunError.scorer(Self.message(error))
        }
        progress?(refs.count, refs.count, "references")
        return profile
    }

    private func writePictures(_ i: Int, stem: String, image: Image8, map: Image,
                               range: DetectionResults.MapRange, entries: inout [DetectionResults.Entry]) {
        let writer = DetectionWriter(directory: settings.output, range: range, formats: settings.formats)
        do {
            let truth = try settings.groundTruth[settings.images[i]].map { try ImageCodec.decode(path: $0) }
            entries[i].files = try writer.write(stem: stem, image: image, map: map, groundTruth: truth,
                                                regions: entries[i].anomalous == true ? entries[i].regions ?? [] : [])
        } catch {
            entries[i].error = "writing pictures: " + Self.message(error)
        }
    }

    private func chooseThreshold(_ profile: Profile) throws -> ThresholdChoice? {
        switch settings.threshold {
        case .none: return nil
        case .manual(let v): return ThresholdChoice.manual(v)
        case .validation(let paths, let labels):
            var scores: [Double] = []
            for path in paths {
                let image: Image8
                do { image = try ImageCodec.decode(path: path) } catch {
                    throw DetectRunError.validation(path: path, reason: Self.message(error))
                }
                scores.append(try inspectChecked([image], profile: profile)[0].score)
            }
            return try Thresholds.f1Optimal(scores: scores, labels: labels)
        case .references(let rule):
            try rule.validate()
            guard profile.decision != nil else { return profile.threshold }
            if profile.decision?.rule != rule { profile.setRule(rule) }
            return profile.threshold
        }
    }

    /// A user-facing message: the error's own description for the project's typed errors, else Foundation's.
    static func message(_ error: Error) -> String {
        if let e = error as? LocalizedError, let d = e.errorDescription { return d }
        if type(of: error) == NSError.self { return error.localizedDescription }
        return "\(error)"
    }

    private func inspectChecked(_ images: [Image8], profile: Profile) throws -> [Inspection] {
        if images.isEmpty { return [] }
        let results: [Inspection]
        do { results = try model.inspect(images, profile: profile, minRegionArea: settings.minRegionArea, naming: settings.naming) } catch { throw DetectRunError.scorer(Self.message(error)) }
        guard results.count == images.count else { throw DetectRunError.wrongResultCount(expected: images.count, got: results.count) }
        return results
    }

    /// Inspects a batch; when the batch fails, retries image by image so that one bad image only fails itself.
    private func inspectIsolating(_ decoded: [(Int, Image8)], profile: Profile,
                                  entries: inout [DetectionResults.Entry]) -> [(Int, Image8, Inspection)] {
        if let results = try? inspectChecked(decoded.map(\.1), profile: profile) {
            return zip(decoded, results).map { ($0.0, $0.1, $1) }
        }
        var out: [(Int, Image8, Inspection)] = []
        for (i, image) in decoded {
            do {
                out.append((i, image, try inspectChecked([image], profile: profile)[0]))
            } catch { entries[i].error = Self.message(error) }
        }
        return out
    }
}
