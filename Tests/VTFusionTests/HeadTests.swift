import Foundation
import XCTest
import NN
import Tensor
@testable import VTFusion
import TestSupport

final class HeadTests: XCTestCase {
    private let text = try! TextEmbeddings.encode(PromptConfig(), with: RandomTextTower(width: 8, seed: 1))

    func testParameterKeysFollowPyTorchNames() throws {
        let keys = Set(try VTFusionModel(config: tinyConfig()).namedParameters().map(\.0))
        for key in ["image_adapter.layers.1.fc2.bias", "image_adapter.cls_proj.weight", "text_adapter.adapter.proj.weight",
                    "fusion.0.res_proj.weight", "fusion.1.text_to_img.out_proj.bias", "seg_net.proj.0.weight",
                    "seg_net.stem.weight", "seg_net.blocks.1.bias", "seg_net.head.weight", "image_head.fc.weight"] {
            XCTAssertTrue(keys.contains(key), key)
        }
    }

    func testEveryAblationRunsWithFixedOutputShapes() throws {
        let features = randomFeatures(tinyConfig(), batch: 2, seed: 1)
        let refFeatures = randomFeatures(tinyConfig(), batch: 1, seed: 2)
        var maps: [[Float]] = []
        for variant in 0..<5 {
            var c = tinyConfig()
            switch variant {
            case 1: c.ablation.text = false
            case 2: c.ablation.reference = false
            case 3: c.ablation.fusion = false
            case 4: c.ablation.segmentationNet = false
            default: break
            }
            let model = try VTFusionModel(config: c, seed: 4)
            let out = noGrad { model(features, text: text, references: model.referenceMemory(from: refFeatures)) }
            XCTAssertEqual(out.pixelLogits.shape, [2, 16, 16], "variant \(variant)")
            XCTAssertEqual(out.imageLogits.shape, [2])
            XCTAssertEqual(out.textLogits.count, c.ablation.text ? 2 : 0)
            XCTAssertEqual(out.referenceDistances.count, c.ablation.reference ? 2 : 0)
            XCTAssertTrue(out.pixelLogits.scalars.allSatisfy(\.isFinite))
            maps.append(out.pixelLogits.scalars)
        }
        for v in 1..<5 { XCTAssertNotEqual(maps[v], maps[0], "ablation \(v) should change the output") }
        // k = 0 (no references) and no text at all both run.
        let model = try VTFusionModel(config: tinyConfig(), seed: 4)
        let zeroShot = noGrad { model(features, text: text, references: nil) }
        XCTAssertEqual(zeroShot.referenceDistances.count, 0)
        let bare = noGrad { model(features, text: nil, references: nil) }
        XCTAssertEqual(bare.pixelLogits.shape, [2, 16, 16])
    }

    func testNearestReferenceDistanceAndResidual() {
        let mem = ReferenceMemory(layers: [Tensor(shape: [3, 2], data: [1, 0, 0, 1, -1, 0])])
        let s: Float = 0.6, c: Float = 0.8
        let patches = Tensor(shape: [1, 2, 2], data: [0, 1, c, s])  // equals ref 1; nearest ref 0 at cos 0.8
        let (d, r) = mem.nearest(patches, layer: 0)
        XCTAssertEqual(d.shape, [1, 2])
        XCTAssertEqual(d.scalars[0], 0, accuracy: 1e-6)
        XCTAssertEqual(d.scalars[1], 1 - c, accuracy: 1e-6)
        XCTAssertEqual(r.scalars, [0, 0, c - 1, s])
    }

    func testFrozenKNNDistanceIsTheBaselineDistanceOnRawTokens() {
        // Raw (frozen) reference tokens; the query tokens are not normalised (cosine is scale-free).
        let raw = Tensor(shape: [2, 2], data: [1, 0, 0.6, 0.8])
        let mem = ReferenceMemory(layers: [Tensor(shape: [1, 2], data: [1, 0])], raw: [raw])
        let q = Tensor(shape: [1, 3, 2], data: [0, 3, -2, 0, 0.8, 0.6])
        let d = mem.knnDistance(q, layer: 0).scalars
        XCTAssertEqual(d[0], 0.2, accuracy: 1e-6)   // nearest: (0.6, 0.8) at cos 0.8
        XCTAssertEqual(d[1], 1.6, accuracy: 1e-6)   // opposite of (1, 0) -> best cos -0.6 with (0.6, 0.8)
        XCTAssertEqual(d[2], 1 - 0.96, accuracy: 1e-6)
        // Without raw tokens (an old saved memory) the channel is zero.
        XCTAssertEqual(ReferenceMemory(layers: [raw]).knnDistance(q, layer: 0).scalars, [0, 0, 0])
    }

    func testGridAugmentationRotatesAndFlips() {
        // 2x2 grid [[1, 2], [3, 4]] with one channel.
        let x = Tensor(shape: [1, 4, 1], data: [1, 2, 3, 4])
        let a = ReferenceMemory.augmentGrid(x, grid: (2, 2))
        XCTAssertEqual(a.shape, [6, 4, 1])
        let views = (0..<6).map { a.selecting(axis: 0, index: $0).scalars }
        XCTAssertEqual(views[0], [1, 2, 3, 4])
        XCTAssertEqual(views[1], [2, 1, 4, 3])  // horizontal flip
        XCTAssertEqual(views[2], [3, 4, 1, 2])  // vertical flip
        XCTAssertEqual(views[3], [3, 1, 4, 2])  // 90 degrees clockwise
        XCTAssertEqual(views[4], [4, 3, 2, 1])  // 180 degrees
        XCTAssertEqual(views[5], [2, 4, 1, 3])  // 270 degrees
    }

    func testReferenceMemorySaveLoadAndErrors() throws {
        let dir = try temporaryDirectory(self)
        let model = try VTFusionModel(config: tinyConfig())
        let mem = noGrad { model.referenceMemory(from: randomFeatures(tinyConfig(), batch: 2, seed: 3), augment: true, object: "screw") }
        XCTAssertEqual(mem.count, 2 * 6 * 16)
        let url = dir.appendingPathComponent("refs.safetensors")
        try mem.save(to: url)
        let back = try ReferenceMemory.load(from: url)
        XCTAssertEqual(back.objectName, "screw")
        for l in 0..<2 { XCTAssertEqual(back.layers[l].scalars, mem.layers[l].scalars) }
        let detector = Detector(model: try VTFusionModel(config: { var c = tinyConfig(); c.jointWidth = 8; return c }()), text: nil)
        XCTAssertThrowsError(try detector.loadReferences(from: url)) { error in
            guard case VTFusionError.referenceMismatch = error else { return XCTFail("\(error)") }
        }
        let bad = dir.appendingPathComponent("bad.safetensors")
        try Safetensors.write(["x": Tensor.zeros([2])], to: bad)
        XCTAssertThrowsError(try ReferenceMemory.load(from: bad))
    }

    func testCheckpointResumeContinuesExactly() throws {
        let dir = try temporaryDirectory(self)
        var config = tinyConfig()
        config.training.referenceDropProbability = 0.5
        config.training.totalSteps = 10
        func episode(_ seed: UInt64) -> Episode {
            let q = randomFeatures(config, batch: 2, seed: seed)
            let masks = Tensor.zeros([2, 32, 32])
            for i in 100..<300 { masks.pointer[i] = 1 }
            return Episode(query: q, references: randomFeatures(config, batch: 1, seed: seed + 100), masks: masks)
        }
        let a = VTFusionTrainer(model: try VTFusionModel(config: config, seed: 1), text: .fixed(text))
        for s in 0..<3 { a.step(episode(UInt64(s))) }
        try a.saveCheckpoint(to: dir)
        for s in 3..<5 { a.step(episode(UInt64(s))) }

        let b = VTFusionTrainer(model: try VTFusionModel(config: config, seed: 2), text: .fixed(text))
        try b.resume(from: dir)
        XCTAssertEqual(b.step, 3)
        for s in 3..<5 { b.step(episode(UInt64(s))) }
        let pa = a.model.stateDict(), pb = b.model.stateDict()
        for (key, t) in pa { assertClose(pb[key]!, t, atol: 1e-6, rtol: 1e-6, key) }

        // A checkpoint for other weights is refused when the caller names the backbone hash.
        var tagged = config
        tagged.backboneSHA256 = "abc"
        try Checkpoint.save(config: tagged, parameters: a.model.namedParameters(), step: 5, optimizerState: nil, to: dir)
        XCTAssertThrowsError(try Checkpoint.load(from: dir, backboneSHA256: "def")) { error in
            XCTAssertEqual(error as? VTFusionError, .backboneMismatch(expected: "def", found: "abc"))
        }
        XCTAssertNoThrow(try Checkpoint.load(from: dir, backboneSHA256: "abc"))
    }

    func testDetectorFromCheckpointInspectsInBatches() throws {
        let dir = try temporaryDirectory(self)
        let model = try VTFusionModel(config: tinyConfig(), seed: 8)
        try Checkpoint.save(config: model.config, parameters: model.namedParameters(), step: 0, optimizerState: nil, to: dir)
        let detector = try Detector(checkpoint: dir, encoder: RandomTextTower(width: 8, seed: 1), object: "bottle")
        detector.fitReferences(randomFeatures(tinyConfig(), batch: 2, seed: 9))
        let query = randomFeatures(tinyConfig(), batch: 3, seed: 10)
        let whole = detector.inspect(query, batchSize: 3), single = detector.inspect(query, batchSize: 1)
        XCTAssertEqual(whole.count, 3)
        for (x, y) in zip(whole, single) {
            XCTAssertEqual(x.anomalyMap.shape, [32, 32])
            XCTAssertTrue(x.anomalyMap.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
            XCTAssertTrue((0...1).contains(x.score))
            XCTAssertEqual(Set(x.branchMaps.keys), ["text", "reference", "fused"])
            XCTAssertEqual(x.branchMaps["reference"]!.shape, [4, 4])
            assertClose(y.anomalyMap, x.anomalyMap, atol: 1e-5, rtol: 1e-5)
            XCTAssertEqual(x.score, y.score, accuracy: 1e-5)
        }
        // Same weights as the source model: same scores as running the model directly.
        let direct = noGrad { model(query, text: detector.text, references: detector.references) }.imageProbability.scalars
        XCTAssertEqual(whole.map(\.score), direct)
        XCTAssertThrowsError(try Detector(checkpoint: dir.appendingPathComponent("missing"), encoder: nil))
    }

    func testConfigRoundTripsAsSnakeCaseJSONAndValidates() throws {
        var c = tinyConfig()
        c.backboneSHA256 = "deadbeef"
        c.ablation.fusion = false
        let data = try VTFusionConfig.encoder.encode(c)
        let json = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(json.contains("\"backbone_sha256\" : \"deadbeef\""))
        XCTAssertTrue(json.contains("\"segmentation_net\""))
        XCTAssertEqual(try VTFusionConfig.decoder.decode(VTFusionConfig.self, from: data), c)
        var bad = c
        bad.decoderChannels = [4]
        XCTAssertThrowsError(try bad.validate())  // 4x4 output < 1/4 of 32
        bad = c
        bad.fusionHeads = 3
        XCTAssertThrowsError(try VTFusionModel(config: bad))
        XCTAssertEqual(PromptConfig().prompts(abnormal: true, object: "nut").first, "a photo of a damaged nut.")
        XCTAssertEqual(PromptConfig().prompts(abnormal: false).count, 7 * 4)
    }

    func testLossesAgainstClosedForms() {
        let x = Tensor(shape: [4], data: [-2, -0.5, 0.5, 3]), t = Tensor(shape: [4], data: [0, 1, 0.5, 1])
        // gamma = 0 focal is binary cross-entropy.
        XCTAssertEqual(sigmoidFocalLoss(x, t, gamma: 0).item, binaryCrossEntropyWithLogits(x, t).item, accuracy: 1e-6)
        let bce = zip(x.scalars, t.scalars).map { x, t -> Float in
            let p = 1 / (1 + expf(-x)); return -(t * logf(p) + (1 - t) * logf(1 - p))
        }.reduce(0, +) / 4
        XCTAssertEqual(binaryCrossEntropyWithLogits(x, t).item, bce, accuracy: 1e-5)
        // Focal down-weights confident predictions: gamma 2 below gamma 0.
        XCTAssertLessThan(sigmoidFocalLoss(x, t, gamma: 2).item, sigmoidFocalLoss(x, t, gamma: 0).item)
        // Dice of a near-perfect prediction is near zero, of an inverted one near 2.
        let mask = Tensor(shape: [4], data: [0, 1, 1, 0])
        XCTAssertLessThan(binaryDiceLossWithLogits(mask * 40 - 20, mask).item, 0.01)
        XCTAssertGreaterThan(binaryDiceLossWithLogits(20 - mask * 40, mask).item, 1.55)  // (1 - 1/5) per channel
        // Box averaging of masks.
        let m = Tensor(shape: [1, 2, 4], data: [1, 1, 0, 0, 1, 0, 0, 0])
        XCTAssertEqual(VTFusionLoss.resizeMasks(m, to: (1, 2)).scalars, [0.75, 0])
    }
}
