import Foundation
import Hummingbird
import HummingbirdTesting
import Imaging
import Service
import XCTest

/// The web page in a real browser (headless Chromium, Debian's `chromium`, driven over the DevTools protocol):
/// a user types a profile name, drops good images on the page, creates the profile, drops a defective and a
/// good image to inspect, and reads score, decision, false-alarm estimate, regions, the history table and the
/// score chart. Screenshots are written to $VTFUSION_SCREENSHOT_DIR (default: a temporary folder) and checked
/// to decode.
final class WebPageTests: XCTestCase {
    static func chromium() -> String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs blocking browser work on its own thread, so that the server in this process keeps its threads.
    func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            let t = Thread { c.resume(with: Result { try body() }) }
            t.stackSize = 1 << 22
            t.start()
        }
    }

    func testCreateAndInspectByDroppingImages() async throws {
        guard let chromium = Self.chromium() else {
            throw XCTSkip("web page test skipped: no chromium (Scripts/install-system-packages.sh --browser installs Debian's)")
        }
        let server = try TestServer()
        defer { server.remove() }
        let shots = ProcessInfo.processInfo.environment["VTFUSION_SCREENSHOT_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-shots-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        let files = FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-drop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: files) }
        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let u = files.appendingPathComponent(name)
            try Data(bytes).write(to: u)
            return u.path
        }
        let references = try (0..<3).map { try write("good\($0).png", TinyService.good(UInt64($0))) }
        let tests = [try write("scratched.png", TinyService.defect(40)), try write("fine.png", TinyService.good(41))]
        try await server.run { client, _ in
            let admin = try XCTUnwrap(server.keys[.admin])
            let port = try await self.port(client)
            let page = try await self.onThread { () throws -> [String: String] in
                let b = try DevToolsBrowser(chromium: chromium)
                try b.navigate("http://127.0.0.1:\(port)/#key=\(admin)")
                try b.wait("the profile list", "document.getElementById('status').textContent === '0 profile(s)'")
                try b.type("#pname", "Line 3 stripes")
                try b.drop(files: references, on: "#refdrop")
                try b.wait("the dropped references", "document.getElementById('refcount').textContent === '3 image(s)'")
                try b.click("#create")
                try b.wait("the new profile", "document.getElementById('createmsg').textContent.startsWith('created')")
                try b.wait("the profile selected", "document.getElementById('profile').selectedOptions[0]?.textContent === 'Line 3 stripes v1'")
                try Data(try b.screenshot()).write(to: shots.appendingPathComponent("profile-created.png"))
                try b.drop(files: tests, on: "#insdrop")
                try b.wait("two result cards", "document.querySelectorAll('#results .card').length === 2")
                try b.wait("two history rows", "document.querySelectorAll('#history tr').length === 2")
                try b.wait("overlays decoded", "[...document.querySelectorAll('#results img')].every(i => i.complete && i.naturalWidth === 64)")
                try Data(try b.screenshot()).write(to: shots.appendingPathComponent("inspected.png"))
                var seen: [String: String] = [:]
                seen["cards"] = try b.evaluate("[...document.querySelectorAll('#results .card')].map(c => c.textContent).join('\\n')") as? String
                seen["history"] = try b.text("#history")
                seen["circles"] = "\(try b.evaluate("document.querySelectorAll('#chart circle').length") as? Int ?? -1)"
                seen["chart"] = try b.text("#chart")
                seen["pinfo"] = try b.text("#pinfo")
                return seen
            }

            // What the page shows is what the API stored.
            let history = try await client.call(.get, "/v1/inspections", key: server.keys[.read])
            let rows = try XCTUnwrap(history.json["inspections"] as? [[String: Any]])
            XCTAssertEqual(rows.count, 2)
            let cards = page["cards"] ?? ""
            for name in ["scratched.png", "fine.png"] {
                let row = try XCTUnwrap(rows.first { $0["filename"] as? String == name }, "row for \(name)")
                let score = try XCTUnwrap(row["score"] as? Double)
                let decision = try XCTUnwrap(row["decision"] as? String)
                let line = try XCTUnwrap(cards.split(separator: "\n").first { $0.hasPrefix(name) }, "card for \(name): \(cards)")
                XCTAssertTrue(line.contains("score \(String(format: "%.2f", score))"), String(line))
                XCTAssertTrue(line.contains(decision.uppercased()), String(line))
                let far = try XCTUnwrap(row["false_alarm_rate"] as? Double)
                XCTAssertTrue(line.contains("false alarms ≈ \(Self.percent(far))"), String(line))
                let regions = try XCTUnwrap(row["regions"] as? [[String: Any]])
                XCTAssertTrue(line.contains("\(regions.count) region(s)"), String(line))
                if let first = regions.first, let area = first["area_percent"] as? Double {
                    XCTAssertTrue(line.contains("#1 \(String(format: "%.1f", area)) %"), String(line))
                }
                XCTAssertTrue((page["history"] ?? "").contains(name))
            }
            let scores = Dictionary(uniqueKeysWithValues: rows.map { ($0["filename"] as! String, $0["score"] as! Double) })
            XCTAssertGreaterThan(scores["scratched.png"]!, scores["fine.png"]!, "the defective image scores above the good one")
            XCTAssertEqual(page["circles"], "2", "one chart point per inspection")
            XCTAssertTrue((page["chart"] ?? "").contains("threshold "), "the threshold line is labelled")
            XCTAssertTrue((page["pinfo"] ?? "").hasPrefix("3 references"), page["pinfo"] ?? "")
        }
        for name in ["profile-created.png", "inspected.png"] {
            let image = try ImageCodec.decode(path: shots.appendingPathComponent(name).path)
            XCTAssertEqual(image.width, 1280)
            XCTAssertEqual(image.height, 1000)
        }
    }

    /// The page's rendering of a false-alarm estimate (as `pct` in index.html).
    static func percent(_ v: Double) -> String {
        v >= 0.1 ? String(format: "%.0f %%", v * 100) : v >= 0.001 ? String(format: "%.1f %%", v * 100) : "< 0.1 %"
    }

    /// The server's port, from the test client (HummingbirdTesting's live client knows it).
    func port(_ client: any TestClientProtocol) async throws -> Int {
        guard let p = client.port else { throw XCTSkip("the live test client has no port") }
        return p
    }
}
