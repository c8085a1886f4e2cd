import Foundation

/// Opens the store a `--database` URL names: none (SQLite at `DATA/vtfusion.sqlite`), `sqlite:PATH`, or
/// `postgres://user:password@host:port/database`.
public enum StoreURL {
    public static func open(_ url: String?, dataDirectory: URL) throws -> any ServiceStore {
        guard let url, !url.isEmpty else { return try SQLiteStore(path: dataDirectory.appendingPathComponent("vtfusion.sqlite").path) }
        if url.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw StoreError.invalidURL("sqlite: needs a path, e.g. sqlite:/var/lib/vtfusion/db.sqlite") }
            return try SQLiteStore(path: path)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return try PostgresStore(url: url)
        }
        throw StoreError.invalidURL("expected sqlite:PATH or postgres://user:password@host:port/database")
    }
}

