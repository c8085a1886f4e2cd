import Foundation
import Tensor
import XCTest
@testable import Backbones

/// `DINOv2.synthetic` (used by `vtfusion bench`): the same parameters as a real checkpoint, filled with
/// ``SyntheticWeights``.
final class DINOv2SyntheticTests: XCTestCase {
    func testSyntheticModelHasTheCheckpointsParametersWithSyntheticValues() throws {
        let model = try DINOv2.synthetic(tinyDINOv2Config)
        let hub = DINOv2.sanitize(try fixture("dinov2_tiny_hub"))
        XCTAssertEqual(Set(model.params.tensors.keys), Set(hub.keys))
        for (key, t) in model.params.tensors {
            XCTAssertEqual(t.shape, hub[key]!.shape, key)
            XCTAssertEqual(t.scalars, SyntheticWeights.tensor(key: key, shape: t.shape).scalars, key)
        }
        // Layer-norm weights sit near 1, matrices are scaled by fan-in: the forward stays finite.
        XCTAssertEqual(model.params["layernorm.weight"].scalars.allSatisfy { abs($0 - 1) <= 0.1 }, true)
        let (taps, last) = try model.forward(images: Tensor.ones([1, 3, 42, 28]), layers: [2])
        XCTAssertEqual(taps[0].shape, [1, 7, 48])
        XCTAssertEqual(last.shape, [1, 7, 48])
        XCTAssertTrue(last.scalars.allSatisfy { $0.isFinite })
    }
}
