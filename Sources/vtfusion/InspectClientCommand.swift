import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Imaging

/// `vtfusion inspect --server URL --profile ID images...`: a client of `vtfusion serve`.
struct InspectClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Send images to a running `vtfusion serve` and print score and decision per image.",
        discussion: """
        Prints one line per image: path, score, decision (ok / ng / none), threshold and the inspection id; with --json \
        the server's results. The key comes from --key or VTFUSION_API_KEY (scope inspect). Exit status 1 when any image failed.

        Example:
          VTFUSION_API_KEY=vtf_... vtfusion inspect --server http://127.0.0.1:8080 --profile prf_... part1.png part2.jpg
        """)

    @Option(help: "Base URL of the service, e.g. http://127.0.0.1:8080.")
    var server: String

    @Option(help: "Profile id (prf_...).")
    var profile: String

    @Option(help: "API key (default: $VTFUSION_API_KEY).")
    var key: String?

    @Flag(help: "Print the server's JSON results.")
    var json = false

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
    }

    func run() throws {
        guard let key = key ?? ProcessInfo.processInfo.environment["VTFUSION_API_KEY"], !key.isEmpty else {
            throw ValidationError("--key: no API key (give --key or set VTFUSION_API_KEY)")
        }
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        let url = URL(string: "\(base)/v1/profiles/\(profile)/inspect")!
        let (paths, asJSON) = (images, json)
        let failures = try runBlocking { () async throws -> Int in
            var failed = 0
            for path in paths {
                do {
                    let bytes = try ImageCodec.readImage(path)
                    var request = URLRequest(url: url)
                    request.httpMethod = "POST"
                    request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
                    request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
                    request.httpBody = Data(bytes)
                    request.timeoutInterval = 300
                    let (data, response) = try await URLSession.shared.data(for: request)
                    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                    let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
                    guard status == 200, let r = (body["results"] as? [[String: Any]])?.first else {
                        let detail = body["detail"] as? String ?? "HTTP \(status)"
                        FileHandle.standardError.write(Data("\(path): \(detail)\n".utf8))
                        failed += 1
                        continue
                    }
                    if asJSON {
                        print(String(decoding: try JSONSerialization.data(withJSONObject: r, options: [.sortedKeys]), as: UTF8.self))
                    } else {
                        let score = (r["score"] as? Double).map { String(format: "%.4f", $0) } ?? "-"
                        let threshold = (r["threshold"] as? Double).map { String(format: "%.4f", $0) } ?? "-"
                        print("\(path)\t\(score)\t\(r["decision"] as? String ?? "-")\t\(threshold)\t\(r["id"] as? String ?? "-")")
                    }
                } catch {
                    let message = error.localizedDescription
                    FileHandle.standardError.write(Data((message.hasPrefix(path) ? message : "\(path): \(message)").utf8 + [10]))
                    failed += 1
                }
            }
            return failed
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
