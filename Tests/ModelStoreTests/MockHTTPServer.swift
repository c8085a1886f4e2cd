import Foundation
import Backbones
@testable import ModelStore
#if canImport(Glibc)
import Glibc
#endif

/// A loopback HTTP/1.1 server for download tests: serves in-memory files with Content-Length and ETag,
/// honours `Range: bytes=N-`, and can be told to cut a body short, corrupt it, answer with a status, or
/// redirect (hub style, with `X-Linked-Size` / `X-Linked-Etag`). One thread per connection, `Connection: close`.
final class MockHTTPServer: @unchecked Sendable {
    enum Fault { case cutAfter(Int), corrupt, status(Int), trickle(TimeInterval), silent }
    struct Request { var method: String; var path: String; var headers: [String: String] }
    struct File { var data: Data; var etag: String?; var redirectTo: String? }

    private let lock = NSLock()
    private var files: [String: File] = [:]
    private var faults: [String: Fault] = [:]
    private var log: [Request] = []
    private let listener: Int32
    let port: UInt16

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }
    var requests: [Request] { lock.withLock { log } }

    init() throws {
        #if os(Linux)
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        listener = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard listener >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let l = listener
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { s in
                bind(l, s, len) == 0 && listen(l, 16) == 0 && getsockname(l, s, &len) == 0
            }
        }
        guard ok else { close(l); throw POSIXError(.EADDRINUSE) }
        port = UInt16(bigEndian: addr.sin_port)
        let fd = listener, done = acceptDone
        Thread.detachNewThread { [weak self] in
            while true {
                let c = accept(fd, nil, nil)
                guard c >= 0, let self, !self.isStopped else {
                    if c >= 0 { close(c) }
                    done.signal()
                    return
                }
                Thread.detachNewThread { self.handle(c) }
            }
        }
    }

    private let acceptDone = DispatchSemaphore(value: 0)
    private var stopped = false
    private var isStopped: Bool { lock.withLock { stopped } }

    deinit { stop() }

    /// Stops accepting: wakes the accept thread and waits for it to exit before the descriptor is closed
    /// (so a later server that gets the same descriptor number is never served by this one).
    func stop() {
        let first: Bool = lock.withLock { defer { stopped = true }; return !stopped }
        guard first else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        _ = acceptDone.wait(timeout: .now() + 5)
        close(listener)
    }

    /// Serves `data` at `path`; `etag` defaults to the quoted SHA-256 unless `nil` is wanted (`etag: ""`).
    func serve(_ path: String, _ data: Data, etag: String? = nil, redirectTo: String? = nil) {
        lock.withLock { files[path] = File(data: data, etag: etag, redirectTo: redirectTo) }
    }

    /// Installs a fault for `path`; `.cutAfter` applies to the next body only.
    func fault(_ path: String, _ f: Fault?) { lock.withLock { faults[path] = f } }

    private func handle(_ c: Int32) {
        defer { close(c) }
        var buf = [UInt8](), chunk = [UInt8](repeating: 0, count: 4096)
        while !buf.suffix(4).elementsEqual([13, 10, 13, 10]) {
            let n = recv(c, &chunk, chunk.count, 0)
            if n <= 0 { return }
            buf += chunk[0..<n]
            if let r = buf.firstRange(of: [13, 10, 13, 10]) { buf = Array(buf[..<r.upperBound]); break }
        }
        let lines = String(decoding: buf, as: UTF8.self).components(separatedBy: "\r\n")
        let first = lines[0].split(separator: " ")
        guard first.count >= 2 else { return }
        var headers: [String: String] = [:]
        for l in lines.dropFirst() where l.contains(":") {
            let i = l.firstIndex(of: ":")!
            headers[l[..<i].lowercased()] = l[l.index(after: i)...].trimmingCharacters(in: .whitespaces)
        }
        let req = Request(method: String(first[0]), path: String(first[1]), headers: headers)
        let (file, fault): (File?, Fault?) = lock.withLock {
            log.append(req)
            let f = faults[req.path]
            if case .cutAfter = f, req.method == "GET" { faults[req.path] = nil }
            return (files[req.path], f)
        }
        let isHead = req.method == "HEAD"
        if case let .status(s)? = fault { return respond(c, s, [:], Data("status \(s)".utf8), head: isHead) }
        guard let file else { return respond(c, 404, [:], Data("not found".utf8), head: isHead) }
        let sha = "\"\(SHA256Hex.of(file.data))\""
        if let target = file.redirectTo {
            return respond(c, 302, ["Location": target, "X-Linked-Size": "\(file.data.count)", "X-Linked-Etag": sha,
                                    "ETag": "\"0123456789abcdef0123456789abcdef01234567\""], Data(), head: isHead)
        }
        var body = file.data
        if case .corrupt? = fault, !body.isEmpty { body[body.startIndex + body.count / 2] ^= 0xFF }
        var h = ["ETag": file.etag ?? sha, "Accept-Ranges": "bytes"]
        var status = 200
        if let r = headers["range"], r.hasPrefix("bytes="), let start = Int(r.dropFirst(6).split(separator: "-").first ?? "") {
            guard start < body.count else { return respond(c, 416, ["Content-Range": "bytes */\(body.count)"], Data(), head: isHead) }
            h["Content-Range"] = "bytes \(start)-\(body.count - 1)/\(body.count)"
            body = body.subdata(in: start..<body.count)
            status = 206
        }
        if case .silent? = fault { Thread.sleep(forTimeInterval: 4); return }
        if case let .trickle(interval)? = fault, !isHead {
            respond(c, status, h, body, head: false, cut: 0, shut: false)
            for byte in body.prefix(20) {
                Thread.sleep(forTimeInterval: interval)
                var b = byte
                if send(c, &b, 1, Int32(MSG_NOSIGNAL)) <= 0 { return }
            }
            return
        }
        if case let .cutAfter(n)? = fault, !isHead {
            return respond(c, status, h, body, head: false, cut: min(n, body.count))
        }
        respond(c, status, h, body, head: isHead)
    }

    private func respond(_ c: Int32, _ status: Int, _ headers: [String: String], _ body: Data, head: Bool, cut: Int? = nil,
                         shut: Bool = true) {
        var text = "HTTP/1.1 \(status) \(status < 300 ? "OK" : "Status")\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for (k, v) in headers { text += "\(k): \(v)\r\n" }
        var out = Data((text + "\r\n").utf8)
        if !head { out += body.prefix(cut ?? body.count) }
        out.withUnsafeBytes { p in
            var sent = 0
            while sent < p.count {
                let n = send(c, p.baseAddress! + sent, p.count - sent, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }
                sent += n
            }
        }
        if cut != nil && shut { shutdown(c, Int32(SHUT_RDWR)) }
    }
}

/// SHA-256 through the module under test is what is being tested, so the server computes ETags with
/// `sha256sum`-independent code: the store's own SHA256 is cross-checked against known vectors elsewhere.
enum SHA256Hex {
    static func of(_ d: Data) -> String {
        var h = SHA256(); h.update(d); return h.finalize().hexString
    }
}
