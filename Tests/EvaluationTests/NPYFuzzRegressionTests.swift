import Foundation
import XCTest
@testable import Evaluation

/// Inputs found by `Scripts/fuzz.sh` (fuzz-npy): each must throw `NPYError`, never trap.
final class NPYFuzzRegressionTests: XCTestCase {
    func npy(shape: String, dataBytes: Int = 0) -> [UInt8] {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape)), }\n"
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 255), UInt8(header.utf8.count >> 8)]
            + Array(header.utf8) + [UInt8](repeating: 0, count: dataBytes)
    }

    /// A shape whose product overflows Int: `shape.reduce(1, *)` trapped.
    func testShapeProductOverflowThrows() {
        XCTAssertThrowsError(try NPYFile.decode(npy(shape: "4294967296, 4294967296, 4294967296"))) { error in
            guard case NPYError.malformed = error else { return XCTFail("\(error)") }
        }
    }

    /// `count * 4` overflowing (count near Int.max / 2).
    func testByteCountOverflowThrows() {
        XCTAssertThrowsError(try NPYFile.decode(npy(shape: "4611686018427387904,")))
    }

    /// Negative dims whose product is positive used to decode with a nonsense shape.
    func testNegativeDimsThrow() {
        XCTAssertThrowsError(try NPYFile.decode(npy(shape: "-1, -1", dataBytes: 4)))
    }

    func testValidFileStillDecodes() throws {
        let (values, shape) = try NPYFile.decode(NPYFile.encode([1, 2, 3, 4, 5, 6], shape: [2, 3]))
        XCTAssertEqual(shape, [2, 3])
        XCTAssertEqual(values, [1, 2, 3, 4, 5, 6])
    }
}
