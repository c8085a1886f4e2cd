import Foundation
import Tensor

/// What a non-strict ``Module/load(stateDict:strict:)`` skipped.
public struct StateDictLoadReport: Equatable, Sendable {
    /// Module keys the state dict did not provide (left unchanged).
    public var missingKeys: [String]
    /// State-dict keys that matched nothing (ignored), sorted.
    public var unexpectedKeys: [String]
}

extension Module {
    /// Copies the values of `stateDict` into this module's existing parameters and buffers.
    ///
    /// Values are written into the tensors' storage, so references held elsewhere (an optimizer, a tied
    /// weight) stay valid and see the new values. Shapes are validated for every key before anything is
    /// written, so a failed load leaves the module unchanged.
    ///
    /// - Parameters:
    ///   - stateDict: tensors keyed like ``stateDict()`` (PyTorch dotted keys).
    ///   - strict: when true (the default), every module key must be present and every state-dict key used.
    /// - Throws: ``StrictLoadError`` naming the first missing key (in module order), the first unexpected key
    ///   (in sorted order) or the first shape mismatch, with both shapes (file: ``StrictLoadError/inMemory``;
    ///   callers that read a file name it with ``StrictLoadError/naming(_:_:)``).
    /// - Returns: the keys skipped in non-strict mode (empty lists when strict).
    @discardableResult
    public func load(stateDict: [String: Tensor], strict: Bool = true) throws -> StateDictLoadReport {
        var own: [(String, Tensor)] = []
        visitTensors { key, t, _ in own.append((key, t)) }
        var missing: [String] = []
        for (key, t) in own {
            if let src = stateDict[key] {
                guard src.shape == t.shape else {
                    throw StrictLoadError.shapeMismatch(file: StrictLoadError.inMemory, key: key, expected: t.shape, found: src.shape)
                }
            } else if strict {
                throw StrictLoadError.missingKey(file: StrictLoadError.inMemory, key: key, expected: t.shape)
            } else {
                missing.append(key)
            }
        }
        let ownKeys = Set(own.map(\.0))
        let unexpected = stateDict.keys.filter { !ownKeys.contains($0) }.sorted()
        if strict, let first = unexpected.first {
            throw StrictLoadError.unexpectedKey(file: StrictLoadError.inMemory, key: first, found: stateDict[first]!.shape)
        }
        noGrad {
            for (key, t) in own {
                guard let src = stateDict[key], src !== t else { continue }
                let dense = src.contiguous()
                Kernels.stridedCopy(shape: t.shape, src: dense.pointer, srcStrides: ShapeUtil.contiguousStrides(t.shape),
                                    dst: t.pointer, dstStrides: t.strides)
            }
        }
        return StateDictLoadReport(missingKeys: missing, unexpectedKeys: strict ? [] : unexpected)
    }
}

extension Dictionary where Key == String, Value == Tensor {
    /// The entries whose keys start with `prefix`, with the prefix removed (e.g. `"visual."`).
    public func withPrefixRemoved(_ prefix: String) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (k, v) in self where k.hasPrefix(prefix) { out[String(k.dropFirst(prefix.count))] = v }
        return out
    }

    /// The same entries with `prefix` prepended to every key.
    public func withPrefixAdded(_ prefix: String) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (k, v) in self { out[prefix + k] = v }
        return out
    }
}
