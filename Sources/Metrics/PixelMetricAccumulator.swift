import Imaging
/// Pixel-level metrics of one category: AUROC, AP and F1-max over all pixels, and AUPRO.
public struct PixelMetrics: Codable, Equatable, Sendable {
    /// Pixel AUROC over all pixels of all added images.
    public var auroc: Double
    /// Pixel average precision (step-wise, as scikit-learn).
    public var averagePrecision: Double
    /// Pixel F1-max and its threshold (pixel anomalous when `score >= threshold`).
    public var f1Max: F1Max
    /// AUPRO, MVTec-official, integrated up to ``PixelMetricAccumulator/proIntegrationLimit`` and normalised.
    public var aupro: Double
    /// Pixel counts and the number of ground-truth regions (8-connected components) behind the numbers.
    public var anomalousPixels: Int
    public var normalPixels: Int
    public var regions: Int
}

/// Streams anomaly maps and ground-truth masks image by image and computes exact pixel metrics.
///
/// Each pixel is kept as one key: normal pixels as a 4-byte order-preserving key of the Float32 score;
/// anomalous pixels as 8 bytes (score key + size of the ground-truth region the pixel belongs to, which is
/// all AUPRO needs). The label is implicit in which array a pixel is in. ``compute()`` sorts both arrays in
/// place with an in-place radix sort and walks them once, merged, from the highest score down; tied scores
/// form one threshold step, so the result is exact (scikit-learn and the MVTec AUPRO agree to ~1e-12).
///
/// Memory bound: `4 * normalPixels + 8 * anomalousPixels` bytes of stored keys, plus the slack of array
/// growth (up to 2x while appending, none if ``reserveCapacity(normalPixels:anomalousPixels:)`` was called
/// with the totals), plus one image's labelling (`4 * width * height`) during ``add(scores:mask:width:height:)``.
/// ``compute()`` allocates nothing proportional to the pixel count. Example: 1,000 maps of 512x512 with 5%
/// anomalous pixels (2.6e8 pixels) hold about 1.1 GB, i.e. ~4.2 bytes per pixel.
///
/// Scores are compared as Float32 (as the anomaly maps are); the decision rule is `score >= threshold`.
public final class PixelMetricAccumulator {
    /// FPR up to which AUPRO is integrated (0.3 is the MVTec standard).
    public let proIntegrationLimit: Double
    private var normalKeys: [UInt32] = []
    private var anomalousKeys: [UInt64] = []   // (score key << 32) | region size
    /// Number of ground-truth regions seen so far.
    public private(set) var regionCount = 0
    /// Number of images added so far.
    public private(set) var imageCount = 0

    /// - Parameter proIntegrationLimit: AUPRO's FPR limit, in (0, 1].
    public init(proIntegrationLimit: Double = 0.3) {
        if !(proIntegrationLimit > 0 && proIntegrationLimit <= 1) {
            fatalError("PixelMetricAccumulator: proIntegrationLimit must be in (0, 1], got \(proIntegrationLimit)")
        }
        self.proIntegrationLimit = proIntegrationLimit
    }

    /// Pixels added so far.
    public var pixelCount: Int { normalKeys.count + anomalousKeys.count }
    /// Anomalous pixels added so far.
    public var anomalousPixelCount: Int { anomalousKeys.count }
    /// Bytes currently held by the stored keys (capacity, i.e. including growth slack).
    public var storedBytes: Int { normalKeys.capacity * 4 + anomalousKeys.capacity * 8 }

    /// Reserves room for the whole test set up front, removing the growth slack from the memory bound.
    public func reserveCapacity(normalPixels: Int, anomalousPixels: Int) {
        normalKeys.reserveCapacity(normalPixels)
        anomalousKeys.reserveCapacity(anomalousPixels)
    }

    /// Adds one image.
    ///
    /// - Parameters:
    ///   - scores: row-major `height x width` anomaly map (larger = more anomalous); NaN is rejected.
    ///   - mask: row-major `height x width` ground truth, nonzero = anomalous; `nil` = all normal.
    /// - Throws: ``MetricError/mapSizeMismatch(expected:scores:mask:)``, ``MetricError/nanScore(index:image:)``;
    ///   on error nothing of this image is kept.
    public func add(scores: UnsafeBufferPointer<Float>, mask: UnsafeBufferPointer<UInt8>?,
                    width: Int, height: Int) throws {
        guard width >= 0, height >= 0 else {
            throw MetricError.invalidArgument("pixel metrics: negative map size \(width)x\(height)")
        }
        let count = width * height
        guard scores.count == count, mask.map({ $0.count == count }) ?? true else {
            throw MetricError.mapSizeMismatch(expected: count, scores: scores.count, mask: mask?.count ?? count)
        }
        for i in 0..<count where scores[i].isNaN { throw MetricError.nanScore(index: i, image: imageCount) }

        if let mask, mask.contains(where: { $0 != 0 }) {
            let labeling = ConnectedComponents.label(mask, width: width, height: height, connectivity: .eight)
            let anomalous = labeling.sizes.reduce(0, +)
            Self.grow(&normalKeys, by: count - anomalous)
            Self.grow(&anomalousKeys, by: anomalous)
            labeling.labels.withUnsafeBufferPointer { labels in
                for i in 0..<count {
                    let key = OrderedScoreKey.key(scores[i])
                    let region = Int(labels[i])
                    if region == 0 {
                        normalKeys.append(key)
                    } else {
                        anomalousKeys.append(UInt64(key) << 32 | UInt64(labeling.sizes[region - 1]))
                    }
                }
            }
            regionCount += labeling.count
        } else {
            Self.grow(&normalKeys, by: count)
            for i in 0..<count { normalKeys.append(OrderedScoreKey.key(scores[i])) }
        }
        imageCount += 1
    }

    /// Array convenience: `mask` nonzero = anomalous, `nil` = all normal.
    public func add(scores: [Float], mask: [UInt8]?, width: Int, height: Int) throws {
        try scores.withUnsafeBufferPointer { s in
            if let mask {
                try mask.withUnsafeBufferPointer { try add(scores: s, mask: $0, width: width, height: height) }
            } else {
                try add(scores: s, mask: nil, width: width, height: height)
            }
        }
    }

    /// Array convenience for float masks in [0, 1]: a pixel is anomalous where `mask > 0.5`.
    public func add(scores: [Float], mask: [Float], width: Int, height: Int) throws {
        try add(scores: scores, mask: mask.map { $0 > 0.5 ? UInt8(1) : UInt8(0) } as [UInt8], width: width, height: height)
    }

    /// Computes the metrics over everything added so far. The stored pixels are sorted in place and kept, so
    /// more images may be added and ``compute()`` called again.
    ///
    /// - Throws: ``MetricError/empty(metric:)`` with no pixels, ``MetricError/singleClass(metric:anomalous:normal:)``
    ///   unless both anomalous and normal pixels exist.
    public func compute() throws -> PixelMetrics {
        let normal = normalKeys.count
        let anomalous = anomalousKeys.count
        guard normal + anomalous > 0 else { throw MetricError.empty(metric: "pixel metrics") }
        guard normal > 0 && anomalous > 0 else {
            throw MetricError.singleClass(metric: "pixel metrics", anomalous: anomalous, normal: normal)
        }
        normalKeys.withUnsafeMutableBufferPointer { InPlaceRadixSort.sort($0) }
        anomalousKeys.withUnsafeMutableBufferPointer { InPlaceRadixSort.sortByHighWord($0) }

        var roc = AUROCSweep()
        var ap = AveragePrecisionSweep()
        var f1 = F1MaxSweep(anomalous: anomalous)
        var pro = AUPROSweep(limit: proIntegrationLimit)
        let normalCount = Double(normal)
        let regions = Double(regionCount)
        normalKeys.withUnsafeBufferPointer { nk in
            anomalousKeys.withUnsafeBufferPointer { ak in
                var i = normal - 1
                var j = anomalous - 1
                var tp = 0
                var fp = 0
                var overlapSum = 0.0   // sum over regions of (covered pixels / region size)
                while i >= 0 || j >= 0 {
                    let key: UInt32
                    if i >= 0 && j >= 0 {
                        key = Swift.max(nk[i], UInt32(truncatingIfNeeded: ak[j] >> 32))
                    } else if i >= 0 {
                        key = nk[i]
                    } else {
                        key = UInt32(truncatingIfNeeded: ak[j] >> 32)
                    }
                    while i >= 0 && nk[i] == key { fp += 1; i -= 1 }
                    while j >= 0 && UInt32(truncatingIfNeeded: ak[j] >> 32) == key {
                        overlapSum += 1 / Double(ak[j] & 0xFFFF_FFFF)
                        tp += 1
                        j -= 1
                    }
                    roc.step(tp: tp, fp: fp)
                    ap.step(tp: tp, fp: fp)
                    f1.step(threshold: Double(OrderedScoreKey.value(key)), tp: tp, fp: fp)
                    pro.point(fpr: Double(fp) / normalCount, pro: overlapSum / regions)
                }
            }
        }
        return PixelMetrics(auroc: roc.value(anomalous: anomalous, normal: normal),
                            averagePrecision: ap.value(anomalous: anomalous), f1Max: f1.result,
                            aupro: pro.finish(), anomalousPixels: anomalous, normalPixels: normal,
                            regions: regionCount)
    }

    /// Geometric growth so per-image appends stay amortised O(1) (`reserveCapacity` alone may grow exactly).
    private static func grow<T>(_ array: inout [T], by extra: Int) {
        let needed = array.count + extra
        if array.capacity < needed { array.reserveCapacity(Swift.max(needed, array.capacity * 2)) }
    }
}
