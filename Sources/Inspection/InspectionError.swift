import Foundation

/// Errors of the inspection API (user input: images, references, profiles, recipes).
public enum InspectionError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case invalidSpec(String)
    case noReferences
    case tooManyReferences(Int)
    case invalidImage(String)
    case profileMismatch(String)
    case invalidProfile(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSpec(let s): return "evidence recipe: \(s)"
        case .noReferences: return "a profile needs at least one reference image of a good part"
        case .tooManyReferences(let n): return "\(n) reference images; at most \(InspectionLimits.maxReferences) are allowed"
        case .invalidImage(let s): return s
        case .profileMismatch(let s): return "profile does not fit this model: \(s)"
        case .invalidProfile(let p, let r): return "\(p): not a usable profile: \(r)"
        }
    }

    public var errorDescription: String? { description }
}
