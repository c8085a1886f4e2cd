import Foundation

/// The service's persistence, one small protocol over SQLite (default) and PostgreSQL. Every method is a
/// transaction of its own; a profile change writes its audit row in the same transaction.
public protocol ServiceStore: Sendable {
    /// Applies the schema migrations not yet applied (versioned in ``Schema``).
    func migrate() async throws
    /// Throws when the database cannot be reached.
    func ping() async throws
    /// The migrations applied, oldest first.
    func appliedMigrations() async throws -> [String]

    func insertProfile(_ p: ProfileRecord, audit: AuditRecord) async throws
    /// Replaces the row of `p.id` (a new version) when its current version is `expectedVersion`; false when not.
    func replaceProfile(_ p: ProfileRecord, expectedVersion: Int, audit: AuditRecord) async throws -> Bool
    /// Deletes a profile row; returns it, or `nil` when there was none.
    func deleteProfile(id: String, audit: AuditRecord) async throws -> ProfileRecord?
    func profile(id: String) async throws -> ProfileRecord?
    func profiles() async throws -> [ProfileRecord]
    func audit(profileID: String) async throws -> [AuditRecord]

    func insertInspections(_ r: [InspectionRecord]) async throws
    func inspection(id: String) async throws -> InspectionRecord?
    /// Newest first.
    func inspections(_ q: InspectionQuery) async throws -> [InspectionRecord]
    /// Every blob digest a row names (profiles' references, inspections' pictures).
    func referencedBlobs() async throws -> Set<String>

    func insertKey(_ k: APIKeyRecord) async throws
    func keys() async throws -> [APIKeyRecord]
    func key(hash: String) async throws -> APIKeyRecord?
    /// Marks a key revoked; false when no unrevoked key has that id.
    func revokeKey(id: String) async throws -> Bool
}

/// The schema, the same for both databases: (migration id, statements). Times are Unix seconds, JSON
/// columns are text. Append new migrations; never edit an applied one.
public enum Schema {
    public static let migrations: [(id: String, statements: [String])] = [
        ("v1-tables", [
            """
            CREATE TABLE profiles (id TEXT PRIMARY KEY, name TEXT NOT NULL, object TEXT, version INTEGER NOT NULL,
              model TEXT NOT NULL, threshold DOUBLE PRECISION, reference_blobs TEXT NOT NULL, summary TEXT NOT NULL,
              file TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL)
            """,
            """
            CREATE TABLE inspections (id TEXT PRIMARY KEY, profile_id TEXT NOT NULL, profile_version INTEGER NOT NULL,
              model TEXT NOT NULL, score DOUBLE PRECISION NOT NULL, decision TEXT NOT NULL, threshold DOUBLE PRECISION,
              families TEXT NOT NULL, image_blob TEXT NOT NULL, map_blob TEXT NOT NULL, overlay_blob TEXT NOT NULL,
              filename TEXT, width INTEGER NOT NULL, height INTEGER NOT NULL, timings TEXT NOT NULL,
              created_at DOUBLE PRECISION NOT NULL)
            """,
            "CREATE INDEX inspections_by_profile ON inspections (profile_id, created_at)",
            "CREATE INDEX inspections_by_time ON inspections (created_at)",
            """
            CREATE TABLE audit (id TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL, actor TEXT NOT NULL,
              action TEXT NOT NULL, profile_id TEXT NOT NULL, detail TEXT NOT NULL)
            """,
            """
            CREATE TABLE api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, scope TEXT NOT NULL,
              created_at DOUBLE PRECISION NOT NULL, revoked_at DOUBLE PRECISION)
            """,
        ]),
        ("v2-inspection-decision", [
            "ALTER TABLE inspections ADD COLUMN false_alarm_rate DOUBLE PRECISION",
            "ALTER TABLE inspections ADD COLUMN normalized_score DOUBLE PRECISION",
            "ALTER TABLE inspections ADD COLUMN regions TEXT NOT NULL DEFAULT '[]'",
        ]),
    ]
}

/// JSON text of the store's JSON columns.
enum JSONColumn {
    static func encode<T: Encodable>(_ v: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(v)) ?? Data("null".utf8), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ t: T.Type, _ s: String, column: String) throws -> T {
        do { return try JSONDecoder().decode(t, from: Data(s.utf8)) } catch {
            throw StoreError.corruptRow("column \(column) is not valid JSON for its type")
        }
    }
}

public enum StoreError: Error, CustomStringConvertible {
    case corruptRow(String)
    case unreachable(String)
    case invalidURL(String)

    public var description: String {
        switch self {
        case .corruptRow(let s): return "database row: \(s)"
        case .unreachable(let s): return "database unreachable: \(s)"
        case .invalidURL(let s): return "--database: \(s)"
        }
    }
}
