import Foundation
import Imaging

/// Augmented copies of a reference that a new good part might look like (shifted framing, a small
/// rotation, other lighting), scored like the reference itself to give the decision more normal samples
/// than k. Deterministic: view `i` of an image is always the same.
public enum CalibrationViews {
    /// Largest number of views a recipe may ask for.
    public static let maxCount = 8

    /// What changes between a reference and its views.
    public enum Kind: String, Codable, Sendable {
        /// Shifted framing (a 92 % corner crop resized back) or a 3-6 degree rotation, with photometric jitter.
        case cropsRotations = "crops-rotations"
        /// Mirror images (horizontal, vertical, both), with photometric jitter: texture scale kept exactly.
        case flips
    }

    /// The first `count` views of `image`.
    public static func make(_ image: Image8, count: Int, kind: Kind = .cropsRotations) -> [Image8] {
        (0..<min(count, maxCount)).map { kind == .flips ? flipView(image, index: $0) : view(image, index: $0) }
    }

    /// View `i` of ``Kind/flips``: horizontal, vertical, then both mirrors in turn, with the same jitter as ``view``.
    static func flipView(_ image: Image8, index i: Int) -> Image8 {
        let (fx, fy) = [(true, false), (false, true), (true, true)][i % 3]
        return jittered(image.mirrored(horizontally: fx, vertically: fy), index: i)
    }

    /// View `i`: even views crop 92 % of each side at one of four corners and resize back; odd views rotate
    /// by +-3 or +-6 degrees; all change brightness and contrast by a few per cent.
    static func view(_ image: Image8, index i: Int) -> Image8 {
        let geometric: Image8
        if i % 2 == 0 {
            let (cw, ch) = (max(1, Int(Double(image.width) * 0.92)), max(1, Int(Double(image.height) * 0.92)))
            let corner = (i / 2) % 4
            let x = corner % 2 == 0 ? 0 : image.width - cw
            let y = corner < 2 ? 0 : image.height - ch
            geometric = image.cropped(x: x, y: y, width: cw, height: ch).resized(width: image.width, height: image.height, filter: .bilinear)
        } else {
            let degrees = (i / 2 % 2 == 0 ? 3.0 : 6.0) * ((i / 4) % 2 == 0 ? 1 : -1)
            geometric = image.rotated(degrees: degrees)
        }
        return jittered(geometric, index: i)
    }

    /// The photometric jitter of view `i` (brightness +-3-6, contrast +-3-5 %), the same for every kind.
    static func jittered(_ image: Image8, index i: Int) -> Image8 {
        image.adjusted(brightness: [6.0, -6.0, 3.0, -3.0][i % 4], contrast: [0.95, 1.05, 1.03, 0.97][(i + 1) % 4])
    }
}

extension Image8 {
    /// `(v - 128) * contrast + 128 + brightness` per sample, rounded and clamped.
    func adjusted(brightness: Double, contrast: Double) -> Image8 {
        var lut = [UInt8](repeating: 0, count: 256)
        for v in 0..<256 { lut[v] = UInt8(min(max(((Double(v) - 128) * contrast + 128 + brightness).rounded(), 0), 255)) }
        return Image8(width: width, height: height, channels: channels, samples: samples.map { lut[Int($0)] })
    }
}
