import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Headers and status of an HTTP response.
public struct HTTPHead: Sendable {
    public var status: Int
    /// Header names lower-cased.
    public var headers: [String: String]
    public var url: URL

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Resumable HTTP(S) downloads onto `<file>.part`, verified (size, SHA-256) before an atomic rename.
public struct HTTPDownloader: Sendable {
    /// Sent with every request (e.g. `Authorization: Bearer ...`).
    public var headers: [String: String] = [:]
    /// Idle timeout, seconds: no response, or fewer than ``stallBytes`` body bytes in any such span
    /// (a server trickling a byte now and then), ends the transfer with ``ModelStoreError/timedOut(url:seconds:)``.
    public var timeout: TimeInterval = 60
    /// Body bytes that must arrive within every ``timeout`` span.
    public var stallBytes: Int64 = 1024

    public init(headers: [String: String] = [:], timeout: TimeInterval = 60) {
        self.headers = headers
        self.timeout = timeout
    }

    /// The store's error for a failed transfer: a timeout names its duration and the URL.
    func failure(_ e: Error, url: URL) -> ModelStoreError {
        if (e as NSError).code == NSURLErrorTimedOut { return .timedOut(url: url.absoluteString, seconds: Int(timeout.rounded())) }
        return .transferFailed(url: url.absoluteString, reason: e.localizedDescription)
    }

    /// A `HEAD` request; redirects are not followed (so hub headers such as `X-Linked-Etag` stay visible).
    public func head(_ url: URL) throws -> HTTPHead {
        var req = URLRequest(url: url, timeoutInterval: timeout)
        req.httpMethod = "HEAD"
        let r = HTTPTask(request: withHeaders(req), sink: nil, followRedirects: false, progress: nil).run()
        if let e = r.error, r.head == nil { throw failure(e, url: url) }
        guard let head = r.head else { throw ModelStoreError.transferFailed(url: url.absoluteString, reason: "no response") }
        return head
    }

    /// Downloads `url` to `destination`.
    ///
    /// Bytes go to `destination.part`; an existing `.part` is resumed with a `Range` request (a server that
    /// answers 200 restarts it). Once complete, the size must equal `expectedSize` and the SHA-256
    /// `expectedSHA256` (when given); otherwise the `.part` is deleted and the error names the file. Only then
    /// is it renamed to `destination`. A cut connection leaves the `.part` for the next call to resume.
    ///
    /// - Parameter progress: `(received, total)` in bytes, called from a background queue.
    public func download(_ url: URL, to destination: URL, expectedSize: Int64?, expectedSHA256: String?,
                         progress: ((Int64, Int64?) -> Void)? = nil) throws {
        let part = URL(fileURLWithPath: destination.path + ".part")
        let fm = FileManager.default
        if !fm.fileExists(atPath: part.path) { _ = fm.createFile(atPath: part.path, contents: nil) }
        var offset = Self.size(of: part)
        if let expectedSize, offset > expectedSize { try? fm.removeItem(at: part); _ = fm.createFile(atPath: part.path, contents: nil); offset = 0 }
        let alreadyComplete = expectedSize != nil && offset == expectedSize
        if !alreadyComplete {
            var req = URLRequest(url: url, timeoutInterval: timeout)
            if offset > 0 { req.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
            guard let handle = FileHandle(forWritingAtPath: part.path) else {
                throw ModelStoreError.io(path: part.path, reason: "cannot open for writing")
            }
            defer { try? handle.close() }
            let sink = PartSink(handle: handle, path: part.path, offset: offset)
            let task = HTTPTask(request: withHeaders(req), sink: sink, followRedirects: true, progress: progress)
            task.stallTimeout = timeout
            task.stallBytes = stallBytes
            let r = task.run()
            try? handle.synchronize()
            if let head = r.head {
                switch head.status {
                case 200, 206: break
                case 416 where offset > 0: break   // nothing left past our offset; checked below
                case 401, 403: throw ModelStoreError.authorizationRequired(url: url.absoluteString, status: head.status)
                case 404: try? fm.removeItem(at: part); throw ModelStoreError.fileNotFound(url: url.absoluteString)
                default: throw ModelStoreError.httpStatus(url: url.absoluteString, status: head.status)
                }
            }
            if let e = sink.error { throw e }
            if let e = r.error { throw failure(e, url: url) }
        }
        let size = Self.size(of: part)
        if let expectedSize, size != expectedSize {
            try? fm.removeItem(at: part)   // the transfer ended cleanly, so resuming would not help
            throw ModelStoreError.sizeMismatch(file: destination.path, expected: expectedSize, actual: size)
        }
        if let expectedSHA256 {
            let actual = try SHA256.hex(ofFile: part)
            guard actual == expectedSHA256.lowercased() else {
                try? fm.removeItem(at: part)
                throw ModelStoreError.checksumMismatch(file: destination.path, expected: expectedSHA256.lowercased(), actual: actual)
            }
        }
        guard rename(part.path, destination.path) == 0 else {
            throw ModelStoreError.io(path: destination.path, reason: "cannot rename the verified download into place: \(String(cString: strerror(errno)))")
        }
    }

    private func withHeaders(_ r: URLRequest) -> URLRequest {
        var r = r
        for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
        return r
    }

    static func size(of url: URL) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}

/// Where a GET writes its body: appends after `offset` on 206, restarts the file on 200.
final class PartSink: @unchecked Sendable {
    let handle: FileHandle
    let path: String
    var offset: Int64
    var error: ModelStoreError?
    var writing = false

    init(handle: FileHandle, path: String, offset: Int64) { self.handle = handle; self.path = path; self.offset = offset }

    /// Positions the file for a response; false cancels the transfer (status not 200/206).
    func begin(_ head: HTTPHead) -> Bool {
        do {
            if head.status == 206 {
                // Content-Range: bytes START-END/TOTAL must start where our file ends.
                let start = head.header("content-range")?.split(separator: " ").last?.split(separator: "-").first.flatMap { Int64($0) }
                guard start == offset else {
                    error = .transferFailed(url: head.url.absoluteString, reason: "server resumed at byte \(start.map(String.init) ?? "?"), expected \(offset)")
                    return false
                }
                try handle.seekToEnd()
            } else if head.status == 200 {
                try handle.truncate(atOffset: 0)
                offset = 0
            } else {
                return false
            }
        } catch {
            self.error = .io(path: path, reason: error.localizedDescription)
            return false
        }
        writing = true
        return true
    }

    func write(_ data: Data) {
        guard writing, error == nil else { return }
        do { try handle.write(contentsOf: data); offset += Int64(data.count) } catch {
            self.error = .io(path: path, reason: error.localizedDescription)
        }
    }
}

/// One URLSession task run synchronously, streaming the body to a ``PartSink``.
final class HTTPTask: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let request: URLRequest
    let sink: PartSink?
    let followRedirects: Bool
    let progress: ((Int64, Int64?) -> Void)?
    private let done = DispatchSemaphore(value: 0)
    private var head: HTTPHead?
    private var error: Error?
    private var total: Int64?
    /// Stall watchdog: at least `stallBytes` body bytes per `stallTimeout` seconds (0 = off).
    var stallTimeout: TimeInterval = 0
    var stallBytes: Int64 = 1024
    private let lock = NSLock()
    private var windowBytes: Int64 = 0
    private var windowStart = Date()
    private var stalled = false

    init(request: URLRequest, sink: PartSink?, followRedirects: Bool, progress: ((Int64, Int64?) -> Void)?) {
        self.request = request; self.sink = sink; self.followRedirects = followRedirects; self.progress = progress
    }

    func run() -> (head: HTTPHead?, error: Error?) {
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = request.timeoutInterval
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.urlCache = nil
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: config, delegate: self, delegateQueue: queue)
        let task = session.dataTask(with: request)
        var watchdog: DispatchSourceTimer? = nil
        if stallTimeout > 0 && sink != nil {
            let timer = DispatchSource.makeTimerSource(queue: .global())
            let tick = min(1, stallTimeout / 4)
            timer.schedule(deadline: .now() + tick, repeating: tick)
            timer.setEventHandler { [weak self, weak task] in
                guard let self else { return }
                let stop: Bool = self.lock.withLock {
                    if Date().timeIntervalSince(self.windowStart) < self.stallTimeout { return false }
                    if self.windowBytes >= self.stallBytes { self.windowBytes = 0; self.windowStart = Date(); return false }
                    self.stalled = true
                    return true
                }
                if stop { task?.cancel() }
            }
            timer.resume()
            watchdog = timer
        }
        task.resume()
        done.wait()
        watchdog?.cancel()
        session.finishTasksAndInvalidate()
        if lock.withLock({ stalled }) {
            return (head, NSError(domain: NSURLErrorDomain, code: NSURLErrorTimedOut,
                                  userInfo: [NSLocalizedDescriptionKey: "stalled: fewer than \(stallBytes) bytes in \(stallTimeout) s"]))
        }
        return (head, error)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = response as? HTTPURLResponse else { return completionHandler(.cancel) }
        var h: [String: String] = [:]
        for (k, v) in http.allHeaderFields { if let k = k as? String, let v = v as? String { h[k.lowercased()] = v } }
        let head = HTTPHead(status: http.statusCode, headers: h, url: http.url ?? request.url!)
        self.head = head
        if let sink {
            let length = head.header("content-length").flatMap { Int64($0) }
            total = length.map { $0 + (head.status == 206 ? sink.offset : 0) }
            guard sink.begin(head) else { return completionHandler(.cancel) }
            progress?(sink.offset, total)
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let sink else { return }
        lock.withLock { windowBytes += Int64(data.count) }
        sink.write(data)
        progress?(sink.offset, total)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        guard followRedirects else { return completionHandler(nil) }
        var r = request
        // Credentials only go back to the host they were meant for.
        if request.url?.host != self.request.url?.host { r.setValue(nil, forHTTPHeaderField: "Authorization") }
        if let range = self.request.value(forHTTPHeaderField: "Range") { r.setValue(range, forHTTPHeaderField: "Range") }
        completionHandler(r)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let error, (error as NSError).code != NSURLErrorCancelled || head == nil { self.error = error }
        if head == nil, let http = task.response as? HTTPURLResponse {
            head = HTTPHead(status: http.statusCode, headers: [:], url: http.url ?? request.url!)
        }
        done.signal()
    }
}
