/// Shape helpers shared by the ops.
public enum ShapeUtil {
    /// Row-major (C-order) strides for `shape`.
    @inlinable public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = acc
            acc *= shape[i]
        }
        return strides
    }

    /// Number of elements of `shape`.
    @inlinable public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// NumPy broadcasting of two shapes; traps with both shapes when they are incompatible.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int] {
        let n = max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            if da == db || db == 1 { out[i] = da }
            else if da == 1 { out[i] = db }
            else { fatalError("broadcast: shapes \(a) and \(b) are not compatible") }
        }
        return out
    }

    /// Normalises a possibly negative axis for a tensor of rank `rank`.
    @inlinable public static func axis(_ axis: Int, rank: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        if a < 0 || a >= rank { fatalError("axis \(axis) out of range for rank \(rank)") }
        return a
    }
}

/// Traps with `message` when `condition` is false. Unlike `precondition`, it is checked in `-Ounchecked`
/// builds too; use it for programmer errors such as shape mismatches.
@inlinable @inline(__always)
public func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
