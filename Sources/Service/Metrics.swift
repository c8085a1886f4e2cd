import Foundation
import NIOConcurrencyHelpers

/// The service's counters and latency histograms in the Prometheus text exposition format (0.0.4), kept in
/// memory by one lock. Labels are the route pattern (never the raw path), so the series stay few.
public final class ServiceMetrics: @unchecked Sendable {
    /// Upper bounds (seconds) of the latency buckets.
    public static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    struct Histogram {
        var counts = [Int](repeating: 0, count: ServiceMetrics.buckets.count)
        var sum = 0.0
        var count = 0
    }

    private let lock = NIOLock()
    private var requests: [String: Int] = [:]          // key: method \0 route \0 status
    private var latency: [String: Histogram] = [:]     // key: method \0 route
    private var decisions: [String: Int] = [:]
    /// Read when rendering: the work queue's waiting and running jobs.
    var queueDepth: () -> (waiting: Int, running: Int) = { (0, 0) }

    public init() {}

    public func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        lock.withLock {
            requests["\(method)\u{0}\(route)\u{0}\(status)", default: 0] += 1
            var h = latency["\(method)\u{0}\(route)", default: Histogram()]
            for (i, b) in Self.buckets.enumerated() where seconds <= b { h.counts[i] += 1 }
            h.sum += seconds
            h.count += 1
            latency["\(method)\u{0}\(route)"] = h
        }
    }

    public func recordDecision(_ decision: String) {
        lock.withLock { decisions[decision, default: 0] += 1 }
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }

    /// The exposition text.
    public func render() -> String {
        let (req, lat, dec) = lock.withLock { (requests, latency, decisions) }
        let q = queueDepth()
        var out = ""
        out += "# HELP vtfusion_http_requests_total HTTP requests by method, route and status.\n"
        out += "# TYPE vtfusion_http_requests_total counter\n"
        for (k, v) in req.sorted(by: { $0.key < $1.key }) {
            let p = k.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
            out += "vtfusion_http_requests_total{method=\"\(Self.escape(p[0]))\",route=\"\(Self.escape(p[1]))\",status=\"\(p[2])\"} \(v)\n"
        }
        out += "# HELP vtfusion_http_request_duration_seconds HTTP request latency by method and route.\n"
        out += "# TYPE vtfusion_http_request_duration_seconds histogram\n"
        for (k, h) in lat.sorted(by: { $0.key < $1.key }) {
            let p = k.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
            let labels = "method=\"\(Self.escape(p[0]))\",route=\"\(Self.escape(p[1]))\""
            for (i, b) in Self.buckets.enumerated() {
                out += "vtfusion_http_request_duration_seconds_bucket{\(labels),le=\"\(b)\"} \(h.counts[i])\n"
            }
            out += "vtfusion_http_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(h.count)\n"
            out += "vtfusion_http_request_duration_seconds_sum{\(labels)} \(h.sum)\n"
            out += "vtfusion_http_request_duration_seconds_count{\(labels)} \(h.count)\n"
        }
        out += "# HELP vtfusion_inspections_total Inspected images by decision.\n"
        out += "# TYPE vtfusion_inspections_total counter\n"
        for d in ["ok", "ng", "none"] { out += "vtfusion_inspections_total{decision=\"\(d)\"} \(dec[d] ?? 0)\n" }
        out += "# HELP vtfusion_queue_depth Jobs waiting for a worker.\n# TYPE vtfusion_queue_depth gauge\n"
        out += "vtfusion_queue_depth \(q.waiting)\n"
        out += "# HELP vtfusion_queue_running Jobs running on a worker.\n# TYPE vtfusion_queue_running gauge\n"
        out += "vtfusion_queue_running \(q.running)\n"
        return out
    }
}
