import Foundation

/// Errors raised by the VTFusion head for user-supplied files, checkpoints and call order.
public enum VTFusionError: Error, LocalizedError, CustomStringConvertible, Equatable {
    /// A file is unreadable or malformed.
    case invalidFile(String, String)
    /// A checkpoint was trained for another backbone.
    case backboneMismatch(expected: String, found: String)
    /// A configuration field is invalid.
    case invalidConfig(String)
    /// The reference memory does not match the detector (layer count or width).
    case referenceMismatch(String)

    public var description: String {
        switch self {
        case let .invalidFile(path, why):
            return "\(path): \(why)"
        case let .backboneMismatch(expected, found):
            return "checkpoint was trained for backbone \(found), but \(expected) was given"
        case let .invalidConfig(why):
            return "invalid VTFusion config: \(why)"
        case let .referenceMismatch(why):
            return "reference memory does not fit the detector: \(why)"
        }
    }

    public var errorDescription: String? { description }
}
