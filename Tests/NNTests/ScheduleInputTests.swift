import XCTest
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
