import Foundation
import Imaging

/// One uploaded image: its bytes as sent, the decoded pixels, and the request field it came from.
public struct ImageInput: @unchecked Sendable {
    public var field: String
    public var filename: String?
    public var bytes: [UInt8]
    public var image: Image8

    /// Decodes `bytes` after checking the header's pixel count against `maxPixels`; problems name `field`.
    public static func decode(_ bytes: [UInt8], field: String, filename: String?, maxPixels: Int) throws -> ImageInput {
        guard !bytes.isEmpty else { throw Problem.unprocessable("\(field): the image is empty (0 bytes)", field: field) }
        let header: ImageHeader
        do { header = try ImageCodec.header(of: bytes, name: field) } catch { throw problem(error, field: field) }
        guard header.width > 0, header.height > 0 else {
            throw Problem.unprocessable("\(field): the image has no pixels", field: field)
        }
        let pixels = header.width.multipliedReportingOverflow(by: header.height)
        guard !pixels.overflow, pixels.partialValue <= maxPixels else {
            throw Problem.tooLarge("\(field): the image is \(header.width)x\(header.height) pixels, over the limit of \(maxPixels) pixels",
                                   field: field)
        }
        do {
            let image = try ImageCodec.decode(bytes, name: field, options: DecodeOptions(maxPixels: maxPixels))
            return ImageInput(field: field, filename: filename, bytes: bytes, image: image)
        } catch { throw problem(error, field: field) }
    }

    static func problem(_ error: Error, field: String) -> Problem {
        switch error {
        case let e as ImageError:
            switch e {
            case .tooLarge(_, let w, let h, let m):
                return .tooLarge("\(field): the image is \(w)x\(h) pixels, over the limit of \(m) pixels", field: field)
            case .unknownFormat: return .unprocessable("\(field): not an image; expected PNG, JPEG, BMP or TIFF", field: field)
            case .empty: return .unprocessable("\(field): the image is empty (0 bytes)", field: field)
            case .corrupt: return .unprocessable("\(field): corrupt or truncated image", field: field)
            case .unsupported(_, let r): return .unprocessable("\(field): unsupported image: \(r)", field: field)
            default: return .unprocessable("\(field): cannot decode the image", field: field)
            }
        default: return .unprocessable("\(field): cannot decode the image", field: field)
        }
    }

    /// The media type of stored original bytes (sniffed).
    static func mediaType(_ bytes: [UInt8]) -> String {
        switch try? ImageCodec.format(of: bytes, name: "") {
        case .png: return "image/png"
        case .jpeg: return "image/jpeg"
        case .bmp: return "image/bmp"
        case .tiff: return "image/tiff"
        case nil: return "application/octet-stream"
        }
    }
}
