import Foundation
import Imaging

/// One connected region of an anomaly map above the profile's region level.
public struct DefectRegion: Codable, Sendable, Equatable {
    /// Bounding box in original image pixels.
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    /// Pixels in the region, and as a percentage of the image.
    public var area: Int
    public var areaPercent: Double
    /// Highest and mean map value inside the region (map units).
    public var peak: Double
    public var mean: Double
    /// The most likely defect names (with a ``DefectNaming``), most likely first.
    public var names: [DefectName]? = nil

    public init(x: Int, y: Int, width: Int, height: Int, area: Int, areaPercent: Double, peak: Double, mean: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
        self.area = area; self.areaPercent = areaPercent; self.peak = peak; self.mean = mean
    }
}

/// Defect regions: 8-connected components of `map >= level`, at least `minArea` pixels, largest peak first.
public enum DefectRegions {
    /// Most regions reported per image.
    public static let maxRegions = 32

    public static func find(in map: Image, level: Float, minArea: Int, peakFraction: Double? = nil) -> [DefectRegion] {
        let (w, h) = (map.width, map.height)
        let mask = map.samples.map { $0 >= level ? UInt8(1) : 0 }
        let labeling = mask.withUnsafeBufferPointer { ConnectedComponents.label($0, width: w, height: h) }
        guard labeling.count > 0 else { return [] }
        struct Acc { var x0 = Int.max, y0 = Int.max, x1 = -1, y1 = -1, n = 0, sum = 0.0, peak = -Double.infinity }
        var acc = [Acc](repeating: Acc(), count: labeling.count)
        for i in 0..<(w * h) {
            let r = Int(labeling.labels[i])
            guard r > 0 else { continue }
            let (x, y) = (i % w, i / w), v = Double(map.samples[i])
            acc[r - 1].x0 = min(acc[r - 1].x0, x); acc[r - 1].x1 = max(acc[r - 1].x1, x)
            acc[r - 1].y0 = min(acc[r - 1].y0, y); acc[r - 1].y1 = max(acc[r - 1].y1, y)
            acc[r - 1].n += 1; acc[r - 1].sum += v; acc[r - 1].peak = max(acc[r - 1].peak, v)
        }
        let total = Double(max(w * h, 1))
        let floor = peakFraction.map { Double(level) + $0 * (acc.map(\.peak).max()! - Double(level)) } ?? -Double.infinity
        return acc.filter { $0.n >= max(1, minArea) && $0.peak >= floor }
            .map { a in DefectRegion(x: a.x0, y: a.y0, width: a.x1 - a.x0 + 1, height: a.y1 - a.y0 + 1, area: a.n,
                                     areaPercent: 100 * Double(a.n) / total, peak: a.peak, mean: a.sum / Double(a.n)) }
            .sorted { $0.peak > $1.peak }
            .prefix(maxRegions).map { $0 }
    }
}
