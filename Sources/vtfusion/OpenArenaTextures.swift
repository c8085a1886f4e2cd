import Foundation
import Imaging
import Tokenizers

/// Extracts surface textures (metal, stone, wood, floors, walls) from Debian's `openarena-081-textures`
/// archive (`pak4-textures.pk3`, a zip) into `TextureSources.openArenaCache`: the same selection as
/// `Scripts/extract_bench_textures.sh`, without Python. Entries are stored or DEFLATE-compressed; each is
/// CRC-checked and written atomically.
enum OpenArenaTextures {
    /// Texture folders of the archive that hold real surfaces.
    static let keep: Set<String> = ["base_floor", "base_wall", "base_wall2", "base_trim", "base_support",
                                    "gothic_block", "gothic_floor", "gothic_wall", "gothic_trim", "stone",
                                    "organics", "evil1_metals", "evil8_floor", "evil6_floors", "ice"]

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Extracts into `dest` when the archive exists and `dest` holds no textures yet. Returns the number
    /// of files written (0 when nothing was to do).
    static func extractIfNeeded(archive: String = TextureSources.openArenaArchive,
                                to dest: String = TextureSources.openArenaCache) throws -> Int {
        guard FileManager.default.fileExists(atPath: archive),
              TextureSources.textureFileCount(in: dest, limit: 1) == 0 else { return 0 }
        return try extract(archive: archive, to: dest)
    }

    /// Extracts `textures/<kept folder>/<name>.jpg` entries as `<folder>__<name>.jpg`.
    static func extract(archive: String, to dest: String) throws -> Int {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: archive), options: .alwaysMapped) } catch {
            throw Failure(description: "\(archive): cannot read: \(error.localizedDescription)")
        }
        let entries = try centralDirectory(data, archive: archive)
        try FileManager.default.createDirectory(atPath: dest, withIntermediateDirectories: true)
        var written = 0
        for e in entries {
            let parts = e.name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, parts[0] == "textures", keep.contains(parts[1]),
                  parts[2].lowercased().hasSuffix(".jpg") else { continue }
            let bytes = try contents(of: e, in: data, archive: archive)
            try AtomicFile.write(bytes, to: dest + "/" + parts[1] + "__" + parts[2])
            written += 1
        }
        return written
    }

    struct Entry {
        var name: String
        var method: Int
        var crc: UInt32
        var compressedSize: Int
        var size: Int
        var localOffset: Int
    }

    static func centralDirectory(_ d: Data, archive: String) throws -> [Entry] {
        func u16(_ o: Int) -> Int { Int(d[d.startIndex + o]) | Int(d[d.startIndex + o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        let n = d.count
        guard n >= 22 else { throw Failure(description: "\(archive): not a zip archive (too short)") }
        var eocd = -1
        var p = n - 22
        while p >= max(0, n - 22 - 65_535) {
            if u32(p) == 0x0605_4b50 { eocd = p; break }
            p -= 1
        }
        guard eocd >= 0 else { throw Failure(description: "\(archive): not a zip archive (no end-of-directory record)") }
        let count = u16(eocd + 10)
        var q = u32(eocd + 16)
        var out: [Entry] = []
        for _ in 0..<count {
            guard q + 46 <= n, u32(q) == 0x0201_4b50 else {
                throw Failure(description: "\(archive): corrupt zip central directory at byte \(q)")
            }
            let nameLen = u16(q + 28), extraLen = u16(q + 30), commentLen = u16(q + 32)
            guard q + 46 + nameLen <= n else { throw Failure(description: "\(archive): truncated zip directory") }
            let name = String(decoding: d[(d.startIndex + q + 46)..<(d.startIndex + q + 46 + nameLen)], as: UTF8.self)
            out.append(Entry(name: name, method: u16(q + 10), crc: UInt32(u32(q + 16)), compressedSize: u32(q + 20),
                             size: u32(q + 24), localOffset: u32(q + 42)))
            q += 46 + nameLen + extraLen + commentLen
        }
        return out
    }

    static func contents(of e: Entry, in d: Data, archive: String) throws -> [UInt8] {
        func u16(_ o: Int) -> Int { Int(d[d.startIndex + o]) | Int(d[d.startIndex + o + 1]) << 8 }
        let h = e.localOffset
        guard h + 30 <= d.count, u16(h) == 0x4b50, u16(h + 2) == 0x0403 else {
            throw Failure(description: "\(archive): \(e.name): bad local header")
        }
        let start = h + 30 + u16(h + 26) + u16(h + 28)
        guard start + e.compressedSize <= d.count else { throw Failure(description: "\(archive): \(e.name): truncated") }
        let raw = d.subdata(in: (d.startIndex + start)..<(d.startIndex + start + e.compressedSize))
        let bytes: [UInt8]
        switch e.method {
        case 0: bytes = [UInt8](raw)
        case 8:
            do { bytes = [UInt8](try Gzip.inflate(raw)) } catch {
                throw Failure(description: "\(archive): \(e.name): \(error)")
            }
        default: throw Failure(description: "\(archive): \(e.name): compression method \(e.method) not supported")
        }
        guard bytes.count == e.size, CRC32.checksum(bytes) == e.crc else {
            throw Failure(description: "\(archive): \(e.name): size or CRC-32 mismatch")
        }
        return bytes
    }
}
