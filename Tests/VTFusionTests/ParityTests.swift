import Foundation
import XCTest
import NN
import Tensor
@testable import VTFusion

/// Forward pass and one AdamW step against the PyTorch reference (Scripts/make_method_fixtures.py).
final class ParityTests: XCTestCase {
    private func setUpModel() throws -> (VTFusionModel, [String: Tensor], [String: Tensor], FeatureSet, FeatureSet, TextEmbeddings) {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "method_meta", withExtension: "json", subdirectory: "Fixtures"))
        let meta = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let config = tinyConfig()
        XCTAssertEqual(meta["layer_widths"] as? [Int], config.layerWidths)
        XCTAssertEqual(meta["decoder_channels"] as? [Int], config.decoderChannels)
        XCTAssertEqual(meta["joint_width"] as? Int, config.jointWidth)
        let model = try VTFusionModel(config: config, seed: 99)
        try model.load(stateDict: try fixture("method_params"))  // strict: the key sets must be equal
        let inputs = try fixture("method_inputs")
        let outputs = try fixture("method_outputs")
        let layers = config.layerWidths.indices
        let query = FeatureSet(patches: layers.map { inputs["patches.\($0)"]! }, classToken: inputs["cls"]!, grid: config.grid)
        let refs = FeatureSet(patches: layers.map { inputs["refs.\($0)"]! }, classToken: inputs["ref_cls"]!, grid: config.grid)
        let text = TextEmbeddings(normal: inputs["normal"]!, abnormal: inputs["abnormal"]!)
        return (model, inputs, outputs, query, refs, text)
    }

    func testForwardMatchesPyTorch() throws {
        let (model, _, expected, query, refs, text) = try setUpModel()
        let out = noGrad { model(query, text: text, references: model.referenceMemory(from: refs)) }
        assertClose(out.pixelLogits, expected["pixel_logits"]!, "pixel logits")
        assertClose(out.imageLogits, expected["image_logits"]!, "image logits")
        for l in 0..<2 {
            assertClose(out.textLogits[l], expected["text_logits.\(l)"]!, "text logits \(l)")
            assertClose(out.referenceDistances[l], expected["ref_dist.\(l)"]!, "reference distances \(l)")
            assertClose(out.fusedLogits[l], expected["fused_logits.\(l)"]!, "fused logits \(l)")
        }
    }

    func testOneTrainingStepMatchesPyTorchAdamW() throws {
        let (model, inputs, expected, query, refs, text) = try setUpModel()
        let trainer = VTFusionTrainer(model: model, text: .fixed(text))
        let loss = trainer.step(Episode(query: query, references: refs, masks: inputs["masks"]!))
        XCTAssertEqual(loss.total.item, expected["loss.total"]!.item, accuracy: 1e-4)
        XCTAssertEqual(loss.focal, expected["loss.focal"]!.item, accuracy: 1e-4)
        XCTAssertEqual(loss.dice, expected["loss.dice"]!.item, accuracy: 1e-4)
        XCTAssertEqual(loss.image, expected["loss.image"]!.item, accuracy: 1e-4)
        XCTAssertEqual(loss.auxiliary, expected["loss.auxiliary"]!.item, accuracy: 1e-4)
        let initial = try fixture("method_params")
        var still: [String] = []
        for (key, p) in model.namedParameters() {
            let after = try XCTUnwrap(expected["after." + key], key)
            assertClose(p, after, atol: 1e-5, rtol: 1e-4, key)
            if !zip(after.scalars, initial[key]!.scalars).contains(where: { abs($0 - $1) > 1e-5 }) { still.append(key) }
        }
        // Only the key biases stay put: softmax attention is invariant to them, so their gradient is zero.
        XCTAssertEqual(still.sorted(), ["fusion.0.img_to_text.k_proj.bias", "fusion.0.text_to_img.k_proj.bias",
                                        "fusion.1.img_to_text.k_proj.bias", "fusion.1.text_to_img.k_proj.bias"])
        XCTAssertEqual(trainer.step, 1)
    }
}
