import Foundation
import Hummingbird
import NIOCore

/// An RFC 9457 problem answer (`application/problem+json`): the status, a short title, a detail for the
/// user and, for input errors, the request field that was wrong. Never a path or a stack trace.
public struct Problem: Error, HTTPResponseError, Equatable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    /// The request field (multipart part, query parameter, header or JSON key) the problem is about.
    public var field: String?
    /// Seconds after which a retry may succeed (sent as `Retry-After`).
    public var retryAfter: Int?

    public init(_ status: HTTPResponse.Status, _ title: String, detail: String, field: String? = nil, retryAfter: Int? = nil) {
        self.status = status; self.title = title; self.detail = detail; self.field = field; self.retryAfter = retryAfter
    }

    /// The problem type URI (relative to the API: `/v1/problems/<slug>`).
    public var type: String { "/v1/problems/" + title.lowercased().replacingOccurrences(of: " ", with: "-") }

    struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var field: String?
    }

    public var json: Data {
        let body = Body(type: type, title: title, status: Int(status.code), detail: detail, field: field)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? enc.encode(body)) ?? Data("{\"status\":\(status.code)}".utf8)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    public func response() -> Response {
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let r = retryAfter { headers[.retryAfter] = String(r) }
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }

    // MARK: - The problems the service answers

    public static func badRequest(_ detail: String, field: String? = nil) -> Problem {
        Problem(.badRequest, "Bad request", detail: detail, field: field)
    }
    public static func unauthorized(_ detail: String) -> Problem {
        Problem(.unauthorized, "Unauthorized", detail: detail, field: "Authorization")
    }
    public static func forbidden(_ detail: String) -> Problem {
        Problem(.forbidden, "Forbidden", detail: detail, field: "Authorization")
    }
    public static func notFound(_ detail: String, field: String? = nil) -> Problem {
        Problem(.notFound, "Not found", detail: detail, field: field)
    }
    public static func tooLarge(_ detail: String, field: String? = nil) -> Problem {
        Problem(.contentTooLarge, "Content too large", detail: detail, field: field)
    }
    public static func unsupportedMediaType(_ detail: String, field: String = "Content-Type") -> Problem {
        Problem(.unsupportedMediaType, "Unsupported media type", detail: detail, field: field)
    }
    public static func unprocessable(_ detail: String, field: String? = nil) -> Problem {
        Problem(.unprocessableContent, "Unprocessable content", detail: detail, field: field)
    }
    public static func busy(_ detail: String, retryAfter: Int) -> Problem {
        Problem(.serviceUnavailable, "Service unavailable", detail: detail, retryAfter: retryAfter)
    }
    public static func timeout(_ detail: String) -> Problem {
        Problem(.serviceUnavailable, "Request timed out", detail: detail, retryAfter: 5)
    }
    public static func internalError(_ detail: String = "the server failed; the error is in its log") -> Problem {
        Problem(.internalServerError, "Internal server error", detail: detail)
    }
}
