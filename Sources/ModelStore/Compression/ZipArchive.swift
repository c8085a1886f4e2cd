import Foundation
import UserFiles
/// A minimal reader for zip files (Python wheels, OpenArena .pk3 texture packs): the central directory, and entries stored (method 0) or
/// deflated (method 8, inflated by ``Inflate``), CRC-32 checked. No zip64, no encryption.
public struct ZipArchive: Sendable {
    /// One member of the archive.
    public struct Entry: Sendable, Equatable {
        public var name: String
        /// 0 stored, 8 deflated.
        public var method: Int
        public var crc32: UInt32
        public var compressedSize: Int
        public var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    public let file: String
    /// Entries in central-directory order.
    public let entries: [Entry]
    private let data: Data

    /// Reads the archive at `url` (memory-mapped).
    public init(contentsOf url: URL) throws {
        let data: Data
        do { try UserFile.check(url.path); data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw CompressionError.badArchive(file: url.path, reason: (error as? UserFileError)?.reason ?? error.localizedDescription)
        }
        try self.init(data: data, file: url.path)
    }

    /// Parses zip bytes; `file` names the archive in errors.
    public init(data: Data, file: String = "<memory>") throws {
        self.data = data
        self.file = file
        func bad(_ r: String) -> CompressionError { .badArchive(file: file, reason: r) }
        let bytes = [UInt8](data.suffix(65_557))   // end record (22 bytes) + longest comment
        let base = data.count - bytes.count
        guard bytes.count >= 22, let eocd = stride(from: bytes.count - 22, through: 0, by: -1).first(where: {
            bytes[$0] == 0x50 && bytes[$0 + 1] == 0x4b && bytes[$0 + 2] == 5 && bytes[$0 + 3] == 6
        }) else { throw bad("no end-of-central-directory record (not a zip file?)") }
        let count = Int(Self.le16(bytes, eocd + 10))
        let cdSize = Int(Self.le32(bytes, eocd + 12)), cdOffset = Int(Self.le32(bytes, eocd + 16))
        guard count != 0xFFFF, cdOffset != 0xFFFF_FFFF else { throw bad("zip64 archives are not supported") }
        guard cdOffset + cdSize <= base + eocd else { throw bad("central directory lies outside the file") }
        let cd = [UInt8](data[data.startIndex + cdOffset ..< data.startIndex + cdOffset + cdSize])
        var list: [Entry] = []
        var p = 0
        for i in 0..<count {
            guard p + 46 <= cd.count, Self.le32(cd, p) == 0x0201_4b50 else { throw bad("central directory entry \(i) is malformed") }
            let nameLen = Int(Self.le16(cd, p + 28)), extraLen = Int(Self.le16(cd, p + 30)), commentLen = Int(Self.le16(cd, p + 32))
            guard p + 46 + nameLen <= cd.count else { throw bad("central directory entry \(i) is truncated") }
            let flags = Self.le16(cd, p + 8)
            guard flags & 1 == 0 else { throw bad("entry \(i) is encrypted") }
            list.append(Entry(name: String(decoding: cd[(p + 46)..<(p + 46 + nameLen)], as: UTF8.self),
                              method: Int(Self.le16(cd, p + 10)), crc32: Self.le32(cd, p + 16),
                              compressedSize: Int(Self.le32(cd, p + 20)), uncompressedSize: Int(Self.le32(cd, p + 24)),
                              localHeaderOffset: Int(Self.le32(cd, p + 42))))
            p += 46 + nameLen + extraLen + commentLen
        }
        entries = list
    }

    /// The entry named `name` (exact path inside the archive).
    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// The uncompressed bytes of `name`, CRC-checked.
    public func extract(_ name: String) throws -> Data {
        guard let e = entry(name) else { throw CompressionError.badArchive(file: file, reason: "no member '\(name)'") }
        return try extract(e)
    }

    /// The uncompressed bytes of `entry`, CRC-checked.
    public func extract(_ e: Entry) throws -> Data {
        func bad(_ r: String) -> CompressionError { .badArchive(file: file, reason: "\(e.name): \(r)") }
        let h = e.localHeaderOffset
        guard h + 30 <= data.count else { throw bad("local header outside the file") }
        let header = [UInt8](data[data.startIndex + h ..< data.startIndex + h + 30])
        guard Self.le32(header, 0) == 0x0403_4b50 else { throw bad("bad local header signature") }
        let start = h + 30 + Int(Self.le16(header, 26)) + Int(Self.le16(header, 28))
        guard start + e.compressedSize <= data.count else { throw bad("data runs past the end of the file") }
        let raw = data[data.startIndex + start ..< data.startIndex + start + e.compressedSize]
        let out: Data
        switch e.method {
        case 0: out = Data(raw)
        case 8:
            do { out = try raw.withUnsafeBytes { try Gzip.inflate($0, expectedSize: e.uncompressedSize) } } catch {
                throw bad("cannot inflate: \(error)")
            }
        default: throw bad("compression method \(e.method) is not supported (only stored and deflate)")
        }
        guard out.count == e.uncompressedSize else { throw bad("inflated to \(out.count) bytes, expected \(e.uncompressedSize)") }
        let crc = CRC32.checksum(out)
        guard crc == e.crc32 else { throw bad(String(format: "CRC-32 %08x, expected %08x", crc, e.crc32)) }
        return out
    }

    private static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}
