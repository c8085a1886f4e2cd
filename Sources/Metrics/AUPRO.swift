/// Running area under the per-region-overlap (PRO) curve, the MVTec AD official way.
///
/// The curve is `(0, 0)`, then one point `(FPR, PRO)` per distinct threshold in descending score order
/// (FPR on normal pixels, PRO = mean over ground-truth regions of the fraction of the region at or above the
/// threshold, both clipped to 1), then `(1, 1)`. It is integrated with the trapezoid rule up to `limit`; when
/// no point lies exactly at `limit`, the segment crossing it is interpolated linearly at `limit`. The area is
/// divided by `limit`, so a perfect detector scores 1.
///
/// This is the MVTec-official variant (exact thresholds, FPR not rescaled), not the 200-fixed-threshold
/// variant used by APRIL-GAN/AnomalyCLIP.
struct AUPROSweep {
    let limit: Double
    private var area: Double = 0
    private var lastX: Double = 0
    private var lastY: Double = 0
    private var finished = false

    init(limit: Double) { self.limit = limit }

    /// Adds the next curve point; `x` must not decrease between calls.
    @inline(__always)
    mutating func point(fpr: Double, pro: Double) {
        guard !finished else { return }
        let x = min(fpr, 1)
        let y = min(pro, 1)
        if x <= limit {
            area += 0.5 * (y + lastY) * (x - lastX)
            lastX = x
            lastY = y
        } else {
            if lastX < limit {
                let yAtLimit = lastY + (y - lastY) * (limit - lastX) / (x - lastX)
                area += 0.5 * (yAtLimit + lastY) * (limit - lastX)
            }
            finished = true
        }
    }

    /// Closes the curve with `(1, 1)` and returns the normalised area.
    mutating func finish() -> Double {
        point(fpr: 1, pro: 1)
        return area / limit
    }
}
