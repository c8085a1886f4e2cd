import Foundation
import Tensor

/// The distribution of one image's patch tokens at one layer: mean `[C]` and centred covariance `[C, C]`.
/// Grid flips and rotations leave it unchanged, so it answers "does the surface as a whole look the same".
public struct FeatureStatistics: @unchecked Sendable {
    public var mean: Tensor
    public var covariance: Tensor
    /// `||covariance||_F` and `trace(covariance)`, cached.
    public var covarianceNorm: Float
    public var trace: Float

    public init(tokens: Tensor) {
        let n = Float(tokens.shape[0])
        let (m, cov) = noGrad { () -> (Tensor, Tensor) in
            let m = tokens.mean(axis: 0).contiguous()
            let centred = (tokens - m.reshaped([1, -1])).contiguous()
            return (m, (centred.transposed().matmul(centred) * (1 / max(n - 1, 1))).contiguous())
        }
        self.init(mean: m, covariance: cov)
    }

    public init(mean: Tensor, covariance: Tensor) {
        self.mean = mean
        self.covariance = covariance
        let c = mean.shape[0], p = covariance.pointer
        var f: Float = 0, t: Float = 0
        for i in 0..<(c * c) { f += p[i] * p[i] }
        for i in 0..<c { t += p[i * c + i] }
        covarianceNorm = f.squareRoot()
        trace = t
    }

    /// Distance of `self` (a test image) to `reference`: mean shift in units of the reference's spread plus
    /// the relative Frobenius change of the covariance.
    public func distance(to reference: FeatureStatistics) -> Double {
        let c = mean.shape[0]
        let (a, b) = (mean.pointer, reference.mean.pointer)
        var shift: Float = 0
        for i in 0..<c { let d = a[i] - b[i]; shift += d * d }
        let (x, y) = (covariance.pointer, reference.covariance.pointer)
        var diff: Float = 0
        for i in 0..<(c * c) { let d = x[i] - y[i]; diff += d * d }
        return Double((shift / max(reference.trace, 1e-12)).squareRoot() + diff.squareRoot() / max(reference.covarianceNorm, 1e-12))
    }

    /// Statistics of the two halves of a grid (top and bottom, or with `leftRight` left and right; for the
    /// one-reference normal estimate), of the patches inside `mask` when one is given (and each half keeps at
    /// least 4 of them).
    public static func halves(_ tokens: Tensor, grid: (Int, Int), mask: [Bool]? = nil, leftRight: Bool = false) -> [FeatureStatistics] {
        guard let (a, b) = NearestNeighbours.halves(grid: grid, topBottom: !leftRight) else { return [FeatureStatistics(tokens: tokens)] }
        if let mask, mask.count == grid.0 * grid.1 {
            let (ma, mb) = (a.filter { mask[$0] }, b.filter { mask[$0] })
            if ma.count >= 4 && mb.count >= 4 {
                return noGrad { [ma, mb].map { FeatureStatistics(tokens: tokens.indexSelect(axis: 0, indices: $0).contiguous()) } }
            }
        }
        return noGrad { [a, b].map { FeatureStatistics(tokens: tokens.indexSelect(axis: 0, indices: $0).contiguous()) } }
    }

    /// ``halvesDistance(_:grid:mask:leftRight:)`` across two images on one grid: each half of `tokens` against the
    /// other half of `other` (with `other == tokens`, exactly the halves distance).
    public static func crossHalvesDistance(_ tokens: Tensor, other: Tensor, grid: (Int, Int), mask: [Bool]? = nil,
                                           leftRight: Bool = false) -> Double {
        let mine = halves(tokens, grid: grid, mask: mask, leftRight: leftRight)
        let theirs = halves(other, grid: grid, mask: mask, leftRight: leftRight)
        guard mine.count == 2, theirs.count == 2 else { return 0 }
        return 0.5 * (mine[0].distance(to: theirs[1]) + mine[1].distance(to: theirs[0]))
    }

    /// Symmetric distance between the statistics of a grid's two halves (0 when the grid cannot be split).
    public static func halvesDistance(_ tokens: Tensor, grid: (Int, Int), mask: [Bool]? = nil, leftRight: Bool = false) -> Double {
        let h = halves(tokens, grid: grid, mask: mask, leftRight: leftRight)
        return h.count == 2 ? 0.5 * (h[0].distance(to: h[1]) + h[1].distance(to: h[0])) : 0
    }
}
