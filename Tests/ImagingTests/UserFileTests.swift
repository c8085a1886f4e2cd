import Foundation
import XCTest
import UserFiles
@testable import Imaging

/// Issue 12 items 1, 4 and 10: hostile files among the inputs.
final class UserFileTests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("vtf-userfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    func reason(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    func testFIFOIsRefusedWithoutBlocking() throws {
        let fifo = tmp.appendingPathComponent("fifo.png").path
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let r = reason { try ImageCodec.decode(path: fifo) }
        XCTAssertTrue(r.contains("FIFO") && r.contains(fifo), r)
        XCTAssertThrowsError(try UserFile.read(fifo, maxBytes: 100)) { XCTAssertEqual($0 as? UserFileError, .notRegularFile(path: fifo, kind: "a FIFO (named pipe)")) }
    }

    func testDeviceFolderAndLoopHaveDistinctMessages() throws {
        XCTAssertTrue(reason { try ImageCodec.decode(path: "/dev/zero") }.contains("character device"))
        XCTAssertTrue(reason { try ImageCodec.decode(path: self.tmp.path) }.contains("folder"))
        let a = tmp.appendingPathComponent("a.png").path, b = tmp.appendingPathComponent("b.png").path
        XCTAssertEqual(symlink(b, a), 0)
        XCTAssertEqual(symlink(a, b), 0)
        XCTAssertTrue(reason { try ImageCodec.decode(path: a) }.contains("symlink loop"))
        let missing = tmp.appendingPathComponent("none.png").path
        XCTAssertEqual(reason { try ImageCodec.decode(path: missing) }, "\(missing): image file not found")
    }

    func testPermissionDeniedIsNamed() throws {
        try XCTSkipIf(geteuid() == 0, "root reads any file")
        let p = tmp.appendingPathComponent("locked.png").path
        FileManager.default.createFile(atPath: p, contents: Data([0x89, 0x50]))
        chmod(p, 0)
        XCTAssertTrue(reason { try ImageCodec.decode(path: p) }.contains("permission denied"))
    }

    func testLargeNonImageIsSniffedBeforeReading() throws {
        // A sparse 3 GB file named .png: refused from its first bytes, without reading it.
        let p = tmp.appendingPathComponent("big.png").path
        FileManager.default.createFile(atPath: p, contents: Data("not an image".utf8))
        XCTAssertEqual(truncate(p, 3 << 30), 0)
        let t0 = Date()
        XCTAssertThrowsError(try ImageCodec.readImage(p)) { e in
            guard case .unknownFormat? = e as? ImageError else { return XCTFail("\(e)") }
        }
        XCTAssertLessThan(Date().timeIntervalSince(t0), 1)
        // A PNG signature over the size cap: refused by size, naming the limit.
        let q = tmp.appendingPathComponent("huge.png").path
        FileManager.default.createFile(atPath: q, contents: Data(ImageCodec.pngMagic))
        XCTAssertEqual(truncate(q, off_t(ImageCodec.maxFileBytes + 1)), 0)
        let r = reason { try ImageCodec.readImage(q) }
        XCTAssertTrue(r.contains("over the limit of \(ImageCodec.maxFileBytes) bytes"), r)
    }
}

final class AtomicFileTests: XCTestCase {
    func testWritesAtomicallyAndFailuresAreTyped() throws {
        let dir = try temporaryDirectory(self)
        let path = dir + "/sub/out.txt"
        try AtomicFile.write(text: "one", to: path)
        try AtomicFile.write(text: "two", to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "two")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/sub"), ["out.txt"], "no temporary file left")
        // A parent that is a regular file cannot hold the target.
        let blocked = path + "/inside.txt"
        XCTAssertThrowsError(try AtomicFile.write([1, 2], to: blocked)) { e in
            XCTAssertEqual((e as? AtomicWriteError)?.path, blocked, "\(e)")
        }
        // Image writers keep reporting their own error type.
        XCTAssertThrowsError(try ImageCodec.writePNG(Image8(width: 1, height: 1, channels: 1, samples: [0]), to: blocked)) { e in
            guard case .writeFailed(let p, _)? = e as? ImageError else { return XCTFail("\(e)") }
            XCTAssertEqual(p, blocked)
        }
    }
}
