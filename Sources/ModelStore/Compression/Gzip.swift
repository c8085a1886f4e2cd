import Foundation

/// Errors raised while decompressing gzip / raw DEFLATE data.
public enum CompressionError: Error, LocalizedError, CustomStringConvertible, Equatable {
    /// The gzip header is missing or malformed (bad magic bytes, unknown method, truncated header).
    case badGzipHeader(String)
    /// The DEFLATE stream is invalid (bad block type, bad Huffman code, distance too far back, ...).
    case badDeflateData(String)
    /// The input ended before the stream was complete.
    case truncated
    /// The gzip trailer's CRC-32 or length does not match the decompressed data.
    case checksumMismatch(expected: UInt32, actual: UInt32)
    /// A zip archive (`file`) is unreadable or malformed, or one of its members fails to extract.
    case badArchive(file: String, reason: String)

    public var description: String {
        switch self {
        case .badGzipHeader(let why): return "invalid gzip header: \(why)"
        case .badDeflateData(let why): return "invalid deflate data: \(why)"
        case .truncated: return "compressed data is truncated"
        case .checksumMismatch(let e, let a):
            return "gzip checksum mismatch: trailer says \(String(e, radix: 16)), data gives \(String(a, radix: 16))"
        case let .badArchive(f, r): return "cannot read archive \(f): \(r)"
        }
    }
    public var errorDescription: String? { description }
}

/// Pure-Swift gzip (RFC 1952) and raw DEFLATE (RFC 1951) decompression (decoder: ``Inflate``).
public enum Gzip {
    /// Decompresses a gzip file's bytes (all members, concatenated), verifying each member's CRC-32 and size.
    public static func decompress(_ data: Data) throws -> Data {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var out = Inflate.Output(capacity: bytes.count * 3, limit: nil)
            do {
                var pos = 0
                repeat {
                    pos = try skipHeader(bytes, at: pos)
                    let start = out.count
                    var reader = Inflate.Bits(src: bytes, position: pos)
                    try Inflate.stream(&reader, into: &out)
                    pos = reader.alignedPosition
                    guard pos + 8 <= bytes.count else { throw CompressionError.truncated }
                    let crc = readLE32(bytes, pos), size = readLE32(bytes, pos + 4)
                    pos += 8
                    let actual = CRC32.checksum(UnsafeRawBufferPointer(start: out.base + start, count: out.count - start))
                    guard actual == crc else { throw CompressionError.checksumMismatch(expected: crc, actual: actual) }
                    guard UInt32(truncatingIfNeeded: out.count - start) == size else {
                        throw CompressionError.badGzipHeader("trailer size \(size) does not match \(out.count - start) bytes")
                    }
                    // Trailing zero padding after the last member is tolerated (as gzip does).
                    while pos < bytes.count && bytes[pos] == 0 { pos += 1 }
                } while pos < bytes.count
            } catch {
                out.free()
                throw error
            }
            return out.finish()
        }
    }

    /// Decompresses a raw DEFLATE stream (no zlib or gzip wrapper). With `expectedSize` (a zip member's
    /// recorded size) the output buffer is allocated once and a stream that would write more throws.
    public static func inflate(_ data: Data, expectedSize: Int? = nil) throws -> Data {
        try data.withUnsafeBytes { try inflate($0, expectedSize: expectedSize) }
    }

    /// ``inflate(_:expectedSize:)`` over borrowed bytes (e.g. a slice of a memory-mapped archive).
    public static func inflate(_ bytes: UnsafeRawBufferPointer, expectedSize: Int? = nil) throws -> Data {
        // DEFLATE expands at most ~1032:1, so a declared size beyond that (a hostile zip header) is not
        // allocated up front: the buffer grows with the actual output, still capped by `expectedSize`.
        let bound = bytes.count * 1032 + 1024
        var out = Inflate.Output(capacity: min(expectedSize ?? bytes.count * 3, bound), limit: expectedSize)
        do {
            var reader = Inflate.Bits(src: bytes)
            try Inflate.stream(&reader, into: &out)
        } catch {
            out.free()
            throw error
        }
        return out.finish()
    }

    private static func readLE32(_ b: UnsafeRawBufferPointer, _ p: Int) -> UInt32 {
        UInt32(b[p]) | UInt32(b[p + 1]) << 8 | UInt32(b[p + 2]) << 16 | UInt32(b[p + 3]) << 24
    }

    /// Returns the offset of the DEFLATE data after a gzip member header starting at `p`.
    private static func skipHeader(_ b: UnsafeRawBufferPointer, at start: Int) throws -> Int {
        guard start + 10 <= b.count else { throw CompressionError.badGzipHeader("shorter than 10 bytes") }
        guard b[start] == 0x1f, b[start + 1] == 0x8b else { throw CompressionError.badGzipHeader("bad magic bytes") }
        guard b[start + 2] == 8 else { throw CompressionError.badGzipHeader("compression method \(b[start + 2]) is not deflate") }
        let flags = b[start + 3]
        var p = start + 10
        if flags & 0x04 != 0 {  // FEXTRA
            guard p + 2 <= b.count else { throw CompressionError.truncated }
            p += 2 + (Int(b[p]) | Int(b[p + 1]) << 8)
        }
        for bit: UInt8 in [0x08, 0x10] where flags & bit != 0 {  // FNAME, FCOMMENT: zero-terminated
            while p < b.count && b[p] != 0 { p += 1 }
            p += 1
        }
        if flags & 0x02 != 0 { p += 2 }  // FHCRC
        guard p <= b.count else { throw CompressionError.truncated }
        return p
    }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as used by gzip and zip.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The CRC-32 of raw bytes.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }

    /// The CRC-32 of `bytes` (contiguous collections such as `Data` and `[UInt8]` take the raw-pointer path).
    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        if let c = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0)) }) { return c }
        return checksum(Array(bytes))
    }

    /// The CRC-32 of `data`.
    public static func checksum(_ data: Data) -> UInt32 { data.withUnsafeBytes { checksum($0) } }
}
