import Foundation

/// Why a strict load of named tensors failed: a module's state dict (``Module/load(stateDict:strict:)``), a
/// backbone's parameters, a trained head's checkpoint or its learned prompt context. Every case names the
/// file (``inMemory`` for tensors that came from no file), the key and the shapes involved.
public enum StrictLoadError: Error, LocalizedError, CustomStringConvertible, Equatable {
    /// The model has a parameter that the file lacks.
    case missingKey(file: String, key: String, expected: [Int])
    /// The file has a tensor that matches no parameter of the model.
    case unexpectedKey(file: String, key: String, found: [Int])
    /// The key exists on both sides with different shapes.
    case shapeMismatch(file: String, key: String, expected: [Int], found: [Int])

    /// The file named by tensors that were built in memory.
    public static let inMemory = "<memory>"

    public var file: String {
        switch self {
        case .missingKey(let f, _, _), .unexpectedKey(let f, _, _), .shapeMismatch(let f, _, _, _): return f
        }
    }

    public var key: String {
        switch self {
        case .missingKey(_, let k, _), .unexpectedKey(_, let k, _), .shapeMismatch(_, let k, _, _): return k
        }
    }

    /// The same error naming `file`, unless it already names one.
    public func naming(_ file: String) -> StrictLoadError {
        guard self.file == Self.inMemory else { return self }
        switch self {
        case let .missingKey(_, k, e): return .missingKey(file: file, key: k, expected: e)
        case let .unexpectedKey(_, k, f): return .unexpectedKey(file: file, key: k, found: f)
        case let .shapeMismatch(_, k, e, f): return .shapeMismatch(file: file, key: k, expected: e, found: f)
        }
    }

    /// Runs `body`; a ``StrictLoadError`` it throws is rethrown naming `file`.
    public static func naming<T>(_ file: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as StrictLoadError { throw e.naming(file) }
    }

    public var description: String {
        switch self {
        case let .missingKey(f, k, e): return "\(f): missing tensor '\(k)' (expected shape \(e))"
        case let .unexpectedKey(f, k, s): return "\(f): unexpected tensor '\(k)' (shape \(s)) that matches no parameter"
        case let .shapeMismatch(f, k, e, s): return "\(f): tensor '\(k)' has shape \(s), expected \(e)"
        }
    }

    public var errorDescription: String? { description }
}
