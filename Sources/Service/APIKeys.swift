import Crypto
import Foundation

/// API keys: a random secret shown once (`vtf_` + 64 hex characters), stored as its SHA-256 only.
public enum APIKeys {
    public static let prefix = "vtf_"

    public static func hash(_ secret: String) -> String { ContentStore.digest(Array(secret.utf8)) }

    /// Makes a key; returns the secret (to give to the user) and the row (to store).
    public static func make(name: String, scope: Scope) -> (secret: String, record: APIKeyRecord) {
        var bytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = rng.next() }
        let secret = prefix + bytes.map { String(format: "%02x", $0) }.joined()
        return (secret, APIKeyRecord(id: IDs.make("key"), name: name, hash: hash(secret), scope: scope,
                                     createdAt: IDs.now, revokedAt: nil))
    }

    /// Creates and stores a key.
    public static func create(name: String, scope: Scope, in store: any ServiceStore) async throws -> (secret: String, record: APIKeyRecord) {
        let k = make(name: name, scope: scope)
        try await store.insertKey(k.record)
        return k
    }
}
