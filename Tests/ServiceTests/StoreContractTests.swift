import Foundation
import Logging
import PostgresNIO
import Inspection
import Service
import XCTest

/// The store protocol's contract, checked on SQLite and (when VTFUSION_TEST_POSTGRES_URL names a throwaway
/// database) on PostgreSQL; and the whole API flow on PostgreSQL.
final class StoreContractTests: XCTestCase {
    static func check(_ store: any ServiceStore, file: StaticString = #filePath, line: UInt = #line) async throws {
        try await store.migrate()
        try await store.migrate()  // idempotent
        let applied = try await store.appliedMigrations()
        XCTAssertEqual(applied, Schema.migrations.map(\.id), file: file, line: line)
        try await store.ping()

        let summary = CalibrationSummary(normalScores: [0.1, -0.2], syntheticScores: [5], selfScored: false, thresholdMethod: "referenceMargin",
                                         targetFalseAlarmRate: 0.01, mapRange: [0, 1], channels: ["a"])
        let p = ProfileRecord(id: "prf_contract", name: "n", object: nil, version: 1, model: "m", threshold: 2.5,
                              referenceBlobs: [String(repeating: "a", count: 64)], summary: summary, file: "profiles/prf_contract-v1.safetensors",
                              createdAt: 1000.5, updatedAt: 1000.5)
        func audit(_ action: String, _ at: Double) -> AuditRecord {
            AuditRecord(id: "aud_\(action)", at: at, actor: "key_x", action: action, profileID: p.id, detail: action)
        }
        try await store.insertProfile(p, audit: audit("create", 1))
        let read = try await store.profile(id: p.id)
        XCTAssertEqual(read, p, file: file, line: line)
        var v2 = p
        v2.version = 2; v2.object = "screw"; v2.threshold = nil; v2.file = "profiles/prf_contract-v2.safetensors"
        let wrongVersion = try await store.replaceProfile(v2, expectedVersion: 5, audit: audit("stale", 2))
        XCTAssertFalse(wrongVersion, file: file, line: line)
        let replaced = try await store.replaceProfile(v2, expectedVersion: 1, audit: audit("replace", 3))
        XCTAssertTrue(replaced, file: file, line: line)
        let all = try await store.profiles()
        XCTAssertEqual(all, [v2], file: file, line: line)

        func inspection(_ id: String, _ at: Double, _ decision: String) -> InspectionRecord {
            InspectionRecord(id: id, profileID: p.id, profileVersion: 2, model: "m", score: at / 10, decision: decision, threshold: nil,
                             families: ["local": 1.5], imageBlob: String(repeating: "b", count: 64), mapBlob: String(repeating: "c", count: 64),
                             overlayBlob: String(repeating: "d", count: 64), filename: decision == "ng" ? nil : "x.png", width: 3, height: 4,
                             timings: ["model_ms": 2], createdAt: at,
                             falseAlarmRate: decision == "ng" ? 0.0004 : nil, normalizedScore: decision == "ng" ? 0.8 : nil,
                             regions: decision == "ng" ? [named(DefectRegion(x: 1, y: 2, width: 2, height: 1, area: 2, areaPercent: 16.7, peak: 0.9, mean: 0.7))] : [])
        }
        func named(_ r: DefectRegion) -> DefectRegion {
            var r = r
            r.names = [DefectName(name: "scratch", probability: 0.6), DefectName(name: "crack", probability: 0.25)]
            return r
        }
        let rows = [inspection("ins_1", 10, "ok"), inspection("ins_2", 20, "ng"), inspection("ins_3", 30, "ok")]
        try await store.insertInspections(rows)
        let one = try await store.inspection(id: "ins_2")
        XCTAssertEqual(one, rows[1], file: file, line: line)
        var q = InspectionQuery()
        let newestFirst = try await store.inspections(q).map(\.id)
        XCTAssertEqual(newestFirst, ["ins_3", "ins_2", "ins_1"], file: file, line: line)
        q.decision = "ok"; q.since = 15
        let filtered = try await store.inspections(q).map(\.id)
        XCTAssertEqual(filtered, ["ins_3"], file: file, line: line)
        q = InspectionQuery(); q.limit = 1; q.offset = 1; q.profileID = p.id
        let paged = try await store.inspections(q).map(\.id)
        XCTAssertEqual(paged, ["ins_2"], file: file, line: line)
        let blobs = try await store.referencedBlobs()
        XCTAssertEqual(blobs, Set(["a", "b", "c", "d"].map { String(repeating: $0, count: 64) }), file: file, line: line)

        let deleted = try await store.deleteProfile(id: p.id, audit: audit("delete", 4))
        XCTAssertEqual(deleted, v2, file: file, line: line)
        let again = try await store.deleteProfile(id: p.id, audit: audit("delete-again", 5))
        XCTAssertNil(again, file: file, line: line)
        let trail = try await store.audit(profileID: p.id).map(\.action)
        XCTAssertEqual(trail, ["create", "replace", "delete"], "a refused change writes no audit row", file: file, line: line)

        let k = APIKeys.make(name: "k", scope: .inspect)
        try await store.insertKey(k.record)
        let found = try await store.key(hash: APIKeys.hash(k.secret))
        XCTAssertEqual(found, k.record, file: file, line: line)
        let revoked = try await store.revokeKey(id: k.record.id)
        XCTAssertTrue(revoked, file: file, line: line)
        let twice = try await store.revokeKey(id: k.record.id)
        XCTAssertFalse(twice, file: file, line: line)
        let listed = try await store.keys()
        XCTAssertNotNil(listed.first?.revokedAt, file: file, line: line)
    }

    func testSQLite() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try await Self.check(SQLiteStore(path: dir.appendingPathComponent("db.sqlite").path))
        XCTAssertThrowsError(try StoreURL.open("mysql://x", dataDirectory: dir))
        XCTAssertThrowsError(try StoreURL.open("postgres://", dataDirectory: dir))
    }

    /// The URL of a throwaway PostgreSQL database (`Scripts/start-postgres.sh` starts one; `.ci/run` sets it).
    static func postgresURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["VTFUSION_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw XCTSkip("PostgreSQL tests skipped: no server URL given; set VTFUSION_TEST_POSTGRES_URL=$(Scripts/start-postgres.sh)")
        }
        return url
    }

    /// Drops the service's tables (the database is a throwaway one).
    static func reset(_ url: String) async throws {
        let u = try XCTUnwrap(URLComponents(string: url))
        let config = PostgresClient.Configuration(host: u.host ?? "127.0.0.1", port: u.port ?? 5432, username: u.user ?? "postgres",
                                                  password: u.password, database: String(u.path.dropFirst()), tls: .disable)
        let client = PostgresClient(configuration: config, backgroundLogger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            _ = try await client.query("DROP TABLE IF EXISTS profiles, inspections, audit, api_keys, schema_migrations")
            group.cancelAll()
        }
    }

    func testPostgres() async throws {
        let url = try Self.postgresURL()
        try await Self.reset(url)
        try await Self.check(try StoreURL.open(url, dataDirectory: FileManager.default.temporaryDirectory))
    }

    func testAPIFlowOnPostgres() async throws {
        let url = try Self.postgresURL()
        try await Self.reset(url)
        let server = try TestServer()
        server.makeStore = { _ in try PostgresStore(url: url) }
        defer { server.remove() }
        try await APIFlowTests.flow(server)
    }
}
