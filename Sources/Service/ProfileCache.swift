import Foundation
import Inspection
import NIOConcurrencyHelpers

/// Loaded profiles by id and version, read from their files on first use (so a restart does not rebuild
/// any profile), at most `capacity` kept.
final class ProfileCache: @unchecked Sendable {
    private let lock = NIOLock()
    private var entries: [String: (version: Int, profile: Profile, used: UInt64)] = [:]
    private var clock: UInt64 = 0
    let capacity: Int

    init(capacity: Int = 64) { self.capacity = capacity }

    func get(_ id: String, version: Int) -> Profile? {
        lock.withLock {
            guard let e = entries[id], e.version == version else { return nil }
            clock += 1
            entries[id]?.used = clock
            return e.profile
        }
    }

    func put(_ id: String, version: Int, _ p: Profile) {
        lock.withLock {
            clock += 1
            entries[id] = (version, p, clock)
            if entries.count > capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
                entries[oldest] = nil
            }
        }
    }

    func remove(_ id: String) { _ = lock.withLock { entries.removeValue(forKey: id) } }
}
