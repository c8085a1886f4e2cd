import Foundation

/// Errors from setting a decision threshold.
public enum ReferenceThresholdError: Error, LocalizedError, CustomStringConvertible, Equatable {
    /// No reference images.
    case noReferences
    /// A score was NaN or infinite.
    case nonFiniteScore(what: String, index: Int)
    /// A rule parameter is out of range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .noReferences:
            return "no reference images: a threshold from references needs at least one (or give --threshold VALUE)"
        case .nonFiniteScore(let what, let i): return "\(what) score \(i) is not a finite number"
        case .invalidArgument(let m): return m
        }
    }

    public var errorDescription: String? { description }
}

