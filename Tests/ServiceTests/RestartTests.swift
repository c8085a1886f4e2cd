import Foundation
import Hummingbird
import HummingbirdTesting
import Service
import XCTest

/// A restarted server keeps its profiles (read from their files, not rebuilt), inspections and keys; files
/// no row names are swept at start.
final class RestartTests: XCTestCase {
    func testRestartKeepsProfilesAndInspectionsWithoutRebuilding() async throws {
        let first = try TestServer()
        defer { first.remove() }
        let (id, inspectionID, score) = try await first.run { client, _ in
            var form = Form()
            form.field("name", "kept")
            for s in 0..<3 { form.file("images", "g\(s).png", TinyService.good(UInt64(s))) }
            let p = try await client.call(.post, "/v1/profiles", key: first.keys[.admin], contentType: Form.contentType, body: form.bytes)
            XCTAssertEqual(p.status, .created)
            let id = try XCTUnwrap(p.json["id"] as? String)
            let r = try await client.call(.post, "/v1/profiles/\(id)/inspect", key: first.keys[.inspect], contentType: "image/png",
                                          body: TinyService.defect(7))
            let result = try XCTUnwrap((r.json["results"] as? [[String: Any]])?.first)
            return (id, try XCTUnwrap(result["id"] as? String), try XCTUnwrap(result["score"] as? Double))
        }
        // An orphan (a file written before a crash stopped its row) and a temporary of an interrupted write.
        let blobs = first.data.appendingPathComponent("blobs")
        let orphan = try ContentStore(root: blobs).put(Array("orphan".utf8))
        let tmp = blobs.appendingPathComponent("ab/.x.tmp-1-2")
        try FileManager.default.createDirectory(at: tmp.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("half".utf8).write(to: tmp)

        // A new process: new model object (same weights), same data folder and keys.
        let second = try TestServer(data: first.data, model: first.model)
        second.keys = first.keys
        let passesBefore = first.model.extractor.passCount
        try await second.run { client, service in
            XCTAssertFalse(service.blobs.contains(orphan), "the orphan file was swept")
            XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.path), "the temporary file was swept")
            let list = try await client.call(.get, "/v1/profiles", key: second.keys[.read])
            XCTAssertEqual((list.json["profiles"] as? [[String: Any]])?.map { $0["id"] as? String }, [id])
            let old = try await client.call(.get, "/v1/inspections/\(inspectionID)", key: second.keys[.read])
            XCTAssertEqual(old.json["score"] as? Double, score)
            let again = try await client.call(.post, "/v1/profiles/\(id)/inspect", key: second.keys[.inspect], contentType: "image/png",
                                              body: TinyService.defect(7))
            let r = try XCTUnwrap((again.json["results"] as? [[String: Any]])?.first)
            XCTAssertEqual(try XCTUnwrap(r["score"] as? Double), score, accuracy: 1e-9, "the loaded profile scores as the built one")
            XCTAssertEqual(first.model.extractor.passCount - passesBefore, 2, "one pass per scale for the image; the profile was not rebuilt")
            let migrations = try await service.store.appliedMigrations()
            XCTAssertEqual(migrations, Schema.migrations.map(\.id))
        }
    }
}
