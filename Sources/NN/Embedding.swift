import Tensor

/// A lookup table of learned vectors, like `torch.nn.Embedding`. State-dict key: `weight` `[count, dim]`.
public final class Embedding: Module {
    public let weight: Tensor

    /// Initialised from a standard normal (PyTorch's default).
    public init(_ count: Int, _ dim: Int, rng: inout SeededRandom) {
        weight = Tensor.randn([count, dim], using: &rng).requiringGrad()
        super.init()
    }

    /// The rows for `ids` (each in `0..<count`), shaped `shape + [dim]`; `shape` defaults to `[ids.count]`.
    public func callAsFunction(ids: [Int], shape: [Int]? = nil) -> Tensor {
        let n = weight.shape[0]
        for id in ids { check(id >= 0 && id < n, "Embedding: id \(id) out of range 0..<\(n)") }
        return Tensor.embedding(weight: weight, ids: ids, shape: shape ?? [ids.count])
    }
}
