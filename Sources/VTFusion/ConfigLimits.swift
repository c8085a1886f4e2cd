import Foundation

/// Hard upper bounds on sizes read from checkpoints and options, checked before any allocation so a
/// crafted or mistyped value fails with a message naming the field instead of a huge allocation.
public enum ConfigLimits {
    /// Largest crop side fed to a backbone (px).
    public static let maxImageSize = 1344
    /// Largest feature width or channel count in a head config.
    public static let maxWidth = 16384

    /// Throws ``VTFusionError/invalidFile(_:_:)`` naming the first field over its bound.
    public static func check(_ c: VTFusionConfig, file: String) throws {
        func fail(_ field: String, _ value: Any, _ limit: String) -> VTFusionError {
            .invalidFile(file, "\(field) is \(value); expected \(limit)")
        }
        if c.imageSize.contains(where: { $0 < 1 || $0 > maxImageSize }) {
            throw fail("image_size", c.imageSize, "two sides between 1 and \(maxImageSize) px")
        }
        let widths: [(String, [Int])] = [("layer_widths", c.layerWidths), ("class_token_width", [c.classTokenWidth]),
                                         ("text_width", [c.textWidth]), ("joint_width", [c.jointWidth]),
                                         ("adapter_hidden", [c.adapterHidden]), ("decoder_channels", c.decoderChannels)]
        for (field, values) in widths where values.contains(where: { $0 < 0 || $0 > maxWidth }) {
            throw fail(field, values, "values between 0 and \(maxWidth)")
        }
        if c.taps.count > 64 { throw fail("taps", c.taps.count, "at most 64 entries") }
    }

    /// Checks a crop side given on the command line (`--image-size`).
    public static func checkImageSize(_ size: Int, option: String = "--image-size") throws {
        guard size >= 1 && size <= maxImageSize else {
            throw PipelineError.invalidOption("\(option) \(size): expected a crop side between 1 and \(maxImageSize) px")
        }
    }
}
