import Foundation

/// One part of a `multipart/form-data` body.
public struct FormPart: Sendable, Equatable {
    public var name: String
    public var filename: String?
    public var contentType: String?
    public var body: [UInt8]

    public init(name: String, filename: String?, contentType: String?, body: [UInt8]) {
        self.name = name; self.filename = filename; self.contentType = contentType; self.body = body
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A small strict `multipart/form-data` reader (RFC 7578) over a body already capped in size.
public enum Multipart {
    public static let maxParts = 64
    static let maxHeaderBytes = 8 << 10

    /// The boundary of a `multipart/form-data; boundary=...` content type, or `nil` for other types.
    public static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = pieces.first, first.lowercased() == "multipart/form-data" else { return nil }
        for p in pieces.dropFirst() {
            let kv = p.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, kv[0].lowercased() == "boundary" else { continue }
            var b = kv[1]
            if b.hasPrefix("\""), b.hasSuffix("\""), b.count >= 2 { b = String(b.dropFirst().dropLast()) }
            return b.isEmpty || b.utf8.count > 70 ? nil : b
        }
        return nil
    }

    /// Splits a body into its parts; throws a 400 problem naming `body` when it is malformed.
    public static func parse(_ body: [UInt8], boundary: String) throws -> [FormPart] {
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [13, 10]
        guard var pos = find(delimiter, in: body, from: 0) else { throw malformed("no opening boundary") }
        pos += delimiter.count
        var parts: [FormPart] = []
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body.count >= pos + 2, body[pos] == 45, body[pos + 1] == 45 { return parts }
            guard body.count >= pos + 2, body[pos] == 13, body[pos + 1] == 10 else { throw malformed("boundary not followed by CRLF") }
            pos += 2
            guard let headerEnd = find(crlf + crlf, in: body, from: pos), headerEnd - pos <= maxHeaderBytes else {
                throw malformed("part headers not terminated")
            }
            let headers = try parseHeaders(Array(body[pos..<headerEnd]))
            let start = headerEnd + 4
            guard let end = find(crlf + delimiter, in: body, from: start) else { throw malformed("part not terminated by the boundary") }
            guard parts.count < maxParts else { throw Problem.tooLarge("more than \(maxParts) parts", field: "body") }
            parts.append(FormPart(name: headers.name, filename: headers.filename, contentType: headers.contentType,
                                  body: Array(body[start..<end])))
            pos = end + 2 + delimiter.count
        }
    }

    static func parseHeaders(_ bytes: [UInt8]) throws -> (name: String, filename: String?, contentType: String?) {
        let text = String(decoding: bytes, as: UTF8.self)
        var name: String?, filename: String?, type: String?
        for line in text.components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw malformed("part header without ':'") }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "content-disposition":
                for p in value.split(separator: ";").dropFirst() {
                    let kv = p.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard kv.count == 2 else { continue }
                    var v = kv[1]
                    if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
                    if kv[0].lowercased() == "name" { name = v }
                    if kv[0].lowercased() == "filename" { filename = v }
                }
            case "content-type": type = value
            default: continue
            }
        }
        guard let name, !name.isEmpty else { throw malformed("a part has no name in its Content-Disposition") }
        return (name, filename, type)
    }

    static func malformed(_ what: String) -> Problem {
        .badRequest("malformed multipart/form-data body: \(what)", field: "body")
    }

    /// First index of `needle` in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                var i = from
                let last = h.count - n.count
                while i <= last {
                    if h[i] == first {
                        var j = 1
                        while j < n.count && h[i + j] == n[j] { j += 1 }
                        if j == n.count { return i }
                    }
                    i += 1
                }
                return nil
            }
        }
    }
}
