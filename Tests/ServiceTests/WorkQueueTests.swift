import Dispatch
import Foundation
import Hummingbird
import Service
import XCTest

final class WorkQueueTests: XCTestCase {
    /// With every worker busy and the waiting room full, a job is refused at once with 503 and Retry-After;
    /// a waiting job runs when a worker frees up.
    func testFullQueueRefusesAndWaitingJobsRun() async throws {
        let queue = WorkQueue(workers: 1, capacity: 1)
        let release = DispatchSemaphore(value: 0)
        async let first: Int = queue.run(timeout: .seconds(30)) { release.wait(); return 1 }
        while queue.active < 1 { try await Task.sleep(for: .milliseconds(5)) }
        async let second: Int = queue.run(timeout: .seconds(30)) { 2 }
        while queue.depth < 1 { try await Task.sleep(for: .milliseconds(5)) }
        do {
            _ = try await queue.run(timeout: .seconds(30)) { 3 }
            XCTFail("a third job fits neither a worker nor the queue")
        } catch let p as Problem {
            XCTAssertEqual(p.status, .serviceUnavailable)
            XCTAssertEqual(p.retryAfter, 2)
            XCTAssertEqual(p.response().headers[.retryAfter], "2")
        }
        release.signal()
        let (a, b) = try await (first, second)
        XCTAssertEqual([a, b], [1, 2])
        XCTAssertEqual(queue.active, 0)
        XCTAssertEqual(queue.depth, 0)
    }

    /// A job past its deadline answers 503; its worker is freed when the job ends.
    func testTimeout() async throws {
        let queue = WorkQueue(workers: 1, capacity: 0)
        let release = DispatchSemaphore(value: 0)
        do {
            _ = try await queue.run(timeout: .milliseconds(50)) { release.wait(); return 0 }
            XCTFail("expected a timeout")
        } catch let p as Problem {
            XCTAssertEqual(p.status, .serviceUnavailable)
        }
        XCTAssertEqual(queue.active, 1, "the job still holds its worker")
        release.signal()
        while queue.active > 0 { try await Task.sleep(for: .milliseconds(5)) }
        let v = try await queue.run(timeout: .seconds(5)) { 7 }
        XCTAssertEqual(v, 7)
    }

    func testThrowingJobPassesItsError() async throws {
        struct Boom: Error {}
        let queue = WorkQueue(workers: 2, capacity: 2)
        do { _ = try await queue.run(timeout: .seconds(5)) { () throws -> Int in throw Boom() }; XCTFail() } catch is Boom {}
        XCTAssertEqual(queue.active, 0)
    }
}

final class MultipartTests: XCTestCase {
    func testBoundaryAndParts() throws {
        XCTAssertEqual(Multipart.boundary(contentType: "multipart/form-data; boundary=abc"), "abc")
        XCTAssertEqual(Multipart.boundary(contentType: "Multipart/Form-Data; charset=utf-8; boundary=\"a b\""), "a b")
        XCTAssertNil(Multipart.boundary(contentType: "multipart/form-data"))
        XCTAssertNil(Multipart.boundary(contentType: "image/png; boundary=abc"))
        var f = Form()
        f.field("name", "x y")
        f.file("images", "a.png", [0, 13, 10, 45, 45, 255])
        let parts = try Multipart.parse(f.bytes, boundary: Form.boundary)
        XCTAssertEqual(parts.count, 2)
        XCTAssertEqual(parts[0], FormPart(name: "name", filename: nil, contentType: nil, body: Array("x y".utf8)))
        XCTAssertEqual(parts[1].filename, "a.png")
        XCTAssertEqual(parts[1].contentType, "image/png")
        XCTAssertEqual(parts[1].body, [0, 13, 10, 45, 45, 255])
    }

    func testMalformedBodiesAreRefusedNamingTheBody() {
        let cases: [String] = [
            "",
            "no boundary at all",
            "--\(Form.boundary)\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated",
            "--\(Form.boundary)\r\nContent-Disposition: form-data\r\n\r\nx\r\n--\(Form.boundary)--",
            "--\(Form.boundary)\r\nbroken header\r\n\r\nx\r\n--\(Form.boundary)--",
            "--\(Form.boundary)X",
        ]
        for c in cases {
            XCTAssertThrowsError(try Multipart.parse(Array(c.utf8), boundary: Form.boundary), c) { e in
                XCTAssertEqual((e as? Problem)?.status, .badRequest, c)
                XCTAssertEqual((e as? Problem)?.field, "body", c)
            }
        }
    }

    func testPartCountIsCapped() {
        var f = Form()
        for i in 0...Multipart.maxParts { f.field("f\(i)", "v") }
        XCTAssertThrowsError(try Multipart.parse(f.bytes, boundary: Form.boundary)) { e in
            XCTAssertEqual((e as? Problem)?.status, .contentTooLarge)
        }
    }
}
