import Foundation
import Inspection
import XCTest
@testable import vtfusion

final class ShippedArtifactsTests: XCTestCase {
    func testDecisionTailsShipForTheDefaultRecipeAndAreUsed() throws {
        let spec = EvidenceSpec.standard(depth: 12)
        let tails = try XCTUnwrap(DecisionTailsFile.shipped(backbone: "dinov2-s-imgfocus", spec: spec))
        XCTAssertEqual(tails.tails.map(\.referenceCount), [1, 2, 4])
        XCTAssertTrue(tails.tails.allSatisfy { $0.samples.count >= 100 })
        XCTAssertTrue(tails.fittedOn.allSatisfy { !["c08", "c09", "c10", "c11", "c12", "c13"].contains(String($0.prefix(3))) },
                      "tails must be fitted on auxiliary categories only: \(tails.fittedOn)")
        // Another recipe or backbone gets none.
        XCTAssertNil(DecisionTailsFile.shipped(backbone: "dinov2-s-imgfocus", spec: .knn224(depth: 12)))
        XCTAssertNil(DecisionTailsFile.shipped(backbone: "clip-b16", spec: spec))
    }

    func testShippedDefectNamerLoads() throws {
        let namer = try DefectNamer.load(from: try DefaultHead.directory().appendingPathComponent(DefectNamingLoader.fileName))
        XCTAssertEqual([namer.scale, namer.layer], [224, 12])
        XCTAssertEqual(namer.adapter.inFeatures, 384)
    }
}
