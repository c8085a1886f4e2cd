import XCTest
import Foundation
import Tensor
@testable import NN

/// Issue 12 item 2: `--steps=-5` trapped (SIGILL) in the schedule.
final class ScheduleInputTests: XCTestCase {
    func testNegativeStepsDoNotTrap() {
        let s = CosineWarmupSchedule(baseLR: 1, warmupSteps: 0, totalSteps: -5)
        XCTAssertEqual(s.totalSteps, 0)
        XCTAssertTrue(s.learningRate(at: 0).isFinite)
        XCTAssertEqual(CosineWarmupSchedule(baseLR: 1, warmupSteps: 9, totalSteps: 4).warmupSteps, 4)
    }

    func testValidatedRefusesBadValues() {
        XCTAssertThrowsError(try CosineWarmupSchedule.validated(baseLR: 1, warmupSteps: 0, totalSteps: -5)) {
            XCTAssertTrue("\($0)".contains("totalSteps"), "\($0)")
        }
        XCTAssertThrowsError(try CosineWarmupSchedule.validated(baseLR: .nan, warmupSteps: 0, totalSteps: 5))
        XCTAssertThrowsError(try CosineWarmupSchedule.validated(baseLR: 1, warmupSteps: 6, totalSteps: 5))
        XCTAssertNoThrow(try CosineWarmupSchedule.validated(baseLR: 1e-3, warmupSteps: 1, totalSteps: 5))
    }
}

/// Issue 12 item 1: a FIFO named like a weights file blocked forever.
final class SafetensorsInputTests: XCTestCase {
    func testFIFOWeightsFileIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtf-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("head.safetensors")
        XCTAssertEqual(mkfifo(fifo.path, 0o644), 0)
        XCTAssertThrowsError(try SafetensorsFile(url: fifo)) { e in
            XCTAssertTrue("\(e)".contains("FIFO") && "\(e)".contains(fifo.path), "\(e)")
        }
        XCTAssertThrowsError(try SafetensorsFile(url: dir)) { XCTAssertTrue("\($0)".contains("folder"), "\($0)") }
    }
}
