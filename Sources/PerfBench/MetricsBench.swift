import Evaluation
import Tensor

/// Evaluation throughput: pixel metrics (AUROC, AP, F1-max, AUPRO: key sort, connected components) over
/// 32 anomaly maps of 256x256 with one square defect each, and image metrics over 100k scores. Swift only
/// (no PyTorch counterpart); it watches the `Evaluation` target's hot loops.
enum MetricsBench {
    static let side = 256, maps = 32

    static func pixel() -> BenchCase {
        BenchCase(name: "metrics:pixel", what: "pixel AUROC/AP/F1/AUPRO over \(maps) maps of \(side)x\(side)",
                  flops: nil, target: "no regression") { reps in
            var rng = SeededRandom(seed: 7)
            let n = side * side
            let scores = (0..<maps).map { _ in Tensor.uniform([n], using: &rng).scalars }
            let masks = (0..<maps).map { k -> [UInt8] in
                var m = [UInt8](repeating: 0, count: n)
                let s = 16 + k, o = (k * 37) % (side - s)
                for y in o..<(o + s) { for x in o..<(o + s) { m[y * side + x] = 1 } }
                return m
            }
            return Timing.median(reps: reps) {
                let acc = PixelMetricAccumulator()
                for (s, m) in zip(scores, masks) { try! acc.add(scores: s, mask: m, width: side, height: side) }
                _ = try! acc.compute()
            }
        }
    }

    static func image() -> BenchCase {
        BenchCase(name: "metrics:image", what: "image AUROC/AP/F1 over 100000 scores", flops: nil,
                  target: "no regression") { reps in
            var rng = SeededRandom(seed: 8)
            let scores = Tensor.uniform([100_000], using: &rng).scalars
            let labels = scores.indices.map { ($0 * 7919) % 10 == 0 }
            return Timing.median(reps: reps) { _ = try! ImageMetrics.compute(scores: scores, labels: labels) }
        }
    }
}
