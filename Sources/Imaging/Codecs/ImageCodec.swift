import Foundation
import UserFiles

/// Container formats the codecs understand.
public enum ImageFormat: String, Sendable { case png, jpeg, bmp, tiff }

/// Decoding limits and behaviour.
public struct DecodeOptions: Sendable {
    /// Largest accepted `width * height`, checked from the header before any pixel is decoded.
    public var maxPixels: Int
    /// Apply the JPEG EXIF orientation tag (as `PIL.ImageOps.exif_transpose`).
    public var applyOrientation: Bool

    public init(maxPixels: Int = 64_000_000, applyOrientation: Bool = true) {
        self.maxPixels = maxPixels
        self.applyOrientation = applyOrientation
    }
}

/// What a header says, before decoding.
public struct ImageHeader: Sendable, Equatable {
    public var format: ImageFormat
    /// Stored size (before EXIF orientation).
    public var width: Int
    public var height: Int
    /// Decoded channels: 1 gray, 2 gray+alpha, 3 RGB (palette included), 4 RGBA.
    public var channels: Int
    /// 8 or 16.
    public var bitDepth: Int
}

/// PNG/JPEG/BMP/TIFF decoding and PNG encoding. All entry points throw `ImageError` naming the file.
public enum ImageCodec {
    static let pngMagic: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Sniffs the format from the leading bytes.
    public static func format(of bytes: [UInt8], name: String) throws -> ImageFormat {
        if bytes.isEmpty { throw ImageError.empty(path: name) }
        if bytes.count >= 8 && Array(bytes[0..<8]) == pngMagic { return .png }
        if bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF { return .jpeg }
        if bytes.count >= 2 && bytes[0] == 0x42 && bytes[1] == 0x4D { return .bmp }
        if bytes.count >= 4 && ((bytes[0] == 0x49 && bytes[1] == 0x49 && bytes[2] == 0x2A && bytes[3] == 0)
                                || (bytes[0] == 0x4D && bytes[1] == 0x4D && bytes[2] == 0 && (bytes[3] == 0x2A || bytes[3] == 0x2B))) {
            return .tiff
        }
        let magic = bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
        throw ImageError.unknownFormat(path: name, magic: magic)
    }

    /// Largest image file read (bytes); larger files are refused before any byte is read.
    public static let maxFileBytes = UserFile.maxImageBytes

    /// Reads a whole regular file (at most `maxBytes`), mapping failures to `ImageError`; no format check.
    public static func readFile(_ path: String, maxBytes: Int = maxFileBytes) throws -> [UInt8] {
        do { return try UserFile.read(path, maxBytes: maxBytes) } catch let e as UserFileError { throw ImageError(e) }
    }

    /// Reads an image file: the leading bytes are sniffed first, so a large file that is not an image is
    /// refused without reading it; then the whole file (at most `maxBytes`).
    public static func readImage(_ path: String, maxBytes: Int = maxFileBytes) throws -> [UInt8] {
        do {
            let head = try UserFile.prefix(path, count: 16)
            _ = try format(of: head.bytes, name: path)
            return try UserFile.read(path, maxBytes: maxBytes)
        } catch let e as UserFileError {
            throw ImageError(e)
        }
    }

    /// Header of an in-memory file.
    public static func header(of bytes: [UInt8], name: String = "<memory>") throws -> ImageHeader {
        switch try format(of: bytes, name: name) {
        case .png: return try PNGDecoder.header(bytes, name: name)
        case .jpeg: return try JPEGDecoder.header(bytes, name: name)
        case .bmp: return try BMPDecoder.header(bytes, name: name)
        case .tiff: return try TIFFDecoder.header(bytes, name: name)
        }
    }

    /// Header of a file on disk.
    public static func header(path: String) throws -> ImageHeader {
        try header(of: readImage(path), name: path)
    }

    /// Decodes to 8 bits with the file's own channel count (1, 2, 3 or 4). 16-bit PNG samples keep their
    /// high byte (as Pillow does for 16-bit RGB). JPEG EXIF orientation is applied unless disabled.
    public static func decode(_ bytes: [UInt8], name: String = "<memory>", options: DecodeOptions = .init()) throws -> Image8 {
        switch try format(of: bytes, name: name) {
        case .png:
            let raw = try PNGDecoder.decode(bytes, name: name, maxPixels: options.maxPixels)
            return raw.depth == 16 ? raw.as16().to8() : raw.as8()
        case .jpeg:
            var img = try JPEGDecoder.decode(bytes, name: name, maxPixels: options.maxPixels)
            if options.applyOrientation, let o = EXIF.orientation(jpeg: bytes), o != 1 { img = img.oriented(exif: o) }
            return img
        case .bmp: return try BMPDecoder.decode(bytes, name: name, maxPixels: options.maxPixels)
        case .tiff: return try TIFFDecoder.decode(bytes, name: name, maxPixels: options.maxPixels)
        }
    }

    /// Decodes a file to 8 bits (see `decode(_:name:options:)`).
    public static func decode(path: String, options: DecodeOptions = .init()) throws -> Image8 {
        try decode(readImage(path), name: path, options: options)
    }

    /// Decodes a file keeping 16-bit precision: 16-bit PNG samples as stored, 8-bit data widened by 257.
    public static func decode16(path: String, options: DecodeOptions = .init()) throws -> Image16 {
        let bytes = try readImage(path)
        if try format(of: bytes, name: path) == .png {
            let raw = try PNGDecoder.decode(bytes, name: path, maxPixels: options.maxPixels)
            return raw.depth == 16 ? raw.as16() : raw.as8().to16()
        }
        return try decode(bytes, name: path, options: options).to16()
    }

    /// Decodes a file to RGB (gray replicated, alpha dropped, as Pillow's `convert("RGB")`).
    public static func loadRGB(path: String, options: DecodeOptions = .init()) throws -> Image8 {
        try decode(path: path, options: options).rgb()
    }

    /// Decodes a ground-truth mask to one 8-bit channel (colour masks use luma; alpha dropped).
    public static func loadMask(path: String, options: DecodeOptions = .init()) throws -> Image8 {
        try decode(path: path, options: options).gray()
    }

    // MARK: writing

    /// Encodes an 8-bit image (1-4 channels) as PNG.
    public static func encodePNG(_ image: Image8, compression: Int = 6, name: String = "<memory>") throws -> [UInt8] {
        try image.samples.withUnsafeBytes { raw in
            try PNGEncoder.encode(raw.baseAddress!, width: image.width, height: image.height,
                                  channels: image.channels, depth: 8, compression: compression, name: name)
        }
    }

    /// Encodes a 16-bit image (1-4 channels) as a 16-bit PNG.
    public static func encodePNG(_ image: Image16, compression: Int = 6, name: String = "<memory>") throws -> [UInt8] {
        try image.samples.withUnsafeBytes { raw in
            try PNGEncoder.encode(raw.baseAddress!, width: image.width, height: image.height,
                                  channels: image.channels, depth: 16, compression: compression, name: name)
        }
    }

    /// Writes an 8-bit PNG atomically (temporary file in the same folder, then rename).
    public static func writePNG(_ image: Image8, to path: String, compression: Int = 6) throws {
        try writeAtomically(encodePNG(image, compression: compression, name: path), to: path)
    }

    /// Writes a 16-bit PNG atomically.
    public static func writePNG(_ image: Image16, to path: String, compression: Int = 6) throws {
        try writeAtomically(encodePNG(image, compression: compression, name: path), to: path)
    }

    /// ``AtomicFile/write(_:to:)`` with its failure reported as ``ImageError/writeFailed(path:reason:)``.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        do { try AtomicFile.write(bytes, to: path) } catch let e as AtomicWriteError {
            throw ImageError.writeFailed(path: e.path, reason: e.reason)
        }
    }

    /// Writes a float image (0...1, clamped) as an 8-bit PNG atomically.
    public static func writePNG(_ image: Image, to path: String, compression: Int = 6) throws {
        try writePNG(image.toUInt8(), to: path, compression: compression)
    }
}
