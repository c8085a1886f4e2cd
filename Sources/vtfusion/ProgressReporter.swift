import Dispatch
import Foundation

/// Progress on standard error: a redrawn bar with rate and ETA on a terminal, or plain lines (at most one
/// every `lineInterval` seconds, plus the last) when standard error is a file or pipe. Quiet when disabled.
final class ProgressReporter {
    let enabled: Bool
    let isTerminal: Bool
    var lineInterval: Double = 5
    private var phase = ""
    private var phaseStart = 0.0
    private var lastDraw = -1e9

    init(enabled: Bool = true, isTerminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.enabled = enabled
        self.isTerminal = isTerminal
    }

    /// Reports `done` of `total` items of `phase` (a new phase name restarts the clock).
    func update(_ done: Int, _ total: Int, phase name: String, unit: String = "images") {
        guard enabled, total > 0 else { return }
        let now = Double(DispatchTime.now().uptimeNanoseconds) * 1e-9
        if name != phase { phase = name; phaseStart = now; lastDraw = -1e9 }
        let finished = done >= total
        let interval = isTerminal ? 0.1 : lineInterval
        guard finished || now - lastDraw >= interval else { return }
        lastDraw = now
        let line = Self.line(done: done, total: total, phase: name, unit: unit, elapsed: now - phaseStart,
                             barWidth: isTerminal ? 24 : 0)
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + (finished ? "\n" : "")).utf8))
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// A message on its own line (clears a bar being drawn).
    func message(_ text: String) {
        FileHandle.standardError.write(Data(((isTerminal ? "\r\u{1B}[K" : "") + text + "\n").utf8))
    }

    /// `phase [#####-----] 12/40 images  3.1/s  ETA 9s` (no bar when `barWidth` is 0).
    static func line(done: Int, total: Int, phase: String, unit: String, elapsed: Double, barWidth: Int) -> String {
        var s = phase + " "
        if barWidth > 0 {
            let filled = min(barWidth, Int(Double(barWidth) * Double(done) / Double(max(total, 1))))
            s += "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "] "
        }
        s += "\(done)/\(total) \(unit)"
        if elapsed > 0 && done > 0 {
            let rate = Double(done) / elapsed
            s += String(format: "  %.2f/s", rate)
            if done < total { s += "  ETA " + duration(Double(total - done) / rate) }
            else { s += "  in " + duration(elapsed) }
        }
        return s
    }

    static func duration(_ seconds: Double) -> String {
        let t = Int(seconds.rounded())
        if t < 60 { return "\(t)s" }
        if t < 3600 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
        return "\(t / 3600)h\(String(format: "%02d", (t % 3600) / 60))m"
    }
}
