import Foundation
import Hummingbird
import HummingbirdTesting
import Imaging
import Service
import XCTest

/// Every refusal is the right status with an RFC 9457 body naming the field: authentication, scopes,
/// sizes, pixels, corrupt images, unknown profiles, content types, queries.
final class RefusalTests: XCTestCase {
    /// A server with one profile built from 2 references.
    func withProfile(configure: @escaping (inout ServiceConfiguration) -> Void = { _ in },
                     _ body: @escaping @Sendable (any TestClientProtocol, TestServer, String) async throws -> Void) async throws {
        let server = try TestServer(configure: configure)
        defer { server.remove() }
        try await server.run { client, _ in
            var form = Form()
            form.field("name", "p")
            form.file("images", "a.png", TinyService.good(1))
            form.file("images", "b.png", TinyService.good(2))
            let r = try await client.call(.post, "/v1/profiles", key: server.keys[.admin], contentType: Form.contentType, body: form.bytes)
            XCTAssertEqual(r.status, .created)
            try await body(client, server, try XCTUnwrap(r.json["id"] as? String))
        }
    }

    func testAuthenticationAndScopes() async throws {
        try await withProfile { client, server, id in
            let png = TinyService.good(5)
            let none = try await client.call(.get, "/v1/profiles", key: nil)
            XCTAssertProblem(none, .unauthorized, field: "Authorization")
            XCTAssertEqual(none.headers[.wwwAuthenticate], "Bearer")
            XCTAssertProblem(try await client.call(.get, "/v1/profiles", key: "vtf_" + String(repeating: "0", count: 64)), .unauthorized, field: "Authorization")
            var basic: HTTPFields = [:]
            basic[.authorization] = "Basic dXNlcjpwYXNz"
            let b = try await client.execute(uri: "/v1/profiles", method: .get, headers: basic)
            XCTAssertProblem(b, .unauthorized, field: "Authorization")
            // read < inspect < admin
            XCTAssertProblem(try await client.call(.post, "/v1/profiles/\(id)/inspect", key: server.keys[.read], contentType: "image/png", body: png),
                             .forbidden, field: "Authorization")
            XCTAssertProblem(try await client.call(.delete, "/v1/profiles/\(id)", key: server.keys[.inspect]), .forbidden, field: "Authorization")
            var form = Form(); form.field("name", "x"); form.file("images", "a.png", png)
            XCTAssertProblem(try await client.call(.post, "/v1/profiles", key: server.keys[.inspect], contentType: Form.contentType, body: form.bytes),
                             .forbidden, field: "Authorization")
            do { let r = try await client.call(.post, "/v1/profiles/\(id)/inspect", key: server.keys[.inspect], contentType: "image/png", body: png); XCTAssertEqual(r.status, .ok) }
            do { let r = try await client.call(.get, "/v1/inspections", key: server.keys[.read]); XCTAssertEqual(r.status, .ok) }
            // A revoked key is refused.
            let store = try server.store()
            let k = try await APIKeys.create(name: "short-lived", scope: .read, in: store)
            do { let r = try await client.call(.get, "/v1/profiles", key: k.secret); XCTAssertEqual(r.status, .ok) }
            let revoked = try await store.revokeKey(id: k.record.id)
            XCTAssertTrue(revoked)
            XCTAssertProblem(try await client.call(.get, "/v1/profiles", key: k.secret), .unauthorized, field: "Authorization")
            // Only the hash is stored.
            let rows = try await store.keys()
            XCTAssertFalse(rows.contains { $0.hash == k.secret || $0.name.contains(k.secret) })
            XCTAssertEqual(rows.first { $0.id == k.record.id }?.hash, APIKeys.hash(k.secret))
        }
    }

    func testSizesPixelsCorruptImagesUnknownProfilesAndContentTypes() async throws {
        try await withProfile(configure: { $0.maxBodyBytes = 200_000; $0.maxPixels = 100 * 100 }) { client, server, id in
            let key = server.keys[.inspect]!
            let path = "/v1/profiles/\(id)/inspect"
            // Body over the limit.
            let big = [UInt8](repeating: 7, count: 300_000)
            XCTAssertProblem(try await client.call(.post, path, key: key, contentType: "image/png", body: big), .contentTooLarge, field: "body")
            // An image over the pixel limit (checked from the header; nothing decoded).
            let huge = TinyService.png(TinyService.texture(seed: 1, width: 120, height: 100))
            XCTAssertProblem(try await client.call(.post, path, key: key, contentType: "image/png", body: huge), .contentTooLarge, field: "body")
            var hugeForm = Form(); hugeForm.file("images", "huge.png", huge)
            XCTAssertProblem(try await client.call(.post, path, key: key, contentType: Form.contentType, body: hugeForm.bytes),
                             .contentTooLarge, field: "images[0]")
            // Corrupt and non-images.
            let good = TinyService.good(3)
            XCTAssertProblem(try await client.call(.post, path, key: key, contentType: "image/png", body: Array(good.prefix(good.count / 2))),
                             .unprocessableContent, field: "body")
            XCTAssertProblem(try await client.call(.post, path, key: key, contentType: "image/png", body: Array("not an image".utf8)),
                             .unprocessableContent, field: "body")
            XCTAssertProblem(try await client.call(.post, path, key: key, contentType: "image/png", body: []), .unprocessableContent, field: "body")
            // Unknown profile.
            XCTAssertProblem(try await client.call(.post, "/v1/profiles/prf_nope/inspect", key: key, contentType: "image/png", body: good),
                             .notFound, field: "id")
            XCTAssertProblem(try await client.call(.get, "/v1/profiles/prf_nope", key: key), .notFound, field: "id")
            XCTAssertProblem(try await client.call(.get, "/v1/inspections/ins_nope/overlay", key: key), .notFound, field: "id")
            // Wrong content types.
            XCTAssertProblem(try await client.call(.post, path, key: key, contentType: "text/plain", body: good), .unsupportedMediaType, field: "Content-Type")
            XCTAssertProblem(try await client.call(.post, path, key: key, body: good), .unsupportedMediaType, field: "Content-Type")
            XCTAssertProblem(try await client.call(.post, "/v1/profiles", key: server.keys[.admin], contentType: "application/json", body: Array("{}".utf8)),
                             .unsupportedMediaType, field: "Content-Type")
            // Malformed forms and fields.
            XCTAssertProblem(try await client.call(.post, path, key: key, contentType: Form.contentType, body: Array("garbage".utf8)),
                             .badRequest, field: "body")
            var noName = Form(); noName.file("images", "a.png", good)
            XCTAssertProblem(try await client.call(.post, "/v1/profiles", key: server.keys[.admin], contentType: Form.contentType, body: noName.bytes),
                             .unprocessableContent, field: "name")
            var noImages = Form(); noImages.field("name", "x")
            XCTAssertProblem(try await client.call(.post, "/v1/profiles", key: server.keys[.admin], contentType: Form.contentType, body: noImages.bytes),
                             .unprocessableContent, field: "images")
            var badRate = Form(); badRate.field("name", "x"); badRate.field("target_false_alarm_rate", "2"); badRate.file("images", "a.png", good)
            XCTAssertProblem(try await client.call(.post, "/v1/profiles", key: server.keys[.admin], contentType: Form.contentType, body: badRate.bytes),
                             .unprocessableContent, field: "target_false_alarm_rate")
            var extra = Form(); extra.field("name", "x"); extra.field("colour", "red"); extra.file("images", "a.png", good)
            XCTAssertProblem(try await client.call(.post, "/v1/profiles", key: server.keys[.admin], contentType: Form.contentType, body: extra.bytes),
                             .unprocessableContent, field: "colour")
            // Queries.
            XCTAssertProblem(try await client.call(.get, "/v1/inspections?limit=0", key: key), .badRequest, field: "limit")
            XCTAssertProblem(try await client.call(.get, "/v1/inspections?since=yesterday", key: key), .badRequest, field: "since")
            XCTAssertProblem(try await client.call(.get, "/v1/inspections?decision=maybe", key: key), .badRequest, field: "decision")
            XCTAssertProblem(try await client.call(.get, "/v1/inspections?colour=red", key: key), .badRequest, field: "colour")
            XCTAssertProblem(try await client.call(.post, path + "?include=map", key: key, contentType: "image/png", body: good), .badRequest, field: "include")
            // Unknown routes are problems too; a known path with another method is 405 with Allow.
            XCTAssertProblem(try await client.call(.get, "/v1/nothing", key: key), .notFound, field: nil)
            let trace = try await client.call(.patch, "/v1/profiles/\(id)", key: key)
            XCTAssertProblem(trace, .methodNotAllowed, field: nil)
            XCTAssertEqual(trace.headers[.allow], "GET, PUT, DELETE")
            let put = try await client.call(.put, "/v1/inspections", key: key)
            XCTAssertEqual(put.headers[.allow], "GET")
            XCTAssertProblem(try await client.call(.get, "/v1/audit", key: key), .badRequest, field: "profile")
            // Nothing refused was stored.
            let page = try await client.call(.get, "/v1/inspections", key: key)
            XCTAssertEqual((page.json["inspections"] as? [[String: Any]])?.count, 0)
        }
    }
}
