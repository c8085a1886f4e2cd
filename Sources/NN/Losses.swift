import Foundation
import Tensor

/// How a loss combines its per-element values.
public enum Reduction: Sendable {
    /// The average (the default, as in PyTorch).
    case mean
    /// The sum.
    case sum
    /// No reduction: the per-element losses, shaped like the input.
    case none
}

/// Reduces per-element losses, recording the reduction for autodiff.
private func reduce(_ losses: Tensor, _ reduction: Reduction) -> Tensor {
    switch reduction {
    case .mean: return losses.mean()
    case .sum: return losses.sum()
    case .none: return losses
    }
}

/// Mean squared error `mean((prediction - target)²)` (shapes broadcast, as in PyTorch).
public func mseLoss(_ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    let d = prediction - target
    return reduce(d * d, reduction)
}

/// Binary cross-entropy on logits, numerically stable (`torch.nn.functional.binary_cross_entropy_with_logits`).
///
/// Per element, with `L = 1 + (posWeight - 1) * y`:
/// `loss = (1 - y) * x + L * (log(1 + exp(-|x|)) + max(-x, 0))`, which equals
/// `-(posWeight * y * log σ(x) + (1 - y) * log(1 - σ(x)))` without overflow for large `|x|`.
///
/// - Parameters:
///   - logits: any shape.
///   - targets: probabilities in `[0, 1]`, broadcastable to `logits` (treated as constants: no gradient).
///   - posWeight: weight of positive examples, broadcastable to `logits` (typically `[C]` for the last axis).
public func binaryCrossEntropyWithLogits(_ logits: Tensor, _ targets: Tensor, posWeight: Tensor? = nil,
                                         reduction: Reduction = .mean) -> Tensor {
    let x = logits.contiguous()
    let y = targets.expanded(to: logits.shape).contiguous()
    let w = posWeight.map { $0.expanded(to: logits.shape).contiguous() }
    let n = logits.count
    let out = Tensor(uninitializedShape: logits.shape)
    let px = x.pointer, py = y.pointer, pw = w?.pointer, po = out.pointer
    for i in 0..<n {
        let xi = px[i], yi = py[i]
        let l = pw.map { 1 + ($0[i] - 1) * yi } ?? 1
        po[i] = (1 - yi) * xi + l * (log1p(exp(-abs(xi))) + max(-xi, 0))
    }
    let losses = record(out, "bce_with_logits", [logits]) { g in
        // d/dx = (1 - y) - L * sigmoid(-x)
        let gi = Tensor(uninitializedShape: x.shape)
        let gc = g.contiguous()
        let px = x.pointer, py = y.pointer, pw = w?.pointer, pg = gc.pointer, pd = gi.pointer
        for i in 0..<n {
            let xi = px[i], yi = py[i]
            let l = pw.map { 1 + ($0[i] - 1) * yi } ?? 1
            let sigNeg = xi >= 0 ? exp(-xi) / (1 + exp(-xi)) : 1 / (1 + exp(xi))
            pd[i] = pg[i] * ((1 - yi) - l * sigNeg)
        }
        return [gi]
    }
    return reduce(losses, reduction)
}

/// Softmax cross-entropy between logits and class indices (`torch.nn.functional.cross_entropy`).
///
/// With label smoothing `ε` the target distribution is `(1 - ε) * onehot + ε / C`. Targets equal to
/// `ignoreIndex` contribute nothing; the mean is over the remaining rows.
///
/// - Parameters:
///   - logits: `[N, C]`.
///   - targets: `N` class indices in `0..<C` (or `ignoreIndex`).
/// - Returns: a scalar for `.mean`/`.sum`, `[N]` for `.none` (0 at ignored rows).
public func crossEntropy(_ logits: Tensor, _ targets: [Int], labelSmoothing: Float = 0, ignoreIndex: Int = -100,
                         reduction: Reduction = .mean) -> Tensor {
    check(logits.rank == 2, "crossEntropy: logits must be [N, C], got \(logits.shape)")
    let rows = logits.shape[0], c = logits.shape[1]
    check(targets.count == rows, "crossEntropy: \(targets.count) targets for logits \(logits.shape)")
    for t in targets { check(t == ignoreIndex || (t >= 0 && t < c), "crossEntropy: target \(t) out of range 0..<\(c)") }
    let x = logits.contiguous()
    let probs = Tensor(uninitializedShape: [rows, c])
    let out = Tensor(shape: [rows], repeating: 0)
    let px = x.pointer, pp = probs.pointer, po = out.pointer
    let eps = labelSmoothing
    for r in 0..<rows {
        let row = px + r * c, pr = pp + r * c
        var m = -Float.infinity
        for j in 0..<c { m = max(m, row[j]) }
        var s: Float = 0
        for j in 0..<c { let e = exp(row[j] - m); pr[j] = e; s += e }
        let logZ = m + log(s)
        for j in 0..<c { pr[j] /= s }
        guard targets[r] != ignoreIndex else { continue }
        var loss: Float = 0
        for j in 0..<c {
            let q = (j == targets[r] ? 1 - eps : 0) + eps / Float(c)
            if q != 0 { loss -= q * (row[j] - logZ) }
        }
        po[r] = loss
    }
    let losses = record(out, "cross_entropy", [logits]) { g in
        let gi = Tensor(shape: [rows, c], repeating: 0)
        let gc = g.contiguous()
        let pp = probs.pointer, pg = gc.pointer, pd = gi.pointer
        for r in 0..<rows where targets[r] != ignoreIndex {
            for j in 0..<c {
                let q = (j == targets[r] ? 1 - eps : 0) + eps / Float(c)
                pd[r * c + j] = pg[r] * (pp[r * c + j] - q)
            }
        }
        return [gi]
    }
    switch reduction {
    case .none: return losses
    case .sum: return losses.sum()
    case .mean:
        let valid = targets.filter { $0 != ignoreIndex }.count
        return losses.sum() * (1 / Float(max(valid, 1)))
    }
}

/// Focal loss on class probabilities, as in the AnomalyCLIP / APRIL-GAN `FocalLoss` (`apply_nonlin=None`).
///
/// The input is already a probability distribution over `C` (e.g. a softmax over the channel axis); this
/// function does not apply softmax itself. For every position with target class `t`:
/// the one-hot target is clamped to `[smooth / (C - 1), 1 - smooth]`, `pt = Σ_c onehot_c * p_c + smooth`,
/// and `loss = -alpha[t] * (1 - pt)^gamma * log(pt)`; the result is the mean over positions.
///
/// - Parameters:
///   - probabilities: `[N, C, H, W]` (or `[N, C]`, or `[N, C, ...]`), each position summing to 1 over `C`.
///   - mask: integer class labels with `N * H * W` elements (`[N, H, W]` or `[N, 1, H, W]`), stored as floats.
///   - gamma: focusing exponent (2 by default).
///   - alpha: optional per-class weights (`C` values), normalised to sum to 1 as the reference does; all
///     ones when nil.
///   - smooth: the reference's smoothing constant (1e-5).
public func focalLoss(probabilities: Tensor, mask: Tensor, gamma: Float = 2, alpha: [Float]? = nil,
                      smooth: Float = 1e-5) -> Tensor {
    check(probabilities.rank >= 2, "focalLoss: probabilities must be [N, C, ...], got \(probabilities.shape)")
    let n = probabilities.shape[0], c = probabilities.shape[1]
    let spatial = probabilities.count / max(n * c, 1)
    let positions = n * spatial
    check(mask.count == positions, "focalLoss: mask \(mask.shape) must have \(positions) labels for probabilities \(probabilities.shape)")
    var weights = [Float](repeating: 1, count: c)
    if let alpha {
        check(alpha.count == c, "focalLoss: alpha has \(alpha.count) values for \(c) classes")
        let total = alpha.reduce(0, +)
        weights = alpha.map { $0 / total }
    }
    let labels: [Int] = mask.scalars.map { v in
        let k = Int(v.rounded())
        check(k >= 0 && k < c, "focalLoss: mask label \(v) out of range 0..<\(c)")
        return k
    }
    let p = probabilities.contiguous()
    let pp = p.pointer
    let lo = c > 1 ? smooth / Float(c - 1) : 0, hi = 1 - smooth
    // one-hot value clamped: onehot_c = hi for the target class, lo otherwise.
    var pts = [Float](repeating: 0, count: positions)
    var total: Double = 0
    for b in 0..<n {
        for s in 0..<spatial {
            let pos = b * spatial + s, t = labels[pos]
            var pt: Float = smooth
            for j in 0..<c { pt += (j == t ? hi : lo) * pp[(b * c + j) * spatial + s] }
            pts[pos] = pt
            total += Double(-weights[t] * pow(1 - pt, gamma) * log(pt))
        }
    }
    let out = Tensor(Float(total / Double(max(positions, 1))))
    return record(out, "focal_loss", [probabilities]) { g in
        let gi = Tensor(uninitializedShape: p.shape)
        let pd = gi.pointer, scale = g.item / Float(max(positions, 1))
        for b in 0..<n {
            for s in 0..<spatial {
                let pos = b * spatial + s, t = labels[pos], pt = pts[pos]
                // d loss / d pt = -alpha * (-gamma (1-pt)^(gamma-1) log pt + (1-pt)^gamma / pt)
                let dpt = -weights[t] * (-gamma * pow(1 - pt, gamma - 1) * log(pt) + pow(1 - pt, gamma) / pt)
                for j in 0..<c { pd[(b * c + j) * spatial + s] = scale * dpt * (j == t ? hi : lo) }
            }
        }
        return [gi]
    }
}

/// Soft Dice loss as in the AnomalyCLIP / APRIL-GAN `BinaryDiceLoss`:
/// per sample, `dice = (2 Σ p·y + smooth) / (Σ p + Σ y + smooth)`; the loss is `1 - mean(dice)`.
///
/// - Parameters:
///   - probabilities: `[N, ...]` foreground probabilities (e.g. the anomaly channel of a softmax).
///   - targets: the binary mask, with the same number of elements per sample (e.g. `[N, H, W]`); constant.
///   - smooth: additive smoothing (1 in the reference).
public func diceLoss(_ probabilities: Tensor, _ targets: Tensor, smooth: Float = 1) -> Tensor {
    let n = probabilities.shape[0]
    check(targets.count == probabilities.count && targets.shape.first == n,
          "diceLoss: targets \(targets.shape) do not match probabilities \(probabilities.shape)")
    let p = probabilities.reshaped([n, -1])
    let y = targets.detached().reshaped([n, -1])
    let intersection = (p * y).sum(axis: 1)
    let dice = (intersection * 2 + smooth) / (p.sum(axis: 1) + y.sum(axis: 1) + smooth)
    return 1 - dice.mean()
}

/// Binary focal loss on logits with (soft) targets of the same shape, averaged:
/// `-[t (1-p)^γ log p + (1-t) p^γ log(1-p)]`, `p = sigmoid(x)`, computed from softplus for stability
/// (`torchvision.ops.sigmoid_focal_loss` without `alpha`, with soft targets).
public func sigmoidFocalLoss(_ logits: Tensor, _ targets: Tensor, gamma: Float) -> Tensor {
    let logP = -(-logits).softplus(), log1mP = -logits.softplus()
    let pos = targets * (log1mP * gamma).exp() * logP
    let neg = (1 - targets) * (logP * gamma).exp() * log1mP
    return -(pos + neg).mean()
}

/// Soft dice loss of binary logits over all elements, for both classes (anomalous against `t`, normal
/// against `1 - t`): `Σ_c 1 - (2 Σ p t + 1) / (Σ p + Σ t + 1)`, `p = sigmoid(x)`.
public func binaryDiceLossWithLogits(_ logits: Tensor, _ targets: Tensor) -> Tensor {
    let p = logits.sigmoid()
    func one(_ p: Tensor, _ t: Tensor) -> Tensor {
        1 - ((p * t).sum() * 2 + 1) / (p.sum() + t.sum() + 1)
    }
    return one(p, targets) + one(1 - p, 1 - targets)
}

extension Tensor {
    /// `log(1 + exp(x))`, stable for large |x|; gradient `sigmoid(x)`.
    func softplus() -> Tensor {
        let out = Kernels.map(self) { $0 > 0 ? $0 + log1pf(expf(-$0)) : log1pf(expf($0)) }
        let x = detached()
        return record(out, "softplus", [self]) { g in [g * x.sigmoid()] }
    }
}
