import ArgumentParser
import Foundation
import Tensor

/// `vtfusion bench`: Swift timings next to PyTorch's for the same work, in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the engine against PyTorch on the same work (release build recommended).",
        discussion: """
        Runs each case in Swift, then the same case in PyTorch through Scripts/bench_torch.py when
        `python3 -c "import torch"` works, and prints both times and their ratio (Swift / PyTorch; lower is
        better). Both sides use the same number of threads.

        Examples:
          vtfusion bench
          vtfusion bench --quick
          vtfusion bench --threads 1 --cases sgemm
        """
    )

    @Flag(help: "Fewer repetitions and only the small cases.")
    var quick = false

    @Option(help: "Threads for BLAS and kernels (both sides).")
    var threads: Int = 2

    @Option(help: "Only cases whose name contains this text (e.g. sgemm, vit, text).")
    var cases: String?

    @Option(help: "Timed repetitions per case (median reported).")
    var reps: Int?

    @Flag(help: "Skip the PyTorch side.")
    var noTorch = false

    @Option(help: "Python interpreter used for the PyTorch side.")
    var python: String = "python3"

    @Flag(help: "Print the results as JSON.")
    var json = false

    func run() throws {
        Threading.threadCount = threads
        let all = BenchCases.all(quick: quick)
        let selected = all.filter { c in cases.map { c.name.contains($0) } ?? true }
        guard !selected.isEmpty else { throw ValidationError("no benchmark case matches '\(cases ?? "")'") }
        let repetitions = reps ?? (quick ? 3 : 5)
        log("engine: \(BLAS.coreName), threads \(threads), \(repetitions) timed repetitions per case")

        var swiftTimes: [String: Double] = [:]
        for c in selected {
            log("swift  \(c.name) ...")
            swiftTimes[c.name] = c.run(repetitions)
        }
        var torchTimes: [String: Double] = [:]
        if !noTorch {
            do {
                log("torch  \(selected.map(\.name).joined(separator: " ")) ...")
                torchTimes = try TorchBench.run(python: python, threads: threads, reps: repetitions,
                                                cases: selected.map(\.name))
            } catch {
                log("PyTorch side skipped: \(error)")
            }
        }
        let rows = selected.map { c in
            BenchRow(name: c.name, what: c.what, swift: swiftTimes[c.name] ?? .nan, torch: torchTimes[c.name],
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
    let swift: Double
    let torch: Double?
    let flops: Double?
    let target: String

    var ratio: Double? { torch.map { swift / $0 } }

    static func table(_ rows: [BenchRow]) -> String {
        var lines = ["| case | work | Swift ms | PyTorch ms | ratio (Swift/PyTorch) | Swift GFLOP/s | target |",
                     "|---|---|---:|---:|---:|---:|---|"]
        for r in rows {
            let t = r.torch.map { String(format: "%.2f", $0 * 1000) } ?? "-"
            let ratio = r.ratio.map { String(format: "%.2fx", $0) } ?? "-"
            let gf = r.flops.map { String(format: "%.1f", $0 / r.swift / 1e9) } ?? "-"
            lines.append("| \(r.name) | \(r.what) | \(String(format: "%.2f", r.swift * 1000)) | \(t) | \(ratio) | \(gf) | \(r.target) |")
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
