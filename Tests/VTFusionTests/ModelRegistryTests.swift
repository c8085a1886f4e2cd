import Foundation
import XCTest
import Backbones
import ModelStore
import NN
@testable import VTFusion

/// The one registry (name -> entry -> loader) behind every command's model names.
final class ModelRegistryTests: XCTestCase {
    func testEveryBackboneNameHasASpecAndAWeightsSource() throws {
        XCTAssertEqual(Set(ModelRegistry.backboneNames),
                       ["dinov2-s-imgfocus", "clip-b16", "clip-l14-336", "clip-b16-plus-240", "dinov2-tiny-random"])
        for name in ModelRegistry.backboneNames {
            let e = try ModelRegistry.backbone(name)
            let spec = try BackboneSpec.named(name)
            XCTAssertEqual(e.backbone, spec)
            XCTAssertEqual(spec.name, name)
            XCTAssertEqual(spec.family == .dinov2, e.architecture == .dinov2, name)
            XCTAssertEqual(spec.imageSize % spec.patchSize, 0, name)
        }
        XCTAssertEqual(ModelRegistry.entry("CLIP-B16")?.storeName, "openai/clip-vit-base-patch16", "names are case-insensitive")
        XCTAssertEqual(ModelRegistry.entry(ModelRegistry.defaultBackbone)?.storeName, "dinov2-s-imgfocus")
        XCTAssertEqual(ModelRegistry.entry(ModelRegistry.defaultTextEncoder)?.architecture, .bert)
        XCTAssertNil(ModelRegistry.entry("dinov2-tiny-random")?.storeName)
        XCTAssertEqual(ModelLoader.textEncoderNames, ModelRegistry.textEncoderNames)
        XCTAssertTrue(ModelRegistry.textEncoderNames.contains("clip-b16") && !ModelRegistry.textEncoderNames.contains("dinov2-s-imgfocus"))
    }

    func testWrongKindOfNameIsRefusedWithTheKnownNames() {
        XCTAssertThrowsError(try ModelRegistry.backbone("minilm-l6")) { e in
            guard case let .unknownName(kind, _, known)? = e as? PipelineError else { return XCTFail("\(e)") }
            XCTAssertEqual(kind, "backbone")
            XCTAssertFalse(known.contains("minilm-l6"))
        }
        XCTAssertThrowsError(try ModelLoader.textEncoder("dinov2-s-imgfocus", directory: nil)) { e in
            XCTAssertTrue("\(e)".hasPrefix("unknown text encoder 'dinov2-s-imgfocus'"), "\(e)")
        }
    }

    func testSyntheticModelsLoadWithoutFiles() throws {
        let b = try ModelLoader.backbone("dinov2-tiny-random", imageSize: 40, directory: nil)
        XCTAssertEqual(b.spec.imageSize, 40)
        XCTAssertEqual(b.spec.patchSize, 8)
        XCTAssertEqual(b.backbone.layerCount, 2)
        XCTAssertNil(b.clip)
        let t = try ModelLoader.textEncoder("random-tiny", directory: nil)
        XCTAssertEqual(t.name, "random-tiny")
        XCTAssertEqual(try t.tokenizer.tokenize(["a cat"]).ids.first?.first, 62, "hashing tokenizer start id")
        XCTAssertThrowsError(try ModelRegistry.directory(for: "random-tiny")) { e in
            XCTAssertEqual(e as? ModelLocationError, .noStoreCopy("random-tiny"))
        }
    }

    func testStoreLookupNeedsHubModelsFetchedFirst() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vtf-registry-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = ModelStore(root: root, environment: [:])
        XCTAssertThrowsError(try ModelRegistry.directory(for: "clip-b16", store: store)) { e in
            XCTAssertEqual(e as? ModelLocationError, .notFetched(model: "clip-b16", storeName: "openai/clip-vit-base-patch16"))
            XCTAssertTrue("\(e)".contains("vtfusion models fetch openai/clip-vit-base-patch16"), "\(e)")
        }
    }

    func testFeaturesLoaderTakesTheArchitectureFromTheRegistryNotTheName() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtf-registry-dir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try SyntheticModels.dinov2()
        try Safetensors.write(model.weights.tensors, to: dir.appendingPathComponent("model.safetensors"))
        try JSONEncoder().encode(model.config).write(to: dir.appendingPathComponent("config.json"))  // no model_type
        guard case let .dinov2(loaded) = try ModelLoader.model("dinov2-s-imgfocus", directory: dir) else {
            return XCTFail("a registry name gives the architecture")
        }
        XCTAssertEqual(loaded.config, model.config)
        XCTAssertEqual(loaded.weightsFingerprint, model.weightsFingerprint)
        // Any other label: config.json must say what it is (a "dinov2" in the label is not enough).
        XCTAssertThrowsError(try ModelLoader.model("my-dinov2-copy", directory: dir)) { e in
            XCTAssertTrue("\(e)".contains("model_type"), "\(e)")
        }
    }
}
