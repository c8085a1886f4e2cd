import Foundation
import UserFiles
import Tensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a safetensors file could not be read or written. Every message names the file (and the tensor).
public enum SafetensorsError: Error, LocalizedError, CustomStringConvertible, Equatable {
    /// The file is shorter than the 8-byte header-length prefix.
    case truncated(file: String, size: Int)
    /// The header length points past the end of the file.
    case headerLengthPastEnd(file: String, headerLength: UInt64, fileSize: Int)
    /// The header is not a valid JSON object, or an entry is malformed.
    case invalidHeader(file: String, reason: String)
    /// A tensor's `data_offsets` are reversed or reach past the end of the data section.
    case offsetsOutOfBounds(file: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// Two tensors' byte ranges overlap.
    case overlappingOffsets(file: String, tensor: String, other: String)
    /// A dtype this reader does not know.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// The byte range does not match shape x dtype size.
    case byteCountMismatch(file: String, tensor: String, shape: [Int], dtype: String, expectedBytes: Int, actualBytes: Int)
    /// ``SafetensorsFile/tensor(_:)`` was asked for a name the file does not hold.
    case missingTensor(file: String, tensor: String)
    /// Opening, mapping or writing the file failed.
    case io(file: String, reason: String)

    public var description: String {
        switch self {
        case .truncated(let f, let size):
            return "\(f): truncated safetensors file (\(size) bytes; at least 8 are needed for the header length)"
        case .headerLengthPastEnd(let f, let n, let size):
            return "\(f): header length \(n) reaches past the end of the file (\(size) bytes)"
        case .invalidHeader(let f, let reason):
            return "\(f): invalid safetensors header: \(reason)"
        case .offsetsOutOfBounds(let f, let t, let b, let e, let size):
            return "\(f): tensor '\(t)' has data_offsets [\(b), \(e)] outside the data section of \(size) bytes"
        case .overlappingOffsets(let f, let t, let o):
            return "\(f): tensor '\(t)' overlaps tensor '\(o)' in the data section"
        case .unknownDType(let f, let t, let d):
            return "\(f): tensor '\(t)' has unsupported dtype '\(d)'"
        case .byteCountMismatch(let f, let t, let shape, let d, let expected, let actual):
            return "\(f): tensor '\(t)' of shape \(shape) and dtype \(d) needs \(expected) bytes but data_offsets span \(actual)"
        case .missingTensor(let f, let t):
            return "\(f): no tensor named '\(t)'"
        case .io(let f, let reason):
            return "\(f): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}

/// Element types of the safetensors format that can be read (all are converted to `Float`).
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .F64, .I64: return 8
        case .F32, .I32: return 4
        case .F16, .BF16, .I16: return 2
        case .I8, .U8, .BOOL: return 1
        }
    }
}

/// One tensor's header entry.
public struct SafetensorsEntry: Sendable, Equatable {
    public let name: String
    public let dtype: SafetensorsDType
    public let shape: [Int]
    /// Byte range within the data section (after the header).
    public let dataRange: Range<Int>
}

/// Read-only bytes: a memory-mapped file or an owned copy.
final class ByteBuffer: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    private let release: () -> Void

    init(copying data: Data) {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(data.count, 1), alignment: 64)
        data.withUnsafeBytes { if let src = $0.baseAddress { p.copyMemory(from: src, byteCount: data.count) } }
        base = UnsafeRawPointer(p)
        count = data.count
        release = { p.deallocate() }
    }

    init(mapping path: String) throws {
        let fd: Int32, size: Int
        do { (fd, size) = try UserFile.open(path) } catch let e as UserFileError {
            throw SafetensorsError.io(file: path, reason: e.reason)
        }
        defer { close(fd) }
        if size == 0 {
            base = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 64))
            count = 0
            let b = base
            release = { UnsafeMutableRawPointer(mutating: b).deallocate() }
            return
        }
        guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else {
            throw SafetensorsError.io(file: path, reason: "cannot map \(size) bytes: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(m)
        count = size
        release = { munmap(m, size) }
    }

    deinit { release() }
}

/// A parsed safetensors file: header entries and metadata, with tensors decoded on demand.
///
/// Files are memory-mapped, so opening a large checkpoint costs only the header parse; each
/// ``tensor(_:)`` call converts one tensor to `Float` (F64, F32, F16, BF16, I64, I32, I16, I8, U8 and BOOL
/// are accepted). Every offset and length is validated when the file is opened: a malformed file throws
/// ``SafetensorsError``, never crashes.
public final class SafetensorsFile: @unchecked Sendable {
    /// The path (or the name given for in-memory data), used in error messages.
    public let path: String
    /// The `__metadata__` string map (empty when absent).
    public let metadata: [String: String]
    /// Header entries by tensor name.
    public let entries: [String: SafetensorsEntry]
    private let bytes: ByteBuffer
    private let dataStart: Int

    /// Tensor names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// Opens and validates the file at `url` (memory-mapped).
    public convenience init(url: URL) throws {
        try self.init(bytes: try ByteBuffer(mapping: url.path), path: url.path)
    }

    /// Parses safetensors bytes held in memory; `name` stands for the file in error messages.
    public convenience init(data: Data, name: String = "<memory>") throws {
        try self.init(bytes: ByteBuffer(copying: data), path: name)
    }

    init(bytes: ByteBuffer, path: String) throws {
        self.bytes = bytes
        self.path = path
        let size = bytes.count
        guard size >= 8 else { throw SafetensorsError.truncated(file: path, size: size) }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes.base.load(fromByteOffset: i, as: UInt8.self)) << (8 * UInt64(i)) }
        guard n <= UInt64(size - 8) else { throw SafetensorsError.headerLengthPastEnd(file: path, headerLength: n, fileSize: size) }
        let headerLength = Int(n)
        dataStart = 8 + headerLength
        let headerData = Data(bytes: bytes.base + 8, count: headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerData, options: [])
        } catch {
            throw SafetensorsError.invalidHeader(file: path, reason: "header is not valid JSON (\(error.localizedDescription))")
        }
        guard let object = json as? [String: Any] else {
            throw SafetensorsError.invalidHeader(file: path, reason: "header is not a JSON object")
        }
        (metadata, entries) = try SafetensorsFile.parseEntries(object, path: path, dataSize: size - dataStart)
    }

    private static func parseEntries(_ object: [String: Any], path: String, dataSize: Int)
        throws -> ([String: String], [String: SafetensorsEntry]) {
        func bad(_ reason: String) -> SafetensorsError { .invalidHeader(file: path, reason: reason) }
        func integer(_ v: Any) -> Int? {
            guard let num = v as? NSNumber else { return nil }
            let d = num.doubleValue
            guard d >= 0, d < 9.0e15, d == d.rounded() else { return nil }
            return num.intValue
        }
        var metadata: [String: String] = [:]
        var entries: [String: SafetensorsEntry] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw bad("__metadata__ is not an object") }
                for (k, v) in map {
                    guard let s = v as? String else { throw bad("__metadata__ value for '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let info = value as? [String: Any] else { throw bad("entry '\(name)' is not an object") }
            guard let dtypeName = info["dtype"] as? String else { throw bad("entry '\(name)' has no string 'dtype'") }
            guard let rawShape = info["shape"] as? [Any], let shape = Optional(rawShape.compactMap(integer)),
                  shape.count == rawShape.count else {
                throw bad("entry '\(name)' has no 'shape' list of non-negative integers")
            }
            guard let rawOffsets = info["data_offsets"] as? [Any], rawOffsets.count == 2,
                  let begin = integer(rawOffsets[0]), let end = integer(rawOffsets[1]) else {
                throw bad("entry '\(name)' has no 'data_offsets' pair of non-negative integers")
            }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                throw SafetensorsError.unknownDType(file: path, tensor: name, dtype: dtypeName)
            }
            guard begin <= end, end <= dataSize else {
                throw SafetensorsError.offsetsOutOfBounds(file: path, tensor: name, begin: begin, end: end, dataSize: dataSize)
            }
            var elements = 1
            for d in shape {
                let (r, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow else { throw bad("entry '\(name)' has shape \(shape) with too many elements") }
                elements = r
            }
            let (expected, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, expected == end - begin else {
                throw SafetensorsError.byteCountMismatch(file: path, tensor: name, shape: shape, dtype: dtypeName,
                                                         expectedBytes: overflow ? Int.max : expected, actualBytes: end - begin)
            }
            entries[name] = SafetensorsEntry(name: name, dtype: dtype, shape: shape, dataRange: begin..<end)
        }
        // Overlaps: sort by start; each non-empty range must begin at or after the previous one's end.
        let sorted = entries.values.filter { !$0.dataRange.isEmpty }
            .sorted { ($0.dataRange.lowerBound, $0.name) < ($1.dataRange.lowerBound, $1.name) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.dataRange.lowerBound < a.dataRange.upperBound {
            throw SafetensorsError.overlappingOffsets(file: path, tensor: b.name, other: a.name)
        }
        return (metadata, entries)
    }

    /// Decodes tensor `name` to a dense `Float` tensor (a fresh copy; the file may be closed afterwards).
    public func tensor(_ name: String) throws -> Tensor {
        guard let e = entries[name] else { throw SafetensorsError.missingTensor(file: path, tensor: name) }
        let out = Tensor(uninitializedShape: e.shape)
        SafetensorsFile.decode(bytes.base + dataStart + e.dataRange.lowerBound, dtype: e.dtype,
                               count: out.count, into: out.pointer)
        return out
    }

    /// Decodes every tensor.
    public func tensors() throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for name in entries.keys { out[name] = try tensor(name) }
        return out
    }

    static func decode(_ src: UnsafeRawPointer, dtype: SafetensorsDType, count n: Int, into d: UnsafeMutablePointer<Float>) {
        switch dtype {
        case .F32:
            for i in 0..<n { d[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case .F64:
            for i in 0..<n { d[i] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
        case .F16:
            for i in 0..<n { d[i] = halfToFloat(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case .BF16:
            for i in 0..<n { d[i] = Float(bitPattern: UInt32(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
        case .I64:
            for i in 0..<n { d[i] = Float(Int64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
        case .I32:
            for i in 0..<n { d[i] = Float(Int32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
        case .I16:
            for i in 0..<n { d[i] = Float(Int16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
        case .I8:
            for i in 0..<n { d[i] = Float(src.load(fromByteOffset: i, as: Int8.self)) }
        case .U8:
            for i in 0..<n { d[i] = Float(src.load(fromByteOffset: i, as: UInt8.self)) }
        case .BOOL:
            for i in 0..<n { d[i] = src.load(fromByteOffset: i, as: UInt8.self) != 0 ? 1 : 0 }
        }
    }

    /// IEEE half -> single, exact for every value (subnormals, infinities, NaN).
    @inline(__always)
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * (1 / 16_777_216)  // mantissa * 2^-24
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }
}
