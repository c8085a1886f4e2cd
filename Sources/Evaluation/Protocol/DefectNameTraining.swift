import Foundation
import Imaging
import Inspection
import NN
import Tensor
import VTFusion

/// Trains and measures a ``DefectNamer`` on a benchmark's labelled defect types: descriptors of the
/// ground-truth defect box of every defective test image (references: the first `k` good training images
/// of its category), the category's text prototypes, softmax over the benchmark's defect names.
public enum DefectNameTraining {
    public struct Sample {
        public var descriptor: Tensor
        public var label: Int
        public var category: String
    }

    /// Per category: `object` for the prompts and its samples.
    public struct CategorySamples {
        public var category: String
        public var object: String
        public var samples: [Sample]
    }

    /// The readable name of a benchmark defect type (`color_shift` -> `color shift`).
    public static func name(ofDefectType t: String) -> String { t.replacingOccurrences(of: "_", with: " ") }

    /// Descriptors of every defective test image with a mask. `names` are the classes (readable names).
    public static func samples(categories: [DatasetCategory], extractor: MultiScaleExtractor, namer: DefectNamer,
                               names: [String], references k: Int = 2,
                               progress: ((String) -> Void)? = nil) throws -> [CategorySamples] {
        var out: [CategorySamples] = []
        let layers = [namer.scale: [namer.layer]]
        for category in categories {
            let refs = try category.trainGood.prefix(k).map { try ImageCodec.loadRGB(path: $0.path) }
            guard !refs.isEmpty else { continue }
            let refFeatures = try extractor.features(refs, layersByScale: layers)
            let mean = noGrad {
                Tensor.stack(refFeatures.map { $0.at(namer.scale).tokens(namer.layer).mean(axis: 0) }, axis: 0).mean(axis: 0).contiguous()
            }
            var samples: [Sample] = []
            for s in category.test where s.isAnomalous {
                guard let maskPath = s.maskPath, let label = names.firstIndex(of: name(ofDefectType: s.defectType)) else { continue }
                let mask = try ImageCodec.decode(path: maskPath.path).gray()
                guard let box = boundingBox(mask) else { continue }
                let f = try extractor.features([try ImageCodec.loadRGB(path: s.imagePath.path)], layersByScale: layers)[0]
                samples.append(Sample(descriptor: namer.descriptor(f, box: box, referenceMean: mean), label: label, category: category.name))
            }
            out.append(CategorySamples(category: category.name, object: TrainingSource.objectName(forCategory: category.name), samples: samples))
            progress?("\(category.name): \(samples.count) defects")
        }
        return out
    }

    /// Bounding box of the nonzero pixels.
    static func boundingBox(_ mask: Image8) -> (x: Int, y: Int, width: Int, height: Int)? {
        var (x0, y0, x1, y1) = (Int.max, Int.max, -1, -1)
        for y in 0..<mask.height {
            for x in 0..<mask.width where mask.samples[y * mask.width + x] > 0 {
                x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
            }
        }
        return x1 < 0 ? nil : (x0, y0, x1 - x0 + 1, y1 - y0 + 1)
    }

    /// Full-batch AdamW on the cross-entropy over `names`; `prototypes[category]` are unit-length `[N, D]`.
    /// Returns the loss of each epoch.
    public static func train(_ namer: DefectNamer, data: [CategorySamples], prototypes: [String: Tensor],
                             epochs: Int = 300, learningRate: Float = 3e-3, weightDecay: Float = 1e-2) -> [Float] {
        let optimizer = AdamW(namedParameters: namer.adapter.namedParameters(), learningRate: learningRate, weightDecay: weightDecay)
        let groups = data.filter { !$0.samples.isEmpty }
        let total = Float(groups.reduce(0) { $0 + $1.samples.count })
        var losses: [Float] = []
        for _ in 0..<epochs {
            optimizer.zeroGrad()
            var loss: Tensor? = nil
            for g in groups {
                let x = Tensor.stack(g.samples.map(\.descriptor), axis: 0)
                let l = crossEntropy(namer.logits(x, prototypes: prototypes[g.category]!), g.samples.map(\.label), reduction: .sum)
                loss = loss.map { $0 + l } ?? l
            }
            guard let sum = loss else { break }
            let mean = sum * (1 / total)
            mean.backward()
            optimizer.step()
            losses.append(mean.item)
        }
        return losses
    }

    public struct Accuracy: Codable {
        public var names: [String]
        public var samples: Int
        public var top1: Double
        public var top3: Double
        public var chanceTop1: Double
        public var chanceTop3: Double
        /// `confusion[true][predicted]` counts.
        public var confusion: [[Int]]
    }

    public static func evaluate(_ namer: DefectNamer, data: [CategorySamples], prototypes: [String: Tensor], names: [String]) -> Accuracy {
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: names.count), count: names.count)
        var n = 0, hit1 = 0, hit3 = 0
        for g in data {
            for s in g.samples {
                let ranked = namer.rank(s.descriptor, prototypes: prototypes[g.category]!, names: names)
                let top = ranked.prefix(3).map(\.name)
                n += 1
                if top.first == names[s.label] { hit1 += 1 }
                if top.contains(names[s.label]) { hit3 += 1 }
                confusion[s.label][names.firstIndex(of: top[0])!] += 1
            }
        }
        let c = Double(names.count)
        return Accuracy(names: names, samples: n, top1: Double(hit1) / Double(max(n, 1)), top3: Double(hit3) / Double(max(n, 1)),
                        chanceTop1: 1 / c, chanceTop3: min(1, 3 / c), confusion: confusion)
    }

    /// The accuracy and the confusion table as Markdown.
    public static func markdown(_ a: Accuracy, title: String) -> String {
        var s = "### \(title)\n\n"
        s += String(format: "%d defects; top-1 %.1f %% (chance %.1f %%), top-3 %.1f %% (chance %.1f %%)\n\n",
                    a.samples, 100 * a.top1, 100 * a.chanceTop1, 100 * a.top3, 100 * a.chanceTop3)
        s += "| true \\ predicted | " + a.names.joined(separator: " | ") + " |\n"
        s += "|---|" + a.names.map { _ in "---|" }.joined() + "\n"
        for (i, row) in a.confusion.enumerated() {
            s += "| \(a.names[i]) | " + row.map(String.init).joined(separator: " | ") + " |\n"
        }
        return s
    }
}
