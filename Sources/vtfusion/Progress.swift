import Foundation

/// Progress of a byte count towards an optional total, on stderr: on a terminal one line rewritten in place
/// with percentage, rate and ETA (at most 10 times a second); otherwise plain lines at every 10 % (every
/// 5 s when the total is unknown), so logs stay readable.
final class Progress {
    let label: String
    let isTTY: Bool
    private(set) var total: Int64?
    private var completed: Int64 = 0
    private let start: Date
    private var lastDraw = Date.distantPast
    private var lastDecile = -1
    private var finished = false
    private let write: (String) -> Void

    /// - Parameters:
    ///   - isTTY: defaults to whether stderr is a terminal.
    ///   - write: where text goes (stderr by default; tests may capture it).
    init(label: String, total: Int64? = nil, isTTY: Bool = isatty(STDERR_FILENO) != 0,
         now: Date = Date(), write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.label = label; self.total = total; self.isTTY = isTTY; self.start = now; self.write = write
    }

    /// Records `completed` bytes (and a total once known) and redraws when due.
    func update(_ completed: Int64, total: Int64? = nil, now: Date = Date()) {
        self.completed = completed
        if let total { self.total = total }
        if isTTY {
            guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            write("\r\u{1B}[K" + line(now: now))
        } else if let t = self.total, t > 0 {
            let decile = Int(min(completed, t) * 10 / t)
            guard decile > lastDecile else { return }
            lastDecile = decile
            write(line(now: now) + "\n")
        } else if now.timeIntervalSince(lastDraw) >= 5 {
            lastDraw = now
            write(line(now: now) + "\n")
        }
    }

    /// Ends the line with a final summary (`message` replaces the default "done").
    func finish(_ message: String = "done", now: Date = Date()) {
        guard !finished else { return }
        finished = true
        let elapsed = now.timeIntervalSince(start)
        let text = "\(label): \(message), \(Self.bytes(completed)) in \(Self.duration(elapsed))"
        write(isTTY ? "\r\u{1B}[K" + text + "\n" : text + "\n")
    }

    /// `label  12.3 MB / 45.6 MB  27%  3.4 MB/s  ETA 10s` (fields that are unknown are left out).
    func line(now: Date) -> String {
        let elapsed = max(now.timeIntervalSince(start), 1e-3)
        let rate = Double(completed) / elapsed
        var parts = [label]
        if let t = total, t > 0 {
            parts.append("\(Self.bytes(completed)) / \(Self.bytes(t))")
            parts.append("\(Int(Double(completed) * 100 / Double(t)))%")
        } else {
            parts.append(Self.bytes(completed))
        }
        parts.append("\(Self.bytes(Int64(rate)))/s")
        if let t = total, rate > 0, completed < t { parts.append("ETA \(Self.duration(Double(t - completed) / rate))") }
        return parts.joined(separator: "  ")
    }

    /// `999 B`, `12.3 kB`, `45.6 MB`, `1.2 GB` (decimal units).
    static func bytes(_ n: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var v = Double(n), i = 0
        while v >= 1000 && i < units.count - 1 { v /= 1000; i += 1 }
        return i == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[i])
    }

    /// `42s`, `3m05s`, `1h02m`.
    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        if t < 60 { return "\(t)s" }
        if t < 3600 { return String(format: "%dm%02ds", t / 60, t % 60) }
        return String(format: "%dh%02dm", t / 3600, (t % 3600) / 60)
    }
}
