import Foundation
import XCTest
@testable import Imaging

final class PostprocessTests: XCTestCase {
    func testGaussianBlurMatchesScipy() throws {
        let j = try fixtureJSON("blur_expected.json")
        let w = (j["width"] as! NSNumber).intValue, h = (j["height"] as! NSNumber).intValue
        let input = floats(j["input"])
        for case let c as [String: Any] in j["cases"] as! [Any] {
            let sigma = (c["sigma"] as! NSNumber).floatValue
            let out = GaussianBlur.apply(input, width: w, height: h, sigma: sigma)
            XCTAssertLessThanOrEqual(maxAbsDiff(out, floats(c["output"])), 2e-6, "sigma \(sigma)")
        }
        // The image API defaults to sigma 4 and blurs channels independently.
        let img = Image(width: w, height: h, channels: 1, samples: input)
        XCTAssertEqual(img.gaussianBlurred().samples, GaussianBlur.apply(input, width: w, height: h, sigma: 4))
    }

    func testBilinearUpsamplingFollowsAlignCornersFalse() {
        // torch: F.interpolate([[0, 1]], size=4, mode="linear", align_corners=False) = [0, .25, .75, 1].
        let m = Image(width: 2, height: 1, channels: 1, samples: [0, 1])
        XCTAssertEqual(m.upsampledBilinear(width: 4, height: 1).samples, [0, 0.25, 0.75, 1])
        let c = Image(width: 3, height: 2, channels: 1, repeating: 0.3).upsampledBilinear(width: 7, height: 5)
        XCTAssertTrue(c.samples.allSatisfy { abs($0 - 0.3) < 1e-6 })
    }

    func testColormapEndpoints() {
        let jet0 = Colormap.jet.color(0), jet1 = Colormap.jet.color(1), jetMid = Colormap.jet.color(0.5)
        XCTAssertEqual([jet0.r, jet0.g, jet0.b], [0, 0, 0.5])
        XCTAssertEqual([jet1.r, jet1.g, jet1.b], [0.5, 0, 0])
        XCTAssertGreaterThan(jetMid.g, 0.9)                        // green in the middle
        // Reference values from matplotlib's colormaps at 0, 0.3, 0.7, 0.9, 1.
        let reference: [(Colormap, Float, [Float])] = [
            (.viridis, 0, [0.267, 0.0049, 0.3294]), (.viridis, 0.3, [0.2068, 0.3718, 0.5531]),
            (.viridis, 0.7, [0.2669, 0.7488, 0.4406]), (.viridis, 1, [0.9932, 0.9062, 0.1439]),
            (.turbo, 0, [0.19, 0.0718, 0.2322]), (.turbo, 0.3, [0.0975, 0.8371, 0.8034]),
            (.turbo, 0.7, [0.9961, 0.6428, 0.1916]), (.turbo, 0.9, [0.7648, 0.1437, 0.0104]),
            (.jet, 0.3, [0, 0.6922, 1]), (.jet, 0.7, [1, 0.7705, 0]), (.jet, 0.9, [0.9456, 0.0298, 0]),
        ]
        for (map, t, e) in reference {
            let c = map.color(t)
            for (a, b) in zip([c.r, c.g, c.b], e) { XCTAssertEqual(a, b, accuracy: 0.02, "\(map) at \(t)") }
        }
        XCTAssertEqual(Colormap.turbo.table.count, 768)
    }

    func testOverlayAndPanelPixels() throws {
        // Gray image 0.5; a map with a hot 4x4 square in a cold background.
        let w = 12, h = 10
        let image = Image(width: w, height: h, channels: 1, repeating: 0.5)
        var map = Image(width: w, height: h, channels: 1, repeating: 0)
        for y in 3..<7 { for x in 4..<8 { map[x, y, 0] = 10 } }
        let range = ScoreRange(lo: 0, hi: 10)
        let over = Heatmap.overlay(image: image, map: map, range: range, colormap: .jet, alpha: 0.5)
        // Hot pixel: 0.5 * 0.5 + 0.5 * jet(1) = (0.5, 0.25, 0.25): red-ish. Cold: (0.25, 0.25, 0.5): blue-ish.
        XCTAssertEqual(over[5, 5, 0], 0.5, accuracy: 1e-6)
        XCTAssertEqual(over[5, 5, 1], 0.25, accuracy: 1e-6)
        XCTAssertEqual(over[0, 0, 2], 0.5, accuracy: 1e-6)
        XCTAssertEqual(over[0, 0, 0], 0.25, accuracy: 1e-6)
        // The same range on a second, calmer map keeps cold pixels the same colour (one normalisation per run).
        let calm = Image(width: w, height: h, channels: 1, repeating: 0)
        XCTAssertEqual(Heatmap.overlay(image: image, map: calm, range: range)[0, 0, 2], over[0, 0, 2])

        var gt = Image(width: w, height: h, channels: 1, repeating: 0)
        gt[5, 5, 0] = 1
        let panel = Heatmap.panel(image: image, map: map, range: range, groundTruth: gt, threshold: 5, gap: 2)
        XCTAssertEqual(panel.width, 4 * w + 3 * 2)
        XCTAssertEqual(panel.height, h)
        let ox = 2 * (w + 2)                                   // third pane: overlay with contour
        // (4, 3) is on the square's boundary: white contour. (5, 5) is inside: overlay colour.
        XCTAssertEqual([panel[ox + 4, 3, 0], panel[ox + 4, 3, 1], panel[ox + 4, 3, 2]], [1, 1, 1])
        XCTAssertEqual(panel[ox + 5, 5, 1], 0.25, accuracy: 1e-6)
        XCTAssertEqual(panel[ox + 3, 3, 0], 0.25, accuracy: 1e-6)  // just outside: not contour
        // Second pane is the colourised map: hot = jet(1) = dark red.
        XCTAssertEqual([panel[w + 2 + 5, 5, 0], panel[w + 2 + 5, 5, 2]], [0.5, 0])
        // Gap column is white; ground-truth pane shows the marked pixel.
        XCTAssertEqual(panel[w, 0, 1], 1)
        let gx = 3 * (w + 2)
        XCTAssertEqual(panel[gx + 5, 5, 0], 1)
        XCTAssertEqual(panel[gx + 6, 5, 0], 0)

        // Written as PNG and read back: the same pixels, 8-bit.
        let dir = try temporaryDirectory(self)
        try ImageCodec.writePNG(panel, to: dir + "/panel.png")
        let back = try ImageCodec.decode(path: dir + "/panel.png")
        XCTAssertEqual([back.width, back.height, back.channels], [panel.width, panel.height, 3])
        XCTAssertEqual(back[ox + 4, 3, 1], 255)
        XCTAssertEqual(back[ox + 5, 5, 0], 128)                 // round(0.5 * 255)
        XCTAssertEqual(back[ox + 5, 5, 1], 64)                  // round(0.25 * 255)
    }
}
