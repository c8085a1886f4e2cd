import Foundation
import Inspection

/// What a profile's calibration says, stored with its row and returned by the API.
public struct CalibrationSummary: Codable, Sendable, Equatable {
    public var normalScores: [Double]
    public var syntheticScores: [Double]
    public var selfScored: Bool
    public var thresholdMethod: String?
    public var targetFalseAlarmRate: Double?
    public var mapRange: [Double]
    public var channels: [String]

    public init(normalScores: [Double], syntheticScores: [Double], selfScored: Bool, thresholdMethod: String?, targetFalseAlarmRate: Double?, mapRange: [Double], channels: [String]) {
        self.normalScores = normalScores; self.syntheticScores = syntheticScores; self.selfScored = selfScored; self.thresholdMethod = thresholdMethod; self.targetFalseAlarmRate = targetFalseAlarmRate; self.mapRange = mapRange; self.channels = channels
    }
}

/// One profile row: the current version's file and what it was built from.
public struct ProfileRecord: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var object: String?
    public var version: Int
    public var model: String
    public var threshold: Double?
    public var referenceBlobs: [String]
    public var summary: CalibrationSummary
    /// The profile file, relative to the data folder (`profiles/ID-vN.safetensors`).
    public var file: String
    public var createdAt: Double
    public var updatedAt: Double

    public init(id: String, name: String, object: String?, version: Int, model: String, threshold: Double?, referenceBlobs: [String], summary: CalibrationSummary, file: String, createdAt: Double, updatedAt: Double) {
        self.id = id; self.name = name; self.object = object; self.version = version; self.model = model; self.threshold = threshold; self.referenceBlobs = referenceBlobs; self.summary = summary; self.file = file; self.createdAt = createdAt; self.updatedAt = updatedAt
    }
}

/// One inspected image.
public struct InspectionRecord: Codable, Sendable, Equatable {
    public var id: String
    public var profileID: String
    public var profileVersion: Int
    public var model: String
    public var score: Double
    /// "ok", "ng", or "none" when the profile has no threshold.
    public var decision: String
    public var threshold: Double?
    public var families: [String: Double]
    public var imageBlob: String
    public var mapBlob: String
    public var overlayBlob: String
    public var filename: String?
    public var width: Int
    public var height: Int
    /// Milliseconds per phase (queue, model, pictures).
    public var timings: [String: Double]
    public var createdAt: Double
    /// The profile's calibrated estimate of the fraction of good parts scoring at least this high (nil for a
    /// profile without a calibrated decision).
    public var falseAlarmRate: Double?
    /// 0...1 with the decision at 0.5 (nil without a calibrated decision).
    public var normalizedScore: Double?
    /// Defect regions in original pixels, largest peak first, with ranked defect names when the service names them.
    public var regions: [DefectRegion]

    public init(id: String, profileID: String, profileVersion: Int, model: String, score: Double, decision: String, threshold: Double?, families: [String: Double], imageBlob: String, mapBlob: String, overlayBlob: String, filename: String?, width: Int, height: Int, timings: [String: Double], createdAt: Double,
                falseAlarmRate: Double? = nil, normalizedScore: Double? = nil, regions: [DefectRegion] = []) {
        self.id = id; self.profileID = profileID; self.profileVersion = profileVersion; self.model = model; self.score = score; self.decision = decision; self.threshold = threshold; self.families = families; self.imageBlob = imageBlob; self.mapBlob = mapBlob; self.overlayBlob = overlayBlob; self.filename = filename; self.width = width; self.height = height; self.timings = timings; self.createdAt = createdAt
        self.falseAlarmRate = falseAlarmRate; self.normalizedScore = normalizedScore; self.regions = regions
    }
}

/// Permission of an API key.
public enum Scope: String, Codable, Sendable, CaseIterable, Comparable {
    /// Read profiles, inspections and their images.
    case read
    /// Read, and inspect images.
    case inspect
    /// Everything: create, replace and delete profiles.
    case admin

    var rank: Int { switch self { case .read: 0; case .inspect: 1; case .admin: 2 } }
    public static func < (a: Scope, b: Scope) -> Bool { a.rank < b.rank }
}

/// An API key; only the SHA-256 of the secret is stored.
public struct APIKeyRecord: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var hash: String
    public var scope: Scope
    public var createdAt: Double
    public var revokedAt: Double?

    public init(id: String, name: String, hash: String, scope: Scope, createdAt: Double, revokedAt: Double?) {
        self.id = id; self.name = name; self.hash = hash; self.scope = scope; self.createdAt = createdAt; self.revokedAt = revokedAt
    }
}

/// One change to a profile (create, replace, delete), with the key that made it.
public struct AuditRecord: Codable, Sendable, Equatable {
    public var id: String
    public var at: Double
    public var actor: String
    public var action: String
    public var profileID: String
    public var detail: String

    public init(id: String, at: Double, actor: String, action: String, profileID: String, detail: String) {
        self.id = id; self.at = at; self.actor = actor; self.action = action; self.profileID = profileID; self.detail = detail
    }
}

/// A filter and page of `GET /v1/inspections`.
public struct InspectionQuery: Sendable, Equatable {
    public var profileID: String?
    public var since: Double?
    public var decision: String?
    public var limit = 50
    public var offset = 0
    public init() {}
}

enum IDs {
    static func make(_ prefix: String) -> String {
        prefix + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
    static var now: Double { Date().timeIntervalSince1970 }
}
