import NN
import Tensor

/// Frozen backbone features of a batch of images at the tapped layers: the head's input.
public struct FeatureSet {
    /// Patch tokens per tapped layer, each `[B, N, C_l]` with `N = h * w` in row-major grid order.
    public var patches: [Tensor]
    /// Class token `[B, C]`.
    public var classToken: Tensor
    /// Token grid `(h, w)`.
    public var grid: (Int, Int)

    /// Checks the shapes agree (programmer error otherwise).
    public init(patches: [Tensor], classToken: Tensor, grid: (Int, Int)) {
        check(!patches.isEmpty, "FeatureSet: no layers")
        let b = classToken.shape[0]
        for (l, p) in patches.enumerated() {
            check(p.rank == 3 && p.shape[0] == b && p.shape[1] == grid.0 * grid.1,
                  "FeatureSet: layer \(l) patches \(p.shape) do not fit batch \(b) and grid \(grid)")
        }
        check(classToken.rank == 2, "FeatureSet: class token must be [B, C], got \(classToken.shape)")
        self.patches = patches
        self.classToken = classToken
        self.grid = grid
    }

    public var batchSize: Int { classToken.shape[0] }
    public var layerCount: Int { patches.count }

    /// Images `range` of the batch (views, no copy).
    public func slice(_ range: Range<Int>) -> FeatureSet {
        FeatureSet(patches: patches.map { $0.sliced(axis: 0, start: range.lowerBound, end: range.upperBound) },
                   classToken: classToken.sliced(axis: 0, start: range.lowerBound, end: range.upperBound),
                   grid: grid)
    }
}
