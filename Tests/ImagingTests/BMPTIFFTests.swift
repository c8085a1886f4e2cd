import Foundation
import XCTest
@testable import Imaging

/// BMP and TIFF decoding against Pillow-written fixtures (Scripts/make_bmp_tiff_fixtures.py).
final class BMPTIFFTests: XCTestCase {
    var dir: String { (fixturePath("gray8.png") as NSString).deletingLastPathComponent + "/formats" }

    func testDecodesPillowFixturesExactly() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/formats_expected.json"))
        let all = try JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
        XCTAssertGreaterThanOrEqual(all.count, 13)
        for (name, e) in all.sorted(by: { $0.key < $1.key }) {
            let path = dir + "/" + name
            let img = try ImageCodec.decode(path: path)
            let want = [(e["width"] as! NSNumber).intValue, (e["height"] as! NSNumber).intValue, (e["channels"] as! NSNumber).intValue]
            XCTAssertEqual([img.width, img.height, img.channels], want, name)
            XCTAssertEqual(maxAbsDiff(img.samples, ints(e["samples"])), 0, name)
            let head = try ImageCodec.header(path: path)
            XCTAssertEqual(head.format, name.hasSuffix(".bmp") ? .bmp : .tiff, name)
            XCTAssertEqual([head.width, head.height, head.channels], want, name)
        }
    }

    func testTruncatedFilesAreCorrupt() {
        for name in ["truncated.bmp", "truncated.tif"] {
            XCTAssertThrowsError(try ImageCodec.decode(path: dir + "/" + name), name) { e in
                guard case .corrupt(let p, _)? = e as? ImageError else { return XCTFail("\(name): \(e)") }
                XCTAssertTrue(p.hasSuffix(name))
            }
        }
    }

    func testUnsupportedVariantsAreRefusedWithTypedError() {
        // A TIFF declaring deflate compression (8).
        var tif: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0]
        let entries: [(UInt16, UInt16, UInt32)] = [(256, 3, 2), (257, 3, 2), (258, 3, 8), (259, 3, 8), (262, 3, 1),
                                                   (273, 4, 100), (277, 3, 1), (279, 4, 4)]
        tif += [UInt8(entries.count), 0]
        for (tag, type, value) in entries {
            tif += [UInt8(tag & 255), UInt8(tag >> 8), UInt8(type), 0, 1, 0, 0, 0]
            tif += [UInt8(value & 255), UInt8(value >> 8 & 255), 0, 0]
        }
        tif += [0, 0, 0, 0] + [UInt8](repeating: 0, count: 100)
        XCTAssertThrowsError(try ImageCodec.decode(tif, name: "deflate.tif")) { e in
            guard case .unsupported(_, let r)? = e as? ImageError else { return XCTFail("\(e)") }
            XCTAssertTrue(r.contains("compression 8"), r)
        }
    }
}
