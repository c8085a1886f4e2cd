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

    /// `regions` are drawn on the overlay as numbered boxes (from 1, in the given order), as `detect` draws them.
    static func pictures(image: Image8, map: Image, regions: [DefectRegion] = [], profile: Profile) throws -> (map: [UInt8], overlay: [UInt8]) {
        let (scale, level) = range(profile)
        let full = map.width == image.width && map.height == image.height
            ? map : map.upsampledBilinear(width: image.width, height: image.height)
        let scaled = Image(width: full.width, height: full.height, channels: 1, samples: full.samples.map(scale.normalized))
        let mapPNG = try ImageCodec.encodePNG(scaled.toUInt16())
        var over = Heatmap.overlay(image: image.rgb().toFloat(), map: full, range: scale)
        over = Heatmap.drawContour(on: over, map: full, threshold: level)
        if !regions.isEmpty {
            over = RegionBoxes.draw(regions.enumerated().map { RegionBoxes.Box(x: $1.x, y: $1.y, width: $1.width, height: $1.height, number: $0 + 1) },
                                    on: over)
        }
        return (mapPNG, try ImageCodec.encodePNG(over.toUInt8()))
    }
}
