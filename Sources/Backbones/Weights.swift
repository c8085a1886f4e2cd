import Foundation
import NN
import Tensor

/// A checkpoint as loaded: parameter name -> tensor.
public typealias StateDict = [String: Tensor]

/// Errors from building backbones out of user-supplied configs and checkpoints.
public enum BackboneError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case unknownModel(String, known: [String])
    case unreadableFile(String, reason: String)
    case invalidConfig(String, reason: String)
    /// The checkpoint's tensors do not determine an architecture.
    case cannotInferArchitecture(String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .unknownModel(n, known): return "unknown model '\(n)'; known: \(known.joined(separator: ", "))"
        case let .unreadableFile(p, r): return "cannot read \(p): \(r)"
        case let .invalidConfig(p, r): return "invalid config \(p): \(r)"
        case let .cannotInferArchitecture(r): return "cannot infer the architecture from the checkpoint: \(r)"
        case let .invalidInput(r): return "invalid input: \(r)"
        }
    }
    public var errorDescription: String? { description }
}

/// The parameters of a model: validated against the architecture's expected names and shapes once, then
/// read by name in the forward pass.
public final class Parameters: @unchecked Sendable {
    /// The tensors by (canonical) name.
    public private(set) var tensors: StateDict
    /// Names and shapes the architecture expects, in declaration order.
    public let expected: [(name: String, shape: [Int])]

    /// Validates `stateDict` against `expected`.
    ///
    /// Fails with ``StrictLoadError`` (file ``StrictLoadError/inMemory``; the `load` functions name theirs)
    /// on the first missing key or shape mismatch (in declaration order); with `strict`, also on the first
    /// (alphabetically) key the architecture does not use.
    public init(expected: [(name: String, shape: [Int])], stateDict: StateDict, strict: Bool = true) throws {
        var kept: StateDict = [:]
        for (name, shape) in expected {
            guard let t = stateDict[name] else {
                throw StrictLoadError.missingKey(file: StrictLoadError.inMemory, key: name, expected: shape)
            }
            // A one-element tensor stored as [1] or [] is accepted for a scalar parameter.
            let sameScalar = ShapeUtil.count(shape) == 1 && t.count == 1
            guard t.shape == shape || sameScalar else {
                throw StrictLoadError.shapeMismatch(file: StrictLoadError.inMemory, key: name, expected: shape, found: t.shape)
            }
            kept[name] = sameScalar ? t.reshaped(shape) : t
        }
        if strict {
            let names = Set(expected.map(\.name))
            if let extra = stateDict.keys.filter({ !names.contains($0) }).sorted().first {
                throw StrictLoadError.unexpectedKey(file: StrictLoadError.inMemory, key: extra, found: stateDict[extra]!.shape)
            }
        }
        self.tensors = kept
        self.expected = expected
    }

    /// The parameter `name` (a programmer error when the architecture did not declare it).
    public subscript(_ name: String) -> Tensor {
        derivedLock.lock()
        defer { derivedLock.unlock() }
        guard let t = tensors[name] else { fatalError("Parameters: '\(name)' was not declared") }
        return t
    }

    /// Total number of scalars.
    public var scalarCount: Int { tensors.values.reduce(0) { $0 + $1.count } }

    /// The parameters `names` (same trailing shape) concatenated along their first axis, built once; each of
    /// them is then replaced by a view into the concatenation, so the fused copy costs no extra memory and
    /// every name still reads its own values (e.g. q/k/v projections fused into one `[3C, C]` weight).
    func fused(_ names: [String]) -> Tensor {
        let key = names.joined(separator: "|")
        derivedLock.lock()
        defer { derivedLock.unlock() }
        if let t = derivedTensors[key] { return t }
        let parts = names.map { self[$0] }
        let t = noGrad { Tensor.concat(parts, axis: 0).contiguous() }
        var start = 0
        for (name, part) in zip(names, parts) {
            let n = part.shape[0]
            tensors[name] = t.sliced(axis: 0, start: start, end: start + n)
            start += n
        }
        derivedTensors[key] = t
        return t
    }

    private var derivedTensors: StateDict = [:]
    private let derivedLock = NSRecursiveLock()

    /// A tensor computed once from the (frozen) parameters and kept, e.g. a zero bias or a
    /// projection with its layer scale folded in. `make` runs without gradient recording.
    func derived(_ key: String, _ make: () -> Tensor) -> Tensor {
        derivedLock.lock()
        defer { derivedLock.unlock() }
        if let t = derivedTensors[key] { return t }
        let t = noGrad { make().contiguous() }
        derivedTensors[key] = t
        return t
    }
}

/// Collects expected parameter names and shapes while an architecture describes itself.
struct ParameterList {
    var items: [(name: String, shape: [Int])] = []
    mutating func add(_ name: String, _ shape: [Int]) { items.append((name, shape)) }
    mutating func linear(_ prefix: String, _ input: Int, _ output: Int, bias: Bool = true) {
        add(prefix + ".weight", [output, input])
        if bias { add(prefix + ".bias", [output]) }
    }
    mutating func layerNorm(_ prefix: String, _ width: Int) {
        add(prefix + ".weight", [width])
        add(prefix + ".bias", [width])
    }
}
