import Foundation
import Imaging
import Inspection
import Logging
import NIOConcurrencyHelpers

/// The service without HTTP: one loaded model, the store, the content-addressed files and the work queue.
/// Every score comes from ``InspectionModel/makeProfile(references:names:object:options:)`` and
/// ``InspectionModel/inspect(_:profile:)``: there is no other inference path.
public final class InspectionService: Sendable {
    public let model: InspectionModel
    public let store: any ServiceStore
    public let blobs: ContentStore
    public let config: ServiceConfiguration
    public let queue: WorkQueue
    public let metrics: ServiceMetrics
    let cache = ProfileCache()
    let inspectRequests = NIOLockedValueBox(0)
    /// Defect namings by object ("" for none), built on first use.
    let namings = NIOLockedValueBox<[String: DefectNaming?]>([:])
    let logger: Logger

    var profilesDirectory: URL { config.dataDirectory.appendingPathComponent("profiles") }

    /// Opens the data folder: applies migrations, removes temporary files of an interrupted write and the
    /// files no row names that are older than `orphanGrace` seconds (a crash between a file and its row).
    public init(model: InspectionModel, store: any ServiceStore, config: ServiceConfiguration,
                orphanGrace: Double = 0, logger: Logger = Logger(label: "vtfusion.serve")) async throws {
        self.model = model
        self.store = store
        self.config = config
        self.logger = logger
        try FileManager.default.createDirectory(at: config.dataDirectory.appendingPathComponent("profiles"),
                                                withIntermediateDirectories: true)
        blobs = try ContentStore(root: config.dataDirectory.appendingPathComponent("blobs"))
        queue = WorkQueue(workers: config.workers, capacity: config.queueCapacity)
        metrics = ServiceMetrics()
        let q = queue
        metrics.queueDepth = { (q.depth, q.active) }
        try await store.migrate()
        let removed = try await sweep(grace: orphanGrace)
        if removed > 0 { logger.info("removed \(removed) files no row names (an interrupted write)") }
    }

    /// Removes temporaries and unnamed files; returns how many files were removed.
    @discardableResult
    public func sweep(grace: Double) async throws -> Int {
        DurableFile.removeTemporaries(under: config.dataDirectory.appendingPathComponent("blobs"))
        DurableFile.removeTemporaries(under: profilesDirectory)
        let named = try await store.referencedBlobs()
        let files = Set(try await store.profiles().map { URL(fileURLWithPath: $0.file).lastPathComponent })
        let cutoff = Date().addingTimeInterval(-grace)
        func old(_ url: URL) -> Bool {
            let m = (try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? Date()
            return m <= cutoff
        }
        var removed = 0
        for h in blobs.all() where !named.contains(h) && old(blobs.url(h)) {
            if (try? FileManager.default.removeItem(at: blobs.url(h))) != nil { removed += 1 }
        }
        for f in (try? FileManager.default.contentsOfDirectory(atPath: profilesDirectory.path)) ?? [] where !files.contains(f) {
            let u = profilesDirectory.appendingPathComponent(f)
            if old(u), (try? FileManager.default.removeItem(at: u)) != nil { removed += 1 }
        }
        return removed
    }

    // MARK: - Profiles

    public struct ProfileRequest: Sendable {
        public var name: String
        public var object: String?
        public var targetFalseAlarmRate: Double?
        public init(name: String, object: String? = nil, targetFalseAlarmRate: Double? = nil) {
            self.name = name; self.object = object; self.targetFalseAlarmRate = targetFalseAlarmRate
        }
    }

    func validate(_ r: ProfileRequest, references: [ImageInput]) throws {
        let name = r.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else {
            throw Problem.unprocessable("name: expected 1 to 100 characters", field: "name")
        }
        if let o = r.object, o.count > 100 { throw Problem.unprocessable("object: expected at most 100 characters", field: "object") }
        if let f = r.targetFalseAlarmRate, !(f > 0 && f < 0.5) {
            throw Problem.unprocessable("target_false_alarm_rate: expected a number above 0 and below 0.5", field: "target_false_alarm_rate")
        }
        guard (1...config.maxReferences).contains(references.count) else {
            throw Problem.unprocessable("images: expected 1 to \(config.maxReferences) reference images, got \(references.count)",
                                        field: "images")
        }
    }

    /// Builds a profile on a worker, saves its file, stores its references, then its row.
    func build(id: String, version: Int, request r: ProfileRequest, references: [ImageInput]) async throws -> (Profile, ProfileRecord) {
        try validate(r, references: references)
        var options = InspectionModel.ProfileOptions()
        if let f = r.targetFalseAlarmRate { options.rule.targetFalseAlarmRate = f }
        let model = self.model
        let names = references.enumerated().map { $1.filename ?? "reference \($0)" }
        let images = references.map(\.image)
        let object = r.object
        let opts = options
        let profile: Profile = try await queue.run(timeout: config.requestTimeout) {
            do { return try model.makeProfile(references: images, names: names, object: object, options: opts) } catch let e as InspectionError {
                throw Problem.unprocessable("images: \(e.description)", field: "images")
            }
        }
        let file = "profiles/\(id)-v\(version).safetensors"
        let url = config.dataDirectory.appendingPathComponent(file)
        do {
            try profile.save(to: url)
            let fd = open(url.path, O_RDONLY)
            if fd >= 0 { _ = fsync(fd); close(fd) }
        } catch {
            logger.error("saving profile \(id): \(error)")
            throw Problem.internalError("the profile could not be saved")
        }
        let hashes = try references.map { try blobs.put($0.bytes) }
        let h = profile.header
        let summary = CalibrationSummary(normalScores: h.normalScores, syntheticScores: h.syntheticScores, selfScored: h.selfScored,
                                         thresholdMethod: h.threshold?.method.rawValue,
                                         targetFalseAlarmRate: h.threshold?.targetFalseAlarmRate ?? options.rule.targetFalseAlarmRate,
                                         mapRange: h.mapRange, channels: h.calibration.channels.map(\.name))
        let now = IDs.now
        let record = ProfileRecord(id: id, name: r.name.trimmingCharacters(in: .whitespaces), object: r.object, version: version,
                                   model: model.name, threshold: h.threshold?.threshold, referenceBlobs: hashes,
                                   summary: summary, file: file, createdAt: now, updatedAt: now)
        return (profile, record)
    }

    public func createProfile(_ r: ProfileRequest, references: [ImageInput], actor: String) async throws -> ProfileRecord {
        let id = IDs.make("prf")
        let (profile, record) = try await build(id: id, version: 1, request: r, references: references)
        try await store.insertProfile(record, audit: audit(actor, "create", id, "version 1, \(references.count) references"))
        cache.put(id, version: 1, profile)
        return record
    }

    /// A new version from new references; the old version serves until the new one is stored.
    public func replaceProfile(id: String, _ r: ProfileRequest, references: [ImageInput], actor: String) async throws -> ProfileRecord {
        guard let old = try await store.profile(id: id) else { throw Problem.notFound("no profile \(id)", field: "id") }
        let (profile, built) = try await build(id: id, version: old.version + 1, request: r, references: references)
        var record = built
        record.createdAt = old.createdAt
        guard try await store.replaceProfile(record, expectedVersion: old.version,
                                             audit: audit(actor, "replace", id, "version \(record.version), \(references.count) references")) else {
            try? FileManager.default.removeItem(at: config.dataDirectory.appendingPathComponent(record.file))
            throw Problem(.conflict, "Conflict", detail: "the profile changed while this version was built; retry", field: "id")
        }
        cache.put(id, version: record.version, profile)
        try? FileManager.default.removeItem(at: config.dataDirectory.appendingPathComponent(old.file))
        return record
    }

    public func deleteProfile(id: String, actor: String) async throws {
        guard let old = try await store.deleteProfile(id: id, audit: audit(actor, "delete", id, "deleted")) else {
            throw Problem.notFound("no profile \(id)", field: "id")
        }
        cache.remove(id)
        try? FileManager.default.removeItem(at: config.dataDirectory.appendingPathComponent(old.file))
    }

    func audit(_ actor: String, _ action: String, _ id: String, _ detail: String) -> AuditRecord {
        AuditRecord(id: IDs.make("aud"), at: IDs.now, actor: actor, action: action, profileID: id, detail: detail)
    }

    /// The loaded profile of a row (from the cache, or its file).
    func loaded(_ record: ProfileRecord) throws -> Profile {
        if let p = cache.get(record.id, version: record.version) { return p }
        let p = try Profile.load(from: config.dataDirectory.appendingPathComponent(record.file))
        cache.put(record.id, version: record.version, p)
        return p
    }

    /// The current profile of an id. A replace or delete on another request (or replica) removes the old
    /// version's file after its row changed, so a file that cannot be read is first checked against the row
    /// again: a newer version is loaded instead, a deleted profile is a 404; only a row that still names the
    /// unreadable file is a server error.
    public func currentProfile(id: String) async throws -> (ProfileRecord, Profile) {
        guard let record = try await store.profile(id: id) else { throw Problem.notFound("no profile \(id)", field: "id") }
        return try await loadedProfile(from: record)
    }

    /// The profile a row read earlier names, or the version that replaced it (see `currentProfile(id:)`).
    public func loadedProfile(from first: ProfileRecord) async throws -> (ProfileRecord, Profile) {
        var record = first
        let id = first.id
        for _ in 0..<3 {
            do { return (record, try loaded(record)) } catch {
                guard let now = try await store.profile(id: id) else { throw Problem.notFound("no profile \(id)", field: "id") }
                if now.version == record.version && now.file == record.file {
                    logger.error("loading profile \(record.id) v\(record.version): \(error)")
                    throw Problem.internalError("the profile's file could not be read")
                }
                record = now
            }
        }
        throw Problem.busy("the profile kept changing while it was loaded; retry", retryAfter: 1)
    }

    // MARK: - Inspections

    /// The defect naming of an object, built once per object (nil: no provider, or it could not name).
    func naming(object: String?) -> DefectNaming? {
        guard let provider = config.naming else { return nil }
        let key = object ?? ""
        if let hit = namings.withLockedValue({ $0[key] }) { return hit }
        let built = provider(object)
        namings.withLockedValue { $0[key] = .some(built) }
        return built
    }

    /// Inspects images against a profile (one model call on a worker), stores the pictures, then the rows.
    public func inspect(profileID: String, images: [ImageInput]) async throws -> [InspectionRecord] {
        let (record, profile) = try await currentProfile(id: profileID)
        guard (1...config.maxImagesPerRequest).contains(images.count) else {
            throw Problem.unprocessable("images: expected 1 to \(config.maxImagesPerRequest) images, got \(images.count)", field: "images")
        }
        let model = self.model
        let queued = Date()
        let delay = config.inspectDelayMilliseconds
        let minArea = config.minRegionArea
        let (service, object) = (self, record.object)
        let (results, started, modelDone, picturesDone) = try await queue.run(timeout: config.requestTimeout) {
            let started = Date()
            if let delay { Thread.sleep(forTimeInterval: Double(delay) / 1000) }
            let results: [Inspection]
            do {
                results = try model.inspect(images.map(\.image), profile: profile, minRegionArea: minArea, naming: service.naming(object: object))
            } catch let e as InspectionError {
                throw Problem.unprocessable("images: \(e.description)", field: "images")
            }
            let modelDone = Date()
            let pictures = try zip(images, results).map {
                try Rendering.pictures(image: $0.image, map: $1.map, regions: $1.regions, profile: profile)
            }
            return (zip(results, pictures).map { (inspection: $0, map: $1.map, overlay: $1.overlay) }, started, modelDone, Date())
        }
        var records: [InspectionRecord] = []
        let perImage = 1000 / Double(images.count)
        for (input, r) in zip(images, results) {
            let i = r.inspection
            guard i.score.isFinite else { throw Problem.internalError("the model returned a non-finite score") }
            let image = try blobs.put(input.bytes), map = try blobs.put(r.map), overlay = try blobs.put(r.overlay)
            let decision = i.anomalous.map { $0 ? "ng" : "ok" } ?? "none"
            records.append(InspectionRecord(
                id: IDs.make("ins"), profileID: record.id, profileVersion: record.version, model: model.name, score: i.score,
                decision: decision, threshold: profile.threshold?.threshold, families: i.familyScores, imageBlob: image, mapBlob: map,
                overlayBlob: overlay, filename: input.filename, width: input.image.width, height: input.image.height,
                timings: ["queue_ms": started.timeIntervalSince(queued) * 1000,
                          "model_ms": modelDone.timeIntervalSince(started) * perImage,
                          "pictures_ms": picturesDone.timeIntervalSince(modelDone) * perImage],
                createdAt: IDs.now,
                falseAlarmRate: i.falseAlarmRate.flatMap { $0.isFinite ? $0 : nil },
                normalizedScore: i.normalizedScore.flatMap { $0.isFinite ? $0 : nil },
                regions: i.regions.filter { $0.peak.isFinite && $0.mean.isFinite }))
        }
        if let n = config.killAfterFiles, inspectRequests.withLockedValue({ $0 += 1; return $0 }) == n {
            logger.warning("failpoint kill-after-files:\(n): killing this process between the files and the rows")
            kill(getpid(), SIGKILL)
        }
        try await store.insertInspections(records)
        for r in records { metrics.recordDecision(r.decision) }
        return records
    }
}
