import Foundation

/// Readable `DecodingError` messages that name keys as they are spelled in the JSON file.
public enum DecodingErrorText {
    /// `layerWidths` -> `layer_widths` (the inverse of `.convertFromSnakeCase`).
    public static func snakeCase(_ key: String) -> String {
        var out = ""
        for c in key {
            if c.isUppercase { if !out.isEmpty { out += "_" }; out += c.lowercased() } else { out.append(c) }
        }
        return out
    }

    static func path(_ keys: [CodingKey], snake: Bool) -> String {
        let parts = keys.map { k -> String in
            if let i = k.intValue { return "[\(i)]" }
            return snake ? snakeCase(k.stringValue) : k.stringValue
        }
        return parts.reduce("") { acc, p in p.hasPrefix("[") || acc.isEmpty ? acc + p : acc + "." + p }
    }

    /// A one-line description; `snakeCase` when the decoder used `.convertFromSnakeCase`.
    public static func describe(_ error: Error, snakeCase snake: Bool = true) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func at(_ c: DecodingError.Context) -> String {
            let p = path(c.codingPath, snake: snake)
            return p.isEmpty ? "" : " at '\(p)'"
        }
        switch e {
        case .keyNotFound(let key, let c):
            let full = path(c.codingPath + [key], snake: snake)
            return "missing key '\(full)'"
        case .typeMismatch(let type, let c):
            return "wrong type\(at(c)): expected \(type)"
        case .valueNotFound(let type, let c):
            return "null value\(at(c)): expected \(type)"
        case .dataCorrupted(let c):
            let under = (c.underlyingError as NSError?).map { " (\($0.localizedDescription))" } ?? ""
            return "invalid JSON\(at(c)): \(c.debugDescription)\(under)"
        @unknown default:
            return "\(error)"
        }
    }
}
