import Foundation
import XCTest
@testable import VTFusion

/// Inputs found by `Scripts/fuzz.sh` (fuzz-config): `Checkpoint.decodeConfig` must throw, never trap.
final class ConfigFuzzRegressionTests: XCTestCase {
    func config(_ patch: [String: Any]) throws -> Data {
        var object = try JSONSerialization.jsonObject(with: VTFusionConfig.encoder.encode(VTFusionConfig())) as! [String: Any]
        for (k, v) in patch { object[k] = v }
        return try JSONSerialization.data(withJSONObject: object)
    }

    func testDefaultConfigDecodes() throws {
        XCTAssertEqual(try Checkpoint.decodeConfig(config([:])), VTFusionConfig())
    }

    /// 64+ decoder stages: `1 << (count - 1)` times the grid overflowed in `outputSize`.
    func testManyDecoderStagesThrows() throws {
        let data = try config(["decoder_channels": [Int](repeating: 8, count: 64)])
        XCTAssertThrowsError(try Checkpoint.decodeConfig(data)) { error in
            guard case VTFusionError.invalidConfig = error else { return XCTFail("\(error)") }
        }
    }

    /// A huge image size: grid * 2^(stages - 1) * 4 overflowed.
    func testHugeImageSizeThrows() throws {
        let data = try config(["image_size": [Int.max - 7, 64], "decoder_channels": [8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8]])
        XCTAssertThrowsError(try Checkpoint.decodeConfig(data))
    }

    func testZeroOrNegativeImageSizeThrows() throws {
        XCTAssertThrowsError(try Checkpoint.decodeConfig(config(["image_size": [0, 0]])))
        XCTAssertThrowsError(try Checkpoint.decodeConfig(config(["image_size": [-64, 64]])))
    }
}
