import Foundation
import Imaging
import ModelStore
import UserFiles

/// Extracts surface textures (metal, stone, wood, floors, walls) from Debian's `openarena-081-textures`
/// archive (`pak4-textures.pk3`, a zip read by ``ZipArchive``) into `TextureSources.openArenaCache`: the same selection as
/// `Scripts/extract_bench_textures.sh`, without Python. Entries are stored or DEFLATE-compressed; each is
/// CRC-checked and written atomically.
public enum OpenArenaTextures {
    /// Texture folders of the archive that hold real surfaces.
    public static let keep: Set<String> = ["base_floor", "base_wall", "base_wall2", "base_trim", "base_support",
                                    "gothic_block", "gothic_floor", "gothic_wall", "gothic_trim", "stone",
                                    "organics", "evil1_metals", "evil8_floor", "evil6_floors", "ice"]

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Extracts into `dest` when the archive exists and `dest` holds no textures yet. Returns the number
    /// of files written (0 when nothing was to do).
    public static func extractIfNeeded(archive: String = TextureSources.openArenaArchive,
                                to dest: String = TextureSources.openArenaCache) throws -> Int {
        guard FileManager.default.fileExists(atPath: archive),
              TextureSources.textureFileCount(in: dest, limit: 1) == 0 else { return 0 }
        return try extract(archive: archive, to: dest)
    }

    /// Extracts `textures/<kept folder>/<name>.jpg` entries as `<folder>__<name>.jpg`.
    public static func extract(archive: String, to dest: String) throws -> Int {
        let zip: ZipArchive
        do { zip = try ZipArchive(contentsOf: URL(fileURLWithPath: archive)) } catch {
            throw Failure(description: "\(error)")
        }
        try FileManager.default.createDirectory(atPath: dest, withIntermediateDirectories: true)
        var written = 0
        for e in zip.entries {
            let parts = e.name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, parts[0] == "textures", keep.contains(parts[1]),
                  parts[2].lowercased().hasSuffix(".jpg") else { continue }
            let bytes: Data
            do { bytes = try zip.extract(e) } catch { throw Failure(description: "\(error)") }
            try AtomicFile.write([UInt8](bytes), to: dest + "/" + parts[1] + "__" + parts[2])
            written += 1
        }
        return written
    }
}
