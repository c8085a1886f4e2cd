import Foundation
import XCTest
import Backbones
import Tensor
import Tokenizers
@testable import VTFusion
import TestSupport

final class PromptLearnerTests: XCTestCase {
    func tinyLearner(seed: UInt64 = 0) -> PromptLearner {
        let text = TinyModels.textEncoder()
        var prompts = PromptConfig()
        prompts.templates = ["a photo of a {}.", "a close-up photo of the {}."]
        return PromptLearner(encoder: text.encoder, tokenizer: text.tokenizer, prompts: prompts, seed: seed)
    }

    func testContextReceivesGradientThroughFrozenTower() throws {
        let learner = tinyLearner()
        XCTAssertEqual(learner.namedParameters().map(\.0), ["context"])
        XCTAssertEqual(learner.context.shape, [4, 16])
        let e = try learner.embeddings(object: "bottle")
        // 7 normal / 5 abnormal states (cached ensemble) + 2 learned prompts per side.
        XCTAssertEqual(e.normal.shape, [9, 16])
        XCTAssertEqual(e.abnormal.shape, [7, 16])
        var rng = SeededRandom(seed: 9)
        let w = Tensor.randn([16], using: &rng)
        let loss = ((e.normal * w).sum() - (e.abnormal * w).sum())
        loss.backward()
        let g = try XCTUnwrap(learner.context.grad, "no gradient reached the context")
        XCTAssertEqual(g.shape, [4, 16])
        let norm = g.scalars.reduce(0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertGreaterThan(norm, 1e-6)
        // Rows of the learned prompts are unit vectors.
        let rows = e.normal.sliced(axis: 0, start: 7, end: 9).contiguous().scalars
        for r in 0..<2 {
            let n = rows[(r * 16)..<((r + 1) * 16)].reduce(0) { $0 + $1 * $1 }
            XCTAssertEqual(n, 1, accuracy: 1e-4)
        }
    }

    func testChangingContextChangesOnlyLearnedRows() throws {
        let learner = tinyLearner()
        let before = try noGrad { try learner.embeddings(object: "screw") }
        // A random change (a uniform shift would vanish in the tower's layer norms).
        var rng = SeededRandom(seed: 4)
        let bumped = learner.context.detached() + Tensor.randn(learner.context.shape, std: 0.5, using: &rng)
        try learner.loadContext(bumped)
        let after = try noGrad { try learner.embeddings(object: "screw") }
        assertClose(after.normal.sliced(axis: 0, start: 0, end: 7).contiguous(),
                    before.normal.sliced(axis: 0, start: 0, end: 7).contiguous(), atol: 0, rtol: 0, "cached rows")
        let diff = zip(after.normal.sliced(axis: 0, start: 7, end: 9).contiguous().scalars,
                       before.normal.sliced(axis: 0, start: 7, end: 9).contiguous().scalars).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(diff, 1e-4)
        XCTAssertThrowsError(try learner.loadContext(Tensor.zeros([3, 16])))
    }

    func testLearnedPromptsPutPlaceholdersFirst() {
        let learner = tinyLearner()
        let p = learner.learnedPrompts(object: "cable")
        XCTAssertEqual(p.normal, ["X X X X a photo of a cable.", "X X X X a photo of a flawless cable."])
        XCTAssertEqual(p.abnormal, ["X X X X a photo of a damaged cable.", "X X X X a photo of a broken cable."])
    }

    /// MiniLM (real weights, skipped without test data): the placeholder is one WordPiece at positions 1...4.
    func testMiniLMPromptLearnerGradient() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".cache/testdata/minilm")
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.safetensors").path) else {
            throw XCTSkip("MiniLM test data missing: run Scripts/setup-test-data.sh")
        }
        let text = try ModelLoader.textEncoder("minilm-l6", directory: dir)
        var prompts = PromptConfig()
        prompts.templates = ["a photo of a {}."]
        let learner = PromptLearner(encoder: text.encoder, tokenizer: text.tokenizer, prompts: prompts)
        let e = try learner.embeddings(object: "bottle")
        XCTAssertEqual(e.normal.shape, [9, 384])
        (e.abnormal.sum() - e.normal.sum()).backward()
        let g = try XCTUnwrap(learner.context.grad)
        XCTAssertGreaterThan(g.scalars.map(abs).max()!, 0)
    }

    func testBackboneSpecRegistry() throws {
        let d = try BackboneSpec.named("dinov2-s-imgfocus")
        XCTAssertEqual(d.taps, [3, 6, 9, 12])
        XCTAssertEqual(d.gridSide, 16)
        XCTAssertEqual(d.mean, [0.485, 0.456, 0.406])
        let l = try BackboneSpec.named("clip-l14-336", imageSize: 520)
        XCTAssertEqual(l.imageSize, 518)
        XCTAssertEqual(l.taps, [6, 12, 18, 24])
        XCTAssertEqual(BackboneSpec.evenlySpacedTaps(4, depth: 24), [6, 12, 18, 24])
        XCTAssertThrowsError(try BackboneSpec.named("resnet50")) { error in
            XCTAssertTrue("\(error)".contains("dinov2-s-imgfocus"))
        }
        XCTAssertEqual(VTFusionPipeline.decoderStages(grid: 16, imageSize: 224), 2)
        XCTAssertEqual(VTFusionPipeline.decoderStages(grid: 8, imageSize: 64), 1)
        XCTAssertEqual(TrainingSource.objectName(forCategory: "c03_fabric_knit"), "fabric knit")
        XCTAssertEqual(TrainingSource.objectName(forCategory: "screw"), "screw")
    }
}
