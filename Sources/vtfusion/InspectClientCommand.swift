import ArgumentParser
import Evaluation
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Imaging
import Inspection
import UserFiles

/// `vtfusion inspect --server URL --profile ID images...`: a client of `vtfusion serve`.
struct InspectClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Send images to a running `vtfusion serve` and print score and decision per image.",
        discussion: """
        Prints one line per image: path, score, decision (ok / ng / none), threshold, estimated false-alarm rate, \
        number of defect regions and the inspection id; with --json the server's results. With --out DIR it writes \
        what `vtfusion detect` writes (results.json, results.csv, maps/, overlays/; `vtfusion report DIR` renders it). \
        The key comes from --key or VTFUSION_API_KEY (scope inspect). Exit status 1 when any image failed.

        Example:
          VTFUSION_API_KEY=vtf_... vtfusion inspect --server http://127.0.0.1:8080 --profile prf_... part1.png part2.jpg --out run1
        """)

    @Option(help: "Base URL of the service, e.g. http://127.0.0.1:8080.")
    var server: String

    @Option(help: "Profile id (prf_...).")
    var profile: String

    @Option(help: "API key (default: $VTFUSION_API_KEY).")
    var key: String?

    @Flag(help: "Print the server's JSON results.")
    var json = false

    @Option(help: "Write results.json, results.csv, maps/ and overlays/ here (as `vtfusion detect --out`).")
    var out: String?

    @Flag(help: "Replace the files a run writes in a non-empty --out folder.")
    var force = false

    @Argument(help: "Image files (PNG, JPEG, BMP, TIFF).")
    var images: [String]

    func validate() throws {
        guard let u = URL(string: server), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else {
            throw ValidationError("--server: expected a URL such as http://127.0.0.1:8080")
        }
        guard !images.isEmpty else { throw ValidationError("name at least one image file") }
        guard profile.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }), !profile.isEmpty else {
            throw ValidationError("--profile: expected an id such as prf_0123abcd")
        }
        if let out { try OutputDirectory.check(out, force: force) }
    }

    func run() throws {
        guard let key = key ?? ProcessInfo.processInfo.environment["VTFUSION_API_KEY"], !key.isEmpty else {
            throw ValidationError("--key: no API key (give --key or set VTFUSION_API_KEY)")
        }
        let client = ServiceClient(base: server.hasSuffix("/") ? String(server.dropLast()) : server, key: key)
        let (paths, asJSON, profileID) = (images, json, profile)
        let outURL = out.map { URL(fileURLWithPath: $0, isDirectory: true) }
        let writeForce = force
        let failures = try runBlocking { () async throws -> Int in
            // The profile first: an unknown id or a bad key fails before any image is sent.
            let info: ServiceClient.ProfileInfo
            do { info = try await client.profile(profileID) } catch let e as ServiceClientError {
                throw ServiceClientError(status: 0, detail: "--profile \(profileID): \(e)")
            }
            if let outURL {
                try OutputDirectory.prepare(outURL, force: writeForce)
                for sub in ["maps", "overlays"] {
                    try FileManager.default.createDirectory(at: outURL.appendingPathComponent(sub), withIntermediateDirectories: true)
                }
            }
            let stems = OutputDirectory.uniqueStems(for: paths)
            var entries: [DetectionResults.Entry] = []
            for (path, stem) in zip(paths, stems) {
                do {
                    let bytes = try ImageCodec.readImage(path)
                    let (r, raw) = try await client.inspect(profileID, bytes: bytes)
                    var entry = DetectionResults.Entry(path: path, score: r.score, anomalous: r.decision == "none" ? nil : r.decision == "ng")
                    entry.families = r.familyScores; entry.falseAlarmRate = r.falseAlarmRate
                    entry.normalizedScore = r.normalizedScore; entry.regions = r.regions
                    if let outURL {
                        var files = DetectionResults.Files()
                        for (kind, link) in [("maps", r.links.map), ("overlays", r.links.overlay)] {
                            let png = try await client.get(link)
                            let rel = "\(kind)/\(stem).png"
                            try AtomicFile.write(png, to: outURL.appendingPathComponent(rel).path)
                            if kind == "maps" { files.map = rel } else { files.overlay = rel }
                        }
                        entry.files = files
                    }
                    entries.append(entry)
                    if asJSON {
                        print(String(decoding: raw, as: UTF8.self))
                    } else {
                        let far = r.falseAlarmRate.map { String(format: "%.4g", $0) } ?? "-"
                        print("\(path)\t\(String(format: "%.4f", r.score))\t\(r.decision)\t\(r.threshold.map { String(format: "%.4f", $0) } ?? "-")\t\(far)\t\(r.regions.count) region(s)\t\(r.id)")
                    }
                } catch {
                    let message = "\(error)"
                    FileHandle.standardError.write(Data((message.hasPrefix(path) ? message : "\(path): \(message)").utf8 + [10]))
                    entries.append(DetectionResults.Entry(path: path, error: message))
                }
            }
            if let outURL {
                var results = DetectionResults(toolVersion: VTFusionVersion.string, commandLine: CommandLine.arguments,
                                               backbone: info.model, checkpoint: "server \(client.base) profile \(info.id) v\(info.version)",
                                               object: info.object, threshold: info.thresholdChoice,
                                               mapRange: info.mapRange, mapFormats: ["png"], entries: entries)
                try results.write(to: outURL)
                if !asJSON { print("results: \(outURL.path)/\(DetectionResults.jsonFile)  (HTML: vtfusion report \(outURL.path))") }
            }
            return entries.filter { $0.error != nil }.count
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
