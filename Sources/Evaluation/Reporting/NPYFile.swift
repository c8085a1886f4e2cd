import Foundation
import Imaging
import UserFiles

/// Errors reading an `.npy` file.
public enum NPYError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case .malformed(let p, let r): return "\(p): not a float32 .npy file this reader understands: \(r)"
        }
    }

    public var errorDescription: String? { description }
}

/// Minimal NumPy `.npy` (format version 1.0) for little-endian float32 arrays in C order, so anomaly maps
/// load with `numpy.load(path)` as `float32` arrays of shape `[H, W]`.
///
/// Layout: magic `\x93NUMPY`, version `1 0`, a little-endian UInt16 header length, an ASCII dict
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (H, W), }` padded with spaces and ending in `\n` so
/// that the data starts at a multiple of 64 bytes, then the raw values.
public enum NPYFile {
    /// Encodes `values` (row-major, `shape.reduce(1, *)` of them) as an `.npy` file.
    public static func encode(_ values: [Float], shape: [Int]) -> [UInt8] {
        precondition(shape.reduce(1, *) == values.count, "NPY: \(values.count) values for shape \(shape)")
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        let prefix = 10
        let total = ((prefix + header.utf8.count + 1 + 63) / 64) * 64
        header += String(repeating: " ", count: total - prefix - header.utf8.count - 1) + "\n"
        let n = UInt16(header.utf8.count)
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)]
        out += Array(header.utf8)
        out.reserveCapacity(out.count + values.count * 4)
        for v in values {
            let b = v.bitPattern.littleEndian
            out += [UInt8(b & 0xFF), UInt8((b >> 8) & 0xFF), UInt8((b >> 16) & 0xFF), UInt8(b >> 24)]
        }
        return out
    }

    /// Writes `values` atomically as an `.npy` file.
    public static func write(_ values: [Float], shape: [Int], to path: String) throws {
        try AtomicFile.write(encode(values, shape: shape), to: path)
    }

    /// Decodes a little-endian float32 C-order `.npy` file (version 1.x or 2.x): `(values, shape)`.
    public static func decode(_ bytes: [UInt8], name: String = "<memory>") throws -> (values: [Float], shape: [Int]) {
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw NPYError.malformed(path: name, reason: "missing \\x93NUMPY magic")
        }
        let major = bytes[6]
        let (len, start): (Int, Int) = major == 1
            ? (Int(bytes[8]) | Int(bytes[9]) << 8, 10)
            : (bytes.count >= 12 ? Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24 : -1, 12)
        guard len >= 0, start + len <= bytes.count,
              let header = String(bytes: bytes[start..<(start + len)], encoding: .ascii) else {
            throw NPYError.malformed(path: name, reason: "truncated header")
        }
        guard header.contains("'descr': '<f4'") else { throw NPYError.malformed(path: name, reason: "dtype is not '<f4'") }
        guard header.contains("'fortran_order': False") else { throw NPYError.malformed(path: name, reason: "Fortran order") }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw NPYError.malformed(path: name, reason: "no shape")
        }
        let shape = header[open.upperBound..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.compactMap { Int($0) }
        // Hostile shapes must not overflow `count` (or `count * 4`) or be negative.
        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard d >= 0, !overflow, p <= bytes.count / 4 else {
                throw NPYError.malformed(path: name, reason: "shape \(shape) does not fit the file")
            }
            count = p
        }
        let dataStart = start + len
        guard bytes.count - dataStart == count * 4 else {
            throw NPYError.malformed(path: name, reason: "\(bytes.count - dataStart) data bytes for shape \(shape)")
        }
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let o = dataStart + 4 * i
            let b = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
            values[i] = Float(bitPattern: b)
        }
        return (values, shape)
    }
}
