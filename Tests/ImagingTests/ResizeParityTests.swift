import Foundation
import XCTest
@testable import Imaging

final class ResizeParityTests: XCTestCase {
    func testResizeMatchesPillowExactly() throws {
        let j = try fixtureJSON("resize_expected.json")
        func source(_ key: String) -> Image8 {
            let s = j[key] as! [String: Any]
            let w = (s["width"] as! NSNumber).intValue, h = (s["height"] as! NSNumber).intValue
            let v = ints(s["samples"]).map { UInt8($0) }
            return Image8(width: w, height: h, channels: v.count / (w * h), samples: v)
        }
        let sources = ["rgb": source("rgb"), "gray": source("gray")]
        var checked = 0
        for case let c as [String: Any] in j["cases"] as! [Any] {
            let src = sources[c["source"] as! String]!
            let filter = ResampleFilter(rawValue: c["filter"] as! String)!
            let w = (c["width"] as! NSNumber).intValue, h = (c["height"] as! NSNumber).intValue
            let out = src.resized(width: w, height: h, filter: filter)
            XCTAssertEqual([out.width, out.height, out.channels], [w, h, src.channels])
            let diff = maxAbsDiff(out.samples, ints(c["samples"]))
            XCTAssertEqual(diff, 0, "\(c["source"]!) \(filter) \(src.width)x\(src.height) -> \(w)x\(h)")
            checked += 1
        }
        XCTAssertEqual(checked, 30)
    }

    func testCLIPPreprocessingMatchesPillowPipeline() throws {
        let j = try fixtureJSON("resize_expected.json")
        let s = j["rgb"] as! [String: Any]
        let src = Image8(width: 37, height: 29, channels: 3, samples: ints(s["samples"]).map { UInt8($0) })
        for case let c as [String: Any] in j["clip"] as! [Any] {
            let size = (c["size"] as! NSNumber).intValue
            let t = src.clipPreprocessed(size: size).toTensor(.clip)
            XCTAssertEqual(t.shape, [3, size, size])
            XCTAssertLessThanOrEqual(maxAbsDiff(t.scalars, floats(c["values"])), 1e-5, "size \(size)")
        }
    }

    func testCenterCropUsesPythonRounding() {
        let img = Image8(width: 5, height: 4, channels: 1, samples: (0..<20).map { UInt8($0) })
        // (5 - 2) / 2 = 1.5 -> 2 (half to even), (4 - 1) / 2 = 1.5 -> 2.
        let c = img.centerCropped(width: 2, height: 1)
        XCTAssertEqual(c.samples, [12, 13])
        // (5 - 4) / 2 = 0.5 -> 0.
        XCTAssertEqual(img.centerCropped(width: 4, height: 4).samples.first, 0)
    }

    func testImageNetNormalisationAndChannelOrder() {
        let img = Image8(width: 2, height: 1, channels: 3, samples: [255, 0, 128, 0, 255, 64])
        let t = img.toTensor(.imagenet)
        XCTAssertEqual(t.shape, [3, 1, 2])
        let v = t.scalars
        XCTAssertEqual(v[0], (1 - 0.485) / 0.229, accuracy: 1e-6)      // R of pixel 0
        XCTAssertEqual(v[1], (0 - 0.485) / 0.229, accuracy: 1e-6)      // R of pixel 1
        XCTAssertEqual(v[3], (1 - 0.456) / 0.224, accuracy: 1e-6)      // G of pixel 1
        XCTAssertEqual(v[4], (128 / 255 - 0.406) / 0.225, accuracy: 1e-6)
    }
}
