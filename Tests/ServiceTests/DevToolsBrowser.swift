import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: the browser
/// reads commands on its fd 3 and writes replies and events on its fd 4, each message JSON ended by a NUL).
/// Enough of the protocol for a page test: navigate, evaluate, type, click, drop files, screenshot.
final class DevToolsBrowser {
    struct Failure: Error, CustomStringConvertible { let description: String }

    private let pid: pid_t
    private let commands: Int32
    private let replies: Int32
    private var buffer: [UInt8] = []
    private var nextID = 0
    private var session: String?
    private let profile: URL

    init(chromium: String, windowWidth: Int = 1280, windowHeight: Int = 1000) throws {
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-chrome-\(UUID().uuidString)")
        var toBrowser: [Int32] = [0, 0], fromBrowser: [Int32] = [0, 0]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw Failure(description: "pipe() failed") }
        // Every end close-on-exec in this process (other tests spawn processes too); the child gets its two
        // ends as fd 3 and 4 through dup2, which clears the flag on the copies.
        for fd in toBrowser + fromBrowser { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toBrowser[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromBrowser[1], 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                    "--remote-debugging-pipe", "--user-data-dir=\(profile.path)", "--window-size=\(windowWidth),\(windowHeight)",
                    "about:blank"]
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, chromium, &actions, nil, &argv, environ)
        close(toBrowser[0]); close(fromBrowser[1])
        guard rc == 0 else {
            close(toBrowser[1]); close(fromBrowser[0])
            throw Failure(description: "could not start \(chromium): \(String(cString: strerror(rc)))")
        }
        pid = child
        commands = toBrowser[1]
        replies = fromBrowser[0]
        _ = signal(SIGPIPE, SIG_IGN)
        let targets = try call("Target.getTargets", timeout: 30)
        guard let page = (targets["targetInfos"] as? [[String: Any]])?.first(where: { $0["type"] as? String == "page" }),
              let target = page["targetId"] as? String else { throw Failure(description: "no page target in \(targets)") }
        let attached = try call("Target.attachToTarget", ["targetId": target, "flatten": true])
        session = attached["sessionId"] as? String
        _ = try call("Page.enable")
        _ = try call("Runtime.enable")
        // The viewport itself (the window size includes the browser's own frame in some versions).
        _ = try call("Emulation.setDeviceMetricsOverride", ["width": windowWidth, "height": windowHeight, "deviceScaleFactor": 1, "mobile": false])
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(commands); close(replies)
        try? FileManager.default.removeItem(at: profile)
    }

    /// Sends one command (to the attached page once there is one) and returns its result; events are skipped.
    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:], timeout: Double = 30) throws -> [String: Any] {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure(description: "the browser closed its command pipe (\(method))") }
            sent += n
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try nextMessage(until: deadline, method: method)
            guard reply["id"] as? Int == nextID else { continue }
            if let error = reply["error"] as? [String: Any] { throw Failure(description: "\(method): \(error)") }
            return reply["result"] as? [String: Any] ?? [:]
        }
    }

    private func nextMessage(until deadline: Date, method: String) throws -> [String: Any] {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let data = Data(buffer[..<end])
                buffer.removeSubrange(...end)
                return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw Failure(description: "no reply to \(method) in time") }
            var p = pollfd(fd: replies, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(min(left, 1) * 1000)) >= 0 else { continue }
            if p.revents == 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = chunk.withUnsafeMutableBytes { read(replies, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure(description: "the browser exited (waiting for \(method))") }
            buffer += chunk[..<n]
        }
    }

    func navigate(_ url: String) throws { try call("Page.navigate", ["url": url]) }

    /// Evaluates a JavaScript expression in the page (promises awaited) and returns its JSON value.
    func evaluate(_ expression: String) throws -> Any? {
        let r = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let e = r["exceptionDetails"] as? [String: Any] { throw Failure(description: "\(expression): \(e)") }
        return (r["result"] as? [String: Any])?["value"]
    }

    func text(_ selector: String) throws -> String {
        try evaluate("(document.querySelector(\(Self.quoted(selector))) || {}).textContent || ''") as? String ?? ""
    }

    /// Polls `expression` until it is true; throws with `what` and the page's text when it never is.
    func wait(_ what: String, timeout: Double = 60, _ expression: String) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? evaluate("!!(\(expression))")) as? Bool == true { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let page = (try? text("body")) ?? ""
        throw Failure(description: "timed out waiting for \(what); the page shows: \(page.prefix(1500))")
    }

    /// The centre of an element in page coordinates (scrolled into view first).
    func centre(_ selector: String) throws -> (x: Double, y: Double) {
        let v = try evaluate("""
            (() => { const e = document.querySelector(\(Self.quoted(selector))); e.scrollIntoView({block: "center"});
                     const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()
            """) as? [Double] ?? []
        guard v.count == 2 else { throw Failure(description: "no element \(selector)") }
        return (v[0], v[1])
    }

    /// A left click as the mouse does it (press and release at the element's centre).
    func click(_ selector: String) throws {
        let c = try centre(selector)
        for type in ["mouseMoved", "mousePressed", "mouseReleased"] {
            try call("Input.dispatchMouseEvent", ["type": type, "x": c.x, "y": c.y, "button": "left", "clickCount": 1])
        }
    }

    /// Focuses an input and types text into it as keyboard input.
    func type(_ selector: String, _ text: String) throws {
        _ = try evaluate("document.querySelector(\(Self.quoted(selector))).focus()")
        try call("Input.insertText", ["text": text])
    }

    /// Drags files from the desktop and drops them on an element: drag enter, drag over, drop, as a user does.
    func drop(files: [String], on selector: String) throws {
        let c = try centre(selector)
        let data: [String: Any] = ["items": [], "files": files, "dragOperationsMask": 1]
        for type in ["dragEnter", "dragOver", "drop"] {
            try call("Input.dispatchDragEvent", ["type": type, "x": c.x, "y": c.y, "data": data])
        }
    }

    /// A PNG of the viewport.
    func screenshot() throws -> [UInt8] {
        let r = try call("Page.captureScreenshot", ["format": "png"])
        guard let s = r["data"] as? String, let d = Data(base64Encoded: s) else { throw Failure(description: "no screenshot data") }
        return [UInt8](d)
    }

    static func quoted(_ s: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [s]), as: UTF8.self).dropFirst().dropLast().description
    }
}
