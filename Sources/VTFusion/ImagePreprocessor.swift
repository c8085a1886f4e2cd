import Foundation
import Imaging
import Tensor

/// Image preprocessing for a backbone: decode -> RGB -> resize the shorter side to ``imageSize`` (bicubic,
/// antialiased, Pillow-exact) -> center crop ``imageSize`` x ``imageSize`` -> normalised CHW tensor.
///
/// Ground-truth masks go through the same geometry (nearest resize, same crop) so maps and masks align;
/// evaluation therefore happens in the cropped frame (identical to the full image for square inputs).
public struct ImagePreprocessor: Sendable, Equatable {
    public var imageSize: Int
    public var normalization: Normalization

    public init(imageSize: Int, normalization: Normalization) {
        self.imageSize = imageSize
        self.normalization = normalization
    }

    /// RGB, shorter side to ``imageSize``, center crop: `imageSize x imageSize x 3`.
    public func prepare(_ image: Image8) -> Image8 {
        let rgb = image.rgb()
        let resized = rgb.width == imageSize && rgb.height == imageSize ? rgb
            : rgb.resizedShorterSide(to: imageSize, filter: .bicubic)
        return resized.centerCropped(width: imageSize, height: imageSize)
    }

    /// Decodes and prepares an image file.
    public func load(path: String) throws -> Image8 { prepare(try ImageCodec.loadRGB(path: path)) }

    /// Normalised `[3, S, S]` tensor of a prepared 8-bit image.
    public func tensor(_ prepared: Image8) -> Tensor { prepared.toTensor(normalization) }

    /// Normalised `[3, S, S]` tensor of a prepared float image (values in 0...1, e.g. a synthesized anomaly).
    public func tensor(_ prepared: Image) -> Tensor { prepared.rgb().toTensor(mean: normalization.mean, std: normalization.std) }

    /// A ground-truth mask in the prepared frame: nearest resize of the shorter side, same center crop,
    /// 0/1 bytes (`> 127` is anomalous), `imageSize * imageSize` row-major.
    public func mask(_ mask: Image8) -> [UInt8] {
        let g = mask.gray()
        let (w, h) = g.width <= g.height ? (imageSize, Int(Double(imageSize) * Double(g.height) / Double(g.width)))
                                         : (Int(Double(imageSize) * Double(g.width) / Double(g.height)), imageSize)
        let r = (g.width == w && g.height == h) ? g : g.resizedNearest(width: w, height: h)
        return r.centerCropped(width: imageSize, height: imageSize).samples.map { $0 > 127 ? 1 : 0 }
    }

    /// Decodes and prepares a mask file (see ``mask(_:)``).
    public func loadMask(path: String) throws -> [UInt8] { mask(try ImageCodec.loadMask(path: path)) }
}
