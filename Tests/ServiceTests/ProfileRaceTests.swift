import Foundation
import Service
import XCTest

/// An inspection that read a profile's row just before another request (or replica) replaced or deleted the
/// profile finds the old version's file gone: it must follow the row to the new version, or answer 404, never
/// fail with a server error (found by the API fuzz run: 500 "the profile's file could not be read").
final class ProfileRaceTests: XCTestCase {
    func testStaleRowFollowsReplaceAndDelete() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let a = try await server.service()
        let b = try await server.service()    // a second replica on the same folder and database: its own cache
        let refs = { (seed: UInt64) in
            try (0..<2).map { try ImageInput.decode(TinyService.good(seed + UInt64($0)), field: "r", filename: "r\($0).png", maxPixels: 1 << 20) }
        }
        let v1 = try await a.createProfile(.init(name: "raced"), references: try refs(0), actor: "test")
        let row = try await b.store.profile(id: v1.id)
        let stale = try XCTUnwrap(row)
        XCTAssertEqual(stale.version, 1)

        let v2 = try await a.replaceProfile(id: v1.id, .init(name: "raced"), references: try refs(10), actor: "test")
        XCTAssertEqual(v2.version, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: server.data.appendingPathComponent(stale.file).path),
                       "the replace removes the old version's file")
        let (followed, _) = try await b.loadedProfile(from: stale)
        XCTAssertEqual(followed.version, 2)
        XCTAssertEqual(followed.file, v2.file)

        try await a.deleteProfile(id: v1.id, actor: "test")
        let c = try await server.service()    // a replica that never loaded it (b may still answer from its cache)
        do {
            _ = try await c.loadedProfile(from: followed)
            XCTFail("a deleted profile loaded")
        } catch let p as Problem {
            XCTAssertEqual(p.status.code, 404, "\(p)")
        }
    }

    func testUnreadableFileOfTheCurrentRowIsStillAServerError() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let a = try await server.service()
        let b = try await server.service()
        let refs = try (0..<2).map { try ImageInput.decode(TinyService.good(UInt64($0)), field: "r", filename: "r\($0).png", maxPixels: 1 << 20) }
        let record = try await a.createProfile(.init(name: "broken"), references: refs, actor: "test")
        try Data("not a profile".utf8).write(to: server.data.appendingPathComponent(record.file))
        do {
            _ = try await b.currentProfile(id: record.id)
            XCTFail("a corrupt profile file loaded")
        } catch let p as Problem {
            XCTAssertEqual(p.status.code, 500, "\(p)")
        }
    }
}
