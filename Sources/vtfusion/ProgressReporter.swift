import Dispatch
import Foundation

/// The one progress display of every command (models fetch, detect, train, eval, data build-bench), on
/// standard error so stdout stays data. On a terminal: one line redrawn in place (at most 10 times a second)
/// with a bar, the count, the rate and the ETA. Otherwise (a file or pipe): plain lines, at most one every
/// `lineInterval` seconds, plus the last of each phase and any forced one. Quiet when disabled.
///
/// The rate is measured from the first update of a phase, so a resumed run (training from a checkpoint)
/// reports the speed of this session. Not thread-safe: callers on several threads serialise the calls.
final class ProgressReporter {
    /// How counts are shown: items with a unit name (`12/40 images`) or bytes (`12.3 MB / 45.6 MB`).
    enum Unit: Equatable {
        case items(String)
        case bytes
    }

    let enabled: Bool
    let isTerminal: Bool
    var lineInterval: Double = 5
    private var phase: String?
    private var phaseStart = 0.0
    private var phaseStartDone: Int64 = 0
    private var lastDraw = -1e9
    private var phaseFinished = false
    private var lineOpen = false
    private let write: (String) -> Void
    private let clock: () -> Double

    /// - Parameters:
    ///   - isTerminal: defaults to whether standard error is a terminal.
    ///   - write: where text goes (standard error by default).
    ///   - clock: seconds, monotonic (uptime by default).
    init(enabled: Bool = true, isTerminal: Bool = isatty(STDERR_FILENO) == 1,
         write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) },
         clock: @escaping () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }) {
        self.enabled = enabled
        self.isTerminal = isTerminal
        self.write = write
        self.clock = clock
    }

    /// Reports `done` of `total` (nil: unknown) in `phase` (a new phase name restarts the clock; a phase
    /// that reached its total prints nothing more).
    /// `detail` is appended to the line (e.g. the current loss); `force` prints a plain line now even when
    /// the rate limit would skip it.
    func update(_ done: Int64, of total: Int64?, phase name: String, unit: Unit = .items("images"),
                detail: String? = nil, force: Bool = false) {
        guard enabled else { return }
        let now = clock()
        if name != phase {
            if lineOpen { write("\n"); lineOpen = false }
            phase = name; phaseStart = now; phaseStartDone = done; lastDraw = -1e9; phaseFinished = false
        }
        let finished = total.map { done >= $0 } ?? false
        guard !phaseFinished else { return }
        phaseFinished = finished
        guard finished || force || now - lastDraw >= (isTerminal ? 0.1 : lineInterval) else { return }
        lastDraw = now
        let rate = now > phaseStart && done > phaseStartDone ? Double(done - phaseStartDone) / (now - phaseStart) : nil
        var line = Self.line(done: done, total: total, phase: name, unit: unit, rate: rate,
                             elapsed: now - phaseStart, barWidth: isTerminal ? 24 : 0)
        if let detail { line += "  " + detail }
        if isTerminal {
            write("\r\u{1B}[K" + line + (finished ? "\n" : ""))
            lineOpen = !finished
        } else {
            write(line + "\n")
        }
    }

    /// ``update(_:of:phase:unit:detail:force:)`` for item counts.
    func update(_ done: Int, _ total: Int, phase name: String, unit: String = "images", detail: String? = nil,
                force: Bool = false) {
        guard total > 0 else { return }
        update(Int64(done), of: Int64(total), phase: name, unit: .items(unit), detail: detail, force: force)
    }

    /// A message on its own line (ends a bar being drawn); shown even when progress is disabled.
    func message(_ text: String) {
        write((lineOpen ? "\r\u{1B}[K" : "") + text + "\n")
        lineOpen = false
    }

    /// `phase [#####-----] 12/40 images  3.10/s  ETA 9s` (no bar when `barWidth` is 0; rate and ETA only
    /// once known; `in <elapsed>` once done).
    static func line(done: Int64, total: Int64?, phase: String, unit: Unit, rate: Double?, elapsed: Double,
                     barWidth: Int) -> String {
        var parts = [phase]
        if barWidth > 0, let total, total > 0 {
            let filled = max(0, min(barWidth, Int(Double(barWidth) * Double(done) / Double(total))))
            parts[0] += " [" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "]"
        }
        switch unit {
        case .items(let name): parts.append(total.map { "\(done)/\($0) \(name)" } ?? "\(done) \(name)")
        case .bytes:
            parts.append(total.map { "\(bytes(done)) / \(bytes($0))" } ?? bytes(done))
            if let total, total > 0 { parts.append("\(Int(Double(min(done, total)) * 100 / Double(total)))%") }
        }
        if let total, done >= total {
            parts.append("in " + duration(elapsed))
        } else if let rate, rate > 0 {
            switch unit {
            case .bytes: parts.append("\(bytes(Int64(rate)))/s")
            case .items: parts.append(rate >= 1 ? String(format: "%.2f/s", rate) : String(format: "%.2f s each", 1 / rate))
            }
            if let total { parts.append("ETA " + duration(Double(total - done) / rate)) }
        }
        return parts.joined(separator: "  ")
    }

    /// `999 B`, `12.3 kB`, `45.6 MB`, `1.2 GB` (decimal units).
    static func bytes(_ n: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var v = Double(n), i = 0
        while v >= 1000 && i < units.count - 1 { v /= 1000; i += 1 }
        return i == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[i])
    }

    /// `42s`, `3m05s`, `1h02m` (`?` when not finite).
    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        if t < 60 { return "\(t)s" }
        if t < 3600 { return String(format: "%dm%02ds", t / 60, t % 60) }
        return String(format: "%dh%02dm", t / 3600, (t % 3600) / 60)
    }
}
