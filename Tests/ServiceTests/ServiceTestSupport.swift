import Backbones
import Foundation
import Hummingbird
import HummingbirdTesting
import Imaging
import Inspection
import NIOCore
import Service
import Tensor
import TestSupport
import XCTest

/// A tiny random DINOv2 (patch 8, 4 blocks), a two-scale recipe, and test images: fast enough for tests.
enum TinyService {
    static let spec = TinyInspection.spec
    static func model() throws -> InspectionModel { try TinyInspection.model() }
    static func texture(seed: UInt64, width: Int = 64, height: Int = 64) -> Image8 { TinyInspection.texture(seed: seed, width: width, height: height) }
    static func withDefect(_ image: Image8) -> Image8 { TinyInspection.withDefect(image) }

    static func png(_ image: Image8) -> [UInt8] { try! ImageCodec.encodePNG(image) }
    static func good(_ seed: UInt64) -> [UInt8] { png(texture(seed: seed)) }
    static func defect(_ seed: UInt64) -> [UInt8] { png(withDefect(texture(seed: seed))) }
}

/// A multipart/form-data body.
struct Form {
    static let boundary = "vtfusion-test-boundary-7d1f"
    var body: [UInt8] = []

    mutating func field(_ name: String, _ value: String) {
        body += Array("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }

    mutating func file(_ name: String, _ filename: String, _ bytes: [UInt8], type: String = "image/png") {
        body += Array("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
        body += bytes
        body += Array("\r\n".utf8)
    }

    var bytes: [UInt8] { body + Array("--\(Self.boundary)--\r\n".utf8) }
    static var contentType: String { "multipart/form-data; boundary=\(boundary)" }
}

/// A running service in this process on a loopback port, with a fresh data folder and keys of each scope.
final class TestServer: @unchecked Sendable {
    let data: URL
    let model: InspectionModel
    var config: ServiceConfiguration
    var keys: [Scope: String] = [:]
    /// The store of the server (default: SQLite in the data folder).
    var makeStore: (@Sendable (URL) throws -> any ServiceStore)?

    init(data: URL? = nil, model: InspectionModel? = nil, configure: (inout ServiceConfiguration) -> Void = { _ in }) throws {
        self.data = data ?? FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-serve-\(UUID().uuidString)")
        self.model = try model ?? TinyService.model()
        config = ServiceConfiguration(dataDirectory: self.data)
        config.host = "127.0.0.1"
        config.port = 0
        config.workers = 2
        configure(&config)
    }

    func store() throws -> any ServiceStore {
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        if let makeStore { return try makeStore(data) }
        return try SQLiteStore(path: data.appendingPathComponent("vtfusion.sqlite").path)
    }

    func service() async throws -> InspectionService {
        let s = try await InspectionService(model: model, store: try store(), config: config)
        if keys.isEmpty {
            for scope in Scope.allCases { keys[scope] = try await APIKeys.create(name: "test-\(scope)", scope: scope, in: s.store).secret }
        }
        return s
    }

    /// Starts the service on a real socket and runs `body` with a client of it.
    func run<T>(_ body: @escaping @Sendable (any TestClientProtocol, InspectionService) async throws -> T) async throws -> T {
        let s = try await service()
        let app = ServiceApp.application(s, logger: .init(label: "test"))
        return try await app.test(.live) { client in try await body(client, s) }
    }

    func remove() { try? FileManager.default.removeItem(at: data) }
}

extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ uri: String, key: String?, contentType: String? = nil,
              body: [UInt8]? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        if let contentType { headers[.contentType] = contentType }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
    }
}

extension TestResponse {
    var bytes: [UInt8] { body.readableBytesView.map { $0 } }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:] }
}

/// Asserts an RFC 9457 answer with `status` naming `field`.
func XCTAssertProblem(_ r: TestResponse, _ status: HTTPResponse.Status, field: String?, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(r.status, status, "body: \(String(decoding: r.bytes, as: UTF8.self))", file: file, line: line)
    XCTAssertEqual(r.headers[.contentType], "application/problem+json", file: file, line: line)
    let j = r.json
    XCTAssertEqual(j["status"] as? Int, Int(status.code), file: file, line: line)
    XCTAssertNotNil(j["title"] as? String, file: file, line: line)
    XCTAssertNotNil(j["type"] as? String, file: file, line: line)
    XCTAssertFalse((j["detail"] as? String ?? "").isEmpty, file: file, line: line)
    if let field { XCTAssertEqual(j["field"] as? String, field, file: file, line: line) }
    let text = String(decoding: r.bytes, as: UTF8.self)
    XCTAssertFalse(text.contains("/tmp") || text.contains(".swift") || text.contains("/work"), "a path leaked: \(text)", file: file, line: line)
}
