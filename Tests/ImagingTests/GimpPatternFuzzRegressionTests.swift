import Foundation
import XCTest
@testable import Imaging

/// Inputs found by `Scripts/fuzz.sh` (fuzz-gimp-pattern): each must throw `TextureError`, never trap.
final class GimpPatternFuzzRegressionTests: XCTestCase {
    func pattern(width: UInt32, height: UInt32, bpp: UInt32 = 3) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        return be(25) + be(1) + be(width) + be(height) + be(bpp) + Array("GPAT".utf8) + [0] + [UInt8](repeating: 7, count: 16)
    }

    /// 32-bit width and height whose product overflows Int: `w * h` trapped before the size check.
    func testHugeDimensionsOverflowThrows() {
        XCTAssertThrowsError(try GimpPattern.decode(pattern(width: 0xFFFF_FFFF, height: 0xFFFF_FFFF))) { error in
            guard case TextureError.badPattern = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try GimpPattern.decode(pattern(width: 0xC000_0000, height: 0xC000_0000)))
        XCTAssertThrowsError(try GimpPattern.decode(pattern(width: 1, height: 0xFFFF_FFFF)))
    }

    func testSmallPatternStillDecodes() throws {
        let (name, image) = try GimpPattern.decode(pattern(width: 2, height: 2, bpp: 3))
        XCTAssertEqual(name, "")
        XCTAssertEqual(image.width, 2)
        XCTAssertEqual(image.channels, 3)
    }
}
