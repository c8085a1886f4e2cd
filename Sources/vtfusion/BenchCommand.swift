import ArgumentParser
import Foundation
import PerfBench
import Tensor

/// `vtfusion bench`: Swift timings next to PyTorch's for the same work, in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the engine against PyTorch on the same work (release build recommended).",
        discussion: """
        Runs each case in Swift, then right after it the same case in PyTorch through Scripts/bench_torch.py
        when `python3 -c "import torch"` works, and prints both times and their ratio (Swift / PyTorch; lower
        is better). Both sides use the same number of threads. With --rounds N the pair runs N times per
        case and the table adds the range of the per-round ratios.

        Examples:
          vtfusion bench
          vtfusion bench --quick
          vtfusion bench --threads 1 --cases sgemm
          vtfusion bench --cases dinov2,clip --rounds 5
        """
    )

    @Flag(help: "Fewer repetitions and only the small cases.")
    var quick = false

    @Option(help: "Threads for BLAS and kernels (both sides).")
    var threads: Int = 2

    @Option(help: "Only cases whose name contains this text, or one of these comma-separated texts (e.g. sgemm, vit, dinov2,clip).")
    var cases: String?

    @Option(help: "Timed repetitions per case (median reported).")
    var reps: Int?

    @Option(help: "Rounds of (Swift, then PyTorch) per case; the table gives median times and the median, min and max of the per-round ratios.")
    var rounds: Int = 1

    @Flag(help: "Skip the PyTorch side.")
    var noTorch = false

    @Option(help: "Python interpreter used for the PyTorch side.")
    var python: String = "python3"

    @Flag(help: "Print the results as JSON.")
    var json = false

    func run() throws {
        Threading.threadCount = threads
        let all = BenchCases.all(quick: quick)
        let patterns = cases.map { $0.split(separator: ",").map(String.init) }
        let selected = all.filter { c in patterns.map { $0.contains { c.name.contains($0) } } ?? true }
        guard !selected.isEmpty else { throw ValidationError("no benchmark case matches '\(cases ?? "")'") }
        let repetitions = reps ?? (quick ? 3 : 5)
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        log("engine: \(BLAS.coreName), threads \(threads), \(repetitions) timed repetitions per case")

        // Each case runs in Swift and then in PyTorch right after it, so both sides of a ratio see the same
        // machine state (on a shared VM, slow phases last tens of seconds); with `--rounds`, this repeats.
        var swiftTimes: [String: [Double]] = [:], torchTimes: [String: [Double]] = [:]
        var torchAvailable = !noTorch
        for round in 0..<rounds {
            for c in selected {
                log("swift  \(c.name)\(rounds > 1 ? " (round \(round + 1)/\(rounds))" : "") ...")
                swiftTimes[c.name, default: []].append(c.run(repetitions))
                guard torchAvailable, !c.swiftOnly else { continue }
                do {
                    log("torch  \(c.name) ...")
                    let t = try TorchBench.run(python: python, threads: threads, reps: repetitions, cases: [c.name])
                    if let v = t[c.name] { torchTimes[c.name, default: []].append(v) }
                } catch {
                    log("PyTorch side skipped: \(error)")
                    torchAvailable = false
                }
            }
        }
        let rows = selected.map { c in
            BenchRow(name: c.name, what: c.what, swiftRounds: swiftTimes[c.name] ?? [], torchRounds: torchTimes[c.name] ?? [],
                     flops: c.flops, target: c.target)
        }
        if json {
            let data = try JSONEncoder.pretty.encode(rows)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(BenchRow.table(rows))
        }
    }

    private func log(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return e
    }
}

/// One line of the benchmark table.
struct BenchRow: Encodable {
    let name: String
    let what: String
    /// Median Swift and PyTorch times over the rounds (seconds).
    let swift: Double
    let torch: Double?
    /// Median, min and max of the per-round ratios Swift / PyTorch.
    let ratio: Double?
    let ratioMin: Double?
    let ratioMax: Double?
    let rounds: Int
    let flops: Double?
    let target: String

    init(name: String, what: String, swiftRounds: [Double], torchRounds: [Double], flops: Double?, target: String) {
        self.name = name; self.what = what; self.flops = flops; self.target = target
        rounds = swiftRounds.count
        swift = Self.median(swiftRounds) ?? .nan
        torch = Self.median(torchRounds)
        let ratios = torchRounds.count == swiftRounds.count ? zip(swiftRounds, torchRounds).map { $0 / $1 } : []
        ratio = Self.median(ratios)
        ratioMin = ratios.min()
        ratioMax = ratios.max()
    }

    static func median(_ v: [Double]) -> Double? {
        guard !v.isEmpty else { return nil }
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func table(_ rows: [BenchRow]) -> String {
        let multi = rows.contains { $0.rounds > 1 }
        var lines = ["| case | work | Swift ms | PyTorch ms | ratio (Swift/PyTorch) | \(multi ? "ratio range | " : "")Swift GFLOP/s | target |",
                     "|---|---|---:|---:|---:|\(multi ? "---:|" : "")---:|---|"]
        for r in rows {
            let t = r.torch.map { String(format: "%.2f", $0 * 1000) } ?? "-"
            let ratio = r.ratio.map { String(format: "%.2fx", $0) } ?? "-"
            var range = ""
            if multi {
                range = (r.ratioMin.flatMap { lo in r.ratioMax.map { String(format: "%.2f-%.2fx", lo, $0) } } ?? "-") + " | "
            }
            let gf = r.flops.map { String(format: "%.1f", $0 / r.swift / 1e9) } ?? "-"
            lines.append("| \(r.name) | \(r.what) | \(String(format: "%.2f", r.swift * 1000)) | \(t) | \(ratio) | \(range)\(gf) | \(r.target) |")
        }
        return lines.joined(separator: "\n")
    }
}

/// Runs Scripts/bench_torch.py and parses its JSON.
enum TorchBench {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func scriptURL() throws -> URL {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["VTFUSION_SCRIPTS"] {
            candidates.append(URL(fileURLWithPath: env).appendingPathComponent("bench_torch.py"))
        }
        candidates.append(URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("Scripts/bench_torch.py"))
        // The source checkout this binary was built from.
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Scripts/bench_torch.py")
        candidates.append(source)
        guard let found = candidates.first(where: { fm.fileExists(atPath: $0.path) }) else {
            throw Failure(description: "Scripts/bench_torch.py not found (looked in \(candidates.map(\.path)))")
        }
        return found
    }

    static func run(python: String, threads: Int, reps: Int, cases: [String]) throws -> [String: Double] {
        let script = try scriptURL()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, script.path, "--threads", "\(threads)", "--reps", "\(reps)"] + cases
        var env = ProcessInfo.processInfo.environment
        env["OMP_NUM_THREADS"] = "\(threads)"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let msg = String(decoding: errData, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " / ")
            throw Failure(description: "\(python) \(script.lastPathComponent) exited with \(p.terminationStatus): \(msg)")
        }
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Double] else {
            throw Failure(description: "unexpected output from \(script.lastPathComponent)")
        }
        return obj
    }
}
