import Inspection
import Foundation
import Imaging
import Tensor
import VTFusion

/// How the one map normalisation of a run is chosen (per-image normalisation would make good parts look
/// defective, so every picture of a run shares one range).
public enum MapRangePolicy: Sendable, Equatable {
    /// From the references' leave-one-out maps: `lo` = their minimum, `M` = their maximum,
    /// `hi = M + (M - lo)`, contour at `M`. A good part therefore stays in the lower half of the colour
    /// scale, and the contour surrounds what is hotter than anything seen on a reference. Independent of
    /// the test images, so pictures of different runs with the same references compare directly.
    case references
    /// Minimum and maximum over all maps of the run (needs every map before any picture is written);
    /// contour at the middle of the range.
    case run
    /// A fixed range (e.g. 0...1 for probabilities); contour at the middle.
    case fixed(lo: Float, hi: Float)

    /// The range for the given maps (reference maps for `.references`, the run's maps for `.run`).
    public func range(maps: [Image]) -> DetectionResults.MapRange {
        switch self {
        case .fixed(let lo, let hi):
            let top = hi > lo ? hi : lo + 1e-6
            return .init(lo: Double(lo), hi: Double(top), contourLevel: Double(lo + (top - lo) / 2), source: "fixed")
        case .run:
            let r = ScoreRange.fitting(maps)
            return .init(lo: Double(r.lo), hi: Double(r.hi), contourLevel: Double(r.lo + (r.hi - r.lo) / 2), source: "run")
        case .references:
            let r = ScoreRange.fitting(maps)
            let top = Swift.max(r.hi + (r.hi - r.lo), r.lo + 1e-6)
            return .init(lo: Double(r.lo), hi: Double(top), contourLevel: Double(r.hi), source: "references")
        }
    }
}

/// Writes the pictures of one inspected image into a results directory (see ``DetectionResults`` for the
/// layout) and returns the entry's file list. Stateless apart from its settings; call once per image after
/// the run's range is fixed.
public struct DetectionWriter: Sendable {
    /// Which map files to write.
    public struct MapFormats: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// 16-bit PNG scaled by the run range.
        public static let png = MapFormats(rawValue: 1)
        /// Raw float32 `.npy`.
        public static let npy = MapFormats(rawValue: 2)
        public static let both: MapFormats = [.png, .npy]

        /// Names as stored in ``DetectionResults/mapFormats``.
        public var names: [String] { (contains(.png) ? ["png"] : []) + (contains(.npy) ? ["npy"] : []) }
    }

    public var directory: URL
    public var range: DetectionResults.MapRange
    public var formats: MapFormats
    /// Longest side of each panel pane (the image is downscaled for panels; overlays keep full size).
    public var panelSize: Int
    public var colormap: Colormap

    public init(directory: URL, range: DetectionResults.MapRange, formats: MapFormats = .png,
                panelSize: Int = 384, colormap: Colormap = .jet) {
        self.directory = directory; self.range = range; self.formats = formats
        self.panelSize = panelSize; self.colormap = colormap
    }

    /// Writes `maps/STEM.png` (and/or `.npy`), `overlays/STEM.png` and `panels/STEM.png`.
    /// - Parameters:
    ///   - image: the decoded input (1-4 channels, any size).
    ///   - map: one-channel anomaly map covering the whole image, any resolution (bilinearly resized to the
    ///     image size).
    ///   - groundTruth: optional mask (> 127 = anomalous) for the panel.
    /// `regions` are drawn on the overlay as numbered boxes (numbers from 1, in the given order).
    public func write(stem: String, image: Image8, map: Image, groundTruth: Image8? = nil,
                      regions: [DefectRegion] = []) throws -> DetectionResults.Files {
        precondition(map.channels == 1, "DetectionWriter: map must have one channel")
        let rgb = image.rgb().toFloat()
        let full = map.width == image.width && map.height == image.height
            ? map : map.upsampledBilinear(width: image.width, height: image.height)
        let scale = range.scoreRange
        var files = DetectionResults.Files()

        if formats.contains(.png) {
            let rel = "maps/\(stem).png"
            let scaled = Image(width: full.width, height: full.height, channels: 1, samples: full.samples.map(scale.normalized))
            try ImageCodec.writePNG(scaled.toUInt16(), to: path(rel))
            files.map = rel
        }
        if formats.contains(.npy) {
            let rel = "maps/\(stem).npy"
            try NPYFile.write(full.samples, shape: [full.height, full.width], to: path(rel))
            files.mapNPY = rel
        }
        let level = range.contourLevel.map(Float.init)
        var over = Heatmap.overlay(image: rgb, map: full, range: scale, colormap: colormap)
        if let level { over = Heatmap.drawContour(on: over, map: full, threshold: level) }
        if !regions.isEmpty {
            over = RegionBoxes.draw(regions.enumerated().map { RegionBoxes.Box(x: $1.x, y: $1.y, width: $1.width, height: $1.height, number: $0 + 1) },
                                    on: over)
        }
        let overlayRel = "overlays/\(stem).png"
        try ImageCodec.writePNG(over, to: path(overlayRel))
        files.overlay = overlayRel

        let longer = Swift.max(image.width, image.height)
        let small: Image
        if longer > panelSize {
            let f = Double(panelSize) / Double(longer)
            let w = Swift.max(1, Int((Double(image.width) * f).rounded())), h = Swift.max(1, Int((Double(image.height) * f).rounded()))
            small = image.rgb().resized(width: w, height: h, filter: .bilinear).toFloat()
        } else {
            small = rgb
        }
        let gt = groundTruth.map { $0.gray().toFloat() }
        let panel = Heatmap.panel(image: small, map: map, range: scale, groundTruth: gt, threshold: level, colormap: colormap)
        let panelRel = "panels/\(stem).png"
        try ImageCodec.writePNG(panel, to: path(panelRel))
        files.panel = panelRel
        return files
    }

    /// A `[H, W]` tensor as a one-channel float image.
    public static func image(_ map: Tensor) -> Image {
        precondition(map.shape.count == 2, "anomaly map must be [H, W], got \(map.shape)")
        return Image(width: map.shape[1], height: map.shape[0], channels: 1, samples: map.contiguous().scalars)
    }

    private func path(_ rel: String) -> String { directory.appendingPathComponent(rel).path }
}
