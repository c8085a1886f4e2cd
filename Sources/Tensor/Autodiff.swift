/// Whether ops record the graph for reverse-mode differentiation (per task / thread).
public enum GradMode {
    @TaskLocal public static var isEnabled: Bool = true
}

/// Runs `body` without recording any op: inference pays no graph cost.
@inlinable
public func noGrad<T>(_ body: () throws -> T) rethrows -> T {
    try GradMode.$isEnabled.withValue(false) { try body() }
}

/// Runs `body` with recording switched on (inside a `noGrad` scope, for example).
@inlinable
public func withGrad<T>(_ body: () throws -> T) rethrows -> T {
    try GradMode.$isEnabled.withValue(true) { try body() }
}

/// A recorded op: its inputs and the function mapping the output's gradient to the inputs' gradients.
public final class GradFn {
    public let name: String
    public let inputs: [Tensor]
    let backwardFn: (Tensor) -> [Tensor?]

    init(name: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backwardFn = backward
    }
}

/// Records `out` as the result of op `name` on `inputs` when grad mode is on and an input requires
/// gradients. `backward` receives the gradient of `out` (same shape as `out`) and returns one gradient per
/// input, each of that input's shape, or `nil` where an input gets none.
public func record(_ out: Tensor, _ name: String, _ inputs: [Tensor], _ backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
    guard GradMode.isEnabled else { return out }
    var any = false
    for t in inputs where t.requiresGrad { any = true; break }
    guard any else { return out }
    out.requiresGrad = true
    out.gradFn = GradFn(name: name, inputs: inputs, backward: backward)
    return out
}

extension Tensor {
    /// Back-propagates from this tensor.
    ///
    /// - Parameters:
    ///   - gradient: seed gradient; defaults to 1 for a one-element tensor.
    ///   - retainGraph: keep the recorded graph so `backward` can run again; by default the graph's
    ///     intermediates are released as soon as the pass ends.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) {
        check(requiresGrad, "backward: tensor does not require grad (no recorded graph)")
        let seed = gradient ?? {
            check(count == 1, "backward: implicit seed needs a one-element tensor, got shape \(shape)")
            return Tensor(shape: shape, repeating: 1)
        }()
        check(seed.shape == shape, "backward: seed shape \(seed.shape) != tensor shape \(shape)")

        // Topological order by iterative depth-first search.
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            let id = ObjectIdentifier(t)
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((t, true))
            if let fn = t.gradFn {
                for input in fn.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                    stack.append((input, false))
                }
            }
        }

        noGrad {
            var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
            for t in order.reversed() {
                let id = ObjectIdentifier(t)
                guard let g = grads.removeValue(forKey: id) else { continue }
                guard let fn = t.gradFn else {
                    // A leaf: accumulate.
                    t.grad = t.grad.map { $0 + g } ?? g.contiguousCopyIfShared()
                    continue
                }
                if t.retainsGrad { t.grad = t.grad.map { $0 + g } ?? g.contiguousCopyIfShared() }
                let inputGrads = fn.backwardFn(g)
                check(inputGrads.count == fn.inputs.count,
                      "backward of \(fn.name): returned \(inputGrads.count) gradients for \(fn.inputs.count) inputs")
                for (input, ig) in zip(fn.inputs, inputGrads) {
                    guard input.requiresGrad, let ig else { continue }
                    check(ig.shape == input.shape,
                          "backward of \(fn.name): gradient shape \(ig.shape) != input shape \(input.shape)")
                    let iid = ObjectIdentifier(input)
                    if let prev = grads[iid] { grads[iid] = prev + ig } else { grads[iid] = ig }
                }
                if !retainGraph { t.gradFn = nil }
            }
        }
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }

    /// A copy when the gradient may alias other tensors' storage; gradients stored in `.grad` own their memory.
    func contiguousCopyIfShared() -> Tensor {
        isContiguous && offset == 0 && storage.count == count ? self : contiguousCopy()
    }
}
