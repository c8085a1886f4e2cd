import Foundation
import Tensor

/// Cosine learning-rate decay after a linear warmup (the shape of Hugging Face's
/// `get_cosine_schedule_with_warmup`, with an optional floor).
///
/// For step `t` (0-based, counted in optimizer steps):
/// - `t < warmupSteps`: `baseLR * t / warmupSteps` (so step 0 uses 0 when there is a warmup);
/// - afterwards, with `progress = (t - warmupSteps) / max(1, totalSteps - warmupSteps)` clamped to `[0, 1]`:
///   `minLR + (baseLR - minLR) * 0.5 * (1 + cos(pi * progress))`.
public struct CosineWarmupSchedule: Sendable, Equatable {
    public var baseLR: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var minLR: Float

    /// Out-of-range counts are clamped (`totalSteps` to >= 0, `warmupSteps` to `0...totalSteps`) rather
    /// than trapping; use ``validated(baseLR:warmupSteps:totalSteps:minLR:)`` to refuse them instead.
    public init(baseLR: Float, warmupSteps: Int, totalSteps: Int, minLR: Float = 0) {
        self.baseLR = baseLR
        self.totalSteps = max(totalSteps, 0)
        self.warmupSteps = min(max(warmupSteps, 0), self.totalSteps)
        self.minLR = minLR
    }

    /// A schedule, or ``ScheduleError`` naming the bad value (negative or inconsistent counts, a learning
    /// rate that is not a finite number >= 0).
    public static func validated(baseLR: Float, warmupSteps: Int, totalSteps: Int, minLR: Float = 0) throws -> CosineWarmupSchedule {
        if totalSteps < 0 { throw ScheduleError("totalSteps must be >= 0, got \(totalSteps)") }
        if warmupSteps < 0 || warmupSteps > totalSteps {
            throw ScheduleError("warmupSteps must be between 0 and totalSteps (\(totalSteps)), got \(warmupSteps)")
        }
        if !(baseLR.isFinite && baseLR >= 0) { throw ScheduleError("learning rate must be a finite number >= 0, got \(baseLR)") }
        if !(minLR.isFinite && minLR >= 0) { throw ScheduleError("minimum learning rate must be a finite number >= 0, got \(minLR)") }
        return CosineWarmupSchedule(baseLR: baseLR, warmupSteps: warmupSteps, totalSteps: totalSteps, minLR: minLR)
    }

    /// The learning rate for optimizer step `step`.
    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps { return baseLR * Float(step) / Float(warmupSteps) }
        let progress = min(max(Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps)), 0), 1)
        return minLR + (baseLR - minLR) * Float(0.5 * (1 + cos(Double.pi * progress)))
    }

    /// Sets `optimizer.learningRate` for step `step`.
    public func apply(to optimizer: Optimizer, step: Int) {
        optimizer.learningRate = learningRate(at: step)
    }
}

/// An invalid learning-rate schedule.
public struct ScheduleError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Rescales gradients so that their global L2 norm is at most `maxNorm`, like
/// `torch.nn.utils.clip_grad_norm_` (norm type 2): when the total norm exceeds `maxNorm` every gradient is
/// multiplied by `maxNorm / (totalNorm + 1e-6)`. Parameters without gradients are ignored.
///
/// - Returns: the total norm of the gradients before clipping.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var sumSquares = 0.0
    for p in parameters {
        guard let g = p.grad else { continue }
        let d = g.contiguous()
        let ptr = d.pointer
        var s: Float = 0
        var partial = 0.0
        for i in 0..<d.count {
            s += ptr[i] * ptr[i]
            if i & 4095 == 4095 { partial += Double(s); s = 0 }
        }
        sumSquares += partial + Double(s)
    }
    let total = Float(sumSquares.squareRoot())
    let coef = maxNorm / (total + 1e-6)
    if coef < 1 {
        noGrad {
            for p in parameters { if let g = p.grad { p.grad = g * coef } }
        }
    }
    return total
}
