import Dispatch
import Foundation
import Imaging
import Tensor

/// One category to train on: normal images and (optionally) real anomalies with masks.
public struct TrainingSource: Sendable {
    public var name: String
    /// Object name used in the prompts ("object" when unknown).
    public var object: String
    public var normalImages: [URL]
    /// Real anomalous images with their ground-truth masks.
    public var anomalies: [(image: URL, mask: URL)]

    public init(name: String, object: String, normalImages: [URL], anomalies: [(image: URL, mask: URL)] = []) {
        self.name = name; self.object = object; self.normalImages = normalImages; self.anomalies = anomalies
    }

    /// A readable object name from a category folder name: a benchmark prefix `c00_` is dropped and
    /// underscores become spaces (`"c03_fabric_knit"` -> `"fabric knit"`, `"screw"` -> `"screw"`).
    public static func objectName(forCategory name: String) -> String {
        var s = Substring(name)
        if s.count > 4, s.first == "c", s.dropFirst().prefix(2).allSatisfy(\.isNumber), s.dropFirst(3).first == "_" {
            s = s.dropFirst(4)
        }
        let words = s.split { $0 == "_" || $0 == "-" }.joined(separator: " ")
        return words.isEmpty ? "object" : words
    }
}

/// How the frozen part of the training data is prepared.
public struct TrainingDataOptions: Sendable {
    /// Synthetic anomaly variants made (once) from every normal image.
    public var syntheticPerImage = 4
    /// Use real anomalies with masks when the sources have them.
    public var useRealAnomalies = true
    /// Texture folders for the synthesizer (missing ones are ignored; none -> grid-shuffle fill only).
    public var textureDirectories: [String] = TextureLibrary.gimpPatternDirectories
    /// Side of the stored masks (the head's output resolution is enough; masks are box-averaged).
    public var maskSize = 64
    public var seed: UInt64 = 0
    public init() {}
}

/// A category's cached features: everything the episodes draw from, in memory.
public final class CachedCategory {
    public let name: String
    public let object: String
    /// Features of the normal images (`n` in the batch axis).
    public let normal: FeatureSet
    /// Features of the synthetic variants and, per variant, the index of its normal source image.
    public let synthetic: FeatureSet?
    public let syntheticSource: [Int]
    /// Masks `[maskSize, maskSize]` of the synthetic variants, soft in [0, 1].
    public let syntheticMasks: [Tensor]
    /// Features and masks of real anomalies.
    public let real: FeatureSet?
    public let realMasks: [Tensor]

    init(name: String, object: String, normal: FeatureSet, synthetic: FeatureSet?, syntheticSource: [Int],
         syntheticMasks: [Tensor], real: FeatureSet?, realMasks: [Tensor]) {
        self.name = name; self.object = object; self.normal = normal; self.synthetic = synthetic
        self.syntheticSource = syntheticSource; self.syntheticMasks = syntheticMasks; self.real = real
        self.realMasks = realMasks
    }

    public var normalCount: Int { normal.batchSize }
    public var syntheticCount: Int { syntheticSource.count }
    public var realCount: Int { realMasks.count }
    /// Bytes of cached features.
    public var byteCount: Int { normal.byteCount + (synthetic?.byteCount ?? 0) + (real?.byteCount ?? 0) }
}

/// The frozen training data: backbone features of every normal image, of a fixed pool of synthetic
/// anomalies made from them, and of the real anomalies, computed once.
public final class TrainingData {
    public let categories: [CachedCategory]
    public let maskSize: Int

    public init(categories: [CachedCategory], maskSize: Int) {
        self.categories = categories
        self.maskSize = maskSize
    }

    public var byteCount: Int { categories.reduce(0) { $0 + $1.byteCount } }
    public var imageCount: Int { categories.reduce(0) { $0 + $1.normalCount + $1.syntheticCount + $1.realCount } }

    /// Decodes, synthesizes and extracts features for `sources`. `log` receives one line per category.
    public static func build(sources: [TrainingSource], extractor: FeatureExtractor, options: TrainingDataOptions,
                             log: ((String) -> Void)? = nil) throws -> TrainingData {
        let present = options.textureDirectories.filter { FileManager.default.fileExists(atPath: $0) }
        let textures = present.isEmpty ? nil : try? TextureLibrary(directories: present)
        let synthesizer = AnomalySynthesizer(textures: textures)
        let pre = extractor.preprocessor
        var cached: [CachedCategory] = []
        for (c, source) in sources.enumerated() {
            guard source.normalImages.count >= 2 else {
                throw PipelineError.noData("category '\(source.name)' needs at least 2 normal images (has \(source.normalImages.count))")
            }
            let t0 = Date()
            let normals = try source.normalImages.map { try pre.load(path: $0.path) }
            let normal = try extractor.features(prepared: normals)
            // Synthetic variants, made in parallel (deterministic per image and variant).
            var variants = [[(Image, Image)]](repeating: [], count: normals.count)
            if options.syntheticPerImage > 0 {
                let lock = NSLock()
                DispatchQueue.concurrentPerform(iterations: normals.count) { i in
                    let base = normals[i].toFloat()
                    var made: [(Image, Image)] = []
                    for v in 0..<options.syntheticPerImage {
                        let seed = options.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(c) &* 1_000_003 &+ UInt64(i * 64 + v)
                        let s = synthesizer.synthesize(base, seed: seed)
                        if s.isAnomalous { made.append((s.image, s.mask)) }
                    }
                    lock.lock(); variants[i] = made; lock.unlock()
                }
            }
            var source_: [Int] = [], images: [Tensor] = [], masks: [Tensor] = []
            for (i, list) in variants.enumerated() {
                for (img, mask) in list {
                    source_.append(i)
                    images.append(pre.tensor(img))
                    masks.append(Self.downsample(mask.samples, side: pre.imageSize, to: options.maskSize))
                }
            }
            let synthetic = images.isEmpty ? nil : try extractor.features(images)
            var real: FeatureSet? = nil, realMasks: [Tensor] = []
            if options.useRealAnomalies && !source.anomalies.isEmpty {
                let imgs = try source.anomalies.map { try pre.tensor(pre.load(path: $0.image.path)) }
                realMasks = try source.anomalies.map { a in
                    Self.downsample(try pre.loadMask(path: a.mask.path).map(Float.init), side: pre.imageSize, to: options.maskSize)
                }
                real = try extractor.features(imgs)
            }
            let cat = CachedCategory(name: source.name, object: source.object, normal: normal, synthetic: synthetic,
                                     syntheticSource: source_, syntheticMasks: masks, real: real, realMasks: realMasks)
            cached.append(cat)
            log?(String(format: "features %@: %d normal, %d synthetic, %d real anomalies (%.1f s, %.1f MB)",
                        source.name, cat.normalCount, cat.syntheticCount, cat.realCount,
                        Date().timeIntervalSince(t0), Double(cat.byteCount) / 1e6))
        }
        guard !cached.isEmpty else { throw PipelineError.noData("no categories") }
        return TrainingData(categories: cached, maskSize: options.maskSize)
    }

    /// Box-averages a `side x side` mask to `size x size`: `[size, size]`.
    static func downsample(_ values: [Float], side: Int, to size: Int) -> Tensor {
        let t = Tensor(shape: [1, side, side], data: values)
        return VTFusionLoss.resizeMasks(t, to: (size, size)).reshaped([size, size]).contiguous()
    }
}
