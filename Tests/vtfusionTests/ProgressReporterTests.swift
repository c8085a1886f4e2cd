import XCTest
@testable import vtfusion

/// The progress display with an injected clock and sink: rate limits, phases, ETA and the terminal form.
final class ProgressReporterTests: XCTestCase {
    /// A reporter writing into `lines` with the clock at `now`.
    private final class Harness {
        var now = 0.0
        var text = ""
        lazy var reporter = ProgressReporter(isTerminal: false, write: { [unowned self] in self.text += $0 },
                                             clock: { [unowned self] in self.now })
        var lines: [String] { text.split(separator: "\n").map(String.init) }
    }

    func testPlainLinesAreRateLimitedAndTheLastOfAPhaseIsShown() {
        let h = Harness()
        h.reporter.update(1, 10, phase: "features")
        h.now = 1; h.reporter.update(2, 10, phase: "features")          // within lineInterval (5 s): skipped
        h.now = 6; h.reporter.update(4, 10, phase: "features")          // 3 images in 6 s since the first update
        h.now = 7; h.reporter.update(10, 10, phase: "features")         // finished: always shown
        h.now = 8; h.reporter.update(10, 10, phase: "features")         // nothing after the end of a phase
        XCTAssertEqual(h.lines, [
            "features  1/10 images",
            "features  4/10 images  2.00 s each  ETA 12s",
            "features  10/10 images  in 7s",
        ])
    }

    func testForcedUpdatesAndANewPhaseRestartTheClock() {
        let h = Harness()
        h.reporter.update(0, 100, phase: "training", unit: "steps")
        h.now = 1; h.reporter.update(1, 100, phase: "training", unit: "steps", detail: "loss 1.0", force: true)
        h.now = 2; h.reporter.update(5, 20, phase: "eval", unit: "categories")
        h.now = 4; h.reporter.update(20, 20, phase: "eval", unit: "categories")
        XCTAssertEqual(h.lines, [
            "training  0/100 steps",
            "training  1/100 steps  1.00/s  ETA 1m39s  loss 1.0",
            "eval  5/20 categories",
            "eval  20/20 categories  in 2s",
        ])
    }

    func testTerminalRedrawsOneLineWithABarAndMessagesEndIt() {
        var text = ""
        var now = 0.0
        let r = ProgressReporter(isTerminal: true, write: { text += $0 }, clock: { now })
        r.update(1, 4, phase: "refs")
        now = 0.05; r.update(2, 4, phase: "refs")                   // within 0.1 s: not redrawn
        now = 0.5; r.update(3, 4, phase: "refs")
        r.message("note")
        XCTAssertEqual(text, "\r\u{1B}[Krefs [######------------------]  1/4 images"
                       + "\r\u{1B}[Krefs [##################------]  3/4 images  4.00/s  ETA 0s"
                       + "\r\u{1B}[Knote\n")
    }

    func testDisabledReporterStillShowsMessages() {
        var text = ""
        let r = ProgressReporter(enabled: false, isTerminal: false, write: { text += $0 }, clock: { 0 })
        r.update(1, 2, phase: "x")
        r.message("done")
        XCTAssertEqual(text, "done\n")
    }

    func testBytesAndDurations() {
        XCTAssertEqual(ProgressReporter.bytes(999), "999 B")
        XCTAssertEqual(ProgressReporter.bytes(12_300), "12.3 kB")
        XCTAssertEqual(ProgressReporter.bytes(45_600_000), "45.6 MB")
        XCTAssertEqual(ProgressReporter.duration(42), "42s")
        XCTAssertEqual(ProgressReporter.duration(185), "3m05s")
        XCTAssertEqual(ProgressReporter.duration(3720), "1h02m")
        XCTAssertEqual(ProgressReporter.duration(.infinity), "?")
        XCTAssertEqual(ProgressReporter.line(done: 5, total: 10, phase: "fetch", unit: .bytes, rate: 2.5, elapsed: 2, barWidth: 0),
                       "fetch  5 B / 10 B  50%  2 B/s  ETA 2s")
    }
}
