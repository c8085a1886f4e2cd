import Foundation
import XCTest
@testable import ModelStore

/// Inputs found by `Scripts/fuzz.sh` (fuzz-zip, fuzz-gzip): each must throw `CompressionError`, never trap or
/// allocate what the header claims instead of what the data can hold.
final class CompressionFuzzRegressionTests: XCTestCase {
    /// One deflate member holding a stored block "abc" whose headers claim `uncompressedSize` bytes.
    func zip(uncompressedSize: UInt32, crc: UInt32 = 0) -> Data {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 255), UInt8(v >> 8 & 255)] }
        func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 255), UInt8(v >> 8 & 255), UInt8(v >> 16 & 255), UInt8(v >> 24)] }
        let deflate: [UInt8] = [0x01, 0x03, 0x00, 0xFC, 0xFF, 0x61, 0x62, 0x63]
        let name = Array("a.txt".utf8)
        let local = le32(0x0403_4B50) + le16(20) + le16(0) + le16(8) + le16(0) + le16(0) + le32(crc)
            + le32(UInt32(deflate.count)) + le32(uncompressedSize) + le16(name.count) + le16(0) + name + deflate
        let central = le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(8) + le16(0) + le16(0) + le32(crc)
            + le32(UInt32(deflate.count)) + le32(uncompressedSize) + le16(name.count) + le16(0) + le16(0) + le16(0)
            + le16(0) + le32(0) + le32(0) + name
        let end = le32(0x0605_4B50) + le16(0) + le16(0) + le16(1) + le16(1) + le32(UInt32(central.count))
            + le32(UInt32(local.count)) + le16(0)
        return Data(local + central + end)
    }

    /// A 4 GiB declared size on an 8-byte stream: the output buffer was malloc'd at the declared size.
    func testHugeDeclaredSizeThrowsWithoutAllocatingIt() throws {
        let archive = try ZipArchive(data: zip(uncompressedSize: 0xFFFF_FFF0))
        XCTAssertThrowsError(try archive.extract("a.txt")) { error in
            guard case CompressionError.badArchive = error else { return XCTFail("\(error)") }
        }
        // The raw entry point returns what the stream holds (the buffer grows with it, not with the claim).
        XCTAssertEqual(try Gzip.inflate(Data([0x01, 0x03, 0x00, 0xFC, 0xFF, 0x61, 0x62, 0x63]), expectedSize: Int(Int32.max)),
                       Data("abc".utf8))
    }

    func testHonestMemberStillExtracts() throws {
        let archive = try ZipArchive(data: zip(uncompressedSize: 3, crc: CRC32.checksum(Array("abc".utf8))))
        XCTAssertEqual(try archive.extract("a.txt"), Data("abc".utf8))
    }
}
