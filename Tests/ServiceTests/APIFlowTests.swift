import Foundation
import Hummingbird
import HummingbirdTesting
import Imaging
import Service
import XCTest

/// The whole API over a real loopback socket against SQLite: create a profile, inspect a good and a
/// defective image, read the history and the pictures, replace the references, delete.
final class APIFlowTests: XCTestCase {
    func testCreateInspectHistoryReplaceDelete() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await Self.flow(server)
    }

    static func flow(_ server: TestServer) async throws {
        try await server.run { client, service in
            let admin = server.keys[.admin]!, inspect = server.keys[.inspect]!, read = server.keys[.read]!
            var form = Form()
            form.field("name", "stripes")
            form.field("object", "texture")
            form.field("target_false_alarm_rate", "0.05")
            for s in 0..<4 { form.file("images", "good\(s).png", TinyService.good(UInt64(s))) }
            let created = try await client.call(.post, "/v1/profiles", key: admin, contentType: Form.contentType, body: form.bytes)
            XCTAssertEqual(created.status, .created, String(decoding: created.bytes, as: UTF8.self))
            let profile = created.json
            let id = try XCTUnwrap(profile["id"] as? String)
            XCTAssertEqual(created.headers[.location], "/v1/profiles/\(id)")
            XCTAssertTrue(String(decoding: created.bytes, as: UTF8.self).contains("\"self\":\"/v1/profiles/\(id)\""), "links unescaped")
            XCTAssertEqual(profile["name"] as? String, "stripes")
            XCTAssertEqual(profile["version"] as? Int, 1)
            XCTAssertEqual(profile["reference_count"] as? Int, 4)
            let threshold = try XCTUnwrap(profile["threshold"] as? Double)
            let calibration = try XCTUnwrap(profile["calibration"] as? [String: Any])
            XCTAssertEqual((calibration["normal_scores"] as? [Double])?.count, 4)
            XCTAssertEqual(calibration["target_false_alarm_rate"] as? Double, 0.05)

            let list = try await client.call(.get, "/v1/profiles", key: read)
            XCTAssertEqual((list.json["profiles"] as? [[String: Any]])?.map { $0["id"] as? String }, [id])

            // One image as the body.
            let goodBytes = TinyService.good(10)
            let good = try await client.call(.post, "/v1/profiles/\(id)/inspect", key: inspect, contentType: "image/png", body: goodBytes)
            XCTAssertEqual(good.status, .ok, String(decoding: good.bytes, as: UTF8.self))
            let g = try XCTUnwrap((good.json["results"] as? [[String: Any]])?.first)
            // Two images as multipart, the overlay inline.
            var multi = Form()
            multi.file("images", "bad.png", TinyService.defect(11))
            multi.file("images", "good2.png", TinyService.good(12))
            let both = try await client.call(.post, "/v1/profiles/\(id)/inspect?include=overlay", key: inspect,
                                             contentType: Form.contentType, body: multi.bytes)
            XCTAssertEqual(both.status, .ok, String(decoding: both.bytes, as: UTF8.self))
            let results = try XCTUnwrap(both.json["results"] as? [[String: Any]])
            XCTAssertEqual(results.count, 2)
            let b = results[0]
            XCTAssertEqual(b["filename"] as? String, "bad.png")
            let gs = try XCTUnwrap(g["score"] as? Double), bs = try XCTUnwrap(b["score"] as? Double)
            XCTAssertGreaterThan(bs, gs, "the defective image scores above the good one")
            for r in [g, b] {
                XCTAssertEqual(r["threshold"] as? Double, threshold)
                XCTAssertEqual(r["decision"] as? String, (r["score"] as! Double) >= threshold ? "ng" : "ok")
                XCTAssertEqual(r["profile_version"] as? Int, 1)
                XCTAssertNotNil((r["family_scores"] as? [String: Double])?["local"])
                // The calibrated decision: false-alarm estimate and normalised score agree with the decision.
                let far = try XCTUnwrap(r["false_alarm_rate"] as? Double)
                XCTAssertTrue((0...1).contains(far), "\(far)")
                let normalized = try XCTUnwrap(r["normalized_score"] as? Double)
                XCTAssertTrue((0...1).contains(normalized))
                XCTAssertEqual(normalized >= 0.5, r["decision"] as? String == "ng", "normalised \(normalized) vs \(r["decision"] ?? "")")
                for region in try XCTUnwrap(r["regions"] as? [[String: Any]]) {
                    let x = try XCTUnwrap(region["x"] as? Int), y = try XCTUnwrap(region["y"] as? Int)
                    let w = try XCTUnwrap(region["width"] as? Int), h = try XCTUnwrap(region["height"] as? Int)
                    XCTAssertTrue(x >= 0 && y >= 0 && w >= 1 && h >= 1 && x + w <= 64 && y + h <= 64, "\(region)")
                    XCTAssertGreaterThan(try XCTUnwrap(region["area_percent"] as? Double), 0)
                }
                // What was answered is what is stored.
                let stored = try await client.call(.get, "/v1/inspections/\(r["id"] as! String)", key: read)
                XCTAssertEqual(stored.json["false_alarm_rate"] as? Double, far)
                XCTAssertEqual((stored.json["regions"] as? [[String: Any]])?.count, (r["regions"] as? [[String: Any]])?.count)
            }
            XCTAssertFalse(try XCTUnwrap(b["regions"] as? [[String: Any]]).isEmpty, "the defective image has a region")
            XCTAssertNil(g["overlay_png"])
            let inline = try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(b["overlay_png"] as? String)))
            let overlay = try ImageCodec.decode([UInt8](inline))
            XCTAssertEqual(overlay.width, 64); XCTAssertEqual(overlay.channels, 3)

            // Pictures by link.
            let links = try XCTUnwrap(g["links"] as? [String: String])
            let image = try await client.call(.get, links["image"]!, key: read)
            XCTAssertEqual(image.bytes, goodBytes)
            XCTAssertEqual(image.headers[.contentType], "image/png")
            let map = try await client.call(.get, links["map"]!, key: read)
            XCTAssertEqual(try ImageCodec.header(of: map.bytes).bitDepth, 16)
            let ov = try await client.call(.get, links["overlay"]!, key: read)
            XCTAssertEqual(try ImageCodec.decode(ov.bytes).width, 64)

            // History: newest first, filters, paging.
            let history = try await client.call(.get, "/v1/inspections?profile=\(id)", key: read)
            let rows = try XCTUnwrap(history.json["inspections"] as? [[String: Any]])
            XCTAssertEqual(rows.count, 3)
            XCTAssertEqual(Set(rows.map { $0["id"] as! String }), Set([g, results[0], results[1]].map { $0["id"] as! String }))
            let one = try await client.call(.get, "/v1/inspections?profile=\(id)&limit=1", key: read)
            XCTAssertEqual((one.json["inspections"] as? [[String: Any]])?.count, 1)
            XCTAssertEqual(one.json["next"] as? String, "/v1/inspections?limit=1&offset=1&profile=\(id)")
            let ng = try await client.call(.get, "/v1/inspections?decision=ng", key: read)
            XCTAssertTrue((ng.json["inspections"] as? [[String: Any]] ?? []).allSatisfy { $0["decision"] as? String == "ng" })
            let future = try await client.call(.get, "/v1/inspections?since=2999-01-01T00:00:00Z", key: read)
            XCTAssertEqual((future.json["inspections"] as? [[String: Any]])?.count, 0)
            let single = try await client.call(.get, "/v1/inspections/\(g["id"] as! String)", key: read)
            XCTAssertEqual(single.json["score"] as? Double, gs)

            // Replace the references: version 2; the audit has both changes.
            var again = Form()
            again.field("name", "stripes v2")
            for s in 20..<22 { again.file("images", "g\(s).png", TinyService.good(UInt64(s))) }
            let replaced = try await client.call(.put, "/v1/profiles/\(id)", key: admin, contentType: Form.contentType, body: again.bytes)
            XCTAssertEqual(replaced.status, .ok, String(decoding: replaced.bytes, as: UTF8.self))
            XCTAssertEqual(replaced.json["version"] as? Int, 2)
            XCTAssertEqual(replaced.json["reference_count"] as? Int, 2)
            let files = try FileManager.default.contentsOfDirectory(atPath: server.data.appendingPathComponent("profiles").path)
            XCTAssertEqual(files, ["\(id)-v2.safetensors"], "the old version's file is removed once the new one is stored")
            let after = try await client.call(.post, "/v1/profiles/\(id)/inspect", key: inspect, contentType: "image/png", body: goodBytes)
            XCTAssertEqual((after.json["results"] as? [[String: Any]])?.first?["profile_version"] as? Int, 2)
            let audit = try await client.call(.get, "/v1/audit?profile=\(id)", key: read)
            XCTAssertEqual((audit.json["audit"] as? [[String: Any]])?.map { $0["action"] as? String }, ["create", "replace"])

            // Delete: gone, its inspections stay.
            let deleted = try await client.call(.delete, "/v1/profiles/\(id)", key: admin)
            XCTAssertEqual(deleted.status, .noContent)
            XCTAssertProblem(try await client.call(.get, "/v1/profiles/\(id)", key: read), .notFound, field: "id")
            XCTAssertProblem(try await client.call(.delete, "/v1/profiles/\(id)", key: admin), .notFound, field: "id")
            let kept = try await client.call(.get, "/v1/inspections?profile=\(id)", key: read)
            XCTAssertEqual((kept.json["inspections"] as? [[String: Any]])?.count, 4)
            let auditAfter = try await client.call(.get, "/v1/audit?profile=\(id)", key: read)
            XCTAssertEqual((auditAfter.json["audit"] as? [[String: Any]])?.last?["action"] as? String, "delete")
            _ = service
        }
    }

    func testHealthReadyMetricsPageAndOpenAPI() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.run { client, _ in
            let h = try await client.call(.get, "/healthz", key: nil)
            XCTAssertEqual(h.status, .ok)
            XCTAssertEqual(h.json["status"] as? String, "ok")
            let r = try await client.call(.get, "/readyz", key: nil)
            XCTAssertEqual(r.status, .ok)
            XCTAssertEqual(r.json["model"] as? String, "tiny")
            XCTAssertEqual(r.json["database"] as? String, "reachable")
            let page = try await client.call(.get, "/", key: nil)
            XCTAssertEqual(page.headers[.contentType], "text/html; charset=utf-8")
            let html = String(decoding: page.bytes, as: UTF8.self)
            XCTAssertTrue(html.contains("/v1/profiles") && html.contains("<svg id=\"chart\""))
            XCTAssertFalse(html.contains("http://") && html.contains("<script src="), "no external scripts")
            let spec = try await client.call(.get, "/v1/openapi.json", key: nil)
            XCTAssertEqual(spec.json["openapi"] as? String, "3.1.0")
            _ = try await client.call(.get, "/v1/profiles", key: server.keys[.read])
            _ = try await client.call(.get, "/v1/profiles", key: nil)
            let m = try await client.call(.get, "/metrics", key: nil)
            let text = String(decoding: m.bytes, as: UTF8.self)
            XCTAssertTrue(text.contains("vtfusion_http_requests_total{method=\"GET\",route=\"/v1/profiles\",status=\"200\"} 1"), text)
            XCTAssertTrue(text.contains("vtfusion_http_requests_total{method=\"GET\",route=\"/v1/profiles\",status=\"401\"} 1"), text)
            XCTAssertTrue(text.contains("vtfusion_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 1"), text)
            XCTAssertTrue(text.contains("vtfusion_inspections_total{decision=\"ok\"} 0"))
            XCTAssertTrue(text.contains("vtfusion_queue_depth 0"))
        }
    }

    /// The OpenAPI document describes every route the router serves, and nothing else.
    func testOpenAPIDocumentDescribesEveryRoute() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Service/Resources/openapi.json")
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let paths = try XCTUnwrap(doc["paths"] as? [String: [String: Any]])
        var described: [String] = []
        for (path, ops) in paths {
            for m in ["get", "post", "put", "delete", "patch"] where ops[m] != nil { described.append("\(m.uppercased()) \(path)") }
        }
        XCTAssertEqual(described.sorted(), ServiceRoutes.all.sorted())
    }
}
