import Foundation
import Tensor

/// Base class of the optimizers: holds named parameters and per-parameter state, and applies
/// ``update(parameter:gradient:state:)`` to every parameter that has a gradient.
///
/// Updates run under ``noGrad(_:)`` and write into the parameters' storage, so modules keep their tensors.
/// Parameters must be dense (as created by the layers). Parameters without a gradient are skipped, like in
/// PyTorch (their state, including the per-parameter step count, does not advance).
open class Optimizer {
    /// Parameter names (keys of the per-parameter state), parallel to ``parameters``.
    public let names: [String]
    /// The parameters being optimised.
    public let parameters: [Tensor]
    /// The learning rate used by the next ``step()`` (a scheduler may change it between steps).
    public var learningRate: Float
    /// Number of calls to ``step()`` so far.
    public internal(set) var stepCount = 0
    /// Per-parameter state by parameter name, e.g. `["exp_avg": ..., "exp_avg_sq": ..., "step": scalar]`.
    public internal(set) var state: [String: [String: Tensor]] = [:]

    /// - Parameters:
    ///   - namedParameters: parameters with unique names (``Module/namedTrainableParameters()``).
    ///   - learningRate: the initial learning rate.
    public init(namedParameters: [(String, Tensor)], learningRate: Float) {
        check(Set(namedParameters.map(\.0)).count == namedParameters.count, "Optimizer: parameter names must be unique")
        for (name, p) in namedParameters {
            check(p.isContiguous, "Optimizer: parameter '\(name)' of shape \(p.shape) is not a dense tensor")
        }
        names = namedParameters.map(\.0)
        parameters = namedParameters.map(\.1)
        self.learningRate = learningRate
    }

    /// Updates every parameter that has a gradient, then increments ``stepCount``.
    public func step() {
        noGrad {
            for (name, p) in zip(names, parameters) {
                guard let g = p.grad else { continue }
                check(g.shape == p.shape, "Optimizer: gradient of '\(name)' has shape \(g.shape), parameter \(p.shape)")
                var s = state[name] ?? [:]
                update(parameter: p, gradient: g.contiguous(), state: &s)
                state[name] = s
            }
        }
        stepCount += 1
    }

    /// Updates one parameter in place. `gradient` is dense with the parameter's shape; `state` is this
    /// parameter's state (empty before its first update).
    open func update(parameter: Tensor, gradient: Tensor, state: inout [String: Tensor]) {
        fatalError("\(type(of: self)) must override update(parameter:gradient:state:)")
    }

    /// Drops the gradients of all parameters.
    public func zeroGrad() { for p in parameters { p.grad = nil } }

    /// The optimizer state for a checkpoint: `"optimizer.step"` (scalar) and `"state.<parameter>.<slot>"`.
    /// Tensors are copies, so later steps do not change a saved dict.
    public func stateDict() -> [String: Tensor] {
        var out: [String: Tensor] = ["optimizer.step": Tensor(Float(stepCount))]
        for (name, slots) in state {
            for (slot, t) in slots { out["state.\(name).\(slot)"] = noGrad { t.detached().contiguousCopy() } }
        }
        return out
    }

    /// Restores a state saved by ``stateDict()`` (for the same parameter names). Replaces all current state.
    /// - Throws: ``StrictLoadError`` for a key that is neither `optimizer.step` nor `state.<parameter>.<slot>`
    ///   of a parameter of this optimizer, or a slot whose shape is not the parameter's.
    public func load(stateDict: [String: Tensor]) throws {
        let shapes = Dictionary(uniqueKeysWithValues: zip(names, parameters.map(\.shape)))
        var newState: [String: [String: Tensor]] = [:]
        var newStep = stepCount
        for (key, t) in stateDict {
            if key == "optimizer.step" {
                guard t.count == 1 else {
                    throw StrictLoadError.shapeMismatch(file: StrictLoadError.inMemory, key: key, expected: [], found: t.shape)
                }
                newStep = Int(t.item)
                continue
            }
            guard key.hasPrefix("state."), let dot = key.lastIndex(of: ".") else {
                throw StrictLoadError.unexpectedKey(file: StrictLoadError.inMemory, key: key, found: t.shape)
            }
            let name = String(key[key.index(key.startIndex, offsetBy: 6)..<dot])
            let slot = String(key[key.index(after: dot)...])
            guard let shape = shapes[name] else {
                throw StrictLoadError.unexpectedKey(file: StrictLoadError.inMemory, key: key, found: t.shape)
            }
            let expected = slot == "step" ? [] : shape
            guard t.shape == expected || (slot == "step" && t.count == 1) else {
                throw StrictLoadError.shapeMismatch(file: StrictLoadError.inMemory, key: key, expected: expected, found: t.shape)
            }
            newState[name, default: [:]][slot] = noGrad { t.detached().contiguousCopy().reshaped(expected) }
        }
        state = newState
        stepCount = newStep
    }

    /// A dense zero tensor with `like`'s shape (for lazily created state).
    static func zerosLike(_ like: Tensor) -> Tensor { Tensor.zeros(like.shape) }
}

/// AdamW with decoupled weight decay, matching `torch.optim.AdamW` (`amsgrad=False`, `maximize=False`).
///
/// Per parameter, with `t` its own step count: `p *= 1 - lr*wd`; `m = b1*m + (1-b1)*g`;
/// `v = b2*v + (1-b2)*g²`; `p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)`.
/// State slots: `exp_avg`, `exp_avg_sq`, `step` (the names PyTorch uses).
public final class AdamW: Optimizer {
    public var beta1: Float
    public var beta2: Float
    public var eps: Float
    public var weightDecay: Float

    /// Defaults are PyTorch's: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2.
    public init(namedParameters: [(String, Tensor)], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                eps: Float = 1e-8, weightDecay: Float = 1e-2) {
        beta1 = betas.0
        beta2 = betas.1
        self.eps = eps
        self.weightDecay = weightDecay
        super.init(namedParameters: namedParameters, learningRate: learningRate)
    }

    /// Unnamed parameters are keyed `"0"`, `"1"`, ... in the state dict.
    public convenience init(parameters: [Tensor], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                            eps: Float = 1e-8, weightDecay: Float = 1e-2) {
        self.init(namedParameters: parameters.enumerated().map { (String($0.offset), $0.element) },
                  learningRate: learningRate, betas: betas, eps: eps, weightDecay: weightDecay)
    }

    public override func update(parameter: Tensor, gradient: Tensor, state: inout [String: Tensor]) {
        let m = state["exp_avg"] ?? Optimizer.zerosLike(parameter)
        let v = state["exp_avg_sq"] ?? Optimizer.zerosLike(parameter)
        let t = (state["step"]?.item ?? 0) + 1
        state["exp_avg"] = m
        state["exp_avg_sq"] = v
        state["step"] = Tensor(t)

        let lr = learningRate, b1 = beta1, b2 = beta2, eps = self.eps
        let decay = 1 - lr * weightDecay
        let bc1 = 1 - pow(Double(b1), Double(t)), bc2 = 1 - pow(Double(b2), Double(t))
        let stepSize = Float(Double(lr) / bc1)
        let bc2Sqrt = Float(bc2.squareRoot())
        let p = parameter.pointer, g = gradient.pointer, pm = m.pointer, pv = v.pointer
        Threading.parallelFor(parameter.count, grain: 1 << 14) { r in
            for i in r {
                let gi = g[i]
                let pi = p[i] * decay
                let mi = pm[i] + (gi - pm[i]) * (1 - b1)
                let vi = pv[i] * b2 + (1 - b2) * (gi * gi)
                pm[i] = mi
                pv[i] = vi
                p[i] = pi - stepSize * (mi / (vi.squareRoot() / bc2Sqrt + eps))
            }
        }
    }
}

/// Stochastic gradient descent with momentum, matching `torch.optim.SGD`.
///
/// `g += wd*p`; with momentum, `buf = g` on the first step and `buf = momentum*buf + (1-dampening)*g` after,
/// then `g = nesterov ? g + momentum*buf : buf`; finally `p -= lr*g`. State slot: `momentum_buffer`.
public final class SGD: Optimizer {
    public var momentum: Float
    public var dampening: Float
    public var weightDecay: Float
    public var nesterov: Bool

    public init(namedParameters: [(String, Tensor)], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                weightDecay: Float = 0, nesterov: Bool = false) {
        check(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum requires momentum > 0 and zero dampening")
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        super.init(namedParameters: namedParameters, learningRate: learningRate)
    }

    /// Unnamed parameters are keyed `"0"`, `"1"`, ... in the state dict.
    public convenience init(parameters: [Tensor], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                            weightDecay: Float = 0, nesterov: Bool = false) {
        self.init(namedParameters: parameters.enumerated().map { (String($0.offset), $0.element) },
                  learningRate: learningRate, momentum: momentum, dampening: dampening,
                  weightDecay: weightDecay, nesterov: nesterov)
    }

    public override func update(parameter: Tensor, gradient: Tensor, state: inout [String: Tensor]) {
        let lr = learningRate, wd = weightDecay, mu = momentum, damp = dampening, nest = nesterov
        let p = parameter.pointer, g = gradient.pointer, n = parameter.count
        if mu == 0 {
            for i in 0..<n { p[i] -= lr * (g[i] + wd * p[i]) }
            return
        }
        let first = state["momentum_buffer"] == nil
        let buf = state["momentum_buffer"] ?? Optimizer.zerosLike(parameter)
        state["momentum_buffer"] = buf
        let b = buf.pointer
        for i in 0..<n {
            let gi = g[i] + wd * p[i]
            let bi = first ? gi : mu * b[i] + (1 - damp) * gi
            b[i] = bi
            p[i] -= lr * (nest ? gi + mu * bi : bi)
        }
    }
}
