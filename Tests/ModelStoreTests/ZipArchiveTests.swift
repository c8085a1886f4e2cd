import Foundation
import XCTest
@testable import ModelStore

final class ZipArchiveTests: XCTestCase {
    func testZipStoredAndDeflatedEntries() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "store_sample", withExtension: "zip", subdirectory: "Fixtures"))
        let zip = try ZipArchive(contentsOf: url)
        XCTAssertEqual(zip.entries.map(\.name), ["hello.txt", "data/lines.txt", "empty.bin", "short.txt", "level0.txt"])
        XCTAssertEqual(zip.entries.map(\.method), [0, 8, 0, 8, 8])
        XCTAssertEqual(String(decoding: try zip.extract("short.txt"), as: UTF8.self), "abcabcabc hello hello\n")
        XCTAssertEqual(String(decoding: try zip.extract("level0.txt"), as: UTF8.self),
                       (0..<5000).map { "stored block \($0)\n" }.joined())
        XCTAssertEqual(String(decoding: try zip.extract("hello.txt"), as: UTF8.self), "Hello, zip!\n")
        XCTAssertEqual(String(decoding: try zip.extract("data/lines.txt"), as: UTF8.self),
                       (0..<2000).map { "line \($0)\n" }.joined())
        XCTAssertEqual(try zip.extract("empty.bin").count, 0)
        XCTAssertThrowsError(try zip.extract("missing.txt")) { XCTAssertTrue("\($0)".contains("missing.txt")) }

        // A flipped byte inside the stored member fails its CRC.
        var bytes = try Data(contentsOf: url)
        let at = try XCTUnwrap(bytes.firstRange(of: Data("Hello, zip!".utf8))).lowerBound
        bytes[at] = UInt8(ascii: "J")
        XCTAssertThrowsError(try ZipArchive(data: bytes, file: "bad.zip").extract("hello.txt")) {
            XCTAssertTrue("\($0)".contains("CRC-32"), "\($0)")
        }
        XCTAssertThrowsError(try ZipArchive(data: Data("not a zip at all, just some text".utf8), file: "x.whl")) {
            XCTAssertTrue("\($0)".contains("x.whl"), "\($0)")
        }
    }

    /// A real 1.3 MB DEFLATE stream inflated into a buffer of declared size equals the growable-buffer
    /// result (checked by gzip's CRC); a declared size that is too small is an error, not an overrun.
    func testDeclaredSizeInflateOfRealStream() throws {
        let gz = try Data(contentsOf: TestData.file("clip/bpe_simple_vocab_16e6.txt.gz"))
        let reference = try Gzip.decompress(gz)
        var p = 10
        if gz[3] & 4 != 0 { p += 2 + Int(gz[10]) | Int(gz[11]) << 8 }
        if gz[3] & 8 != 0 { while gz[p] != 0 { p += 1 }; p += 1 }
        let raw = gz.subdata(in: p..<(gz.count - 8))
        XCTAssertEqual(try Gzip.inflate(raw, expectedSize: reference.count), reference)
        XCTAssertEqual(try Gzip.inflate(raw), reference)
        XCTAssertThrowsError(try Gzip.inflate(raw, expectedSize: 1000)) {
            guard case CompressionError.badDeflateData = $0 else { return XCTFail("unexpected \($0)") }
        }
    }
}
