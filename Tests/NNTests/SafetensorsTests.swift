import Foundation
import XCTest
@testable import NN
@testable import Tensor

final class SafetensorsTests: XCTestCase {
    /// Safetensors bytes with the given header text and `dataBytes` zero bytes of data.
    private func file(header: String, dataBytes: Int = 0, claimedHeaderLength: UInt64? = nil) -> Data {
        let h = Array(header.utf8)
        var n = (claimedHeaderLength ?? UInt64(h.count)).littleEndian
        var d = Data()
        withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
        d.append(contentsOf: h)
        d.append(contentsOf: [UInt8](repeating: 0, count: dataBytes))
        return d
    }

    private func assertError(_ data: Data, _ expected: SafetensorsError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafetensorsFile(data: data, name: "bad.safetensors"), file: file, line: line) { error in
            XCTAssertEqual(error as? SafetensorsError, expected, file: file, line: line)
            XCTAssertTrue("\(error)".contains("bad.safetensors"), "message names the file: \(error)", file: file, line: line)
        }
    }

    func testRoundTripWithMetadataAndAlignment() throws {
        let tensors: [String: Tensor] = [
            "b.weight": randomTensor([3, 4], seed: 1),
            "a \"quoted\"\\name": Tensor(shape: [2], data: [-0.0, .infinity]),
            "scalar": Tensor(7.25),
            "empty": Tensor.zeros([0, 5]),
            "view": randomTensor([4, 3], seed: 2).transposed(),
        ]
        let url = try temporaryDirectory(self).appendingPathComponent("model.safetensors")
        try Safetensors.write(tensors, metadata: ["format": "pt", "line\nbreak": "ü"], to: url)
        let raw = try Data(contentsOf: url)
        let headerLength = raw.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(headerLength % 8, 0, "header padded to 8 bytes")
        let f = try SafetensorsFile(url: url)
        XCTAssertEqual(f.metadata, ["format": "pt", "line\nbreak": "ü"])
        XCTAssertEqual(f.names, tensors.keys.sorted())
        for (name, t) in tensors {
            let back = try f.tensor(name)
            XCTAssertEqual(back.shape, t.shape, name)
            XCTAssertEqual(back.scalars.map(\.bitPattern), t.scalars.map(\.bitPattern), name)
        }
        // data laid out in sorted key order, contiguously
        let ranges = f.names.map { f.entries[$0]!.dataRange }
        XCTAssertEqual(ranges.first?.lowerBound, 0)
        for (a, b) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
        XCTAssertThrowsError(try f.tensor("nope")) {
            XCTAssertEqual($0 as? SafetensorsError, .missingTensor(file: url.path, tensor: "nope"))
        }
        // overwriting is atomic and leaves no temporary file behind
        try Safetensors.write(["x": Tensor(1)], to: url)
        XCTAssertEqual(try Safetensors.read(url)["x"]?.item, 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path), ["model.safetensors"])
    }

    func testReadsFileWrittenByPythonSafetensors() throws {
        let f = try SafetensorsFile(url: try fixtureURL("dtypes", "safetensors"))
        XCTAssertEqual(f.metadata, ["format": "pt", "note": "vtfusion nn fixture"])
        XCTAssertEqual(f.entries["b.f16"]?.dtype, .F16)
        XCTAssertEqual(f.entries["c.bf16"]?.dtype, .BF16)
        XCTAssertEqual(f.entries["d.i64"]?.dtype, .I64)
        let a = try f.tensor("a.f32")
        XCTAssertEqual(a.shape, [2, 3])
        XCTAssertEqual(a.scalars, [1.5, -2.25, 3.0, 0.0, 1e-3, -65504.0])
        // f16 / bf16 decode bit-exactly to the float values torch computed
        for name in ["b.f16", "c.bf16"] {
            let t = try f.tensor(name), ref = try f.tensor(name + "_ref")
            XCTAssertEqual(t.shape, ref.shape)
            XCTAssertEqual(t.scalars.map(\.bitPattern), ref.scalars.map(\.bitPattern), name)
        }
        XCTAssertEqual(try f.tensor("d.i64").scalars, [0, -5, 123456, 49406])
        XCTAssertEqual(try f.tensor("e.i32").scalars, [7, -8])
        XCTAssertEqual(try f.tensor("e.i32").shape, [1, 2])
        XCTAssertEqual(try f.tensor("scalar").shape, [])
        XCTAssertEqual(try f.tensor("scalar").item, 2.5)
        XCTAssertEqual(try f.tensor("empty").shape, [0, 3])
    }

    func testHalfConversionEdgeCases() {
        let cases: [(UInt16, Float)] = [(0x3C00, 1), (0xC000, -2), (0x7BFF, 65504), (0x0001, 5.9604645e-8),
                                        (0x03FF, 6.097555e-5), (0x0400, 6.1035156e-5), (0x8000, -0.0),
                                        (0x7C00, .infinity), (0xFC00, -.infinity)]
        for (bits, v) in cases { XCTAssertEqual(SafetensorsFile.halfToFloat(bits), v, "0x\(String(bits, radix: 16))") }
        XCTAssertTrue(SafetensorsFile.halfToFloat(0x7E00).isNaN)
    }

    func testTruncatedFile() {
        assertError(Data([1, 0, 0]), .truncated(file: "bad.safetensors", size: 3))
        assertError(Data(), .truncated(file: "bad.safetensors", size: 0))
    }

    func testHeaderLengthPastEnd() {
        assertError(file(header: "{}", claimedHeaderLength: 100), .headerLengthPastEnd(file: "bad.safetensors", headerLength: 100, fileSize: 10))
        assertError(file(header: "{}", claimedHeaderLength: UInt64.max),
                    .headerLengthPastEnd(file: "bad.safetensors", headerLength: UInt64.max, fileSize: 10))
    }

    func testInvalidJSONHeader() {
        for header in ["{\"a\": ", "[1, 2]", "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0]}}",
                       "{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}",
                       "{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", "{\"__metadata__\": {\"k\": 3}}"] {
            XCTAssertThrowsError(try SafetensorsFile(data: file(header: header, dataBytes: 8), name: "bad.safetensors"), header) {
                guard case .invalidHeader(let f, _)? = $0 as? SafetensorsError else { return XCTFail("\(header): \($0)") }
                XCTAssertEqual(f, "bad.safetensors")
            }
        }
    }

    func testOffsetsOutOfBounds() {
        let past = "{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}"
        assertError(file(header: past, dataBytes: 8),
                    .offsetsOutOfBounds(file: "bad.safetensors", tensor: "w", begin: 4, end: 12, dataSize: 8))
        let reversed = "{\"w\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 4]}}"
        assertError(file(header: reversed, dataBytes: 8),
                    .offsetsOutOfBounds(file: "bad.safetensors", tensor: "w", begin: 8, end: 4, dataSize: 8))
    }

    func testOverlappingOffsets() {
        let header = "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}"
        assertError(file(header: header, dataBytes: 12), .overlappingOffsets(file: "bad.safetensors", tensor: "b", other: "a"))
    }

    func testUnknownDType() {
        let header = "{\"w\": {\"dtype\": \"F8_E4M3\", \"shape\": [2], \"data_offsets\": [0, 2]}}"
        assertError(file(header: header, dataBytes: 2), .unknownDType(file: "bad.safetensors", tensor: "w", dtype: "F8_E4M3"))
    }

    func testShapeByteCountMismatch() {
        let header = "{\"w\": {\"dtype\": \"F16\", \"shape\": [2, 3], \"data_offsets\": [0, 8]}}"
        assertError(file(header: header, dataBytes: 8),
                    .byteCountMismatch(file: "bad.safetensors", tensor: "w", shape: [2, 3], dtype: "F16", expectedBytes: 12, actualBytes: 8))
        let huge = "{\"w\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 8]}}"
        XCTAssertThrowsError(try SafetensorsFile(data: file(header: huge, dataBytes: 8), name: "bad.safetensors"))
    }

    func testMissingFileIsAnIOError() {
        XCTAssertThrowsError(try SafetensorsFile(url: URL(fileURLWithPath: "/nonexistent/x.safetensors"))) {
            guard case .io(let f, _)? = $0 as? SafetensorsError else { return XCTFail("\($0)") }
            XCTAssertEqual(f, "/nonexistent/x.safetensors")
        }
    }
}
