import Tensor

/// A neural-network building block whose parameters are discovered automatically.
///
/// Subclasses declare their parameters and sub-modules as ordinary stored properties; ``Module`` finds them
/// with `Mirror`, in declaration order (superclass properties first):
///
/// - a `Tensor` (or non-nil `Tensor?`) property is a parameter, keyed by the property name;
/// - a `Module` (or non-nil `Module?`) property is a child, whose keys are prefixed with `"name."`;
/// - a `[Module]` property holds indexed children (`"layers.0."`, `"layers.1."`, ...), a `[Tensor]` property
///   indexed parameters (`"name.0"`), and a `[String: Module]` property named children in sorted key order;
/// - `nil` optionals and every other property (sizes, flags, closures, random generators) are skipped.
///
/// Keys follow PyTorch's `state_dict` convention (dotted paths). When a Swift property name differs from the
/// PyTorch name, override ``keyMap`` (Swift name -> PyTorch name). Mapping a child to `""` splices its
/// entries into the parent's namespace (``Sequential`` uses this so its layers are keyed `"0."`, `"1."`, like
/// `torch.nn.Sequential`). Properties listed in ``bufferNames`` are buffers: saved and loaded with the state
/// dict, never trained. A module must not hold a reference to an ancestor (that would recurse forever).
open class Module {
    /// True in training mode (the default), false after ``eval()``. Dropout reads it.
    public private(set) var isTraining = true

    public init() {}

    /// Maps Swift property names to state-dict names for this instance (default: no renaming).
    open var keyMap: [String: String] { [:] }

    /// Swift names of `Tensor` properties that are buffers rather than parameters.
    open var bufferNames: Set<String> { [] }

    /// The single-input forward pass. Layers with one input override it; ``Sequential`` calls it.
    open func forward(_ input: Tensor) -> Tensor {
        fatalError("\(type(of: self)) does not implement forward(_:)")
    }

    /// Calls ``forward(_:)``.
    public func callAsFunction(_ input: Tensor) -> Tensor { forward(input) }

    // MARK: - Discovery

    /// One directly owned entry of a module.
    enum Entry {
        case tensor(Tensor, isBuffer: Bool)
        case module(Module)
    }

    /// The entries this module owns directly, with their (already renamed) keys, in declaration order.
    func directEntries() -> [(String, Entry)] {
        var mirrors: [Mirror] = []
        var current: Mirror? = Mirror(reflecting: self)
        while let m = current { mirrors.append(m); current = m.superclassMirror }
        let map = keyMap, buffers = bufferNames
        var out: [(String, Entry)] = []
        for mirror in mirrors.reversed() {
            for child in mirror.children {
                guard let label = child.label, !label.contains("$") else { continue }
                Module.collect(map[label] ?? label, child.value, isBuffer: buffers.contains(label), into: &out)
            }
        }
        return out
    }

    private static func collect(_ key: String, _ raw: Any, isBuffer: Bool, into out: inout [(String, Entry)]) {
        var value = raw
        let m = Mirror(reflecting: raw)
        if m.displayStyle == .optional {
            guard let wrapped = m.children.first?.value else { return }
            value = wrapped
        }
        func join(_ i: String) -> String { key.isEmpty ? i : key + "." + i }
        if let t = value as? Tensor {
            out.append((key, .tensor(t, isBuffer: isBuffer)))
        } else if let module = value as? Module {
            out.append((key, .module(module)))
        } else if let list = value as? [Module] {
            for (i, module) in list.enumerated() { out.append((join(String(i)), .module(module))) }
        } else if let list = value as? [Tensor] {
            for (i, t) in list.enumerated() { out.append((join(String(i)), .tensor(t, isBuffer: isBuffer))) }
        } else if let dict = value as? [String: Module] {
            for name in dict.keys.sorted() { out.append((join(name), .module(dict[name]!))) }
        }
    }

    /// Visits every tensor (parameters and buffers) with its full key, depth first in declaration order.
    func visitTensors(prefix: String = "", _ body: (String, Tensor, Bool) -> Void) {
        for (key, entry) in directEntries() {
            let full = Module.joinKey(prefix, key)
            switch entry {
            case .tensor(let t, let isBuffer): body(full, t, isBuffer)
            case .module(let child): child.visitTensors(prefix: full, body)
            }
        }
    }

    static func joinKey(_ a: String, _ b: String) -> String { a.isEmpty ? b : (b.isEmpty ? a : a + "." + b) }

    /// All sub-modules with their key prefixes (`""` for `self`), depth first.
    public func namedModules() -> [(String, Module)] {
        var out: [(String, Module)] = [("", self)]
        for (key, entry) in directEntries() {
            guard case .module(let child) = entry else { continue }
            for (sub, m) in child.namedModules() {
                out.append((Module.joinKey(key, sub), m))
            }
        }
        return out
    }

    // MARK: - Parameters

    /// Parameters with their PyTorch-style dotted keys, in declaration order. A tensor reachable under
    /// several keys (shared weights) is listed once, under its first key.
    public func namedParameters() -> [(String, Tensor)] {
        var seen = Set<ObjectIdentifier>()
        var out: [(String, Tensor)] = []
        visitTensors { key, t, isBuffer in
            if !isBuffer, seen.insert(ObjectIdentifier(t)).inserted { out.append((key, t)) }
        }
        return out
    }

    /// Buffers (non-trained state such as running statistics) with their keys.
    public func namedBuffers() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        visitTensors { key, t, isBuffer in if isBuffer { out.append((key, t)) } }
        return out
    }

    /// All parameters, in the order of ``namedParameters()``.
    public func parameters() -> [Tensor] { namedParameters().map(\.1) }

    /// Parameters that currently require gradients (not frozen).
    public func trainableParameters() -> [Tensor] { parameters().filter(\.requiresGrad) }

    /// Named parameters that currently require gradients (for optimizers with named state).
    public func namedTrainableParameters() -> [(String, Tensor)] { namedParameters().filter { $0.1.requiresGrad } }

    /// Total number of parameter elements.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Parameters and buffers by key, like PyTorch's `state_dict()`. Values are the live tensors (not copies).
    public func stateDict() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        visitTensors { key, t, _ in out[key] = t }
        return out
    }

    /// Stops gradients for every parameter (`requiresGrad = false`).
    public func freeze() { for p in parameters() { p.requiresGrad = false } }

    /// Re-enables gradients for every parameter.
    public func unfreeze() { for p in parameters() { p.requiresGrad = true } }

    /// Drops the accumulated gradients of all parameters.
    public func zeroGrad() { for p in parameters() { p.grad = nil } }

    /// Switches this module and all its descendants to training mode.
    public func train() { for (_, m) in namedModules() { m.isTraining = true } }

    /// Switches this module and all its descendants to evaluation mode.
    public func eval() { for (_, m) in namedModules() { m.isTraining = false } }
}
