import Foundation
import XCTest
@testable import Backbones

/// Inputs found by `Scripts/fuzz.sh` (fuzz-onnx): each must throw `ONNXError`, never trap.
final class ONNXFuzzRegressionTests: XCTestCase {
    /// ir_version varint above Int64.max: `Int(UInt64)` trapped. Now read as two's complement (protobuf int64).
    func testIrVersionVarintAboveIntMaxDoesNotTrap() throws {
        let bytes: [UInt8] = [0x08, 0xED, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7B]
        XCTAssertThrowsError(try ONNXModel(data: Data(bytes))) { XCTAssertTrue($0 is ONNXError, "\($0)") }
    }

    /// An initializer whose dims multiply past Int.max: `count` trapped in `floats()`.
    func testInitializerDimsOverflowThrows() {
        func field(_ n: UInt8, _ payload: [UInt8]) -> [UInt8] { [n << 3 | 2, UInt8(payload.count)] + payload }
        let big: [UInt8] = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]   // 2^49
        let tensor: [UInt8] = [0x08] + big + [0x08] + big + [0x10, 0x01]       // dims [2^49, 2^49], FLOAT
        let model = field(7, field(5, tensor))
        XCTAssertThrowsError(try ONNXModel(data: Data(model))) { error in
            guard case ONNXError.invalidDims = error else { return XCTFail("\(error)") }
        }
    }

    /// Negative dims are rejected too.
    func testNegativeDimsThrow() {
        let minusOne: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
        let tensor: [UInt8] = [0x08] + minusOne + [0x10, 0x01]
        let model: [UInt8] = [7 << 3 | 2, UInt8(tensor.count + 2), 5 << 3 | 2, UInt8(tensor.count)] + tensor
        XCTAssertThrowsError(try ONNXModel(data: Data(model))) { error in
            guard case ONNXError.invalidDims = error else { return XCTFail("\(error)") }
        }
    }
}
