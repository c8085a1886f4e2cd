import Foundation
import XCTest
import Backbones
import ModelStore
import Tensor
@testable import VTFusion
import TestSupport

/// The backbone fingerprint stored in checkpoints: stable for the same weights, different for other
/// weights, and a checkpoint trained on one backbone refuses another.
final class BackboneFingerprintTests: XCTestCase {
    func testFingerprintFollowsTheWeights() throws {
        let a = try TinyModels.dinov2(), b = try TinyModels.dinov2()
        XCTAssertEqual(a.weightsFingerprint, b.weightsFingerprint)
        XCTAssertEqual(a.weightsFingerprint.count, 64)
        let c = try TinyModels.dinov2(width: 32, depth: 1)
        XCTAssertNotEqual(a.weightsFingerprint, c.weightsFingerprint)
    }

    func testFingerprintMatchesAcrossTheONNXExportAndItsConversion() throws {
        let root = ProcessInfo.processInfo.environment["VTFUSION_TEST_DATA"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".cache/testdata").path
        let onnx = URL(fileURLWithPath: root).appendingPathComponent("imgfocus/vit_s_focus.onnx")
        guard FileManager.default.fileExists(atPath: onnx.path) else {
            throw XCTSkip("\(onnx.path) missing: run Scripts/setup-test-data.sh")
        }
        let direct = try DINOv2.load(onnx: onnx)
        let (config, state) = try DINOv2.stateDict(onnx: try ONNXModel(contentsOf: onnx))
        let converted = try DINOv2(config: config, stateDict: state)
        XCTAssertEqual(direct.weightsFingerprint, converted.weightsFingerprint)
        // The embedded default head names exactly these weights.
        let head = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/vtfusion/DefaultHead")
        let stored = try Checkpoint.load(from: head).config.backboneSHA256
        XCTAssertEqual(stored, direct.weightsFingerprint, "DefaultHead/config.json backbone_sha256")
        XCTAssertThrowsError(try Checkpoint.load(from: head, backboneSHA256: try TinyModels.dinov2().weightsFingerprint))
    }
}
