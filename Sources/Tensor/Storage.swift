#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A 64-byte aligned, heap-allocated buffer of `Float` values.
///
/// Storage is shared between a tensor and its views (reshape, permute, slice, expand). Tensors treat it as
/// immutable once an op has produced it; only code that owns a tensor outright (an optimizer updating a
/// leaf parameter under ``noGrad(_:)``, a loader filling a fresh tensor) writes into it.
public final class Storage: @unchecked Sendable {
    /// Number of `Float` elements.
    public let count: Int
    /// Base address, aligned to 64 bytes.
    public let data: UnsafeMutablePointer<Float>

    /// Allocates uninitialised storage for `count` floats.
    public init(uninitializedCount count: Int) {
        self.count = count
        let bytes = BufferCache.roundedSize(max(count, 1) * MemoryLayout<Float>.stride)
        var raw: UnsafeMutableRawPointer? = BufferCache.take(bytes: bytes)
        if raw == nil {
            let rc = posix_memalign(&raw, 64, bytes)
            guard rc == 0 else { fatalError("Storage: cannot allocate \(bytes) bytes") }
        }
        data = raw!.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Allocates storage filled with `value`.
    public convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        data.initialize(repeating: value, count: count)
    }

    /// Allocates storage holding a copy of `values`.
    public convenience init<C: Collection>(copying values: C) where C.Element == Float {
        self.init(uninitializedCount: values.count)
        var i = 0
        for v in values { data[i] = v; i += 1 }
    }

    deinit {
        let bytes = BufferCache.roundedSize(max(count, 1) * MemoryLayout<Float>.stride)
        if !BufferCache.give(UnsafeMutableRawPointer(data), bytes: bytes) { free(data) }
    }
}

/// Recycles large tensor buffers. A network's forward and backward passes allocate and free the same
/// large sizes over and over; handing those back to `malloc` lets it return the pages to the system and
/// fault them in (zeroed) again on the next pass, which costs as much as a cheap elementwise kernel.
/// Freed buffers of at least ``minBytes`` are kept for reuse by exact (rounded) size, up to
/// ``maxCachedBytes`` in all; when a new one would exceed that, the oldest kept buffers are freed first,
/// so the cache follows the sizes of the current workload instead of filling up with stale ones.
enum BufferCache {
    static let minBytes = 1 << 18
    static let maxCachedBytes = 1 << 28

    /// Kept buffers, oldest first.
    nonisolated(unsafe) private static var entries: [(bytes: Int, pointer: UnsafeMutableRawPointer)] = []
    nonisolated(unsafe) private static var cachedBytes = 0
    nonisolated(unsafe) private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        m.initialize(to: pthread_mutex_t())
        pthread_mutex_init(m, nil)
        return m
    }()

    /// Allocation size for `bytes`: a multiple of 64 bytes, and of 4 KiB for cached sizes.
    @inline(__always)
    static func roundedSize(_ bytes: Int) -> Int {
        bytes >= minBytes ? (bytes + 4095) & ~4095 : (bytes + 63) & ~63
    }

    /// The most recently kept buffer of exactly `bytes` (a rounded size), if any.
    static func take(bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes >= minBytes else { return nil }
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        guard let i = entries.lastIndex(where: { $0.bytes == bytes }) else { return nil }
        cachedBytes -= bytes
        return entries.remove(at: i).pointer
    }

    /// Keeps `p` for reuse, freeing the oldest kept buffers if the cache would grow past
    /// ``maxCachedBytes``; false when `p` is too small or too large to keep (the caller frees it).
    static func give(_ p: UnsafeMutableRawPointer, bytes: Int) -> Bool {
        guard bytes >= minBytes, bytes <= maxCachedBytes / 4 else { return false }
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        entries.append((bytes, p))
        cachedBytes += bytes
        var evict = 0
        var freed = 0
        while cachedBytes - freed > maxCachedBytes {
            freed += entries[evict].bytes
            free(entries[evict].pointer)
            evict += 1
        }
        if evict > 0 {
            entries.removeFirst(evict)
            cachedBytes -= freed
        }
        return true
    }

    /// Bytes currently kept for reuse.
    static var keptBytes: Int {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return cachedBytes
    }

    /// Frees every kept buffer (for tests, or to return memory after a large job).
    static func drain() {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        for e in entries { free(e.pointer) }
        entries.removeAll()
        cachedBytes = 0
    }
}
