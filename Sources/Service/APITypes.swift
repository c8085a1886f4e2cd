import Foundation
import Hummingbird
import Inspection
import NIOCore

/// The JSON bodies of the API (snake_case keys; times in ISO 8601 UTC).
enum API {
    struct Links: Encodable {
        var `self`: String
        var inspect: String?
        var image: String?
        var map: String?
        var overlay: String?
    }

    struct ProfileBody: Encodable {
        var id: String
        var name: String
        var object: String?
        var version: Int
        var model: String
        var threshold: Double?
        var referenceCount: Int
        var calibration: CalibrationSummary
        var createdAt: String
        var updatedAt: String
        var links: Links

        init(_ r: ProfileRecord) {
            id = r.id; name = r.name; object = r.object; version = r.version; model = r.model; threshold = r.threshold
            referenceCount = r.referenceBlobs.count; calibration = r.summary
            createdAt = API.time(r.createdAt); updatedAt = API.time(r.updatedAt)
            links = Links(self: "/v1/profiles/\(r.id)", inspect: "/v1/profiles/\(r.id)/inspect")
        }
    }

    struct InspectionBody: Encodable {
        var id: String
        var profileId: String
        var profileVersion: Int
        var model: String
        var score: Double
        var decision: String
        var threshold: Double?
        var familyScores: [String: Double]
        /// The profile's calibrated estimate of the fraction of good parts scoring at least this high.
        var falseAlarmRate: Double?
        /// 0...1, decision at 0.5.
        var normalizedScore: Double?
        var regions: [DefectRegion]
        var filename: String?
        var width: Int
        var height: Int
        var timingsMs: [String: Double]
        var createdAt: String
        var links: Links
        /// With `?include=overlay`: the overlay PNG, base64.
        var overlayPng: String?

        init(_ r: InspectionRecord, overlay: [UInt8]? = nil) {
            id = r.id; profileId = r.profileID; profileVersion = r.profileVersion; model = r.model; score = r.score
            decision = r.decision; threshold = r.threshold; familyScores = r.families; filename = r.filename
            falseAlarmRate = r.falseAlarmRate; normalizedScore = r.normalizedScore; regions = r.regions
            width = r.width; height = r.height; createdAt = API.time(r.createdAt)
            timingsMs = r.timings.mapValues { ($0 * 1000).rounded() / 1000 }.reduce(into: [:]) { $0[String($1.key.dropLast(3))] = $1.value }
            let base = "/v1/inspections/\(r.id)"
            links = Links(self: base, image: base + "/image", map: base + "/map", overlay: base + "/overlay")
            overlayPng = overlay.map { Data($0).base64EncodedString() }
        }
    }

    struct InspectResult: Encodable { var results: [InspectionBody] }
    struct ProfileList: Encodable { var profiles: [ProfileBody] }
    struct InspectionPage: Encodable {
        var inspections: [InspectionBody]
        var limit: Int
        var offset: Int
        var next: String?
    }
    struct AuditBody: Encodable {
        var at: String
        var actor: String
        var action: String
        var detail: String
    }
    struct AuditList: Encodable { var audit: [AuditBody] }
    struct Status: Encodable {
        var status: String
        var model: String?
        var database: String?
    }

    static func time(_ t: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: t))
    }

    static func parseTime(_ s: String) -> Double? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d.timeIntervalSince1970 }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)?.timeIntervalSince1970
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? e.encode(value)) ?? Data("{}".utf8)
        var h = headers
        h[.contentType] = "application/json"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func bytes(_ b: [UInt8], type: String, status: HTTPResponse.Status = .ok, cache: Bool = false) -> Response {
        var h: HTTPFields = [.contentType: type]
        if cache { h[.cacheControl] = "private, max-age=31536000, immutable" }
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: b)))
    }
}
