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
        var raw: UnsafeMutableRawPointer? = nil
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let rc = posix_memalign(&raw, 64, (bytes + 63) & ~63)
        guard rc == 0, let raw else { fatalError("Storage: cannot allocate \(bytes) bytes") }
        data = raw.bindMemory(to: Float.self, capacity: max(count, 1))
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

    deinit { free(data) }
}
