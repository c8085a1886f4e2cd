import Backbones
import Foundation
import UserFiles
import NN

extension ModelStore {
    /// Files fetched for a Hugging Face model: required ones first, then those used when present. A repository
    /// without `model.safetensors` may instead hold a sharded checkpoint (`model.safetensors.index.json` and the
    /// shards it lists), which is fetched in its place.
    public static let hubRequiredFiles = ["config.json", "model.safetensors"]
    public static let hubOptionalFiles = ["vocab.json", "merges.txt", "vocab.txt", "tokenizer_config.json",
                                          "special_tokens_map.json", "preprocessor_config.json"]

    /// `{endpoint}/{repo}/resolve/main/{file}`.
    public func hubURL(repo: String, file: String) -> URL {
        hubEndpoint.appendingPathComponent(repo).appendingPathComponent("resolve/main").appendingPathComponent(file)
    }

    /// Downloads the hub files of `repo` into `dir` (with `reuseComplete`, files already complete and matching are
    /// kept), then writes
    /// the manifest. `X-Linked-Size` / `Content-Length` give the expected size, `X-Linked-Etag` / `ETag` the
    /// SHA-256 when it is one (LFS files); git-blob ETags (40 hex digits) only get the size check.
    func fetchHub(_ repo: String, into dir: URL, reuseComplete: Bool = true, progress: ((ModelStoreEvent) -> Void)?) throws {
        try Self.makeDirectory(dir)
        var client = HTTPDownloader(timeout: timeout)
        if let hubToken { client.headers["Authorization"] = "Bearer \(hubToken)" }
        var fetched: [String] = []

        /// Downloads `file` of `source` (default: `repo`) into `dir`; false when the hub answers 404 and the file
        /// is not `required`.
        func fetchFile(_ file: String, required: Bool, from source: String? = nil) throws -> Bool {
            let url = hubURL(repo: source ?? repo, file: file)
            let head = try client.head(url)
            switch head.status {
            case 200..<400: break
            case 401, 403: throw ModelStoreError.authorizationRequired(url: url.absoluteString, status: head.status)
            case 404:
                if required { throw ModelStoreError.fileNotFound(url: url.absoluteString) }
                return false
            default: throw ModelStoreError.httpStatus(url: url.absoluteString, status: head.status)
            }
            let size = (head.header("x-linked-size") ?? (head.status < 300 ? head.header("content-length") : nil)).flatMap { Int64($0) }
            let sha = [head.header("x-linked-etag"), head.header("etag")].compactMap { $0.flatMap(Self.sha256FromETag) }.first
            let target = (300..<400).contains(head.status)
                ? head.header("location").flatMap { URL(string: $0, relativeTo: url)?.absoluteURL } ?? url : url
            let dest = dir.appendingPathComponent(file)
            if reuseComplete, FileManager.default.fileExists(atPath: dest.path), try Self.matches(dest, size: size, sha256: sha) {
                progress?(.fileDone(file: file, size: HTTPDownloader.size(of: dest)))
                fetched.append(file)
                return true
            }
            try? FileManager.default.removeItem(at: dest)
            // The token goes only to the hub's own host, not to a CDN it redirects to.
            var getter = client
            if target.host != url.host { getter.headers["Authorization"] = nil }
            try getter.download(target, to: dest, expectedSize: size, expectedSHA256: sha) { received, total in
                progress?(.transfer(file: file, received: received, total: total ?? size))
            }
            progress?(.fileDone(file: file, size: HTTPDownloader.size(of: dest)))
            fetched.append(file)
            return true
        }

        // A transformers repository has config.json; an OpenCLIP one (e.g. timm/vit_base_patch16_plus_clip_240.*)
        // has open_clip_config.json and open_clip_model.safetensors instead.
        let openCLIP = try !fetchFile("config.json", required: false)
        if openCLIP {
            guard try fetchFile(ModelDirectory.openCLIPConfigFile, required: false) else {
                throw ModelStoreError.fileNotFound(url: hubURL(repo: repo, file: "config.json").absoluteString
                                                   + " (nor \(ModelDirectory.openCLIPConfigFile))")
            }
        }
        // Weights: one `model.safetensors`, a sharded checkpoint (its index, then every shard it lists), or
        // OpenCLIP's `open_clip_model.safetensors`.
        if try !fetchFile(Safetensors.singleFileName, required: false) {
            if try fetchFile(Safetensors.indexFileName, required: false) {
                for shard in try Safetensors.shardNames(index: dir.appendingPathComponent(Safetensors.indexFileName)) {
                    _ = try fetchFile(shard, required: true)
                }
            } else if try !(openCLIP && fetchFile(Safetensors.openCLIPFileName, required: false)) {
                throw ModelStoreError.fileNotFound(url: hubURL(repo: repo, file: Safetensors.singleFileName).absoluteString
                                                   + " (nor \(Safetensors.indexFileName)"
                                                   + (openCLIP ? " nor \(Safetensors.openCLIPFileName))" : ")"))
            }
        }
        for file in Self.hubOptionalFiles { _ = try fetchFile(file, required: false) }
        let architecture = openCLIP ? "clip" : ModelDirectory.modelType(configAt: dir.appendingPathComponent("config.json"))
        var source = "hf:\(hubURL(repo: repo, file: "").deletingLastPathComponent().absoluteString)"
        // OpenCLIP repositories carry no tokenizer files: all CLIP models share OpenAI's BPE vocabulary, so
        // it comes from OpenAI's CLIP repository.
        let hasTokenizer = fetched.contains("vocab.json") && fetched.contains("merges.txt")
        if openCLIP && !hasTokenizer && repo != Self.clipTokenizerRepo {
            for file in ["vocab.json", "merges.txt"] { _ = try fetchFile(file, required: true, from: Self.clipTokenizerRepo) }
            source += " (tokenizer: \(Self.clipTokenizerRepo))"
        }
        try writeManifest(name: repo, source: source, architecture: architecture, files: Array(Set(fetched)), in: dir)
    }

    /// The repository whose `vocab.json` + `merges.txt` serve CLIP repositories that ship no tokenizer.
    public static let clipTokenizerRepo = "openai/clip-vit-base-patch16"

    /// The SHA-256 in an ETag (`"<64 hex>"`, optionally weak `W/`), or nil for other ETags.
    static func sha256FromETag(_ etag: String) -> String? {
        var s = etag.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("W/") { s.removeFirst(2) }
        s = s.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        return s.count == 64 && s.allSatisfy(\.isHexDigit) ? s.lowercased() : nil
    }

    static func matches(_ url: URL, size: Int64?, sha256: String?) throws -> Bool {
        if let size, HTTPDownloader.size(of: url) != size { return false }
        if let sha256 { return try SHA256.hex(ofFile: url) == sha256 }
        return size != nil
    }

}
