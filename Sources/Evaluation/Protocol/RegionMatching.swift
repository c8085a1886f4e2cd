import Foundation
import Imaging

/// Region-level agreement of predicted defect regions with ground-truth masks, at the decision the
/// profile made: a predicted region (8-connected component of the smoothed map at or above the profile's
/// region level, at least `minArea` pixels, on an image the decision flags) is *on a defect* when one of
/// its pixels is a defect pixel; a ground-truth region (8-connected component of the mask) is *found* when
/// one of its pixels lies in a predicted region of a flagged image. Regions of images the decision passes
/// count as not predicted, so a missed image's defects count as missed.
public struct RegionCounts: Codable, Equatable, Sendable {
    public var groundTruth = 0
    public var groundTruthFound = 0
    public var predicted = 0
    public var predictedOnDefect = 0
    /// Predicted regions on good test images (all of them false).
    public var predictedOnGoodImages = 0

    public init() {}

    /// Found ground-truth regions over all ground-truth regions.
    public var recall: Double { groundTruth > 0 ? Double(groundTruthFound) / Double(groundTruth) : .nan }
    /// Predicted regions on a defect over all predicted regions.
    public var precision: Double { predicted > 0 ? Double(predictedOnDefect) / Double(predicted) : .nan }

    public static func + (a: RegionCounts, b: RegionCounts) -> RegionCounts {
        var s = a
        s.groundTruth += b.groundTruth; s.groundTruthFound += b.groundTruthFound
        s.predicted += b.predicted; s.predictedOnDefect += b.predictedOnDefect
        s.predictedOnGoodImages += b.predictedOnGoodImages
        return s
    }

    /// Counts of one image. `map` is the smoothed anomaly map, `mask` the ground truth at the same size
    /// (non-zero = defect; `nil` = a good image with no defect pixels).
    public static func image(map: [Float], mask: [UInt8]?, width: Int, height: Int, level: Float,
                             peakFraction: Double? = nil, minArea: Int, flagged: Bool) -> RegionCounts {
        precondition(map.count == width * height && (mask?.count ?? map.count) == map.count, "RegionCounts: size mismatch")
        var c = RegionCounts()
        var predictedPixel = [Bool](repeating: false, count: map.count)
        if flagged {
            let labeling = ConnectedComponents.label(map.map { $0 >= level ? UInt8(1) : 0 }, width: width, height: height)
            var onDefect = [Bool](repeating: false, count: labeling.count)
            // As ``DefectRegions/find(in:level:minArea:peakFraction:)``: with a peak fraction, a part is kept only
            // when its peak reaches level + fraction x (the image's peak - level).
            var peaks = [Float](repeating: -.infinity, count: labeling.count)
            for i in map.indices where labeling.labels[i] > 0 { peaks[Int(labeling.labels[i]) - 1] = max(peaks[Int(labeling.labels[i]) - 1], map[i]) }
            let floor = peakFraction.map { Double(level) + $0 * (Double(peaks.max() ?? level) - Double(level)) } ?? -Double.infinity
            let kept = (0..<labeling.count).map { labeling.sizes[$0] >= max(1, minArea) && Double(peaks[$0]) >= floor }
            for i in map.indices {
                let r = Int(labeling.labels[i])
                guard r > 0, kept[r - 1] else { continue }
                predictedPixel[i] = true
                if let mask, mask[i] != 0 { onDefect[r - 1] = true }
            }
            for r in 0..<labeling.count where kept[r] {
                c.predicted += 1
                if onDefect[r] { c.predictedOnDefect += 1 }
            }
            if mask == nil || !(mask!.contains { $0 != 0 }) { c.predictedOnGoodImages = c.predicted }
        }
        if let mask {
            let truth = ConnectedComponents.label(mask, width: width, height: height)
            var found = [Bool](repeating: false, count: truth.count)
            for i in mask.indices where truth.labels[i] > 0 && predictedPixel[i] { found[Int(truth.labels[i]) - 1] = true }
            c.groundTruth = truth.count
            c.groundTruthFound = found.filter { $0 }.count
        }
        return c
    }
}
