import Foundation
import Imaging
@testable import Inspection
import NN
import Tensor
import TestSupport
import XCTest

final class DefectNamerTests: XCTestCase {
    /// Unit-length random rows.
    func units(_ n: Int, _ d: Int, seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return Tensor.uniform([n, d], -1, 1, using: &rng).l2Normalized(axis: -1)
    }

    func testTrainingTheAdapterLearnsToNameAndSurvivesSaving() throws {
        let (visual, text, classes) = (16, 12, 4)
        let prototypes = units(classes, text, seed: 1)
        let centres = units(classes, visual, seed: 2)
        var rng = SeededRandom(seed: 3)
        var x: [Tensor] = [], y: [Int] = []
        for i in 0..<80 {
            let c = i % classes
            x.append((centres.sliced(axis: 0, start: c, end: c + 1).reshaped([visual]) + Tensor.uniform([visual], -0.2, 0.2, using: &rng)).l2Normalized(axis: -1))
            y.append(c)
        }
        let namer = DefectNamer(scale: 32, layer: 4, visualWidth: visual, textWidth: text, seed: 5)
        let names = ["a", "b", "c", "d"]
        func accuracy() -> Double {
            Double(zip(x, y).filter { namer.rank($0, prototypes: prototypes, names: names)[0].name == names[$1] }.count) / Double(x.count)
        }
        let before = accuracy()
        let optimizer = AdamW(namedParameters: namer.adapter.namedParameters(), learningRate: 1e-2)
        var first: Float = 0, last: Float = 0
        for epoch in 0..<150 {
            optimizer.zeroGrad()
            let loss = crossEntropy(namer.logits(Tensor.stack(x, axis: 0), prototypes: prototypes), y)
            loss.backward()
            optimizer.step()
            if epoch == 0 { first = loss.item }
            last = loss.item
        }
        XCTAssertLessThan(last, first / 4)
        XCTAssertEqual(accuracy(), 1)
        XCTAssertLessThan(before, 0.9)
        let ranked = namer.rank(x[0], prototypes: prototypes, names: names)
        XCTAssertEqual(ranked.map(\.probability).reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertEqual(ranked.map(\.probability), ranked.map(\.probability).sorted(by: >))

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("namer-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try namer.save(to: url)
        let loaded = try DefectNamer.load(from: url)
        XCTAssertEqual([loaded.scale, loaded.layer], [32, 4])
        XCTAssertEqual(loaded.rank(x[5], prototypes: prototypes, names: names), namer.rank(x[5], prototypes: prototypes, names: names))
        try Data("not a namer".utf8).write(to: url)
        XCTAssertThrowsError(try DefectNamer.load(from: url))
    }

    func testDescriptorReadsTheCellsOfTheBoxAgainstTheReferenceMean() throws {
        let model = try TinyInspection.model()
        let image = TinyInspection.texture(seed: 4)
        let f = try model.features([image])[0]
        let namer = DefectNamer(scale: 32, layer: 4, visualWidth: 32, textWidth: 8)
        let tokens = f.at(32).tokens(4)
        let zero = Tensor.zeros([32])
        // 32 px scale on a 64 px image: 4x4 grid of 16 px cells; the box (0, 0, 16, 16) holds only cell 0.
        let d = namer.descriptor(f, box: (0, 0, 16, 16), referenceMean: zero)
        let expected = tokens.sliced(axis: 0, start: 0, end: 1).reshaped([32]).l2Normalized(axis: -1)
        XCTAssertEqual(d.scalars, expected.scalars)
        // A box between cell centres falls back to the nearest cell; subtracting the mean changes the vector.
        XCTAssertEqual(namer.descriptor(f, box: (60, 60, 2, 2), referenceMean: zero).scalars,
                       tokens.sliced(axis: 0, start: 15, end: 16).reshaped([32]).l2Normalized(axis: -1).scalars)
        XCTAssertNotEqual(namer.descriptor(f, box: (0, 0, 16, 16), referenceMean: tokens.mean(axis: 0)).scalars, d.scalars)
    }

    func testInspectionNamesItsRegions() throws {
        let model = try TinyInspection.model()
        let profile = try model.makeProfile(references: (0..<3).map { TinyInspection.texture(seed: UInt64($0)) })
        let namer = DefectNamer(scale: 32, layer: 4, visualWidth: 32, textWidth: 8)
        let naming = DefectNaming(namer: namer, names: ["x", "y", "z", "w"], prototypes: units(4, 8, seed: 9), keep: 2)
        let bad = try model.inspect([TinyInspection.withDefect(TinyInspection.texture(seed: 7))], profile: profile, naming: naming)[0]
        let region = try XCTUnwrap(bad.regions.first)
        XCTAssertEqual(region.names?.count, 2)
        XCTAssertTrue(Set(region.names!.map(\.name)).isSubset(of: ["x", "y", "z", "w"]))
        XCTAssertNil(try model.inspect([TinyInspection.texture(seed: 7)], profile: profile)[0].regions.first?.names)
    }
}
