import Foundation
import XCTest
@testable import Imaging

final class CodecTests: XCTestCase {
    func expected(_ key: String) throws -> (w: Int, h: Int, c: Int, samples: [Int]) {
        let all = try fixtureJSON("decode_expected.json")
        let e = all[key] as! [String: Any]
        return ((e["width"] as! NSNumber).intValue, (e["height"] as! NSNumber).intValue,
                (e["channels"] as! NSNumber).intValue, ints(e["samples"]))
    }

    func testPNGVariantsDecodeExactly() throws {
        for (name, depth, channels) in [("gray1.png", 8, 1), ("gray8.png", 8, 1), ("graya.png", 8, 2), ("rgb8.png", 8, 3),
                                        ("rgba8.png", 8, 4), ("palette.png", 8, 3), ("gray16.png", 16, 1),
                                        ("rgb16.png", 16, 3)] {
            let path = fixturePath(name)
            let head = try ImageCodec.header(path: path)
            XCTAssertEqual(head.format, .png, name)
            XCTAssertEqual(head.bitDepth, depth, name)
            XCTAssertEqual(head.channels, channels, name)
            let e = try expected(name)
            if depth == 16 {
                let img = try ImageCodec.decode16(path: path)
                XCTAssertEqual([img.width, img.height, img.channels], [e.w, e.h, e.c], name)
                XCTAssertEqual(maxAbsDiff(img.samples, e.samples), 0, name)
            } else {
                let img = try ImageCodec.decode(path: path)
                XCTAssertEqual([img.width, img.height, img.channels], [e.w, e.h, e.c], name)
                XCTAssertEqual(maxAbsDiff(img.samples, e.samples), 0, name)
            }
        }
        // 16-bit RGB through the 8-bit path keeps the high byte, like Pillow.
        let e8 = try expected("rgb16.png#8")
        XCTAssertEqual(maxAbsDiff(try ImageCodec.decode(path: fixturePath("rgb16.png")).samples, e8.samples), 0)
        // RGB conversion of gray+alpha replicates gray and drops alpha.
        let la = try ImageCodec.loadRGB(path: fixturePath("graya.png"))
        let g = try expected("gray8.png")
        XCTAssertEqual(la.channels, 3)
        XCTAssertEqual(maxAbsDiff((0..<la.pixelCount).map { la.samples[3 * $0 + 1] }, g.samples), 0)
    }

    func testJPEGVariantsMatchPillow() throws {
        for name in ["baseline.jpg", "progressive.jpg", "gray.jpg", "exif3.jpg", "exif6.jpg", "exif8.jpg"] {
            let img = try ImageCodec.decode(path: fixturePath(name))
            let e = try expected(name)
            XCTAssertEqual([img.width, img.height, img.channels], [e.w, e.h, e.c], name)
            XCTAssertLessThanOrEqual(maxAbsDiff(img.samples, e.samples), 1, name)
        }
        XCTAssertEqual(EXIF.orientation(jpeg: try ImageCodec.readFile(fixturePath("exif6.jpg"))), 6)
        XCTAssertNil(EXIF.orientation(jpeg: try ImageCodec.readFile(fixturePath("baseline.jpg"))))
        // Orientation 6 swaps the axes; with orientation disabled the stored layout comes back.
        let raw = try ImageCodec.decode(path: fixturePath("exif6.jpg"), options: DecodeOptions(applyOrientation: false))
        let e = try expected("exif6.jpg#raw")
        XCTAssertEqual([raw.width, raw.height], [e.w, e.h])
        XCTAssertLessThanOrEqual(maxAbsDiff(raw.samples, e.samples), 1)
    }

    func testRejectsBrokenFilesWithTypedErrors() throws {
        let dir = try temporaryDirectory(self)
        let png = try ImageCodec.readFile(fixturePath("rgb8.png"))
        let jpg = try ImageCodec.readFile(fixturePath("baseline.jpg"))
        func write(_ name: String, _ bytes: [UInt8]) -> String {
            let p = dir + "/" + name
            FileManager.default.createFile(atPath: p, contents: Data(bytes))
            return p
        }
        let cases: [(String, [UInt8], (ImageError) -> Bool)] = [
            ("zero.png", [], { if case .empty = $0 { return true }; return false }),
            ("magic.png", Array("GIF89a not an image".utf8), { if case .unknownFormat = $0 { return true }; return false }),
            ("trunc.png", Array(png.prefix(png.count / 2)), { if case .corrupt = $0 { return true }; return false }),
            ("trunc_head.png", Array(png.prefix(20)), { if case .corrupt = $0 { return true }; return false }),
            ("trunc.jpg", Array(jpg.prefix(jpg.count * 2 / 3)), { if case .corrupt = $0 { return true }; return false }),
            ("trunc_head.jpg", Array(jpg.prefix(10)), { if case .corrupt = $0 { return true }; return false }),
        ]
        for (name, bytes, matches) in cases {
            let path = write(name, bytes)
            do {
                _ = try ImageCodec.decode(path: path)
                XCTFail("\(name) decoded")
            } catch let e as ImageError {
                XCTAssertTrue(matches(e), "\(name): \(e)")
                XCTAssertTrue(e.description.contains(path), "error names the file: \(e)")
            }
        }
        // Corrupt CRC in the middle of the file.
        var bad = png
        bad[bad.count - 20] ^= 0xFF
        XCTAssertThrowsError(try ImageCodec.decode(path: write("crc.png", bad)))
        XCTAssertThrowsError(try ImageCodec.decode(path: dir + "/missing.png")) { e in
            XCTAssertEqual(e as? ImageError, .notFound(path: dir + "/missing.png"))
        }
    }

    func testPixelCapIsCheckedBeforeDecoding() throws {
        let huge = fixturePath("huge_header.png")
        XCTAssertThrowsError(try ImageCodec.decode(path: huge)) { e in
            XCTAssertEqual(e as? ImageError, .tooLarge(path: huge, width: 30000, height: 30000, maxPixels: 64_000_000))
        }
        let small = DecodeOptions(maxPixels: 100)
        XCTAssertThrowsError(try ImageCodec.decode(path: fixturePath("rgb8.png"), options: small))   // 13x9 = 117
        XCTAssertThrowsError(try ImageCodec.decode(path: fixturePath("baseline.jpg"), options: small))
        XCTAssertNoThrow(try ImageCodec.decode(path: fixturePath("rgb8.png"), options: DecodeOptions(maxPixels: 117)))
    }

    func testPNGRoundTrip8And16Bit() throws {
        let dir = try temporaryDirectory(self)
        var rng = 12345 as UInt32
        func next() -> UInt32 { rng = rng &* 1_664_525 &+ 1_013_904_223; return rng >> 8 }
        for c in [1, 3] {
            let img8 = Image8(width: 7, height: 5, channels: c, samples: (0..<35 * c).map { _ in UInt8(next() & 255) })
            try ImageCodec.writePNG(img8, to: dir + "/a\(c).png")
            XCTAssertEqual(try ImageCodec.decode(path: dir + "/a\(c).png").samples, img8.samples)
            let img16 = Image16(width: 7, height: 5, channels: c, samples: (0..<35 * c).map { _ in UInt16(next() & 65535) })
            try ImageCodec.writePNG(img16, to: dir + "/b\(c).png")
            XCTAssertEqual(try ImageCodec.header(path: dir + "/b\(c).png").bitDepth, 16)
            XCTAssertEqual(try ImageCodec.decode16(path: dir + "/b\(c).png").samples, img16.samples)
        }
        // No temporary files are left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".") }, [])
    }
}
