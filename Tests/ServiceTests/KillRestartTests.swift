import Foundation
import Hummingbird
import HummingbirdTesting
import Imaging
import Service
import XCTest

/// A child `vtfusion serve` process killed with SIGKILL while inspecting: after a restart every acknowledged
/// inspection is there with its pictures, no row names a missing file, and no file is left that no row names.
/// A SIGTERM then shuts the server down gracefully (exit status 0).
final class KillRestartTests: XCTestCase {
    /// The `vtfusion` built beside the test bundle (SwiftPM puts products and the test bundle in one folder).
    var binary: URL {
        let b = Bundle(for: Self.self).bundleURL
        let candidates = [b.appendingPathComponent("vtfusion"), b.deletingLastPathComponent().appendingPathComponent("vtfusion"),
                          URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("vtfusion")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    func launch(_ args: [String], output: URL, environment: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        p.executableURL = binary
        p.arguments = args
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let h = try FileHandle(forWritingTo: output)
        p.standardOutput = h
        p.standardError = h
        try p.run()
        return p
    }

    /// Waits for "listening on http://127.0.0.1:PORT" in the child's output.
    func port(of p: Process, output: URL) async throws -> Int {
        for _ in 0..<600 {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let r = text.range(of: "listening on http://127.0.0.1:") {
                let digits = text[r.upperBound...].prefix { $0.isNumber }
                if let n = Int(digits) { return n }
            }
            guard p.isRunning else { throw XCTSkip("vtfusion serve exited: \(text)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        p.terminate()
        throw XCTSkip("vtfusion serve did not start in 60 s")
    }

    func call(_ c: TestClient, _ method: HTTPRequest.Method, _ uri: String, key: String, type: String? = nil, body: [UInt8]? = nil) async throws -> TestClient.Response {
        var h: HTTPFields = [.authorization: "Bearer \(key)"]
        if let type { h[.contentType] = type }
        return try await c.execute(.init(uri, method: method, headers: h, body: body.map { ByteBuffer(bytes: $0) }))
    }

    func testKillDuringInspectionsLosesNoAcknowledgedRowAndLeavesNoOrphan() async throws {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("no vtfusion binary next to the test bundle (\(binary.path)); build it with `swift build`")
        }
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-kill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let log = data.appendingPathComponent("out.log")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let keyLog = data.appendingPathComponent("key.log")
        let keys = try launch(["serve", "keys", "create", "--name", "test", "--scope", "admin", "--data", data.path], output: keyLog)
        keys.waitUntilExit()
        XCTAssertEqual(keys.terminationStatus, 0)
        let key = try XCTUnwrap(try String(contentsOf: keyLog, encoding: .utf8).split(separator: "\n").last.map(String.init))
        XCTAssertTrue(key.hasPrefix("vtf_"))
        let args = ["serve", "--backbone", "dinov2-tiny-random", "--port", "0", "--data", data.path, "--workers", "1"]

        // Three lives, each killed with SIGKILL in the middle of a stream of inspections; the third kills itself
        // between writing the files of an inspection and its rows (the failpoint), leaving files no row names.
        final class Acks: @unchecked Sendable { var ids: [String] = []; let lock = NSLock() }
        let acks = Acks()
        var profile = ""
        for life in 0..<3 {
            let process = try launch(args, output: log, environment: life == 2 ? ["VTFUSION_SERVE_FAILPOINT": "kill-after-files:4"] : [:])
            let port = try await port(of: process, output: log)
            let client = TestClient(host: "127.0.0.1", port: port)
            client.connect()
            if life == 0 {
                var form = Form()
                form.field("name", "kill")
                for s in 0..<2 { form.file("images", "g\(s).png", TinyService.good(UInt64(s))) }
                let created = try await call(client, .post, "/v1/profiles", key: key, type: Form.contentType, body: form.bytes)
                XCTAssertEqual(created.status, .created)
                let body = Data(created.body.map { Array($0.readableBytesView) } ?? [])
                profile = try XCTUnwrap((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["id"] as? String)
            }
            let before = acks.lock.withLock { acks.ids.count }
            let id = profile
            let loop = Task {
                for i in 0..<10_000 {
                    let r = try await self.call(client, .post, "/v1/profiles/\(id)/inspect", key: key, type: "image/png",
                                                body: TinyService.defect(UInt64(1000 * life + i)))
                    guard r.status == .ok, let b = r.body,
                          let j = try JSONSerialization.jsonObject(with: Data(b.readableBytesView)) as? [String: Any],
                          let id = (j["results"] as? [[String: Any]])?.first?["id"] as? String else { continue }
                    acks.lock.withLock { acks.ids.append(id) }
                }
            }
            if life < 2 {
                while acks.lock.withLock({ acks.ids.count }) < before + 5 { try await Task.sleep(for: .milliseconds(5)) }
                kill(process.processIdentifier, SIGKILL)
            }
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal)
            _ = await loop.result
            try? await client.shutdown()
        }
        let acknowledged = acks.lock.withLock { acks.ids }
        XCTAssertGreaterThanOrEqual(acknowledged.count, 13)
        // The failpoint's files are on disk, and no row names them (yet).
        let leftBehind = try ContentStore(root: data.appendingPathComponent("blobs")).all()
        let namedBefore = try await SQLiteStore(path: data.appendingPathComponent("vtfusion.sqlite").path).referencedBlobs()
        XCTAssertFalse(Set(leftBehind).subtracting(namedBefore).isEmpty, "the failpoint left files without rows")

        // A last life: every acknowledged row and its pictures are there.
        let second = try launch(args, output: log)
        let port2 = try await port(of: second, output: log)
        let c2 = TestClient(host: "127.0.0.1", port: port2)
        c2.connect()
        for id in acknowledged {
            do { let r = try await call(c2, .get, "/v1/inspections/\(id)", key: key); XCTAssertEqual(r.status, .ok, id) }
            for kind in ["image", "map", "overlay"] {
                do { let r = try await call(c2, .get, "/v1/inspections/\(id)/\(kind)", key: key); XCTAssertEqual(r.status, .ok, "\(id) \(kind)") }
            }
        }
        try? await c2.shutdown()
        second.terminate()  // SIGTERM: graceful
        second.waitUntilExit()
        XCTAssertEqual(second.terminationReason, .exit)
        XCTAssertEqual(second.terminationStatus, 0, "graceful shutdown on SIGTERM")

        // The files and rows agree exactly.
        let store = try SQLiteStore(path: data.appendingPathComponent("vtfusion.sqlite").path)
        let named = try await store.referencedBlobs()
        let blobs = try ContentStore(root: data.appendingPathComponent("blobs"))
        let stored = Set(blobs.all())
        XCTAssertEqual(named.subtracting(stored), [], "no row names a missing file")
        XCTAssertEqual(stored.subtracting(named), [], "no file without a row")
        let rows = try await store.inspections({ var q = InspectionQuery(); q.limit = 100_000; return q }())
        XCTAssertTrue(Set(acknowledged).isSubset(of: Set(rows.map(\.id))))
        let profiles = try await store.profiles()
        let files = try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("profiles").path)
        XCTAssertEqual(Set(files), Set(profiles.map { URL(fileURLWithPath: $0.file).lastPathComponent }))
        let leftovers = FileManager.default.enumerator(atPath: data.path)?.compactMap { $0 as? String }.filter { $0.contains(".tmp-") } ?? []
        XCTAssertEqual(leftovers, [])
    }

    /// `vtfusion inspect --server` against a child `vtfusion serve`: lines per image, local and server refusals.
    func testInspectClientAgainstChildServer() async throws {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("no vtfusion binary next to the test bundle (\(binary.path)); build it with `swift build`")
        }
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-client-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let keyLog = data.appendingPathComponent("key.log")
        let keys = try launch(["serve", "keys", "create", "--name", "client", "--scope", "admin", "--data", data.path], output: keyLog)
        keys.waitUntilExit()
        let key = try XCTUnwrap(try String(contentsOf: keyLog, encoding: .utf8).split(separator: "\n").last.map(String.init))
        let log = data.appendingPathComponent("serve.log")
        let server = try launch(["serve", "--backbone", "dinov2-tiny-random", "--port", "0", "--data", data.path], output: log)
        defer { server.terminate(); server.waitUntilExit() }
        let port = try await port(of: server, output: log)
        let client = TestClient(host: "127.0.0.1", port: port)
        client.connect()
        var form = Form()
        form.field("name", "client")
        for s in 0..<2 { form.file("images", "g\(s).png", TinyService.good(UInt64(s))) }
        let created = try await call(client, .post, "/v1/profiles", key: key, type: Form.contentType, body: form.bytes)
        try? await client.shutdown()
        let profile = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(created.body.map { Array($0.readableBytesView) } ?? [])) as? [String: Any])?["id"] as? String)

        let good = data.appendingPathComponent("good.png"), bad = data.appendingPathComponent("bad.png"), text = data.appendingPathComponent("text.png")
        try Data(TinyService.good(70)).write(to: good)
        try Data(TinyService.defect(71)).write(to: bad)
        try Data("nope".utf8).write(to: text)
        let out = data.appendingPathComponent("client.log")
        let c = try launch(["inspect", "--server", "http://127.0.0.1:\(port)", "--profile", profile, "--key", key, good.path, bad.path, text.path],
                           output: out)
        c.waitUntilExit()
        XCTAssertEqual(c.terminationStatus, 1, "one image failed")
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").map(String.init)
        let rows = lines.filter { $0.hasPrefix(data.path) && $0.contains("\t") }.map { $0.split(separator: "\t").map(String.init) }
        XCTAssertEqual(rows.map { $0[0] }, [good.path, bad.path], lines.joined(separator: "\n"))
        XCTAssertGreaterThan(Double(rows[1][1])!, Double(rows[0][1])!)
        XCTAssertTrue(rows.allSatisfy { $0.count == 7 && ["ok", "ng"].contains($0[2]) && $0[5].hasSuffix("region(s)") && $0[6].hasPrefix("ins_") },
                      lines.joined(separator: "\n"))
        XCTAssertTrue(rows.allSatisfy { Double($0[4]).map { (0...1).contains($0) } ?? false }, "false-alarm estimate in 0...1")
        XCTAssertEqual(lines.filter { $0.hasPrefix(text.path + ":") }.count, 1, lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.hasPrefix(text.path + ": unknown image format") }, lines.joined(separator: "\n"))
        // --out writes what `detect --out` writes: results.json/csv with the server's fields, maps and overlays.
        let run = data.appendingPathComponent("run")
        let c3 = try launch(["inspect", "--server", "http://127.0.0.1:\(port)", "--profile", profile, "--key", key, good.path, bad.path, text.path,
                             "--out", run.path], output: data.appendingPathComponent("client3.log"))
        c3.waitUntilExit()
        XCTAssertEqual(c3.terminationStatus, 1, "one image failed")
        let results = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("results.json"))) as? [String: Any])
        let images = try XCTUnwrap(results["entries"] as? [[String: Any]])
        XCTAssertEqual(images.count, 3)
        XCTAssertEqual(images.compactMap { $0["score"] as? Double }.count, 2)
        XCTAssertEqual(images.filter { $0["error"] != nil }.map { $0["path"] as? String }, [text.path])
        for image in images where image["error"] == nil {
            let files = try XCTUnwrap(image["files"] as? [String: Any])
            for key in ["map", "overlay"] {
                let rel = try XCTUnwrap(files[key] as? String)
                let picture = try ImageCodec.decode(path: run.appendingPathComponent(rel).path)
                XCTAssertEqual(picture.width, 64)
            }
            XCTAssertNotNil(image["falseAlarmRate"] as? Double)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("results.csv").path))
        // A second run into the same folder without --force is refused before anything is sent.
        let c4 = try launch(["inspect", "--server", "http://127.0.0.1:\(port)", "--profile", profile, "--key", key, good.path, "--out", run.path],
                            output: data.appendingPathComponent("client4.log"))
        c4.waitUntilExit()
        XCTAssertNotEqual(c4.terminationStatus, 0)

        // A server-side refusal is reported too: an unknown profile.
        let out2 = data.appendingPathComponent("client2.log")
        let c2 = try launch(["inspect", "--server", "http://127.0.0.1:\(port)", "--profile", "prf_none", "--key", key, good.path], output: out2)
        c2.waitUntilExit()
        XCTAssertEqual(c2.terminationStatus, 1)
        let log2 = try String(contentsOf: out2, encoding: .utf8)
        XCTAssertTrue(log2.contains("--profile prf_none: HTTP 404: no profile prf_none"), log2)
    }

    /// SIGTERM while requests are in flight (each inspection slowed to 400 ms, one worker): every request
    /// accepted before the signal is answered 200 and stored, then the process exits 0.
    func testGracefulShutdownFinishesRequestsInFlight() async throws {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("no vtfusion binary next to the test bundle (\(binary.path)); build it with `swift build`")
        }
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-term-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let keyLog = data.appendingPathComponent("key.log")
        let keys = try launch(["serve", "keys", "create", "--name", "term", "--scope", "admin", "--data", data.path], output: keyLog)
        keys.waitUntilExit()
        let key = try XCTUnwrap(try String(contentsOf: keyLog, encoding: .utf8).split(separator: "\n").last.map(String.init))
        let log = data.appendingPathComponent("serve.log")
        let server = try launch(["serve", "--backbone", "dinov2-tiny-random", "--port", "0", "--data", data.path, "--workers", "1"],
                                output: log, environment: ["VTFUSION_SERVE_FAILPOINT": "delay-inspect-ms:400"])
        let port = try await port(of: server, output: log)
        let admin = TestClient(host: "127.0.0.1", port: port)
        admin.connect()
        var form = Form()
        form.field("name", "term")
        for s in 0..<2 { form.file("images", "g\(s).png", TinyService.good(UInt64(s))) }
        let created = try await call(admin, .post, "/v1/profiles", key: key, type: Form.contentType, body: form.bytes)
        let profile = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(created.body.map { Array($0.readableBytesView) } ?? [])) as? [String: Any])?["id"] as? String)

        // Three clients, each with one inspection in flight (one running, two waiting for the worker).
        let statuses = try await withThrowingTaskGroup(of: UInt.self) { group -> [UInt] in
            for i in 0..<3 {
                group.addTask {
                    let c = TestClient(host: "127.0.0.1", port: port)
                    c.connect()
                    let r = try await self.call(c, .post, "/v1/profiles/\(profile)/inspect", key: key, type: "image/png", body: TinyService.good(UInt64(40 + i)))
                    try? await c.shutdown()
                    return UInt(r.status.code)
                }
            }
            // Wait until the worker is busy, then ask the server to stop.
            for _ in 0..<200 {
                let m = try await self.call(admin, .get, "/metrics", key: key)
                if String(decoding: m.body.map { Array($0.readableBytesView) } ?? [], as: UTF8.self).contains("vtfusion_queue_running 1") { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            try? await admin.shutdown()
            kill(server.processIdentifier, SIGTERM)
            var out: [UInt] = []
            for try await s in group { out.append(s) }
            return out
        }
        XCTAssertEqual(statuses, [200, 200, 200], "requests in flight at SIGTERM are answered")
        for _ in 0..<300 where server.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertFalse(server.isRunning)
        XCTAssertEqual(server.terminationStatus, 0)
        let rows = try await SQLiteStore(path: data.appendingPathComponent("vtfusion.sqlite").path).inspections(InspectionQuery())
        XCTAssertEqual(rows.count, 3)
    }
}

