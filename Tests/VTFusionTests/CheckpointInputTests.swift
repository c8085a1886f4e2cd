import Foundation
import XCTest
@testable import VTFusion

/// Issue 12 items 3, 9 and 10: hostile or mistyped checkpoint configs and resuming.
final class CheckpointInputTests: XCTestCase {
    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("vtf-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func savedCheckpoint(_ config: VTFusionConfig) throws -> URL {
        let dir = try tempDir()
        let trainer = VTFusionTrainer(model: try VTFusionModel(config: config, seed: 0), text: nil)
        try trainer.saveCheckpoint(to: dir)
        return dir
    }

    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    func editConfig(_ dir: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let url = dir.appendingPathComponent(Checkpoint.configFile)
        var obj = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        edit(&obj)
        try JSONSerialization.data(withJSONObject: obj).write(to: url)
    }

    func testMissingKeyIsNamedAsInTheJSON() throws {
        let dir = try savedCheckpoint(VTFusionConfig())
        try editConfig(dir) { $0.removeValue(forKey: "layer_widths") }
        let m = message { try Checkpoint.load(from: dir) }
        XCTAssertTrue(m.contains("'layer_widths'"), m)
        XCTAssertFalse(m.contains("layerWidths"), m)
    }

    func testHugeImageSizeIsRefusedBeforeAllocating() throws {
        let dir = try savedCheckpoint(VTFusionConfig())
        try editConfig(dir) { $0["image_size"] = [99988, 99988]; $0["patch_size"] = 4 }
        let m = message { try Checkpoint.load(from: dir) }
        XCTAssertTrue(m.contains("image_size") && m.contains("1344"), m)
        XCTAssertThrowsError(try BackboneSpec.named("dinov2-s-imgfocus", imageSize: 4200)) {
            XCTAssertTrue("\($0)".contains("1344"), "\($0)")
        }
    }

    func testFIFOConfigDoesNotBlock() throws {
        let dir = try tempDir()
        XCTAssertEqual(mkfifo(dir.appendingPathComponent(Checkpoint.configFile).path, 0o644), 0)
        let m = message { try Checkpoint.load(from: dir) }
        XCTAssertTrue(m.contains("FIFO"), m)
    }

    func testResumeNamesDifferingFieldsAndAllowsMoreSteps() throws {
        var config = VTFusionConfig()
        config.training.totalSteps = 4
        config.training.warmupSteps = 1
        let dir = try savedCheckpoint(config)
        // More steps (and the warmup derived from them): accepted.
        var longer = config
        longer.training.totalSteps = 6
        longer.training.warmupSteps = 2
        let extended = VTFusionTrainer(model: try VTFusionModel(config: longer, seed: 1), text: nil)
        XCTAssertNoThrow(try extended.resume(from: dir))
        // Another learning rate: refused, naming the JSON field.
        var other = config
        other.training.learningRate = 0.5
        let m = message { try VTFusionTrainer(model: try VTFusionModel(config: other, seed: 1), text: nil).resume(from: dir) }
        XCTAssertTrue(m.contains("training.learning_rate"), m)
        XCTAssertFalse(m.contains("total_steps"), m)
    }
}
