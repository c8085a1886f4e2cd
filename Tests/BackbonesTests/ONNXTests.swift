import Foundation
import XCTest
@testable import Backbones

/// Test-data lookup for the ONNX tests (see Scripts/setup-test-data.sh).
private enum ONNXTestData {
    static func file(_ relativePath: String) throws -> URL {
        let dir: URL
        if let env = ProcessInfo.processInfo.environment["VTFUSION_TEST_DATA"], !env.isEmpty {
            dir = URL(fileURLWithPath: env)
        } else {
            dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".cache/testdata")
        }
        let url = dir.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("missing \(url.path): run Scripts/setup-test-data.sh (or set VTFUSION_TEST_DATA)")
        }
        return url
    }
}

/// Minimal protobuf writer for building test models.
private enum PB {
    static func varint(_ v: UInt64) -> [UInt8] {
        var v = v, out = [UInt8]()
        repeat {
            out.append(UInt8(v & 0x7F) | (v >= 0x80 ? 0x80 : 0))
            v >>= 7
        } while v != 0
        return out
    }
    static func key(_ field: Int, _ wire: Int) -> [UInt8] { varint(UInt64(field << 3 | wire)) }
    static func int(_ field: Int, _ v: Int) -> [UInt8] { key(field, 0) + varint(UInt64(bitPattern: Int64(v))) }
    static func bytes(_ field: Int, _ b: [UInt8]) -> [UInt8] { key(field, 2) + varint(UInt64(b.count)) + b }
    static func string(_ field: Int, _ s: String) -> [UInt8] { bytes(field, Array(s.utf8)) }
    static func floats(_ v: [Float]) -> [UInt8] { v.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) } }
    static func model(graph: [UInt8]) -> Data { Data(int(1, 8) + string(2, "test") + bytes(7, graph)) }
}

final class ONNXTests: XCTestCase {
    struct TensorSummary: Decodable {
        let name: String, dims: [Int], dataType: Int, sum: Double, sumSquares: Double, first: [Double], last: Double
    }
    struct NodeSummary: Decodable { let name: String, opType: String, inputs: [String], outputs: [String] }
    struct Input: Decodable { let name: String, elemType: Int, dims: [Int?], params: [String?] }
    struct Constant: Decodable { let output: String, dataType: Int, values: [Int64] }
    struct Fixture: Decodable {
        let irVersion: Int, producerName: String, opset: [String: Int], nodeCount: Int, initializerCount: Int
        let initializerNames: [String], totalFloatCount: Int, opTypeCounts: [String: Int], nodeDigest: String
        let firstNodes: [NodeSummary], firstConstant: Constant, inputs: [Input], outputs: [String]
        let matmulWeights: [String: String], tensors: [TensorSummary]
    }

    func testRealModelMatchesPythonOnnx() throws {
        let url = try ONNXTestData.file("imgfocus/vit_s_focus.onnx")
        let fixtureURL = try XCTUnwrap(Bundle.module.url(forResource: "onnx_vit_s_focus", withExtension: "json",
                                                         subdirectory: "Fixtures"))
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: fixtureURL))
        let model = try ONNXModel(contentsOf: url)

        XCTAssertEqual(model.irVersion, f.irVersion)
        XCTAssertEqual(model.producerName, f.producerName)
        XCTAssertEqual(model.opsetVersions, f.opset)
        XCTAssertEqual(model.nodes.count, f.nodeCount)
        XCTAssertEqual(model.initializers.map(\.name), f.initializerNames)
        XCTAssertEqual(model.initializers.map(\.count).reduce(0, +), f.totalFloatCount)
        XCTAssertEqual(Dictionary(model.nodes.map { ($0.opType, 1) }, uniquingKeysWith: +), f.opTypeCounts)

        var text = ""
        for n in model.nodes { text += ([n.name, n.opType] + n.inputs + ["->"] + n.outputs).joined(separator: "|") + "\n" }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a, as in Scripts/make_onnx_fixture.py
        for b in text.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01B3 }
        let digest = String(format: "%016llx", hash)
        XCTAssertEqual(digest, f.nodeDigest, "node names/ops/inputs/outputs differ from the onnx package's view")
        for (n, e) in zip(model.nodes, f.firstNodes) {
            XCTAssertEqual([n.name, n.opType], [e.name, e.opType])
            XCTAssertEqual(n.inputs, e.inputs)
            XCTAssertEqual(n.outputs, e.outputs)
        }
        let constant = try XCTUnwrap(model.constants()[f.firstConstant.output])
        XCTAssertEqual(constant.dataType, f.firstConstant.dataType)
        XCTAssertEqual(try constant.int64s(), f.firstConstant.values)

        XCTAssertEqual(model.inputs.count, f.inputs.count)
        for (i, e) in zip(model.inputs, f.inputs) {
            XCTAssertEqual(i.name, e.name)
            XCTAssertEqual(i.elementType, e.elemType)
            XCTAssertEqual(i.shape, e.dims)
            XCTAssertEqual(i.symbolicDims, e.params)
        }
        XCTAssertEqual(model.outputs.map(\.name), f.outputs)

        XCTAssertEqual(f.matmulWeights.count, 72)
        for (node, weight) in f.matmulWeights {
            XCTAssertEqual(model.initializer(feeding: node)?.name, weight, node)
        }
        let weights = try model.floatInitializers()
        XCTAssertEqual(weights.count, f.initializerCount)
        for e in f.tensors {
            let t = try XCTUnwrap(weights[e.name], e.name)
            XCTAssertEqual(t.shape, e.dims, e.name)
            let sum = t.values.reduce(0.0) { $0 + Double($1) }
            let squares = t.values.reduce(0.0) { $0 + Double($1) * Double($1) }
            XCTAssertEqual(sum, e.sum, accuracy: 1e-6 * max(1, abs(e.sumSquares)), e.name)
            XCTAssertEqual(squares, e.sumSquares, accuracy: 1e-9 * max(1, e.sumSquares), e.name)
            XCTAssertEqual(t.values.prefix(5).map(Double.init), e.first, e.name)
            XCTAssertEqual(Double(t.values.last!), e.last, e.name)
        }
        let q = try XCTUnwrap(model.initializer(feeding: "/backbone/encoder/layer.0/attention/attention/query/MatMul"))
        XCTAssertEqual(q.dims, [384, 384])
    }

    func testDecodesStorageVariants() throws {
        let half: [UInt8] = [0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0x00, 0x7C]  // 1, -2, smallest subnormal, +inf
        let graph = PB.string(2, "g")
            + PB.bytes(5, PB.int(1, 2) + PB.int(2, 1) + PB.string(8, "raw") + PB.bytes(9, PB.floats([1.5, -2])))
            + PB.bytes(5, PB.bytes(1, PB.varint(3)) + PB.int(2, 1) + PB.string(8, "packed") + PB.bytes(4, PB.floats([1, 2, 3])))
            + PB.bytes(5, PB.int(1, 4) + PB.int(2, 10) + PB.string(8, "half") + PB.bytes(9, half))
            + PB.bytes(5, PB.int(1, 2) + PB.int(2, 10) + PB.string(8, "half32") + PB.bytes(5, PB.varint(0x3C00) + PB.varint(0x3800)))
            + PB.bytes(5, PB.int(1, 2) + PB.int(2, 7) + PB.string(8, "shape") + PB.bytes(7, PB.varint(5) + PB.varint(UInt64(bitPattern: -1))))
            + PB.bytes(1, PB.string(1, "x") + PB.string(1, "raw") + PB.string(2, "y") + PB.string(3, "/mm/MatMul") + PB.string(4, "MatMul")
                       + PB.bytes(5, PB.string(1, "axis") + PB.int(20, 2) + PB.int(3, -1)))
        let model = try ONNXModel(data: PB.model(graph: graph), file: "synthetic.onnx")
        XCTAssertEqual(model.graphName, "g")
        XCTAssertEqual(try model.initializer(named: "raw")?.floats(), [1.5, -2])
        XCTAssertEqual(try model.initializer(named: "packed")?.floats(), [1, 2, 3])
        let h = try XCTUnwrap(model.initializer(named: "half")).floats()
        XCTAssertEqual(Array(h.prefix(3)), [1, -2, 0x1p-24])
        XCTAssertEqual(h[3], .infinity)
        XCTAssertEqual(try model.initializer(named: "half32")?.floats(), [1, 0.5])
        XCTAssertEqual(try model.initializer(named: "shape")?.int64s(), [5, -1])
        XCTAssertEqual(try model.floatInitializers().keys.sorted(), ["half", "half32", "packed", "raw"])
        XCTAssertEqual(model.initializer(feeding: "/mm/MatMul")?.name, "raw")
        XCTAssertNil(model.initializer(feeding: "/mm/MatMul", input: 0))
        XCTAssertEqual(model.nodes.first?.attribute("axis")?.int, -1)
        XCTAssertThrowsError(try model.initializer(named: "shape")!.floats()) {
            XCTAssertEqual($0 as? ONNXError, .unsupportedDataType(file: "synthetic.onnx", tensor: "shape", dataType: 7))
        }
    }

    func testCorruptInputsGiveTypedErrors() throws {
        func error(_ bytes: [UInt8]) -> ONNXError? {
            do { _ = try ONNXModel(data: Data(bytes), file: "bad.onnx"); return nil } catch { return error as? ONNXError }
        }
        XCTAssertEqual(error([0x08, 0x80]), .truncatedVarint(file: "bad.onnx", offset: 1))
        XCTAssertEqual(error([0x08] + [UInt8](repeating: 0xFF, count: 11)), .truncatedVarint(file: "bad.onnx", offset: 1))
        XCTAssertEqual(error(PB.key(7, 2) + PB.varint(50) + [1, 2, 3]), .fieldPastEnd(file: "bad.onnx", offset: 0, field: 7, length: 50))
        XCTAssertEqual(error(PB.int(1, 7) + PB.key(3, 1) + [1, 2]), .fieldPastEnd(file: "bad.onnx", offset: 2, field: 3, length: 8))
        XCTAssertEqual(error(PB.key(4, 3)), .invalidWireType(file: "bad.onnx", offset: 0, wireType: 3))
        XCTAssertEqual(error(PB.int(1, 7)), .missingGraph(file: "bad.onnx"))
        // A tensor inside the graph whose length runs past the graph's end (the graph itself is complete).
        let inner = PB.key(5, 2) + PB.varint(20) + PB.string(8, "w")
        XCTAssertEqual(error(PB.bytes(7, inner)), .fieldPastEnd(file: "bad.onnx", offset: 2, field: 5, length: 20))
        let external = PB.bytes(5, PB.string(8, "w") + PB.int(2, 1) + PB.int(14, 1))
        XCTAssertEqual(error(Array(PB.model(graph: external))), .externalData(file: "bad.onnx", tensor: "w"))
        let short = PB.bytes(5, PB.int(1, 3) + PB.int(2, 1) + PB.string(8, "s") + PB.bytes(9, PB.floats([1])))
        let model = try ONNXModel(data: PB.model(graph: short), file: "short.onnx")
        XCTAssertThrowsError(try model.floatInitializers()) {
            XCTAssertEqual($0 as? ONNXError, .sizeMismatch(file: "short.onnx", tensor: "s", expected: 3, actual: 1))
        }
        XCTAssertThrowsError(try ONNXModel(contentsOf: URL(fileURLWithPath: "/nonexistent/x.onnx"))) {
            XCTAssertTrue("\($0)".contains("/nonexistent/x.onnx"))
        }
    }
}
