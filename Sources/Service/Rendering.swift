import Foundation
import Imaging
import Inspection

/// The pictures of one inspection: the anomaly map as a 16-bit PNG and the overlay on the image as an
/// RGB PNG, both scaled by the profile's map range (as `vtfusion detect` does with `--map-range references`):
/// `lo` = the references' 1st percentile, contour and middle of the colour scale at their 99.9th.
enum Rendering {
    static func range(_ profile: Profile) -> (ScoreRange, Float) {
        let lo = profile.header.mapRange.first ?? 0, top = profile.header.mapRange.count > 1 ? profile.header.mapRange[1] : lo + 1
        let hi = max(top + (top - lo), lo + 1e-6)
        return (ScoreRange(lo: Float(lo), hi: Float(hi)), Float(top))
    }

    static func pictures(image: Image8, map: Image, profile: Profile) throws -> (map: [UInt8], overlay: [UInt8]) {
        let (scale, level) = range(profile)
        let full = map.width == image.width && map.height == image.height
            ? map : map.upsampledBilinear(width: image.width, height: image.height)
        let scaled = Image(width: full.width, height: full.height, channels: 1, samples: full.samples.map(scale.normalized))
        let mapPNG = try ImageCodec.encodePNG(scaled.toUInt16())
        var over = Heatmap.overlay(image: image.rgb().toFloat(), map: full, range: scale)
        over = Heatmap.drawContour(on: over, map: full, threshold: level)
        return (mapPNG, try ImageCodec.encodePNG(over.toUInt8()))
    }
}
