import Tensor

/// Inverted dropout, active only in training mode (see ``Module/train()`` / ``Module/eval()``).
public final class Dropout: Module {
    public let p: Float
    private var rng: SeededRandom

    /// - Parameters:
    ///   - p: probability of zeroing an element.
    ///   - seed: seed of the mask stream (same seed and call order, same masks).
    public init(p: Float = 0.5, seed: UInt64 = 0) {
        check(p >= 0 && p <= 1, "Dropout: p must be in [0, 1], got \(p)")
        self.p = p
        rng = SeededRandom(seed: seed)
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor {
        x.dropout(p: p, training: isTraining, rng: &rng)
    }
}
