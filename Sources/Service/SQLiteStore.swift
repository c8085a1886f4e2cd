import Foundation
import GRDB
import Inspection

/// The default store: one SQLite file (WAL, full sync) under the data folder, through GRDB. Schema
/// migrations are ``Schema/migrations``, applied by GRDB's migrator.
public final class SQLiteStore: ServiceStore {
    let pool: DatabasePool
    public let path: String

    public init(path: String) throws {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        pool = try DatabasePool(path: path, configuration: config)
    }

    var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        for (id, statements) in Schema.migrations {
            m.registerMigration(id) { db in for s in statements { try db.execute(sql: s) } }
        }
        return m
    }

    public func migrate() async throws { try migrator.migrate(pool) }

    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func appliedMigrations() async throws -> [String] {
        let m = migrator
        return try await pool.read { db in try m.appliedIdentifiers(db).sorted() }
    }

    // MARK: - Profiles

    static let profileColumns = "id, name, object, version, model, threshold, reference_blobs, summary, file, created_at, updated_at"

    static func profileArguments(_ p: ProfileRecord) -> StatementArguments {
        [p.id, p.name, p.object, p.version, p.model, p.threshold, JSONColumn.encode(p.referenceBlobs),
         JSONColumn.encode(p.summary), p.file, p.createdAt, p.updatedAt]
    }

    static func profile(_ r: Row) throws -> ProfileRecord {
        ProfileRecord(id: r["id"], name: r["name"], object: r["object"], version: r["version"], model: r["model"],
                      threshold: r["threshold"],
                      referenceBlobs: try JSONColumn.decode([String].self, r["reference_blobs"], column: "reference_blobs"),
                      summary: try JSONColumn.decode(CalibrationSummary.self, r["summary"], column: "summary"),
                      file: r["file"], createdAt: r["created_at"], updatedAt: r["updated_at"])
    }

    static func insertAudit(_ a: AuditRecord, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO audit (id, at, actor, action, profile_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [a.id, a.at, a.actor, a.action, a.profileID, a.detail])
    }

    public func insertProfile(_ p: ProfileRecord, audit: AuditRecord) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO profiles (\(Self.profileColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           arguments: Self.profileArguments(p))
            try Self.insertAudit(audit, db)
        }
    }

    public func replaceProfile(_ p: ProfileRecord, expectedVersion: Int, audit: AuditRecord) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE profiles SET name = ?, object = ?, version = ?, model = ?, threshold = ?, reference_blobs = ?,
                  summary = ?, file = ?, updated_at = ? WHERE id = ? AND version = ?
                """, arguments: [p.name, p.object, p.version, p.model, p.threshold, JSONColumn.encode(p.referenceBlobs),
                                 JSONColumn.encode(p.summary), p.file, p.updatedAt, p.id, expectedVersion])
            guard db.changesCount == 1 else { return false }
            try Self.insertAudit(audit, db)
            return true
        }
    }

    public func deleteProfile(id: String, audit: AuditRecord) async throws -> ProfileRecord? {
        try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.profileColumns) FROM profiles WHERE id = ?", arguments: [id]) else {
                return nil
            }
            try db.execute(sql: "DELETE FROM profiles WHERE id = ?", arguments: [id])
            try Self.insertAudit(audit, db)
            return try Self.profile(row)
        }
    }

    public func profile(id: String) async throws -> ProfileRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.profileColumns) FROM profiles WHERE id = ?", arguments: [id]).map(Self.profile)
        }
    }

    public func profiles() async throws -> [ProfileRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.profileColumns) FROM profiles ORDER BY created_at, id").map(Self.profile)
        }
    }

    public func audit(profileID: String) async throws -> [AuditRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, at, actor, action, profile_id, detail FROM audit WHERE profile_id = ? ORDER BY at, id",
                             arguments: [profileID]).map {
                AuditRecord(id: $0["id"], at: $0["at"], actor: $0["actor"], action: $0["action"], profileID: $0["profile_id"],
                            detail: $0["detail"])
            }
        }
    }

    // MARK: - Inspections

    static let inspectionColumns = """
        id, profile_id, profile_version, model, score, decision, threshold, families, image_blob, map_blob, overlay_blob,
        filename, width, height, timings, created_at, false_alarm_rate, normalized_score, regions
        """

    static func inspection(_ r: Row) throws -> InspectionRecord {
        InspectionRecord(id: r["id"], profileID: r["profile_id"], profileVersion: r["profile_version"], model: r["model"],
                         score: r["score"], decision: r["decision"], threshold: r["threshold"],
                         families: try JSONColumn.decode([String: Double].self, r["families"], column: "families"),
                         imageBlob: r["image_blob"], mapBlob: r["map_blob"], overlayBlob: r["overlay_blob"],
                         filename: r["filename"], width: r["width"], height: r["height"],
                         timings: try JSONColumn.decode([String: Double].self, r["timings"], column: "timings"),
                         createdAt: r["created_at"], falseAlarmRate: r["false_alarm_rate"], normalizedScore: r["normalized_score"],
                         regions: try JSONColumn.decode([DefectRegion].self, r["regions"], column: "regions"))
    }

    public func insertInspections(_ records: [InspectionRecord]) async throws {
        try await pool.write { db in
            for i in records {
                try db.execute(sql: "INSERT INTO inspections (\(Self.inspectionColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               arguments: [i.id, i.profileID, i.profileVersion, i.model, i.score, i.decision, i.threshold,
                                           JSONColumn.encode(i.families), i.imageBlob, i.mapBlob, i.overlayBlob, i.filename,
                                           i.width, i.height, JSONColumn.encode(i.timings), i.createdAt,
                                           i.falseAlarmRate, i.normalizedScore, JSONColumn.encode(i.regions)])
            }
        }
    }

    public func inspection(id: String) async throws -> InspectionRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.inspectionColumns) FROM inspections WHERE id = ?", arguments: [id]).map(Self.inspection)
        }
    }

    public func inspections(_ q: InspectionQuery) async throws -> [InspectionRecord] {
        var clauses: [String] = [], args: [(any DatabaseValueConvertible)?] = []
        if let p = q.profileID { clauses.append("profile_id = ?"); args.append(p) }
        if let s = q.since { clauses.append("created_at >= ?"); args.append(s) }
        if let d = q.decision { clauses.append("decision = ?"); args.append(d) }
        let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        args.append(q.limit); args.append(q.offset)
        let sql = "SELECT \(Self.inspectionColumns) FROM inspections \(whereSQL) ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
        let arguments = StatementArguments(args)
        return try await pool.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.inspection) }
    }

    public func referencedBlobs() async throws -> Set<String> {
        try await pool.read { db in
            var out = Set<String>()
            for r in try Row.fetchAll(db, sql: "SELECT image_blob, map_blob, overlay_blob FROM inspections") {
                out.insert(r["image_blob"]); out.insert(r["map_blob"]); out.insert(r["overlay_blob"])
            }
            for s in try String.fetchAll(db, sql: "SELECT reference_blobs FROM profiles") {
                out.formUnion(try JSONColumn.decode([String].self, s, column: "reference_blobs"))
            }
            return out
        }
    }

    // MARK: - API keys

    static func key(_ r: Row) throws -> APIKeyRecord {
        guard let scope = Scope(rawValue: r["scope"]) else { throw StoreError.corruptRow("api_keys.scope") }
        return APIKeyRecord(id: r["id"], name: r["name"], hash: r["hash"], scope: scope, createdAt: r["created_at"],
                            revokedAt: r["revoked_at"])
    }

    public func insertKey(_ k: APIKeyRecord) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO api_keys (id, name, hash, scope, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [k.id, k.name, k.hash, k.scope.rawValue, k.createdAt, k.revokedAt])
        }
    }

    public func keys() async throws -> [APIKeyRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, hash, scope, created_at, revoked_at FROM api_keys ORDER BY created_at, id").map(Self.key)
        }
    }

    public func key(hash: String) async throws -> APIKeyRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, name, hash, scope, created_at, revoked_at FROM api_keys WHERE hash = ?",
                             arguments: [hash]).map(Self.key)
        }
    }

    public func revokeKey(id: String) async throws -> Bool {
        let now = IDs.now
        return try await pool.write { db in
            try db.execute(sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [now, id])
            return db.changesCount == 1
        }
    }
}
