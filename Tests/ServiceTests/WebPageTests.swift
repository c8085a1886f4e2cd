import Foundation
import Hummingbird
import HummingbirdTesting
import Imaging
import Service
import XCTest

/// The web page in a real browser (headless Chromium, Debian's `chromium`): after the page's scripts ran
/// against the live API, the profile list, the history table and the score chart are filled in. A
/// screenshot is written to $VTFUSION_SCREENSHOT_DIR (default: a temporary folder) and checked to decode.
final class WebPageTests: XCTestCase {
    static func chromium() -> String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func browser(_ args: [String], timeout: Double = 90) async throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.chromium()!)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                       "--user-data-dir=\(FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-chrome-\(UUID().uuidString)").path)"] + args
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-chrome-\(UUID().uuidString).out")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let h = try FileHandle(forWritingTo: out)
        p.standardOutput = h
        p.standardError = FileHandle.nullDevice
        try p.run()
        let start = Date()
        while p.isRunning {
            if Date().timeIntervalSince(start) > timeout { p.terminate(); XCTFail("chromium did not finish in \(timeout) s"); break }
            try await Task.sleep(for: .milliseconds(100))
        }
        defer { try? FileManager.default.removeItem(at: out) }
        return (try? String(contentsOf: out, encoding: .utf8)) ?? ""
    }

    func testPageShowsProfilesHistoryAndChart() async throws {
        guard Self.chromium() != nil else {
            throw XCTSkip("web page test skipped: no chromium (Scripts/install-system-packages.sh --browser installs Debian's)")
        }
        let server = try TestServer()
        defer { server.remove() }
        let shots = ProcessInfo.processInfo.environment["VTFUSION_SCREENSHOT_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-shots-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        let config = server.config
        _ = config
        try await server.run { client, service in
            var form = Form()
            form.field("name", "Web stripes")
            for s in 0..<3 { form.file("images", "g\(s).png", TinyService.good(UInt64(s))) }
            let p = try await client.call(.post, "/v1/profiles", key: server.keys[.admin], contentType: Form.contentType, body: form.bytes)
            XCTAssertEqual(p.status, .created)
            let id = try XCTUnwrap(p.json["id"] as? String)
            var multi = Form()
            for i in 0..<4 { multi.file("images", "part\(i).png", i % 2 == 0 ? TinyService.good(UInt64(30 + i)) : TinyService.defect(UInt64(30 + i))) }
            let r = try await client.call(.post, "/v1/profiles/\(id)/inspect", key: server.keys[.inspect], contentType: Form.contentType, body: multi.bytes)
            XCTAssertEqual(r.status, .ok)

            let port = try await self.port(client)
            let url = "http://localhost:\(port)/#key=\(server.keys[.read]!)"
            let dom = try await self.browser(["--virtual-time-budget=15000", "--dump-dom", url])
            XCTAssertTrue(dom.contains("<option value=\"\(id)\">Web stripes v1</option>"), String(dom.prefix(3000)))
            for i in 0..<4 { XCTAssertTrue(dom.contains("<td>part\(i).png</td>"), "history row part\(i).png") }
            XCTAssertEqual(dom.components(separatedBy: "<circle").count - 1, 4, "one chart point per inspection")
            XCTAssertTrue(dom.contains("threshold "), "the threshold line is labelled")
            XCTAssertTrue(dom.contains("1 profile(s)"))

            let shot = shots.appendingPathComponent("page.png")
            _ = try await self.browser(["--virtual-time-budget=15000", "--window-size=1280,900", "--screenshot=\(shot.path)", url])
            let image = try ImageCodec.decode(path: shot.path)
            XCTAssertEqual(image.width, 1280)
            XCTAssertEqual(image.height, 900)
            _ = service
        }
    }

    /// The server's port, from the test client (HummingbirdTesting's live client knows it).
    func port(_ client: any TestClientProtocol) async throws -> Int {
        guard let p = client.port else { throw XCTSkip("the live test client has no port") }
        return p
    }
}
