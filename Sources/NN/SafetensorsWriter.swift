import Foundation
import Tensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing safetensors checkpoints.
public enum Safetensors {
    /// Reads every tensor of the file at `url` as `Float`.
    public static func read(_ url: URL) throws -> [String: Tensor] {
        try SafetensorsFile(url: url).tensors()
    }

    /// Serialises `tensors` as F32 safetensors bytes: keys sorted, data laid out in key order, the JSON
    /// header padded with spaces to a multiple of 8 bytes (as the reference writer does).
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> Data {
        let names = tensors.keys.sorted()
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let fields = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            let t = tensors[name]!
            let bytes = t.count * 4
            parts.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out = Data(capacity: 8 + headerBytes.count + offset)
        var n = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        for name in names {
            let t = tensors[name]!.contiguous()
            var values = [UInt32](repeating: 0, count: t.count)
            let p = t.pointer
            for i in 0..<t.count { values[i] = p[i].bitPattern.littleEndian }
            values.withUnsafeBytes { out.append(contentsOf: $0) }
        }
        return out
    }

    /// Writes `tensors` (as F32) to `url` atomically: the bytes go to a temporary file in the same
    /// directory, which is then renamed over `url`.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        let data = encode(tensors, metadata: metadata)
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try data.write(to: tmp)
        } catch {
            throw SafetensorsError.io(file: url.path, reason: "cannot write temporary file \(tmp.path): \(error.localizedDescription)")
        }
        guard rename(tmp.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp.path)
            throw SafetensorsError.io(file: url.path, reason: "cannot rename temporary file into place: \(reason)")
        }
    }

    /// A JSON string literal for `s`.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

extension Module {
    /// Loads parameters and buffers from a safetensors checkpoint (see ``load(stateDict:strict:)``).
    ///
    /// - Parameter prefix: when given, only keys starting with it are used, with the prefix removed
    ///   (e.g. `"visual."` to load a CLIP image tower from a full checkpoint).
    @discardableResult
    public func load(safetensors url: URL, prefix: String? = nil, strict: Bool = true) throws -> StateDictLoadReport {
        let file = try SafetensorsFile(url: url)
        var dict: [String: Tensor] = [:]
        for name in file.names {
            guard let prefix else { dict[name] = try file.tensor(name); continue }
            if name.hasPrefix(prefix) { dict[String(name.dropFirst(prefix.count))] = try file.tensor(name) }
        }
        return try StrictLoadError.naming(url.path) { try load(stateDict: dict, strict: strict) }
    }

    /// Writes ``stateDict()`` to `url` as F32 safetensors (atomically).
    public func save(safetensors url: URL, metadata: [String: String] = [:]) throws {
        try Safetensors.write(stateDict(), metadata: metadata, to: url)
    }
}
