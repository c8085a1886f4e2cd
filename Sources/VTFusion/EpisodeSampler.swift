import Foundation
import Tensor

/// Draws training episodes from cached features, deterministically from (seed, step).
///
/// An episode picks one category, `queriesPerEpisode` queries (normal, synthetic anomaly or real anomaly)
/// and `k` references (`k = 0` with `zeroShotProbability`, else uniform in `1...maxShots`) among the category's normal images that are not a
/// query or the source of a synthetic query.
public struct EpisodeSampler: Sendable {
    public var queriesPerEpisode = 4
    public var maxShots = 4
    /// Probability of a zero-shot episode (`k = 0`); the rest draw `k` uniformly in `1...maxShots`.
    public var zeroShotProbability: Float = 0.1
    /// Probability that a query is a normal image.
    public var normalProbability: Float = 0.3
    /// Probability that an anomalous query is a real anomaly (when the category has some).
    public var realProbability: Float = 0.4
    /// Synthetic anomalies as queries (the ablation switch `synthetic_anomalies`).
    public var useSynthetic = true

    public init() {}

    /// A sampled episode and the category it came from.
    public struct Draw {
        public let episode: Episode
        public let category: CachedCategory
        /// Query kinds, `"normal"`, `"synthetic"` or `"real"`.
        public let kinds: [String]
        public let shots: Int
    }

    public func draw(step: Int, seed: UInt64, data: TrainingData) -> Draw {
        var rng = SeededRandom(seed: (seed ^ 0xE915_0DE5) &+ UInt64(step) &* 0x9E37_79B9_7F4A_7C15)
        let cat = data.categories[rng.int(data.categories.count)]
        var used = Set<Int>()
        var parts: [FeatureSet] = [], masks: [Tensor] = [], kinds: [String] = []
        let m = data.maskSize
        let canSynthetic = useSynthetic && cat.syntheticCount > 0, canReal = cat.realCount > 0
        for _ in 0..<max(queriesPerEpisode, 1) {
            var kind = "normal"
            if rng.nextFloat() >= normalProbability && (canSynthetic || canReal) {
                kind = canReal && (!canSynthetic || rng.nextFloat() < realProbability) ? "real" : "synthetic"
            }
            // Keep at least one normal image free for references.
            if kind == "normal" && used.count + 1 >= cat.normalCount { kind = canSynthetic ? "synthetic" : (canReal ? "real" : "normal") }
            switch kind {
            case "synthetic":
                let j = rng.int(cat.syntheticCount)
                parts.append(cat.synthetic!.gather([j])); masks.append(cat.syntheticMasks[j])
                used.insert(cat.syntheticSource[j])
            case "real":
                let j = rng.int(cat.realCount)
                parts.append(cat.real!.gather([j])); masks.append(cat.realMasks[j])
            default:
                let free = (0..<cat.normalCount).filter { !used.contains($0) }
                let i = free[rng.int(free.count)]
                used.insert(i)
                parts.append(cat.normal.gather([i])); masks.append(Tensor.zeros([m, m]))
            }
            kinds.append(kind)
        }
        var pool = (0..<cat.normalCount).filter { !used.contains($0) }
        let zero = maxShots < 1 || rng.nextFloat() < zeroShotProbability
        let k = min(zero ? 0 : 1 + rng.int(maxShots), pool.count)
        for i in 0..<k { pool.swapAt(i, i + rng.int(pool.count - i)) }
        let refs = k == 0 ? nil : cat.normal.gather(Array(pool[0..<k]))
        let episode = Episode(query: FeatureSet.concat(parts), references: refs, masks: Tensor.stack(masks, axis: 0))
        return Draw(episode: episode, category: cat, kinds: kinds, shots: k)
    }
}
