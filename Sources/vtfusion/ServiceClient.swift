import Evaluation
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Inspection

/// A failed call to `vtfusion serve`: the status and the problem's detail (or why no answer came).
struct ServiceClientError: Error, CustomStringConvertible {
    var status: Int
    var detail: String
    var description: String { status == 0 ? detail : "HTTP \(status): \(detail)" }
}

/// The few calls `vtfusion inspect --server` makes, with the API's snake_case bodies decoded.
struct ServiceClient: Sendable {
    var base: String
    var key: String

    /// What a profile says about how its inspections are decided and drawn.
    struct ProfileInfo: Decodable {
        struct Calibration: Decodable {
            var normalScores: [Double]
            var thresholdMethod: String?
            var targetFalseAlarmRate: Double?
            var mapRange: [Double]
        }
        var id: String
        var version: Int
        var model: String
        var object: String?
        var threshold: Double?
        var referenceCount: Int
        var calibration: Calibration

        var thresholdChoice: ThresholdChoice? {
            threshold.map {
                ThresholdChoice(threshold: $0, method: calibration.thresholdMethod.flatMap(ThresholdChoice.Method.init(rawValue:)) ?? .calibrated,
                                sampleCount: calibration.normalScores.count, targetFalseAlarmRate: calibration.targetFalseAlarmRate,
                                achievedFalseAlarmRate: nil, f1: nil)
            }
        }

        /// The map scaling the service's PNGs use (lo = references' low percentile, contour at their high one).
        var mapRange: DetectionResults.MapRange? {
            guard let lo = calibration.mapRange.first else { return nil }
            let top = calibration.mapRange.count > 1 ? calibration.mapRange[1] : lo + 1
            return DetectionResults.MapRange(lo: lo, hi: max(top + (top - lo), lo + 1e-6), contourLevel: top, source: "references")
        }
    }

    /// One inspection result.
    struct Result: Decodable {
        struct Links: Decodable { var map: String; var overlay: String }
        var id: String
        var score: Double
        var decision: String
        var threshold: Double?
        var familyScores: [String: Double]
        var falseAlarmRate: Double?
        var normalizedScore: Double?
        var regions: [DefectRegion]
        var links: Links
    }

    func profile(_ id: String) async throws -> ProfileInfo {
        let (data, _) = try await call("GET", "/v1/profiles/\(id)")
        return try decode(ProfileInfo.self, data)
    }

    /// Inspects one image (sent as the body); the result and its raw JSON.
    func inspect(_ profile: String, bytes: [UInt8]) async throws -> (Result, Data) {
        let (data, _) = try await call("POST", "/v1/profiles/\(profile)/inspect", body: bytes)
        struct Envelope: Decodable { var results: [Result] }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let first = (object["results"] as? [Any])?.first,
              let r = try decode(Envelope.self, data).results.first else {
            throw ServiceClientError(status: 200, detail: "the server's answer has no result")
        }
        return (r, try JSONSerialization.data(withJSONObject: first, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    /// The bytes at a path the API linked to.
    func get(_ path: String) async throws -> [UInt8] { [UInt8](try await call("GET", path).0) }

    func call(_ method: String, _ path: String, body: [UInt8]? = nil) async throws -> (Data, HTTPURLResponse) {
        guard let url = URL(string: base + path) else { throw ServiceClientError(status: 0, detail: "\(base + path): not a URL") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        if let body {
            request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body)
        }
        request.timeoutInterval = 300
        let data: Data, response: URLResponse
        do { (data, response) = try await URLSession.shared.data(for: request) } catch {
            throw ServiceClientError(status: 0, detail: "\(base): \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else { throw ServiceClientError(status: 0, detail: "\(base): not an HTTP answer") }
        guard (200..<300).contains(http.statusCode) else {
            let problem = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            throw ServiceClientError(status: http.statusCode, detail: problem?["detail"] as? String ?? "no detail")
        }
        return (data, http)
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        do { return try d.decode(type, from: data) } catch {
            throw ServiceClientError(status: 200, detail: "the server's answer is not a \(T.self): \(error)")
        }
    }
}
