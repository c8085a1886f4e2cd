import ArgumentParser
import Evaluation
import Foundation
import Inspection
import VTFusion
import XCTest
@testable import vtfusion

/// Bad flags are refused before any work, with the typed error (or message) that names the flag.
final class ArgumentValidationTests: XCTestCase {
    /// A fresh, empty output folder path (not created).
    private func outPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vtf-cli-\(UUID().uuidString)").path
    }

    /// The message ArgumentParser prints for `arguments` of `C`, or nil when they parse and validate.
    private func parseMessage<C: ParsableCommand>(_ type: C.Type, _ arguments: [String]) -> String? {
        do { _ = try C.parse(arguments); return nil } catch { return C.message(for: error) }
    }

    func testEvalAblationNamesAreChecked() throws {
        var eval = try EvalCommand.parse(["--dataset", "folder:/nonexistent", "--out", outPath(), "--ablation", "views-calibrate"])
        XCTAssertNoThrow(try eval.validate())
        XCTAssertEqual(try eval.ablationVariants(), [.viewsCalibrate])
        eval.ablation = ["bogus"]
        XCTAssertThrowsError(try eval.validate()) { e in
            XCTAssertEqual((e as? FlagError)?.flag, "--ablation", "\(e)")
            XCTAssertTrue("\(e)".contains("map-all"), "\(e)")
        }
        eval.ablation = []
        eval.ablations = true
        XCTAssertEqual(try eval.ablationVariants(), RecipeVariant.allCases)
        // Each variant changes the default recipe in one place.
        let standard = EvidenceSpec.standard
        XCTAssertEqual(RecipeVariant.viewsCalibrate.apply(to: standard).viewsCalibrateChannels, true)
        XCTAssertEqual(RecipeVariant.viewsCalibrate.apply(to: standard).calibrationViewKind, .cropsRotations)
        XCTAssertEqual(standard.calibrationViewKind, .flips)
        XCTAssertEqual(standard.viewsCalibrateChannels, true)
        var previousMap = standard
        previousMap.mapLayers = nil
        previousMap.regionPeakFraction = nil
        XCTAssertEqual(RecipeVariant.flipViewsCalibrate.apply(to: standard), previousMap)
        let before = RecipeVariant.cropViews.apply(to: standard)
        XCTAssertNil(before.calibrationViewKind)
        XCTAssertNil(before.viewsCalibrateChannels)
        XCTAssertEqual(RecipeVariant.mapAll.apply(to: standard).mapFromAllChannels, true)
        XCTAssertEqual(RecipeVariant.learnedWeights.apply(to: standard).learnedWeightShare, 0.5)
        XCTAssertNotEqual(RecipeVariant.viewsLearned.apply(to: standard), RecipeVariant.learnedWeights.apply(to: standard))
        XCTAssertEqual(standard.views, .dihedral)
        XCTAssertEqual(RecipeVariant.rotations45.apply(to: standard).views, .rotations45)
        XCTAssertEqual(RecipeVariant.gridViews.apply(to: standard).views, .flipsRotations)
        XCTAssertEqual(RecipeVariant.gridViews.apply(to: standard), RecipeVariant.gridViews.apply(to: RecipeVariant.meanKNNAlways.apply(to: standard)),
                       "grid-views is the whole default before 2026-12-07 (evening)")
        XCTAssertEqual(standard.channels.map { $0.minReferences ?? 1 }, standard.channels.map { $0.kind == .meanKNN ? 2 : 1 })
        XCTAssertEqual(RecipeVariant.meanKNNFromTwo.apply(to: standard), previousMap)
        XCTAssertEqual(RecipeVariant.meanKNNAlways.apply(to: standard).channels.map { $0.minReferences ?? 1 }, [1, 1, 1, 1, 1, 1, 1])
        // Seven channels; the mean distance sits out object profiles. six-channels is the recipe before the feature
        // statistics at 448 px, five-channels the one before the 224 px mid-depth channel too.
        XCTAssertEqual(standard.channels.map(\.description),
                       ["patch-knn@448/L9", "patch-knn@448/L12", "patch-knn@224/L12", "mean-knn@224/L12", "feature-stats@224/L12", "patch-knn@224/L9",
                        "feature-stats@448/L9"])
        // The map from the mid-depth blocks; every variant (earlier defaults and their ablations) draws it from
        // every local patch channel, as they did.
        XCTAssertEqual(standard.mapLayers, [9])
        XCTAssertEqual(standard.regionPeakFraction, 0.5)
        for v in RecipeVariant.allCases where v != .midDepthMap && v != .midDepthMapPeakRegions {
            XCTAssertNil(v.apply(to: standard).mapLayers, v.rawValue)
            XCTAssertNil(v.apply(to: standard).regionPeakFraction, v.rawValue)
        }
        XCTAssertEqual(RecipeVariant.allDepthsMap.apply(to: standard), previousMap)
        XCTAssertEqual(RecipeVariant.midDepthMapPeakRegions.apply(to: standard), standard)
        XCTAssertEqual(RecipeVariant.midDepthMap.apply(to: standard).regionPeakFraction, nil)
        XCTAssertEqual(RecipeVariant.midDepthMap.apply(to: standard).mapLayers, [9])
        let six = RecipeVariant.sixChannels.apply(to: standard)
        XCTAssertEqual(six.channels, Array(standard.channels.prefix(6)))
        XCTAssertEqual(RecipeVariant.sixChannels.apply(to: six), six)
        XCTAssertEqual(standard.channels.map { $0.onObjects ?? true }, standard.channels.map { $0.kind != .meanKNN })
        let five = RecipeVariant.fiveChannels.apply(to: standard)
        XCTAssertEqual(five.channels.map(\.description), Array(standard.channels.map(\.description).prefix(5)))
        XCTAssertTrue(five.channels.allSatisfy { $0.onObjects == nil })
        XCTAssertEqual(RecipeVariant.mid224.apply(to: five).channels.map(\.description), six.channels.map(\.description))
        XCTAssertEqual(RecipeVariant.mid224Map.apply(to: RecipeVariant.meanKNNSurfaces.apply(to: RecipeVariant.mid224.apply(to: five))),
                       RecipeVariant.plainSum.apply(to: standard))
        // From two references the channels' z enter the sum through a softplus; the earlier defaults had plain z.
        XCTAssertEqual(standard.softplusFromReferences, 2)
        XCTAssertNil(RecipeVariant.plainSum.apply(to: standard).softplusFromReferences)
        XCTAssertEqual(standard.calibrationViews, 2)
        XCTAssertEqual(RecipeVariant.threeFlipViews.apply(to: standard).calibrationViews, 3)
        XCTAssertEqual(RecipeVariant.threeFlipViews.apply(to: standard).channels, six.channels)
        XCTAssertEqual(RecipeVariant.plainSum.apply(to: standard).channels, six.channels)
        // global-candidates records five more whole-image channels after the six-channel default's (as measured),
        // none with a map; the default's seventh channel is the third of them.
        let candidates = RecipeVariant.globalCandidates.apply(to: standard)
        XCTAssertEqual(Array(candidates.channels.prefix(6)), six.channels)
        XCTAssertEqual(candidates.channels[8], standard.channels[6])
        XCTAssertEqual(candidates.channels.dropFirst(6).map(\.description),
                       ["feature-stats@224/L9", "feature-stats@448/L12", "feature-stats@448/L9", "mean-knn@224/L9", "mean-knn@448/L12"])
        XCTAssertTrue(candidates.channels.dropFirst(6).allSatisfy { $0.family == .global && !$0.hasMap })
        XCTAssertNoThrow(try candidates.validate(depth: 12, patchSize: 14))
        XCTAssertNil(five.softplusFromReferences)
        XCTAssertNil(RecipeVariant.gridViews.apply(to: standard).softplusFromReferences)
        // The sixth channel draws the map (local family); the 224 px last-layer channels do not.
        XCTAssertEqual(standard.channels.map { $0.family == .local }, [true, true, false, false, false, true, false])
        let pair = RecipeVariant.mid224Pair.apply(to: standard)
        XCTAssertEqual(pair.channels.map(\.description), five.channels.map(\.description) + ["patch-knn@224/L6", "patch-knn@224/L9"])
        XCTAssertTrue(pair.channels.allSatisfy { $0.onObjects == nil })
        XCTAssertEqual(RecipeVariant.dihedralViews.apply(to: standard), previousMap)
        XCTAssertEqual(RecipeVariant.topHalfPercent.apply(to: standard).topFraction, 0.005)
        XCTAssertEqual(RecipeVariant.halvesCalibration.apply(to: standard).singleReference, .halves)
        XCTAssertEqual(RecipeVariant.rotations45Halves.apply(to: standard).views, .rotations45)
        XCTAssertEqual(RecipeVariant.rotations45Halves.apply(to: standard).singleReference, .halves)
        // The default masks the patch maps of objects; the variants mask more, or nothing.
        XCTAssertTrue(standard.foregroundMask)
        XCTAssertEqual(standard.maskObjectsOnly, true)
        XCTAssertEqual(standard.foregroundScope, .patchMaps)
        XCTAssertEqual(RecipeVariant.objectMaskMaps.apply(to: standard), previousMap)
        XCTAssertEqual(RecipeVariant.objectMask.apply(to: standard).foregroundScope, .allChannels)
        XCTAssertNil(RecipeVariant.foregroundMask.apply(to: standard).maskObjectsOnly)
        XCTAssertFalse(RecipeVariant.noMask.apply(to: standard).foregroundMask)
        XCTAssertEqual(RecipeVariant.allCases.filter { $0.apply(to: standard) == previousMap },
                       [.flipViewsCalibrate, .meanKNNFromTwo, .dihedralViews, .objectMaskMaps, .mid224, .meanKNNSurfaces, .mid224Map, .allDepthsMap],
                       "every variant but the seven kept for old commands (and the previous map) changes the recipe's score")
    }

    func testTrainFlagsRaiseFlagErrorNamingTheFlag() throws {
        var train = try TrainCommand.parse(["--dataset", "folder:/nonexistent", "--out", outPath()])
        XCTAssertNoThrow(try train.validate())
        train.steps = 0
        XCTAssertThrowsError(try train.validate()) { e in
            XCTAssertEqual((e as? FlagError)?.flag, "--steps", "\(e)")
            XCTAssertTrue("\(e)".hasPrefix("--steps: expected 1..."), "\(e)")
        }
        train.steps = 10
        train.learningRate = .nan
        XCTAssertThrowsError(try train.validate()) { XCTAssertEqual(($0 as? FlagError)?.flag, "--learning-rate", "\($0)") }
        train.learningRate = 1e-3
        train.batch = CommandLineChecks.maxBatch + 1
        XCTAssertThrowsError(try train.validate()) { XCTAssertEqual(($0 as? FlagError)?.flag, "--batch", "\($0)") }
        train.batch = 4
        train.textures = ["/nonexistent-textures"]
        XCTAssertThrowsError(try train.validate()) { e in
            XCTAssertEqual(e as? FlagError, FlagError("--textures", "/nonexistent-textures: no such folder"))
        }
    }

    func testThreadsFlagIsChecked() throws {
        let message = parseMessage(TrainCommand.self, ["--dataset", "folder:/x", "--out", outPath(), "--threads", "0"])
        XCTAssertEqual(message, "--threads: expected a thread count between 1 and 1024, got '0'")
    }

    func testDetectRefusesBadFlagsWithMessagesNamingThem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtf-cli-in-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = ["--refs", dir.path, "--images", dir.path, "--out", outPath()]
        XCTAssertNil(parseMessage(DetectCommand.self, base))
        XCTAssertEqual(parseMessage(DetectCommand.self, ["--images", dir.path, "--out", outPath()]),
                       "--refs: give at least one reference image or folder of good parts (or --profile)")
        XCTAssertEqual(parseMessage(DetectCommand.self, base + ["--threshold-far", "1.5"]),
                       "--threshold-far must be between 0 and 0.5 (e.g. 0.01), got 1.5")
        XCTAssertEqual(parseMessage(DetectCommand.self, base + ["--batch-size", "0"]), "--batch-size must be >= 1")
        XCTAssertEqual(parseMessage(DetectCommand.self, base + ["--sensitivity", "1.5"]), "--sensitivity must be between 0 and 1, got 1.5")
        XCTAssertEqual(parseMessage(DetectCommand.self, base + ["--min-area=-1"]), "--min-area must be between 0 and 100000000 pixels, got -1")
        XCTAssertEqual(parseMessage(DetectCommand.self, ["--refs", dir.path + "/missing.png", "--images", dir.path, "--out", outPath()]),
                       "\(dir.path)/missing.png: no such file or folder")
        let recipe = parseMessage(DetectCommand.self, base + ["--recipe", "magic"]) ?? ""
        XCTAssertTrue(recipe.contains("--recipe") && recipe.contains("magic"), recipe)
    }

    func testUnknownModelNamesListTheRegistry() throws {
        let models = try ModelOptions.parse(["--backbone", "resnet50"])
        XCTAssertThrowsError(try models.loadBackbone(name: "resnet50", imageSize: nil)) { e in
            guard case let .unknownName(kind, name, known)? = e as? PipelineError else { return XCTFail("\(e)") }
            XCTAssertEqual(kind, "backbone")
            XCTAssertEqual(name, "resnet50")
            XCTAssertTrue(known.contains("dinov2-s-imgfocus") && known.contains("dinov2-tiny-random"), "\(known)")
        }
        XCTAssertThrowsError(try models.loadText(name: "gpt2", clip: nil, backboneName: "resnet50")) { e in
            XCTAssertEqual((e as? PipelineError).map { "\($0)" }?.hasPrefix("unknown text encoder 'gpt2'"), true, "\(e)")
        }
    }

    func testBenchRefusesAnUnknownCase() throws {
        var bench = try BenchCommand.parse(["--cases", "no-such-case", "--no-torch"])
        XCTAssertThrowsError(try bench.run()) { e in
            XCTAssertTrue("\(e)".contains("no benchmark case matches 'no-such-case'"), "\(e)")
        }
    }
}
