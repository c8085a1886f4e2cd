import Hummingbird
import NIOCore

/// The request context of the service: the API key that authenticated the request, if any.
public struct ServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var key: APIKeyRecord?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The service reads bodies itself with ``ServiceConfiguration/maxBodyBytes``; this bounds Hummingbird's own decoders.
    public var maxUploadSize: Int { 1 << 20 }
}

extension Request {
    /// The body, refused with 413 (naming `body`) when over `limit` bytes, declared or sent.
    mutating func bytes(limit: Int) async throws -> [UInt8] {
        if let declared = headers[.contentLength].flatMap(Int.init), declared > limit {
            throw Problem.tooLarge("body: \(declared) bytes, over the limit of \(limit) bytes", field: "body")
        }
        do {
            let buffer = try await collectBody(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw Problem.tooLarge("body: over the limit of \(limit) bytes", field: "body")
        }
    }

    /// The media type without parameters, lowercased (`""` when absent).
    var mediaType: String {
        (headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }
}
