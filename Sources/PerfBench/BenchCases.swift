import Tensor

/// A benchmark case: a name shared with Scripts/bench_torch.py, and the Swift work.
public struct BenchCase {
    public let name: String
    public let what: String
    public let flops: Double?
    public let target: String
    public let run: (Int) -> Double

    /// Cases without a PyTorch counterpart in Scripts/bench_torch.py (the metrics and detect cases).
    public var swiftOnly: Bool { name.hasPrefix("metrics:") || name.hasPrefix("detect:") }

    static func sgemm(_ m: Int, _ k: Int, _ n: Int) -> BenchCase {
        BenchCase(name: "sgemm:\(m)x\(k)x\(n)", what: "C[\(m)x\(n)] = A[\(m)x\(k)] B[\(k)x\(n)]",
                  flops: 2 * Double(m) * Double(k) * Double(n), target: ">= 0.95x torch GFLOP/s (ratio <= 1.05)") { reps in
            var rng = SeededRandom(seed: 1)
            let a = Tensor.randn([m, k], using: &rng), b = Tensor.randn([k, n], using: &rng)
            return noGrad { Timing.median(reps: reps) { _ = a.matmul(b) } }
        }
    }
}

public enum BenchCases {
    public static func all(quick: Bool) -> [BenchCase] {
        var cases: [BenchCase] = [
            .sgemm(197, 768, 2304), .sgemm(197, 768, 3072), .sgemm(197, 3072, 768),
        ]
        if !quick { cases.append(.sgemm(2048, 2048, 2048)) }
        cases.append(TrunkBench.vit(batch: 1))
        if !quick { cases.append(TrunkBench.vit(batch: 8)) }
        cases.append(TrunkBench.text(batch: 2))
        if !quick { cases.append(TrunkBench.text(batch: 8)) }
        cases += [ImagingBench.preprocess(case: "png"), ImagingBench.preprocess(case: "jpeg")]
        cases += [MetricsBench.pixel(), MetricsBench.image()]
        // Backbone forward and VTFusion head cases (BackboneBench.swift, HeadBench.swift; Scripts/bench_models.py).
        cases += BackboneBench.cases(quick: quick) + HeadBench.cases(quick: quick)
        // `detect`'s per-image time at the default operating point (InspectBench.swift; Swift only).
        cases += InspectBench.cases()
        return cases
    }
}
