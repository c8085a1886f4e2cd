import Foundation
import Inspection
import Logging
import PostgresNIO

/// The store on PostgreSQL (`--database postgres://user:password@host:port/database`), through postgres-nio:
/// the same schema and migrations as SQLite (``Schema/migrations``), applied under an advisory lock so that
/// replicas starting together apply each once.
public final class PostgresStore: ServiceStore {
    let client: PostgresClient
    let logger: Logger
    private let runner: Task<Void, Never>

    public init(url: String, logger: Logger = Logger(label: "vtfusion.postgres")) throws {
        guard let u = URLComponents(string: url), let host = u.host, !host.isEmpty, let user = u.user, !user.isEmpty else {
            throw StoreError.invalidURL("expected postgres://user:password@host:port/database")
        }
        let database = u.path.hasPrefix("/") ? String(u.path.dropFirst()) : u.path
        var config = PostgresClient.Configuration(host: host, port: u.port ?? 5432, username: user,
                                                  password: u.password?.removingPercentEncoding ?? u.password,
                                                  database: database.isEmpty ? nil : database, tls: .disable)
        config.options.maximumConnections = 8
        config.options.connectTimeout = .seconds(5)
        self.logger = logger
        let client = PostgresClient(configuration: config, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    /// A statement with `$1...` placeholders and its values.
    struct Statement {
        var sql: String
        var binds = PostgresBindings()

        init(_ sql: String) { self.sql = sql }

        mutating func bind(_ v: String) { binds.append(v) }
        mutating func bind(_ v: String?) { if let v { binds.append(v) } else { binds.appendNull() } }
        mutating func bind(_ v: Int) { binds.append(v) }
        mutating func bind(_ v: Double) { binds.append(v) }
        mutating func bind(_ v: Double?) { if let v { binds.append(v) } else { binds.appendNull() } }

        var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
    }

    func run(_ s: Statement, on c: PostgresConnection? = nil) async throws -> [PostgresRandomAccessRow] {
        let rows: PostgresRowSequence
        if let c { rows = try await c.query(s.query, logger: logger) } else { rows = try await client.query(s.query, logger: logger) }
        return try await rows.collect().map { $0.makeRandomAccess() }
    }

    public func migrate() async throws {
        try await client.withTransaction(logger: logger) { c in
            _ = try await c.query("SELECT pg_advisory_xact_lock(746617)", logger: logger)
            _ = try await c.query("CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)",
                                  logger: logger)
            var applied = Set<String>()
            for try await id in try await c.query("SELECT id FROM schema_migrations", logger: logger).decode(String.self) { applied.insert(id) }
            for (id, statements) in Schema.migrations where !applied.contains(id) {
                for s in statements { _ = try await c.query(PostgresQuery(unsafeSQL: s), logger: logger) }
                var m = Statement("INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)")
                m.bind(id); m.bind(IDs.now)
                _ = try await c.query(m.query, logger: logger)
            }
        }
    }

    public func ping() async throws { _ = try await run(Statement("SELECT 1")) }

    public func appliedMigrations() async throws -> [String] {
        try await run(Statement("SELECT id FROM schema_migrations ORDER BY id")).map { try $0["id"].decode(String.self) }
    }

    // MARK: - Profiles

    static let profileColumns = "id, name, object, version, model, threshold, reference_blobs, summary, file, created_at, updated_at"

    static func profile(_ r: PostgresRandomAccessRow) throws -> ProfileRecord {
        ProfileRecord(id: try r["id"].decode(String.self), name: try r["name"].decode(String.self),
                      object: try r["object"].decode(String?.self), version: try r["version"].decode(Int.self),
                      model: try r["model"].decode(String.self), threshold: try r["threshold"].decode(Double?.self),
                      referenceBlobs: try JSONColumn.decode([String].self, try r["reference_blobs"].decode(String.self), column: "reference_blobs"),
                      summary: try JSONColumn.decode(CalibrationSummary.self, try r["summary"].decode(String.self), column: "summary"),
                      file: try r["file"].decode(String.self), createdAt: try r["created_at"].decode(Double.self),
                      updatedAt: try r["updated_at"].decode(Double.self))
    }

    static func audit(_ a: AuditRecord) -> Statement {
        var s = Statement("INSERT INTO audit (id, at, actor, action, profile_id, detail) VALUES ($1, $2, $3, $4, $5, $6)")
        s.bind(a.id); s.bind(a.at); s.bind(a.actor); s.bind(a.action); s.bind(a.profileID); s.bind(a.detail)
        return s
    }

    public func insertProfile(_ p: ProfileRecord, audit: AuditRecord) async throws {
        var s = Statement("INSERT INTO profiles (\(Self.profileColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        s.bind(p.id); s.bind(p.name); s.bind(p.object); s.bind(p.version); s.bind(p.model); s.bind(p.threshold)
        s.bind(JSONColumn.encode(p.referenceBlobs)); s.bind(JSONColumn.encode(p.summary)); s.bind(p.file); s.bind(p.createdAt); s.bind(p.updatedAt)
        let a = Self.audit(audit), logger = self.logger
        try await client.withTransaction(logger: logger) { c in
            _ = try await c.query(s.query, logger: logger)
            _ = try await c.query(a.query, logger: logger)
        }
    }

    public func replaceProfile(_ p: ProfileRecord, expectedVersion: Int, audit: AuditRecord) async throws -> Bool {
        var s = Statement("""
            UPDATE profiles SET name = $1, object = $2, version = $3, model = $4, threshold = $5, reference_blobs = $6,
              summary = $7, file = $8, updated_at = $9 WHERE id = $10 AND version = $11 RETURNING id
            """)
        s.bind(p.name); s.bind(p.object); s.bind(p.version); s.bind(p.model); s.bind(p.threshold); s.bind(JSONColumn.encode(p.referenceBlobs))
        s.bind(JSONColumn.encode(p.summary)); s.bind(p.file); s.bind(p.updatedAt); s.bind(p.id); s.bind(expectedVersion)
        let a = Self.audit(audit), logger = self.logger
        return try await client.withTransaction(logger: logger) { c in
            let changed = try await c.query(s.query, logger: logger).collect().count
            guard changed == 1 else { return false }
            _ = try await c.query(a.query, logger: logger)
            return true
        }
    }

    public func deleteProfile(id: String, audit: AuditRecord) async throws -> ProfileRecord? {
        var s = Statement("DELETE FROM profiles WHERE id = $1 RETURNING \(Self.profileColumns)")
        s.bind(id)
        let a = Self.audit(audit), logger = self.logger
        return try await client.withTransaction(logger: logger) { c in
            guard let row = try await c.query(s.query, logger: logger).collect().first else { return nil }
            _ = try await c.query(a.query, logger: logger)
            return try Self.profile(row.makeRandomAccess())
        }
    }

    public func profile(id: String) async throws -> ProfileRecord? {
        var s = Statement("SELECT \(Self.profileColumns) FROM profiles WHERE id = $1")
        s.bind(id)
        return try await run(s).first.map(Self.profile)
    }

    public func profiles() async throws -> [ProfileRecord] {
        try await run(Statement("SELECT \(Self.profileColumns) FROM profiles ORDER BY created_at, id")).map(Self.profile)
    }

    public func audit(profileID: String) async throws -> [AuditRecord] {
        var s = Statement("SELECT id, at, actor, action, profile_id, detail FROM audit WHERE profile_id = $1 ORDER BY at, id")
        s.bind(profileID)
        return try await run(s).map {
            AuditRecord(id: try $0["id"].decode(String.self), at: try $0["at"].decode(Double.self), actor: try $0["actor"].decode(String.self),
                        action: try $0["action"].decode(String.self), profileID: try $0["profile_id"].decode(String.self),
                        detail: try $0["detail"].decode(String.self))
        }
    }

    // MARK: - Inspections

    static func inspection(_ r: PostgresRandomAccessRow) throws -> InspectionRecord {
        InspectionRecord(id: try r["id"].decode(String.self), profileID: try r["profile_id"].decode(String.self),
                         profileVersion: try r["profile_version"].decode(Int.self), model: try r["model"].decode(String.self),
                         score: try r["score"].decode(Double.self), decision: try r["decision"].decode(String.self),
                         threshold: try r["threshold"].decode(Double?.self),
                         families: try JSONColumn.decode([String: Double].self, try r["families"].decode(String.self), column: "families"),
                         imageBlob: try r["image_blob"].decode(String.self), mapBlob: try r["map_blob"].decode(String.self),
                         overlayBlob: try r["overlay_blob"].decode(String.self), filename: try r["filename"].decode(String?.self),
                         width: try r["width"].decode(Int.self), height: try r["height"].decode(Int.self),
                         timings: try JSONColumn.decode([String: Double].self, try r["timings"].decode(String.self), column: "timings"),
                         createdAt: try r["created_at"].decode(Double.self),
                         falseAlarmRate: try r["false_alarm_rate"].decode(Double?.self),
                         normalizedScore: try r["normalized_score"].decode(Double?.self),
                         regions: try JSONColumn.decode([DefectRegion].self, try r["regions"].decode(String.self), column: "regions"))
    }

    public func insertInspections(_ records: [InspectionRecord]) async throws {
        let statements = records.map { i -> Statement in
            var s = Statement("INSERT INTO inspections (\(SQLiteStore.inspectionColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)")
            s.bind(i.id); s.bind(i.profileID); s.bind(i.profileVersion); s.bind(i.model); s.bind(i.score); s.bind(i.decision)
            s.bind(i.threshold); s.bind(JSONColumn.encode(i.families)); s.bind(i.imageBlob); s.bind(i.mapBlob); s.bind(i.overlayBlob)
            s.bind(i.filename); s.bind(i.width); s.bind(i.height); s.bind(JSONColumn.encode(i.timings)); s.bind(i.createdAt)
            s.bind(i.falseAlarmRate); s.bind(i.normalizedScore); s.bind(JSONColumn.encode(i.regions))
            return s
        }
        let logger = self.logger
        try await client.withTransaction(logger: logger) { c in
            for s in statements { _ = try await c.query(s.query, logger: logger) }
        }
    }

    public func inspection(id: String) async throws -> InspectionRecord? {
        var s = Statement("SELECT \(SQLiteStore.inspectionColumns) FROM inspections WHERE id = $1")
        s.bind(id)
        return try await run(s).first.map(Self.inspection)
    }

    public func inspections(_ q: InspectionQuery) async throws -> [InspectionRecord] {
        var clauses: [String] = []
        var s = Statement("")
        var n = 0
        func next() -> String { n += 1; return "$\(n)" }
        if let p = q.profileID { clauses.append("profile_id = \(next())"); s.bind(p) }
        if let t = q.since { clauses.append("created_at >= \(next())"); s.bind(t) }
        if let d = q.decision { clauses.append("decision = \(next())"); s.bind(d) }
        let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let limit = next(), offset = next()
        s.bind(q.limit); s.bind(q.offset)
        s.sql = "SELECT \(SQLiteStore.inspectionColumns) FROM inspections \(whereSQL) ORDER BY created_at DESC, id DESC LIMIT \(limit) OFFSET \(offset)"
        return try await run(s).map(Self.inspection)
    }

    public func referencedBlobs() async throws -> Set<String> {
        var out = Set<String>()
        for r in try await run(Statement("SELECT image_blob, map_blob, overlay_blob FROM inspections")) {
            out.insert(try r["image_blob"].decode(String.self)); out.insert(try r["map_blob"].decode(String.self))
            out.insert(try r["overlay_blob"].decode(String.self))
        }
        for r in try await run(Statement("SELECT reference_blobs FROM profiles")) {
            out.formUnion(try JSONColumn.decode([String].self, try r["reference_blobs"].decode(String.self), column: "reference_blobs"))
        }
        return out
    }

    // MARK: - API keys

    static func key(_ r: PostgresRandomAccessRow) throws -> APIKeyRecord {
        guard let scope = Scope(rawValue: try r["scope"].decode(String.self)) else { throw StoreError.corruptRow("api_keys.scope") }
        return APIKeyRecord(id: try r["id"].decode(String.self), name: try r["name"].decode(String.self), hash: try r["hash"].decode(String.self),
                            scope: scope, createdAt: try r["created_at"].decode(Double.self), revokedAt: try r["revoked_at"].decode(Double?.self))
    }

    public func insertKey(_ k: APIKeyRecord) async throws {
        var s = Statement("INSERT INTO api_keys (id, name, hash, scope, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)")
        s.bind(k.id); s.bind(k.name); s.bind(k.hash); s.bind(k.scope.rawValue); s.bind(k.createdAt); s.bind(k.revokedAt)
        _ = try await run(s)
    }

    public func keys() async throws -> [APIKeyRecord] {
        try await run(Statement("SELECT id, name, hash, scope, created_at, revoked_at FROM api_keys ORDER BY created_at, id")).map(Self.key)
    }

    public func key(hash: String) async throws -> APIKeyRecord? {
        var s = Statement("SELECT id, name, hash, scope, created_at, revoked_at FROM api_keys WHERE hash = $1")
        s.bind(hash)
        return try await run(s).first.map(Self.key)
    }

    public func revokeKey(id: String) async throws -> Bool {
        var s = Statement("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id")
        s.bind(IDs.now); s.bind(id)
        return try await run(s).count == 1
    }
}
