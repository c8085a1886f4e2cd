import Imaging
import XCTest

final class RegionBoxesTests: XCTestCase {
    func testOutlineAndNumberAreDrawnAndTheInsideIsKept() {
        let image = Image(width: 40, height: 30, channels: 3, repeating: 0.5)
        let out = RegionBoxes.draw([RegionBoxes.Box(x: 10, y: 12, width: 8, height: 6, number: 7)], on: image,
                                   color: [1, 0, 0], thickness: 1)
        func px(_ x: Int, _ y: Int) -> [Float] { Array(out.samples[((y * 40 + x) * 3)..<((y * 40 + x) * 3 + 3)]) }
        XCTAssertEqual(px(10, 12), [1, 0, 0])      // corner
        XCTAssertEqual(px(17, 17), [1, 0, 0])      // opposite corner
        XCTAssertEqual(px(14, 15), [0.5, 0.5, 0.5]) // inside untouched
        XCTAssertEqual(px(30, 25), [0.5, 0.5, 0.5])  // far away untouched
        // The label above the box holds black glyph pixels of the digit 7 (top row all set).
        let label = (4..<12).flatMap { y in (10..<16).map { px($0, y) } }
        XCTAssertTrue(label.contains([0, 0, 0]))
        XCTAssertTrue(label.contains([1, 0, 0]))
        // Boxes at the border are clipped, not crashing.
        _ = RegionBoxes.draw([RegionBoxes.Box(x: 35, y: 0, width: 20, height: 40, number: 123)], on: image)
    }
}
