import Foundation
import NN
import Tensor

/// Everything an inspection needs to know about one product, built once from its k good reference
/// images: the reference features at every scale and depth the recipe reads (augmented), the calibration of
/// each evidence channel from the references' own normal scores, the channel weights learned from synthetic
/// anomalies of those references, and the decision threshold. Saved to one versioned file.
public final class Profile: @unchecked Sendable {
    public static let formatVersion = 2

    /// What the file's metadata holds besides the tensors.
    public struct Header: Codable, Sendable, Equatable {
        public var format = "vtfusion-profile"
        public var version = Profile.formatVersion
        public var model: String
        public var spec: EvidenceSpec
        public var object: String?
        public var references: [String]
        public var calibration: EvidenceCalibration
        /// Combined scores of the references' normal calibration samples and of the synthetic anomalies.
        public var normalScores: [Double]
        public var syntheticScores: [Double]
        /// Whether the normal score is a single reference scored against itself (k = 1).
        public var selfScored: Bool
        /// Map values (same units as the map) at the 1st and 99.9th percentile of the normal samples' maps.
        public var mapRange: [Double]
        public var threshold: ThresholdChoice?
        /// The calibrated decision (normal samples, tail, rule); `nil` for a profile that cannot have one.
        public var decision: DecisionCalibration?
        /// Map level defect regions are cut at: the highest value of the normal samples' (smoothed) maps.
        public var regionLevel: Double?
        /// Whether images are scored on their foreground only (``EvidenceSpec/foregroundMask``, decided from
        /// the references); `nil` in profiles written before: the recipe's flag.
        public var foregroundMasked: Bool?
    }

    public internal(set) var header: Header
    public let references: ReferenceSet

    init(header: Header, references: ReferenceSet) {
        self.header = header
        self.references = references
    }

    public var spec: EvidenceSpec { header.spec }
    public var calibration: EvidenceCalibration { header.calibration }
    public var referenceCount: Int { references.count }
    public var threshold: ThresholdChoice? { header.threshold }
    public var decision: DecisionCalibration? { header.decision }

    /// Replaces the decision threshold (e.g. one given by hand or from a labelled validation set).
    public func setThreshold(_ t: ThresholdChoice?) { header.threshold = t }

    /// Re-aims the calibrated decision at another rule (target false-alarm rate, sensitivity) and sets the
    /// threshold from it; the normal samples and the tail stay.
    public func setRule(_ rule: DecisionRule) {
        guard let d = header.decision else { return }
        let updated = DecisionCalibration(normalScores: d.normalScores, referenceCount: d.referenceCount, tail: d.tail, rule: rule)
        header.decision = updated
        header.threshold = ThresholdChoice.calibrated(updated)
    }

    // MARK: - Persistence

    /// Writes the profile to one safetensors file (tensors: banks and statistics; metadata: the header).
    public func save(to url: URL) throws {
        var tensors: [String: Tensor] = [:]
        for (key, banks) in references.banks { for (r, b) in banks.enumerated() { tensors["bank.\(key).\(r)"] = b } }
        for (key, stats) in references.statistics {
            for (r, s) in stats.enumerated() { tensors["mean.\(key).\(r)"] = s.mean; tensors["cov.\(key).\(r)"] = s.covariance }
        }
        let json = String(decoding: try JSONEncoder().encode(header), as: UTF8.self)
        try Safetensors.write(tensors, metadata: ["format": "vtfusion-profile", "header": json], to: url)
    }

    /// Reads a profile written by ``save(to:)``.
    public static func load(from url: URL) throws -> Profile {
        let file = try SafetensorsFile(url: url)
        guard file.metadata["format"] == "vtfusion-profile", let json = file.metadata["header"] else {
            throw InspectionError.invalidProfile(path: url.path, reason: "metadata 'format' is not vtfusion-profile")
        }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(json.utf8)) } catch {
            throw InspectionError.invalidProfile(path: url.path, reason: "header: \(error)")
        }
        guard header.version == formatVersion else {
            throw InspectionError.invalidProfile(path: url.path, reason: "version \(header.version); this build reads \(formatVersion)")
        }
        let tensors = try file.tensors()
        let k = header.references.count
        var banks: [String: [Tensor]] = [:], stats: [String: [FeatureStatistics]] = [:]
        for c in header.spec.channels {
            let key = ReferenceSet.key(c.scale, c.layer)
            switch c.kind {
            case .patchKNN, .meanKNN:
                banks[key] = try (0..<k).map { r in
                    guard let t = tensors["bank.\(key).\(r)"], t.rank == 2 else {
                        throw InspectionError.invalidProfile(path: url.path, reason: "missing tensor bank.\(key).\(r)")
                    }
                    return t
                }
            case .featureStats:
                stats[key] = try (0..<k).map { r in
                    guard let m = tensors["mean.\(key).\(r)"], let cv = tensors["cov.\(key).\(r)"], m.rank == 1,
                          cv.shape == [m.shape[0], m.shape[0]] else {
                        throw InspectionError.invalidProfile(path: url.path, reason: "missing or malformed statistics \(key).\(r)")
                    }
                    return FeatureStatistics(mean: m, covariance: cv)
                }
            }
        }
        guard header.calibration.channels.count == header.spec.channels.count else {
            throw InspectionError.invalidProfile(path: url.path, reason: "calibration has \(header.calibration.channels.count) channels for \(header.spec.channels.count)")
        }
        return Profile(header: header, references: ReferenceSet(banks: banks, statistics: stats, count: k,
                                                                   masked: header.foregroundMasked ?? header.spec.foregroundMask))
    }
}
