/// An n-dimensional array of `Float32` with reverse-mode automatic differentiation.
///
/// A tensor is a view (`shape`, `strides`, `offset`) onto shared ``Storage``. Ops never mutate their inputs:
/// they return new tensors, so views may share storage safely. Views (``reshaped(_:)``, ``permuted(_:)``,
/// ``sliced(axis:start:end:)``, ``expanded(to:)``) cost no copy; kernels that need dense memory call
/// ``contiguous()``, which copies only when the view is not already row-major and dense.
///
/// Autodiff: mark leaves with ``requiresGrad``; ops on tensors that require gradients record a ``GradFn``;
/// ``backward(_:)`` on a scalar fills ``grad`` of the leaves (accumulating across calls) and frees the graph.
public final class Tensor: @unchecked Sendable {
    public let storage: Storage
    public let shape: [Int]
    public let strides: [Int]
    public let offset: Int

    /// True for leaves whose gradient is wanted and for results of recorded ops.
    public var requiresGrad: Bool
    /// Accumulated gradient of a leaf after ``backward(_:)``.
    public var grad: Tensor?
    /// The op that produced this tensor, when it was recorded.
    public internal(set) var gradFn: GradFn?
    /// Keep the gradient of this non-leaf tensor in ``grad`` after ``backward(_:retainGraph:)``.
    public var retainsGrad = false

    /// Wraps existing storage as a view.
    public init(storage: Storage, shape: [Int], strides: [Int]? = nil, offset: Int = 0, requiresGrad: Bool = false) {
        self.storage = storage
        self.shape = shape
        self.strides = strides ?? ShapeUtil.contiguousStrides(shape)
        self.offset = offset
        self.requiresGrad = requiresGrad
    }

    /// A dense tensor with uninitialised contents (callers fill every element).
    public convenience init(uninitializedShape shape: [Int]) {
        self.init(storage: Storage(uninitializedCount: ShapeUtil.count(shape)), shape: shape)
    }

    /// A dense tensor holding `data` in row-major order.
    public convenience init(shape: [Int], data: [Float], requiresGrad: Bool = false) {
        check(ShapeUtil.count(shape) == data.count, "Tensor(shape: \(shape)): got \(data.count) values")
        self.init(storage: Storage(copying: data), shape: shape, requiresGrad: requiresGrad)
    }

    /// A tensor filled with `value`.
    public convenience init(shape: [Int], repeating value: Float, requiresGrad: Bool = false) {
        self.init(storage: Storage(count: ShapeUtil.count(shape), repeating: value), shape: shape, requiresGrad: requiresGrad)
    }

    /// A scalar (rank-0) tensor.
    public convenience init(_ value: Float, requiresGrad: Bool = false) {
        self.init(shape: [], data: [value], requiresGrad: requiresGrad)
    }

    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, repeating: 0, requiresGrad: requiresGrad)
    }

    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, repeating: 1, requiresGrad: requiresGrad)
    }

    /// `0, 1, ..., n-1` as floats.
    public static func arange(_ n: Int) -> Tensor {
        let t = Tensor(uninitializedShape: [n])
        for i in 0..<n { t.storage.data[i] = Float(i) }
        return t
    }

    // MARK: - Properties

    public var rank: Int { shape.count }
    public var count: Int { ShapeUtil.count(shape) }
    /// True when the view is row-major and dense, so `storage.data + offset` can be read linearly.
    public var isContiguous: Bool {
        var expected = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            if shape[i] != 1 && strides[i] != expected { return false }
            expected *= shape[i]
        }
        return true
    }
    /// True for leaves (not produced by a recorded op).
    public var isLeaf: Bool { gradFn == nil }

    /// Pointer to the first element of the view.
    @inlinable public var pointer: UnsafeMutablePointer<Float> { storage.data + offset }

    /// Size of `axis` (negative counts from the end).
    public func size(_ axis: Int) -> Int { shape[ShapeUtil.axis(axis, rank: rank)] }

    /// The single value of a one-element tensor.
    public var item: Float {
        check(count == 1, "item: tensor of shape \(shape) has \(count) elements")
        return pointer[0]
    }

    /// The elements in row-major order.
    public var scalars: [Float] {
        let c = contiguous()
        return Array(UnsafeBufferPointer(start: c.pointer, count: c.count))
    }

    /// A leaf copy that shares no graph with `self`.
    public func detached() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    }

    /// A dense copy with its own storage (never a view of `self`).
    public func clone() -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        Kernels.copy(self, into: out.pointer)
        return record(out, "clone", [self]) { g in [g] }
    }

    /// Marks this leaf as requiring gradients and returns it.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        requiresGrad = flag
        return self
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = scalars
        let shown = values.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(values.count > 8 ? ", ..." : "")])"
    }
}
