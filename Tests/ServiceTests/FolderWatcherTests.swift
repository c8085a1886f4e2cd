import Foundation
import Logging
import Service
import XCTest

/// `serve --watch`: files dropped in the folder are inspected (stored like API inspections) and moved by
/// decision; a non-image goes to error/ with a note; a file still growing waits for the next poll.
final class FolderWatcherTests: XCTestCase {
    func testFilesAreInspectedAndMovedByDecision() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let service = try await server.service()
        let refs = try (0..<3).map { try ImageInput.decode(TinyService.good(UInt64($0)), field: "r", filename: "r\($0).png", maxPixels: 1 << 20) }
        let profile = try await service.createProfile(.init(name: "watched"), references: refs, actor: "test")
        let folder = server.data.appendingPathComponent("incoming")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let watcher = FolderWatcher(service: service, folder: folder, profileID: profile.id, logger: Logger(label: "test"))
        try await watcher.validate()

        try Data(TinyService.good(50)).write(to: folder.appendingPathComponent("good.png"))
        try Data(TinyService.defect(51)).write(to: folder.appendingPathComponent("bad.png"))
        try Data("not an image".utf8).write(to: folder.appendingPathComponent("text.png"))
        try Data("ignored".utf8).write(to: folder.appendingPathComponent("notes.txt"))

        // The first poll only records sizes; nothing is touched.
        let sizes = await watcher.poll(previous: [:])
        XCTAssertEqual(Set(sizes.keys), ["good.png", "bad.png", "text.png"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("good.png").path))
        // A file that grew since is left for later.
        var grown = sizes
        grown["bad.png"] = 1
        let left = await watcher.poll(previous: grown)
        XCTAssertEqual(Array(left.keys), ["bad.png"])
        _ = await watcher.poll(previous: left)

        let rows = try await service.store.inspections(InspectionQuery())
        XCTAssertEqual(Set(rows.compactMap(\.filename)), ["good.png", "bad.png"])
        for r in rows {
            let moved = folder.appendingPathComponent(r.decision).appendingPathComponent(r.filename!)
            XCTAssertTrue(FileManager.default.fileExists(atPath: moved.path), "\(r.filename!) in \(r.decision)/")
        }
        let bad = try XCTUnwrap(rows.first { $0.filename == "bad.png" }), good = try XCTUnwrap(rows.first { $0.filename == "good.png" })
        XCTAssertGreaterThan(bad.score, good.score)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("error/text.png").path))
        let note = try String(contentsOf: folder.appendingPathComponent("error/text.png.error.txt"), encoding: .utf8)
        XCTAssertTrue(note.contains("not an image"), note)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("notes.txt").path))

        let missing = FolderWatcher(service: service, folder: folder, profileID: "prf_none", logger: Logger(label: "test"))
        do { try await missing.validate(); XCTFail("an unknown profile is refused") } catch {}
    }
}
