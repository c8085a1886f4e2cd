import Foundation
import XCTest
@testable import ModelStore

/// Compressed vectors below were produced by Python's zlib (raw deflate, wbits -15) and gzip modules.
final class InflateTests: XCTestCase {
    func hex(_ s: String) -> Data {
        var bytes = [UInt8]()
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            bytes.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return Data(bytes)
    }

    func testStoredFixedAndDynamicBlocks() throws {
        XCTAssertEqual(try Gzip.inflate(hex("010d00f2ff68656c6c6f2c2068656c6c6f21")), Data("hello, hello!".utf8))
        XCTAssertEqual(try Gzip.inflate(hex("4b4c4a4e44450a15955500")), Data("abcabcabcabcabcabc xyz".utf8))
        let dynamic = "2d8e810d044108025bd9d600edbf8567bcdfc40d411c95fca4e7d68ba4e593eb26998a36e438dbc2c7f2c5ab1a769888bdbaf469"
            + "22ed668a5be6e2c5f826a6cdc71614c43e2045f80fb506dc403cf71a850cb7848c1eb7cede36fd00"
        let expected = "aab aa baa  caaaecaaaabab cccdabaaa abcbcecbcabababaabbaa  abacaabccaaacbbeaabaaaaacbbaabbbaccdecaeb"
            + "cabcbebbacbacaabdbbb aaabbdbbababbbbcaaabeababacaabbadaabadbaaaeababbabacbebdbcbccacaaa ecaadebbaaba"
        XCTAssertEqual(hex(dynamic)[0] >> 1 & 3, 2, "vector must use a dynamic Huffman block")
        XCTAssertEqual(String(decoding: try Gzip.inflate(hex(dynamic)), as: UTF8.self), expected)
    }

    func testGzipMembersAndChecks() throws {
        let member = hex("1f8b08000000000002034bafca2c50c84dcd4d4a2d52c8cf4be50200390c84dd10000000")
        XCTAssertEqual(try Gzip.decompress(member), Data("gzip member one\n".utf8))
        XCTAssertEqual(try Gzip.decompress(member + member), Data("gzip member one\ngzip member one\n".utf8))
        var badCRC = member
        badCRC[badCRC.count - 8] ^= 0xFF
        XCTAssertThrowsError(try Gzip.decompress(badCRC)) {
            guard case CompressionError.checksumMismatch = $0 else { return XCTFail("unexpected \($0)") }
        }
        XCTAssertThrowsError(try Gzip.decompress(member.prefix(20))) { XCTAssertEqual($0 as? CompressionError, .truncated) }
        XCTAssertThrowsError(try Gzip.decompress(Data([0x1f, 0x8c] + [UInt8](repeating: 0, count: 20)))) {
            guard case CompressionError.badGzipHeader = $0 else { return XCTFail("unexpected \($0)") }
        }
        XCTAssertThrowsError(try Gzip.inflate(Data([0x07]))) {  // final block with reserved type 3
            guard case CompressionError.badDeflateData = $0 else { return XCTFail("unexpected \($0)") }
        }
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    }

    func testRealVocabularyFile() throws {
        let url = try TestData.file("clip/bpe_simple_vocab_16e6.txt.gz")
        let start = Date()
        let text = try Gzip.decompress(Data(contentsOf: url))
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(text.count, 3_194_984, "decompressed size (crc and size already checked)")
        XCTAssertTrue(String(decoding: text.prefix(40), as: UTF8.self).hasPrefix("\"bpe_simple_vocab_16e6.txt#version: 0.2"))
        print("inflate bpe_simple_vocab_16e6.txt.gz: \(text.count) bytes in \(String(format: "%.3f", seconds)) s")
    }
}
