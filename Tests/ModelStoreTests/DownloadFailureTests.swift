import Foundation
import XCTest
import UserFiles
import Backbones
@testable import ModelStore

/// Issue 12 items 10 and 11: download timeouts, trickling servers, corrupt installs, leftovers.
final class DownloadFailureTests: XCTestCase {
    var server: MockHTTPServer!
    var root: URL!

    override func setUpWithError() throws {
        server = try MockHTTPServer()
        root = FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-dl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDown() {
        server.stop()
        try? FileManager.default.removeItem(at: root)
    }

    func testTricklingServerTimesOut() throws {
        server.serve("/slow.bin", Data(repeating: 7, count: 5000))
        server.fault("/slow.bin", .trickle(0.3))
        let client = HTTPDownloader(timeout: 1)
        let url = server.baseURL.appendingPathComponent("slow.bin")
        let t0 = Date()
        XCTAssertThrowsError(try client.download(url, to: root.appendingPathComponent("slow.bin"), expectedSize: 5000, expectedSHA256: nil)) { e in
            XCTAssertEqual(e as? ModelStoreError, .timedOut(url: url.absoluteString, seconds: 1))
            XCTAssertTrue("\(e)".contains("timed out after 1 s fetching \(url.absoluteString)"), "\(e)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(t0), 4)
    }

    func testSilentServerTimeoutIsNamed() throws {
        server.serve("/quiet.bin", Data(repeating: 1, count: 10))
        server.fault("/quiet.bin", .silent)
        let url = server.baseURL.appendingPathComponent("quiet.bin")
        XCTAssertThrowsError(try HTTPDownloader(timeout: 1).head(url)) { e in
            XCTAssertFalse("\(e)".contains("NSURLErrorDomain"), "\(e)")
            XCTAssertTrue("\(e)".contains("timed out after 1 s"), "\(e)")
        }
    }

    func testStaleTemporaryFilesOfDeadProcessesAreRemoved() throws {
        let fm = FileManager.default
        let dead: Int32 = 999_999   // above the default pid_max
        let stale = ".optimizer.safetensors.tmp-\(dead)-123"
        let live = ".head.safetensors.tmp-\(getpid())-5"
        for n in [stale, live, "config.json", ".hidden"] { fm.createFile(atPath: root.appendingPathComponent(n).path, contents: Data()) }
        try fm.createDirectory(at: root.appendingPathComponent(".tmp-minilm-l6-\(dead)-77"), withIntermediateDirectories: true)
        let removed = StaleTemporaryFiles.clean(in: root)
        XCTAssertEqual(removed.sorted(), [stale, ".tmp-minilm-l6-\(dead)-77"].sorted())
        XCTAssertTrue(fm.fileExists(atPath: root.appendingPathComponent(live).path))
        XCTAssertTrue(fm.fileExists(atPath: root.appendingPathComponent("config.json").path))
    }

    func testStoreUnderAFileIsNamed() throws {
        let file = root.appendingPathComponent("home-file")
        FileManager.default.createFile(atPath: file.path, contents: Data())
        let store = ModelStore(root: file, environment: ["HF_ENDPOINT": server.baseURL.absoluteString])
        XCTAssertThrowsError(try store.fetch("acme/none")) { e in
            XCTAssertFalse("\(e)".contains("NSCocoaErrorDomain"), "\(e)")
            XCTAssertTrue("\(e)".contains("is a file"), "\(e)")
        }
    }

    func testFailedFetchLeavesNoEmptyModelFolderAndCorruptInstallIsRefetched() throws {
        var store = ModelStore(root: root, environment: ["HF_ENDPOINT": server.baseURL.absoluteString])
        store.timeout = 10
        XCTAssertThrowsError(try store.fetch("acme/missing"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: try store.directory(for: "acme/missing").path))

        let base = "/acme/tiny/resolve/main/"
        let weights = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        server.serve(base + "config.json", Data(#"{"model_type": "bert"}"#.utf8))
        server.serve(base + "model.safetensors", weights)
        let dir = try store.fetch("acme/tiny")
        let file = dir.appendingPathComponent("model.safetensors")
        var d = try Data(contentsOf: file)
        d[100] ^= 1
        try d.write(to: file)
        XCTAssertThrowsError(try store.verify("acme/tiny"))
        var messages: [String] = []
        _ = try store.fetch("acme/tiny") { if case .message(let m) = $0 { messages.append(m) } }
        XCTAssertNoThrow(try store.verify("acme/tiny"))
        XCTAssertEqual(try Data(contentsOf: file), weights)
        XCTAssertTrue(messages.contains { $0.contains("failed verification") }, "\(messages)")
        // A FIFO in place of a weights file: refused by name, never read (it would block).
        try FileManager.default.removeItem(at: file)
        XCTAssertEqual(mkfifo(file.path, 0o644), 0)
        XCTAssertThrowsError(try store.verify("acme/tiny")) { XCTAssertTrue("\($0)".contains("FIFO"), "\($0)") }
    }
}
