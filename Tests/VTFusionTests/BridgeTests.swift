import XCTest
import Backbones
import Tensor
@testable import VTFusion

/// The seams to the backbones target, with stub models.
final class BridgeTests: XCTestCase {
    final class StubBackbone: Backbone {
        let imageSize = 32, patchSize = 8, layerCount = 4, tokenWidth = 12
        let mean: [Float] = [0, 0, 0], std: [Float] = [1, 1, 1]
        func features(images: Tensor, layers: [Int]) throws -> (patchTokens: [Tensor], classToken: Tensor) {
            let b = images.shape[0], n = (images.shape[2] / 8) * (images.shape[3] / 8)
            return (layers.map { Tensor(shape: [b, n, 12], repeating: Float($0)) }, Tensor.zeros([b, 12]))
        }
    }

    final class StubText: TextEncoder {
        let embeddingWidth = 4, outputWidth = 8, maxLength = 8
        func encode(ids: [[Int]], attentionMask: [[Int]]?) throws -> Tensor {
            Tensor(shape: [ids.count, 8], data: ids.flatMap { row in (0..<8).map { Float(row.count + $0) } })
        }
        func tokenEmbeddings(ids: [[Int]]) throws -> Tensor { Tensor.zeros([ids.count, ids[0].count, 4]) }
        func encode(embeddings: Tensor, ids: [[Int]], attentionMask: [[Int]]?) throws -> Tensor { try encode(ids: ids, attentionMask: nil) }
    }

    func testFeatureExtractionAndTextBridgeFeedTheHead() throws {
        let f = try FeatureSet.extract(from: StubBackbone(), images: Tensor.zeros([2, 3, 32, 24]), taps: [2, 4])
        XCTAssertEqual(f.grid.0, 4)
        XCTAssertEqual(f.grid.1, 3)
        XCTAssertEqual(f.patches[1].scalars.first, 4)
        let prompts = TextEncoderPrompts(encoder: StubText()) { texts in
            (texts.map { t in t.split(separator: " ").map { _ in 1 } }, nil)
        }
        let text = try TextEmbeddings.encode(PromptConfig(), object: "pill", with: prompts)
        XCTAssertEqual(text.normal.shape, [28, 8])
        let norms = text.abnormal.scalars.chunked(8).map { $0.reduce(0) { $0 + $1 * $1 } }
        for n in norms { XCTAssertEqual(n, 1, accuracy: 1e-5) }
        let model = try VTFusionModel(config: tinyConfig())
        let q = randomFeatures(tinyConfig(), batch: 1, seed: 1)
        XCTAssertEqual(noGrad { model(q, text: text, references: nil) }.pixelLogits.shape, [1, 16, 16])
    }
}

private extension Array {
    func chunked(_ n: Int) -> [[Element]] { stride(from: 0, to: count, by: n).map { Array(self[$0..<Swift.min($0 + n, count)]) } }
}
