import Foundation
import Imaging
import UserFiles

/// Reads image sizes from file headers with Imaging's codecs: the adapter to inject into
/// ``DatasetCategory/validateMasks(imageSize:)`` and ``DatasetValidator``.
///
/// Only the first `prefixBytes` of a file are read (the header and, for JPEG, the EXIF segment); when
/// that is not enough (a JPEG with very large leading segments) the whole file is read. The size is the
/// displayed size: a JPEG whose EXIF orientation transposes it (5...8) reports width and height swapped,
/// as the decoder (and Pillow's `exif_transpose`) would produce.
public enum ImageSizeReader {
    /// Bytes read for the header before falling back to the whole file.
    public static var prefixBytes = 256 * 1024

    /// Displayed `(width, height)` of a PNG, JPEG, BMP or TIFF file.
    /// - Throws: `ImageError` naming the file (missing, empty, unknown format, corrupt header).
    public static func size(of url: URL) throws -> (width: Int, height: Int) {
        let path = url.path
        let prefix = try readPrefix(path, count: prefixBytes)
        let bytes: [UInt8]
        let header: ImageHeader
        do {
            header = try ImageCodec.header(of: prefix.bytes, name: path)
            bytes = prefix.bytes
        } catch {
            // Short file read entirely: the error stands. Otherwise retry on the whole file.
            if prefix.complete { throw error }
            bytes = try ImageCodec.readImage(path)
            header = try ImageCodec.header(of: bytes, name: path)
        }
        if header.format == .jpeg, let o = EXIF.orientation(jpeg: bytes), (5...8).contains(o) {
            return (header.height, header.width)
        }
        return (header.width, header.height)
    }

    /// Decodes the whole file (catching truncated pixel data a header read misses) and returns its size.
    /// - Throws: `ImageError` naming the file.
    public static func decodedSize(of url: URL) throws -> (width: Int, height: Int) {
        let image = try ImageCodec.decode(path: url.path)
        return (image.width, image.height)
    }

    /// Up to `count` leading bytes of a file and whether that is the whole file (regular files only).
    static func readPrefix(_ path: String, count: Int) throws -> (bytes: [UInt8], complete: Bool) {
        let (bytes, size): ([UInt8], Int)
        do { (bytes, size) = try UserFile.prefix(path, count: count, maxBytes: ImageCodec.maxFileBytes) } catch let e as UserFileError {
            throw ImageError(e)
        }
        if bytes.isEmpty { throw ImageError.empty(path: path) }
        return (bytes, bytes.count >= size)
    }
}
