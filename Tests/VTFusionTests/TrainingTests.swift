import XCTest
import Tensor
@testable import VTFusion
import TestSupport

/// Trains a tiny head on synthetic features with planted anomalies and checks held-out pixel AUROC.
final class TrainingTests: XCTestCase {
    /// Synthetic "texture" features: normal tokens are `base_l + noise`; anomalous tokens (a random
    /// 2x2 or 3x3 block of the 8x8 grid in half the images) add a shift of norm 4 in a random direction.
    struct Synth {
        let config: VTFusionConfig
        let bases: [Tensor]
        var rng: SeededRandom

        init(config: VTFusionConfig, seed: UInt64) {
            self.config = config
            rng = SeededRandom(seed: seed)
            var r = SeededRandom(seed: 1234)
            bases = config.layerWidths.map { Tensor.randn([$0], using: &r) }
        }

        /// Features and image-size masks `[B, H, W]` of `b` images (`anomalous[i]` plants a defect).
        mutating func batch(_ anomalous: [Bool]) -> (FeatureSet, Tensor) {
            let (h, w) = config.grid, (H, W) = (config.imageSize[0], config.imageSize[1])
            let b = anomalous.count, n = h * w
            var cells = [[Bool]](repeating: [Bool](repeating: false, count: n), count: b)
            for i in 0..<b where anomalous[i] {
                let s = 2 + rng.int(2), y0 = rng.int(h - s + 1), x0 = rng.int(w - s + 1)
                for y in y0..<(y0 + s) { for x in x0..<(x0 + s) { cells[i][y * w + x] = true } }
            }
            var patches: [Tensor] = []
            for (l, c) in config.layerWidths.enumerated() {
                let t = Tensor.randn([b, n, c], std: 0.7, using: &rng)
                let base = bases[l].scalars
                for i in 0..<b {
                    var dir = (0..<c).map { _ in rng.normal() }
                    let norm = dir.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    dir = dir.map { 4 * $0 / norm }
                    for p in 0..<n { for j in 0..<c {
                        t.pointer[(i * n + p) * c + j] += base[j] + (cells[i][p] ? dir[j] : 0)
                    } }
                }
                patches.append(t)
            }
            let masks = Tensor.zeros([b, H, W])
            let (ph, pw) = (H / h, W / w)
            for i in 0..<b { for y in 0..<H { for x in 0..<W where cells[i][(y / ph) * w + x / pw] {
                masks.pointer[(i * H + y) * W + x] = 1
            } } }
            let cls = Tensor.randn([b, config.classTokenWidth], using: &rng)
            return (FeatureSet(patches: patches, classToken: cls, grid: config.grid), masks)
        }
    }

    static func trainingConfig() -> VTFusionConfig {
        var c = VTFusionConfig()
        c.layerWidths = [8, 8]
        c.taps = [1, 2]
        c.classTokenWidth = 8
        c.textWidth = 8
        c.jointWidth = 16
        c.adapterHidden = 8
        c.fusionHeads = 2
        c.evidenceProjection = 2
        c.decoderChannels = [8, 8]
        c.imageSize = [32, 32]
        c.patchSize = 4
        c.training.learningRate = 1e-2
        c.training.totalSteps = 250
        c.training.referenceDropProbability = 0.2
        c.prompts.templates = ["a photo of a {}."]
        return c
    }

    func testTrainingRaisesHeldOutPixelAUROCWellAboveChance() throws {
        let config = Self.trainingConfig()
        let model = try VTFusionModel(config: config, seed: 3)
        let text = try TextEmbeddings.encode(config.prompts, object: "texture", with: RandomTextTower(width: 8, seed: 5))
        var synth = Synth(config: config, seed: 11)
        let (heldOut, heldMasks) = synth.batch([true, true, true, true, false, false])
        let (refFeatures, _) = synth.batch([false, false])
        let detector = Detector(model: model, text: text)
        func heldOutAUROC() -> Double {
            detector.fitReferences(refFeatures)
            let results = detector.inspect(heldOut, batchSize: 4)
            return auroc(scores: results.flatMap { $0.anomalyMap.scalars }, labels: heldMasks.scalars.map { $0 > 0.5 })
        }
        let before = heldOutAUROC()
        // The untrained head already sees the training-free kNN evidence (residual formulation), so the gain
        // from training is measured zero-shot (k = 0), where only the learned branches can help.
        detector.references = nil
        let zeroShotBefore = auroc(scores: detector.inspect(heldOut, batchSize: 6).flatMap { $0.anomalyMap.scalars },
                                   labels: heldMasks.scalars.map { $0 > 0.5 })

        let trainer = VTFusionTrainer(model: model, text: .fixed(text))
        var first: Float = 0, last: Float = 0
        for s in 0..<config.training.totalSteps {
            let (query, masks) = synth.batch([true, true, false, s % 2 == 0])
            let (refs, _) = synth.batch([false, false])
            let loss = trainer.step(Episode(query: query, references: refs, masks: masks)).total.item
            if s < 10 { first += loss / 10 }
            if s >= config.training.totalSteps - 10 { last += loss / 10 }
        }
        let after = heldOutAUROC()
        XCTAssertLessThan(last, first * 0.7, "training loss should fall (first \(first), last \(last))")
        XCTAssertGreaterThan(after, 0.9, "held-out pixel AUROC after training (before: \(before))")
        XCTAssertGreaterThan(after, before - 0.01, "training must not spoil the reference evidence")

        // Zero-shot (k = 0) still works after training with reference dropout, above chance.
        detector.references = nil
        let zeroShot = detector.inspect(heldOut, batchSize: 6)
        let zsAUROC = auroc(scores: zeroShot.flatMap { $0.anomalyMap.scalars }, labels: heldMasks.scalars.map { $0 > 0.5 })
        XCTAssertGreaterThan(zsAUROC, 0.7)
        XCTAssertGreaterThan(zsAUROC, zeroShotBefore + 0.05, "training raises the zero-shot AUROC")
        print("VTFusion tiny training: loss \(first) -> \(last), pixel AUROC \(before) -> \(after), zero-shot \(zeroShotBefore) -> \(zsAUROC)")
        // Image scores: anomalous images (first four) above normal ones on average.
        detector.fitReferences(refFeatures)
        let scores = detector.inspect(heldOut).map(\.score)
        XCTAssertGreaterThan(scores[0..<4].reduce(0, +) / 4, scores[4..<6].reduce(0, +) / 2)
    }
}

/// Area under the ROC curve by the rank-sum (Mann-Whitney U) formula, ties counted half.
func auroc(scores: [Float], labels: [Bool]) -> Double {
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    var ranks = [Double](repeating: 0, count: scores.count)
    var i = 0
    while i < order.count {
        var j = i
        while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
        for k in i...j { ranks[order[k]] = Double(i + j) / 2 + 1 }
        i = j + 1
    }
    let pos = labels.filter { $0 }.count, neg = labels.count - pos
    guard pos > 0, neg > 0 else { return 0.5 }
    let rankSum = zip(ranks, labels).filter { $0.1 }.reduce(0) { $0 + $1.0 }
    return (rankSum - Double(pos * (pos + 1)) / 2) / Double(pos * neg)
}
