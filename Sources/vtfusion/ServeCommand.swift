import ArgumentParser
import Backbones
import Dispatch
import Foundation
import Inspection
import Logging
import Service
import VTFusion
import ServiceLifecycle

/// `vtfusion serve`: the HTTP inspection service, and its API keys.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP inspection service (API under /v1, web page at /), or manage its API keys.",
        discussion: """
        The model is loaded once; profiles and inspections are stored under --data (SQLite by default; PostgreSQL with \
        --database postgres://...). Requests need an API key: create one with `vtfusion serve keys create --scope admin`. \
        See docs/SERVICE.md.

        Examples:
          vtfusion serve keys create --name line3 --scope admin --data /var/lib/vtfusion
          vtfusion serve --data /var/lib/vtfusion --port 8080
        """,
        subcommands: [ServeRunCommand.self, KeysCommand.self],
        defaultSubcommand: ServeRunCommand.self
    )
}

/// Where the service keeps its state.
struct StoreOptions: ParsableArguments {
    @Option(help: "Data folder: database file (SQLite), profile files, images and maps.")
    var data: String = ".vtfusion/serve"

    @Option(help: "Database URL: sqlite:PATH (default DATA/vtfusion.sqlite) or postgres://user:password@host:port/db.")
    var database: String?

    var dataURL: URL { URL(fileURLWithPath: data, isDirectory: true) }

    func openStore() throws -> any ServiceStore {
        try FileManager.default.createDirectory(at: dataURL, withIntermediateDirectories: true)
        return try StoreURL.open(database, dataDirectory: dataURL)
    }
}

/// Runs an async body from a synchronous command (the root command is synchronous).
final class BlockingResult<T>: @unchecked Sendable { var result: Result<T, Error>? }

func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = BlockingResult<T>(), done = DispatchSemaphore(value: 0)
    Task {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

struct ServeRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the service (the default).")

    @Option(help: "Address to bind (loopback unless given; 0.0.0.0 for every interface).")
    var host: String = "127.0.0.1"

    @Option(help: "TCP port (0: any free port, printed at start).")
    var port: Int = 8080

    @OptionGroup var storage: StoreOptions

    @Option(help: "Backbone name (default dinov2-s-imgfocus; dinov2-tiny-random for smoke tests).")
    var backbone: String = "dinov2-s-imgfocus"

    @Option(help: "Directory of the backbone (default: the model store's copy, fetched on first use).")
    var backboneDir: String?

    @Option(help: "Evidence recipe: standard, anomalydino, knn224.")
    var recipe: RecipeOption = .standard

    @Option(help: "Concurrent inspections (default: the number of cores).")
    var workers: Int?

    @Option(help: "Jobs that may wait for a worker before requests are refused with 503.")
    var queue: Int = 32

    @Option(help: "Largest request body in MiB.")
    var maxBodyMb: Int = 32

    @Option(help: "Largest decoded image in megapixels.")
    var maxMegapixels: Int = 16

    @Option(help: "Seconds a request may wait for and use a worker.")
    var timeout: Int = 120

    @OptionGroup var regions: RegionOptions

    @Option(help: "A folder to watch: each image dropped there is inspected against --profile, then moved to ok/, ng/ or error/.")
    var watch: String?

    @Option(help: "The profile id (prf_...) that --watch inspects against.")
    var profile: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port: expected 0 to 65535, got \(port)") }
        if let w = workers, !(1...256).contains(w) { throw ValidationError("--workers: expected 1 to 256, got \(w)") }
        guard (0...10_000).contains(queue) else { throw ValidationError("--queue: expected 0 to 10000, got \(queue)") }
        guard (1...1024).contains(maxBodyMb) else { throw ValidationError("--max-body-mb: expected 1 to 1024, got \(maxBodyMb)") }
        guard (1...1000).contains(maxMegapixels) else { throw ValidationError("--max-megapixels: expected 1 to 1000, got \(maxMegapixels)") }
        guard (1...3600).contains(timeout) else { throw ValidationError("--timeout: expected 1 to 3600 seconds, got \(timeout)") }
        guard (watch == nil) == (profile == nil) else { throw ValidationError("--watch and --profile go together") }
    }

    func run() throws {
        var logger = Logger(label: "vtfusion.serve")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let model = try Self.loadModel(backbone: backbone, backboneDir: backboneDir, recipe: recipe)
        var config = ServiceConfiguration(dataDirectory: storage.dataURL)
        config.host = host
        config.port = port
        if let w = workers { config.workers = w }
        config.queueCapacity = queue
        config.maxBodyBytes = maxBodyMb << 20
        config.maxPixels = maxMegapixels * 1_000_000
        config.requestTimeout = .seconds(timeout)
        config.minRegionArea = regions.minArea
        // Defect names need the shipped namer, which reads the default backbone's features.
        if !regions.noDefectNames && backbone == ModelRegistry.defaultBackbone {
            config.naming = try DefectNamingLoader.provider(names: regions.names(), progress: ProgressReporter())
        }
        if let f = ProcessInfo.processInfo.environment["VTFUSION_SERVE_FAILPOINT"] {
            // Fault injection for the crash and shutdown tests: kill-after-files:N, delay-inspect-ms:N (comma-separated).
            for item in f.split(separator: ",") {
                let kv = item.split(separator: ":", maxSplits: 1).map(String.init)
                guard kv.count == 2, let n = Int(kv[1]), n > 0, ["kill-after-files", "delay-inspect-ms"].contains(kv[0]) else {
                    throw ValidationError("VTFUSION_SERVE_FAILPOINT: expected kill-after-files:N or delay-inspect-ms:N (N >= 1), comma-separated")
                }
                if kv[0] == "kill-after-files" { config.killAfterFiles = n } else { config.inspectDelayMilliseconds = n }
            }
        }
        let store = try storage.openStore()
        let grace: Double = storage.database?.hasPrefix("postgres") == true ? 3600 : 0
        // The service handles SIGTERM/SIGINT itself (graceful shutdown) instead of the CLI's immediate exit.
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
        let (watch, profile) = (self.watch, self.profile)
        try runBlocking { [config, logger] in
            let service = try await InspectionService(model: model, store: store, config: config, orphanGrace: grace, logger: logger)
            var also: [any ServiceLifecycle.Service] = []
            if let watch, let profile {
                let watcher = FolderWatcher(service: service, folder: URL(fileURLWithPath: watch), profileID: profile, logger: logger)
                try await watcher.validate()
                also.append(watcher)
            }
            try await ServiceApp.run(service, logger: logger, also: also) { port in
                print("vtfusion serve: listening on http://\(config.host):\(port) (model \(model.name), data \(config.dataDirectory.path))")
                fflush(stdout)
            }
        }
    }

    static func loadModel(backbone: String, backboneDir: String?, recipe: RecipeOption) throws -> InspectionModel {
        if backbone == "dinov2-tiny-random" {
            // A tiny random DINOv2 (4 blocks, patch 8) and a two-scale recipe: for smoke tests of the service only.
            let spec = EvidenceSpec(channels: [
                EvidenceChannel(.patchKNN, scale: 64, layer: 2, family: .local),
                EvidenceChannel(.patchKNN, scale: 32, layer: 4, family: .global),
                EvidenceChannel(.meanKNN, scale: 32, layer: 4, family: .global),
                EvidenceChannel(.featureStats, scale: 32, layer: 4, family: .global),
            ], syntheticPerFamily: 1)
            let backbone = try DINOv2.synthetic(DINOv2Config(hiddenSize: 32, numHiddenLayers: 4, numAttentionHeads: 2, imageSize: 64, patchSize: 8))
            return try InspectionModel(name: "dinov2-tiny-random/smoke", backbone: backbone, spec: spec)
        }
        return try DetectModel.load(backbone: backbone, backboneDir: backboneDir, recipe: recipe).model
    }
}

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list and revoke API keys (stored hashed).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; its secret is printed once.")
        @Option(help: "A name for the key (who or what uses it).") var name: String
        @Option(help: "read, inspect or admin.") var scope: Scope = .inspect
        @OptionGroup var storage: StoreOptions

        func validate() throws {
            guard !name.isEmpty, name.count <= 100 else { throw ValidationError("--name: expected 1 to 100 characters") }
        }

        func run() throws {
            let store = try storage.openStore()
            let (secret, record) = try runBlocking { [name, scope] in
                try await store.migrate()
                return try await APIKeys.create(name: name, scope: scope, in: store)
            }
            print("created key \(record.id) (\(record.scope.rawValue)) for \(record.name)")
            print(secret)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var storage: StoreOptions

        func run() throws {
            let store = try storage.openStore()
            let keys = try runBlocking { try await store.migrate(); return try await store.keys() }
            for k in keys {
                let state = k.revokedAt == nil ? "active" : "revoked"
                print("\(k.id)\t\(k.scope.rawValue)\t\(state)\t\(k.name)")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by its id.")
        @Argument(help: "The key's id (key_...).") var id: String
        @OptionGroup var storage: StoreOptions

        func run() throws {
            let store = try storage.openStore()
            let done = try runBlocking { [id] in try await store.migrate(); return try await store.revokeKey(id: id) }
            guard done else { throw ValidationError("no active key \(id)") }
            print("revoked \(id)")
        }
    }
}

extension Scope: ExpressibleByArgument {}
