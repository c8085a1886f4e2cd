import Foundation
import UserFiles

/// Errors reading texture sources; each names the file or folder.
public enum TextureError: Error, LocalizedError, CustomStringConvertible, Equatable {
    /// A GIMP pattern whose header is malformed (`reason` says which field).
    case badPattern(path: String, reason: String)
    /// A configured texture folder does not exist.
    case missingDirectory(path: String)
    /// The configured folders hold no usable images (.png, .jpg, .jpeg, .pat).
    case noTextures(paths: [String])

    public var description: String {
        switch self {
        case .badPattern(let p, let r): return "\(p): not a valid GIMP pattern (.pat): \(r)"
        case .missingDirectory(let p): return "\(p): texture folder not found"
        case .noTextures(let ps):
            return "no texture images (.png, .jpg, .jpeg, .pat) found in \(ps.joined(separator: ", ")); install " +
                "gimp-data (patterns in /usr/share/gimp/2.0/patterns) or run Scripts/extract_bench_textures.sh"
        }
    }
    public var errorDescription: String? { description }
}

/// GIMP pattern files (`.pat`, version 1): a big-endian header
/// `header_size: u32, version: u32 (1), width: u32, height: u32, bytes_per_pixel: u32 (1-4), magic "GPAT"`,
/// then the UTF-8 name (NUL-terminated, filling the header up to `header_size`), then
/// `width * height * bytes_per_pixel` interleaved 8-bit samples (gray, gray+alpha, RGB or RGBA).
public enum GimpPattern {
    /// Largest accepted pattern, in pixels.
    public static var maxPixels = 64_000_000

    /// Decodes `.pat` bytes into the pattern's name and image (channels = bytes per pixel).
    public static func decode(_ b: [UInt8], path: String = "<memory>") throws -> (name: String, image: Image8) {
        func u32(_ o: Int) -> Int { Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3]) }
        guard b.count >= 24 else { throw TextureError.badPattern(path: path, reason: "file shorter than the 24-byte header") }
        guard Array(b[20..<24]) == Array("GPAT".utf8) else {
            throw TextureError.badPattern(path: path, reason: "magic is not \"GPAT\"")
        }
        let headerSize = u32(0), version = u32(4), w = u32(8), h = u32(12), bpp = u32(16)
        guard version == 1 else { throw TextureError.badPattern(path: path, reason: "version \(version), expected 1") }
        guard headerSize >= 24, headerSize <= b.count else {
            throw TextureError.badPattern(path: path, reason: "header size \(headerSize) outside 24...\(b.count)")
        }
        guard (1...4).contains(bpp) else { throw TextureError.badPattern(path: path, reason: "bytes per pixel \(bpp), expected 1-4") }
        guard w > 0, h > 0, w <= maxPixels, h <= maxPixels / w else {   // no `w * h`: 32-bit fields overflow it
            throw TextureError.badPattern(path: path, reason: "size \(w)x\(h) (limit \(maxPixels) pixels)")
        }
        let need = headerSize + w * h * bpp
        guard b.count >= need else {
            throw TextureError.badPattern(path: path, reason: "truncated: \(b.count) bytes, \(need) needed for \(w)x\(h)x\(bpp)")
        }
        var nameBytes = Array(b[24..<headerSize])
        if let z = nameBytes.firstIndex(of: 0) { nameBytes = Array(nameBytes[..<z]) }
        let name = String(decoding: nameBytes, as: UTF8.self)
        return (name, Image8(width: w, height: h, channels: bpp, samples: Array(b[headerSize..<need])))
    }

    /// Reads a `.pat` file.
    public static func read(path: String) throws -> (name: String, image: Image8) {
        let d: [UInt8]
        do { d = try UserFile.read(path, maxBytes: UserFile.maxImageBytes) } catch let e as UserFileError { throw ImageError(e) }
        return try decode(d, path: path)
    }

    /// Encodes an 8-bit image (1-4 channels) as a version-1 `.pat`.
    public static func encode(_ image: Image8, name: String) -> [UInt8] {
        let nameBytes = Array(name.utf8) + [0]
        var out: [UInt8] = []
        func put(_ v: Int) { out += [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        put(24 + nameBytes.count); put(1); put(image.width); put(image.height); put(image.channels)
        out += Array("GPAT".utf8) + nameBytes + image.samples
        return out
    }
}
