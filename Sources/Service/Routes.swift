import Foundation
import Hummingbird
import Logging
import NIOCore

/// The HTTP routes of the service (see `Resources/openapi.json`, which describes each of ``ServiceRoutes/all``).
public enum ServiceRoutes {
    /// Every route as "METHOD path" (OpenAPI path syntax); a test checks the OpenAPI document against it.
    public static let all = [
        "GET /", "GET /healthz", "GET /readyz", "GET /metrics", "GET /v1/openapi.json",
        "GET /v1/profiles", "POST /v1/profiles", "GET /v1/profiles/{id}", "PUT /v1/profiles/{id}", "DELETE /v1/profiles/{id}",
        "GET /v1/audit", "POST /v1/profiles/{id}/inspect",
        "GET /v1/inspections", "GET /v1/inspections/{id}", "GET /v1/inspections/{id}/image",
        "GET /v1/inspections/{id}/map", "GET /v1/inspections/{id}/overlay",
    ]

    /// The methods the routes take on a concrete path (`{id}` matches one segment).
    static func methods(forPath path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return all.compactMap { route -> String? in
            let parts = route.split(separator: " ")
            let pattern = parts[1].split(separator: "/", omittingEmptySubsequences: false)
            guard pattern.count == segments.count else { return nil }
            for (p, s) in zip(pattern, segments) where !(p.hasPrefix("{") && !s.isEmpty) && p != s { return nil }
            return String(parts[0])
        }
    }

    public static func router(_ service: InspectionService) -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: ProblemAndMetricsMiddleware(metrics: service.metrics))
        let limit = service.config.maxBodyBytes

        router.get("/") { _, _ in API.bytes(Resources.indexHTML, type: "text/html; charset=utf-8") }
        router.get("/healthz") { _, _ in API.json(API.Status(status: "ok")) }
        router.get("/readyz") { _, _ in
            do { try await service.store.ping() } catch {
                throw Problem(.serviceUnavailable, "Not ready", detail: "the database is not reachable", retryAfter: 5)
            }
            return API.json(API.Status(status: "ready", model: service.model.name, database: "reachable"))
        }
        router.get("/metrics") { _, _ in
            API.bytes(Array(service.metrics.render().utf8), type: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/v1/openapi.json") { _, _ in API.bytes(Resources.openAPI, type: "application/json") }

        let read = router.group("/v1").add(middleware: RequireScope(scope: .read, store: service.store))
        let inspect = router.group("/v1").add(middleware: RequireScope(scope: .inspect, store: service.store))
        let admin = router.group("/v1").add(middleware: RequireScope(scope: .admin, store: service.store))

        // Profiles
        read.get("/profiles") { _, _ in
            API.json(API.ProfileList(profiles: try await service.store.profiles().map(API.ProfileBody.init)))
        }
        read.get("/profiles/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let p = try await service.store.profile(id: id) else { throw Problem.notFound("no profile \(id)", field: "id") }
            return API.json(API.ProfileBody(p))
        }
        read.get("/audit") { request, _ in
            let params = request.uri.queryParameters
            for (k, _) in params where k != "profile" {
                throw Problem.badRequest("\(k): unknown query parameter; expected profile", field: String(k))
            }
            guard let id = params.get("profile"), !id.isEmpty else { throw Problem.badRequest("profile: required", field: "profile") }
            let rows = try await service.store.audit(profileID: id)
            return API.json(API.AuditList(audit: rows.map { API.AuditBody(at: API.time($0.at), actor: $0.actor, action: $0.action, detail: $0.detail) }))
        }
        admin.post("/profiles") { request, context in
            var request = request
            let (fields, images) = try await ProfileForm.read(&request, limit: limit, service: service)
            let p = try await service.createProfile(fields, references: images, actor: context.key?.id ?? "-")
            return API.json(API.ProfileBody(p), status: .created, headers: [.location: "/v1/profiles/\(p.id)"])
        }
        admin.put("/profiles/:id") { request, context in
            let id = try context.parameters.require("id")
            guard try await service.store.profile(id: id) != nil else { throw Problem.notFound("no profile \(id)", field: "id") }
            var request = request
            let (fields, images) = try await ProfileForm.read(&request, limit: limit, service: service)
            let p = try await service.replaceProfile(id: id, fields, references: images, actor: context.key?.id ?? "-")
            return API.json(API.ProfileBody(p))
        }
        admin.delete("/profiles/:id") { _, context in
            try await service.deleteProfile(id: try context.parameters.require("id"), actor: context.key?.id ?? "-")
            return Response(status: .noContent)
        }

        // Inspecting
        inspect.post("/profiles/:id/inspect") { request, context in
            let id = try context.parameters.require("id")
            guard try await service.store.profile(id: id) != nil else { throw Problem.notFound("no profile \(id)", field: "id") }
            let includeOverlay = try Include.parse(request.uri.queryParameters.get("include"))
            var request = request
            let images = try await InspectForm.read(&request, limit: limit, service: service)
            let records = try await service.inspect(profileID: id, images: images)
            return API.json(API.InspectResult(results: records.map {
                API.InspectionBody($0, overlay: includeOverlay ? service.blobs.get($0.overlayBlob) : nil)
            }))
        }

        // History
        read.get("/inspections") { request, _ in
            let q = try HistoryQuery.parse(request.uri.queryParameters, maxPage: service.config.maxPageSize)
            let rows = try await service.store.inspections(q)
            var next: String? = nil
            if rows.count == q.limit {
                var items = ["limit=\(q.limit)", "offset=\(q.offset + q.limit)"]
                if let p = q.profileID { items.append("profile=\(p)") }
                if let d = q.decision { items.append("decision=\(d)") }
                if let s = request.uri.queryParameters.get("since"), let enc = s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) {
                    items.append("since=\(enc)")
                }
                next = "/v1/inspections?" + items.joined(separator: "&")
            }
            return API.json(API.InspectionPage(inspections: rows.map { API.InspectionBody($0) }, limit: q.limit, offset: q.offset, next: next))
        }
        read.get("/inspections/:id") { _, context in
            API.json(API.InspectionBody(try await record(service, context)))
        }
        for kind in ["image", "map", "overlay"] {
            read.get("/inspections/:id/\(kind)") { _, context in
                let r = try await record(service, context)
                let hash = kind == "image" ? r.imageBlob : (kind == "map" ? r.mapBlob : r.overlayBlob)
                guard let bytes = service.blobs.get(hash) else { throw Problem.notFound("the \(kind) of \(r.id) is missing", field: "id") }
                return API.bytes(bytes, type: kind == "image" ? ImageInput.mediaType(bytes) : "image/png", cache: true)
            }
        }
        return router
    }

    static func record(_ service: InspectionService, _ context: ServiceRequestContext) async throws -> InspectionRecord {
        let id = try context.parameters.require("id")
        guard let r = try await service.store.inspection(id: id) else { throw Problem.notFound("no inspection \(id)", field: "id") }
        return r
    }
}

/// `?include=overlay`.
enum Include {
    static func parse(_ v: String?) throws -> Bool {
        guard let v else { return false }
        guard v == "overlay" else { throw Problem.badRequest("include: expected 'overlay'", field: "include") }
        return true
    }
}

/// The query of `GET /v1/inspections`.
enum HistoryQuery {
    static func parse(_ p: Parameters, maxPage: Int) throws -> InspectionQuery {
        var q = InspectionQuery()
        let known: Set<String> = ["profile", "since", "decision", "limit", "offset"]
        for (k, _) in p where !known.contains(String(k)) {
            throw Problem.badRequest("\(k): unknown query parameter; expected one of profile, since, decision, limit, offset", field: String(k))
        }
        q.profileID = p.get("profile")
        if let s = p.get("since") {
            guard let t = API.parseTime(s) else { throw Problem.badRequest("since: expected an ISO 8601 time such as 2026-01-31T12:00:00Z", field: "since") }
            q.since = t
        }
        if let d = p.get("decision") {
            guard ["ok", "ng", "none"].contains(d) else { throw Problem.badRequest("decision: expected ok, ng or none", field: "decision") }
            q.decision = d
        }
        if let l = p.get("limit") {
            guard let n = Int(l), (1...maxPage).contains(n) else { throw Problem.badRequest("limit: expected an integer from 1 to \(maxPage)", field: "limit") }
            q.limit = n
        }
        if let o = p.get("offset") {
            guard let n = Int(o), n >= 0, n <= 10_000_000 else { throw Problem.badRequest("offset: expected a non-negative integer", field: "offset") }
            q.offset = n
        }
        return q
    }
}

/// The multipart form of `POST /v1/profiles` and `PUT /v1/profiles/{id}`: fields `name` (required), `object`,
/// `target_false_alarm_rate`, and 1-16 image parts (any part with a filename, or named `images`).
enum ProfileForm {
    static func read(_ request: inout Request, limit: Int, service: InspectionService) async throws
        -> (InspectionService.ProfileRequest, [ImageInput]) {
        guard let boundary = Multipart.boundary(contentType: request.headers[.contentType] ?? "") else {
            throw Problem.unsupportedMediaType("Content-Type: expected multipart/form-data with a boundary")
        }
        let parts = try Multipart.parse(try await request.bytes(limit: limit), boundary: boundary)
        var name: String?, object: String?, far: Double?
        var images: [ImageInput] = []
        for part in parts {
            if part.filename != nil || part.name == "images" || part.name == "image" {
                guard images.count < service.config.maxReferences else {
                    throw Problem.unprocessable("images: at most \(service.config.maxReferences) reference images", field: "images")
                }
                images.append(try ImageInput.decode(part.body, field: "images[\(images.count)]", filename: part.filename,
                                                    maxPixels: service.config.maxPixels))
                continue
            }
            switch part.name {
            case "name": name = part.text
            case "object": object = part.text.isEmpty ? nil : part.text
            case "target_false_alarm_rate":
                guard let v = Double(part.text.trimmingCharacters(in: .whitespaces)) else {
                    throw Problem.unprocessable("target_false_alarm_rate: expected a number such as 0.01", field: "target_false_alarm_rate")
                }
                far = v
            default:
                throw Problem.unprocessable("\(part.name): unknown field; expected name, object, target_false_alarm_rate or image files",
                                            field: part.name)
            }
        }
        guard let name else { throw Problem.unprocessable("name: required", field: "name") }
        return (.init(name: name, object: object, targetFalseAlarmRate: far), images)
    }
}

/// The body of `POST /v1/profiles/{id}/inspect`: one image (image/png, image/jpeg, image/bmp, image/tiff or
/// application/octet-stream), or multipart/form-data with one or more image parts.
enum InspectForm {
    static let imageTypes: Set<String> = ["image/png", "image/jpeg", "image/bmp", "image/tiff", "application/octet-stream"]

    static func read(_ request: inout Request, limit: Int, service: InspectionService) async throws -> [ImageInput] {
        let type = request.mediaType
        let maxPixels = service.config.maxPixels
        if imageTypes.contains(type) {
            return [try ImageInput.decode(try await request.bytes(limit: limit), field: "body", filename: nil, maxPixels: maxPixels)]
        }
        guard let boundary = Multipart.boundary(contentType: request.headers[.contentType] ?? "") else {
            throw Problem.unsupportedMediaType("Content-Type: expected an image type (image/png, image/jpeg, image/bmp, image/tiff) or multipart/form-data")
        }
        let parts = try Multipart.parse(try await request.bytes(limit: limit), boundary: boundary)
        var images: [ImageInput] = []
        for part in parts {
            guard part.filename != nil || part.name == "images" || part.name == "image" else {
                throw Problem.unprocessable("\(part.name): unknown field; expected image files", field: part.name)
            }
            guard images.count < service.config.maxImagesPerRequest else {
                throw Problem.unprocessable("images: at most \(service.config.maxImagesPerRequest) images per request", field: "images")
            }
            images.append(try ImageInput.decode(part.body, field: "images[\(images.count)]", filename: part.filename, maxPixels: maxPixels))
        }
        guard !images.isEmpty else { throw Problem.unprocessable("images: no image in the form", field: "images") }
        return images
    }
}
