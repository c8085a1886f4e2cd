import Foundation

/// Container formats the codecs understand.
public enum ImageFormat: String, Sendable { case png, jpeg }

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

/// PNG/JPEG decoding and PNG encoding. All entry points throw `ImageError` naming the file.
public enum ImageCodec {
    static let pngMagic: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Sniffs the format from the leading bytes.
    public static func format(of bytes: [UInt8], name: String) throws -> ImageFormat {
        if bytes.isEmpty { throw ImageError.empty(path: name) }
        if bytes.count >= 8 && Array(bytes[0..<8]) == pngMagic { return .png }
        if bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF { return .jpeg }
        let magic = bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
        throw ImageError.unknownFormat(path: name, magic: magic)
    }

    /// Reads a whole file, mapping failures to `ImageError` (POSIX read straight into the array).
    public static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ImageError.notFound(path: path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { throw ImageError.notFound(path: path) }
        let size = Int(st.st_size)
        if size == 0 { throw ImageError.empty(path: path) }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buf, count in
            var done = 0
            while done < size {
                let n = read(fd, buf.baseAddress! + done, size - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                done += n
            }
            failed = done != size
            count = done
        }
        if failed { throw ImageError.corrupt(path: path, reason: "short read (\(bytes.count) of \(size) bytes)") }
        return bytes
    }

    /// Header of an in-memory file.
    public static func header(of bytes: [UInt8], name: String = "<memory>") throws -> ImageHeader {
        switch try format(of: bytes, name: name) {
        case .png: return try PNGDecoder.header(bytes, name: name)
        case .jpeg: return try JPEGDecoder.header(bytes, name: name)
        }
    }

    /// Header of a file on disk.
    public static func header(path: String) throws -> ImageHeader {
        try header(of: readFile(path), name: path)
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
        }
    }

    /// Decodes a file to 8 bits (see `decode(_:name:options:)`).
    public static func decode(path: String, options: DecodeOptions = .init()) throws -> Image8 {
        try decode(readFile(path), name: path, options: options)
    }

    /// Decodes a file keeping 16-bit precision: 16-bit PNG samples as stored, 8-bit data widened by 257.
    public static func decode16(path: String, options: DecodeOptions = .init()) throws -> Image16 {
        let bytes = try readFile(path)
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
        try AtomicFile.write(encodePNG(image, compression: compression, name: path), to: path)
    }

    /// Writes a 16-bit PNG atomically.
    public static func writePNG(_ image: Image16, to path: String, compression: Int = 6) throws {
        try AtomicFile.write(encodePNG(image, compression: compression, name: path), to: path)
    }

    /// Writes a float image (0...1, clamped) as an 8-bit PNG atomically.
    public static func writePNG(_ image: Image, to path: String, compression: Int = 6) throws {
        try writePNG(image.toUInt8(), to: path, compression: compression)
    }
}

/// Atomic file writes: a uniquely named temporary file next to the target, then `rename(2)`.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically, creating parent folders.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            try Data(bytes).write(to: tmp)
            if rename(tmp.path, url.path) != 0 {
                let err = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: tmp)
                throw ImageError.writeFailed(path: path, reason: err)
            }
        } catch let e as ImageError {
            throw e
        } catch {
            throw ImageError.writeFailed(path: path, reason: error.localizedDescription)
        }
    }

    /// Writes UTF-8 text atomically.
    public static func write(text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }
}
