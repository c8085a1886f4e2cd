import Foundation
import Benchmark
import Imaging
import Tensor
import XCTest
@testable import Evaluation

/// The benchmark builder's output read back through the dataset loaders and the validator.
final class BenchmarkDatasetTests: XCTestCase {
    /// GIMP patterns when installed, else generated textures (Perlin noise in distinct tints).
    func textureDirectories(_ root: URL) throws -> [String] {
        let gimp = "/usr/share/gimp/2.0/patterns"
        if TextureSources.textureFileCount(in: gimp, limit: 20) >= 20 { return [gimp] }
        let dir = root.appendingPathComponent("textures").path
        for k in 0..<8 {
            var rng = SeededRandom(seed: UInt64(k))
            let f = PerlinNoise(cellsX: 2 + k % 5, cellsY: 3 + k % 4, rng: &rng).field(width: 64, height: 64)
            let tint = [rng.nextFloat(), rng.nextFloat(), rng.nextFloat()]
            var samples = [Float](repeating: 0, count: 64 * 64 * 3)
            for i in samples.indices {
                let v: Float = 0.5 + f.samples[i / 3] * tint[i % 3]
                samples[i] = min(1, max(0, v))
            }
            try ImageCodec.writePNG(Image(width: 64, height: 64, channels: 3, samples: samples), to: dir + "/tex\(k).png")
        }
        return [dir]
    }

    func buildTiny(_ root: URL, categories: Int = 4) throws -> (URL, BenchmarkManifest) {
        var config = BenchmarkConfig(textureDirectories: try textureDirectories(root))
        config.categories = categories
        config.imageSize = 48
        config.trainGood = 3
        config.testGood = 2
        config.defectsPerFamily = 1
        config.seed = 7
        let out = root.appendingPathComponent("bench")
        return (out, try BenchmarkBuilder.build(config, into: out.path))
    }

    func testBuiltBenchmarkLoadsThroughMVTecLoader() throws {
        let root = try makeTemporaryDirectory(self)
        let (out, manifest) = try buildTiny(root)
        XCTAssertEqual(try DatasetFormat.detect(root: out), .mvtec)
        let categories = try DatasetLoader.load(try DatasetSpec(parsing: "mvtec:" + out.path))
        XCTAssertEqual(categories.map(\.name), manifest.categories.map(\.name).sorted())
        let families = Set(DefectFamily.allCases.map(\.rawValue))
        XCTAssertEqual(families.count, 6)
        for c in categories {
            XCTAssertEqual(c.trainGood.count, 3, c.name)
            XCTAssertEqual(c.normalCount, 2, c.name)
            XCTAssertEqual(c.anomalousCount, families.count, c.name)
            XCTAssertEqual(Set(c.test.filter(\.isAnomalous).map(\.defectType)), families)
            for s in c.test where s.isAnomalous {
                let mask = try XCTUnwrap(s.maskPath, "\(s.imagePath.path) has no mask")
                let imageSize = try ImageSizeReader.size(of: s.imagePath)
                let maskSize = try ImageSizeReader.size(of: mask)
                XCTAssertTrue(imageSize == (48, 48) && maskSize == (48, 48), "\(imageSize) \(maskSize)")
                let m = try ImageCodec.loadMask(path: mask.path)
                XCTAssertTrue(m.samples.allSatisfy { $0 == 0 || $0 == 255 }, "\(mask.path) is not binary")
                XCTAssertTrue(m.samples.contains(255), "\(mask.path) is empty")
            }
            try c.validateMasks(imageSize: ImageSizeReader.size(of:))
        }
        let report = DatasetValidator.validate(DatasetSpec(format: .mvtec, root: out))
        XCTAssertTrue(report.isValid, report.problems.map(\.description).joined(separator: "\n"))
        XCTAssertEqual(report.filesChecked, 4 * (3 + 2 + 6 + 6))

        // The split recorded in benchmark.json: half auxiliary, half target, covering every category once.
        let data = try Data(contentsOf: out.appendingPathComponent("benchmark.json"))
        let saved = try JSONDecoder().decode(BenchmarkManifest.self, from: data)
        XCTAssertEqual(saved, manifest)
        XCTAssertEqual(saved.format, "mvtec-ad")
        XCTAssertEqual(saved.auxiliary.count, 2)
        XCTAssertEqual(saved.target.count, 2)
        XCTAssertEqual(Set(saved.auxiliary + saved.target), Set(categories.map(\.name)))
        XCTAssertTrue(Set(saved.auxiliary).isDisjoint(with: saved.target))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let roles = (json["categories"] as? [[String: Any]])?.compactMap { $0["role"] as? String }
        XCTAssertEqual(roles?.sorted(), ["auxiliary", "auxiliary", "target", "target"])
    }

    func testValidatorReportsEveryProblemNotJustTheFirst() throws {
        let root = try makeTemporaryDirectory(self)
        let (out, manifest) = try buildTiny(root, categories: 3)
        let names = manifest.categories.map(\.name).sorted()
        let fm = FileManager.default
        let c0 = out.appendingPathComponent(names[0]), c1 = out.appendingPathComponent(names[1])
        // Two missing masks in one category (the loader stops at the first), a small mask, a non-image.
        try fm.removeItem(at: c0.appendingPathComponent("ground_truth/crack/000_mask.png"))
        try fm.removeItem(at: c0.appendingPathComponent("ground_truth/dent/000_mask.png"))
        let smallMask = c1.appendingPathComponent("ground_truth/stain/000_mask.png")
        try ImageCodec.writePNG(Image8(width: 24, height: 48, channels: 1, repeating: 0), to: smallMask.path)
        let garbage = c1.appendingPathComponent("train/good/001.png")
        try Data("not a png".utf8).write(to: garbage)

        var lines: [String] = []
        let report = DatasetValidator.validate(DatasetSpec(format: .mvtec, root: out)) { lines.append($0) }
        XCTAssertEqual(lines.count, 3)
        XCTAssertFalse(report.isValid)
        XCTAssertEqual(report.problems.count, 4, report.problems.map(\.description).joined(separator: "\n"))
        let missing = report.problems.compactMap { p -> String? in
            if case .missingMask(let image, _) = p { return image.path } else { return nil }
        }
        XCTAssertEqual(missing.sorted(), [c0.appendingPathComponent("test/crack/000.png").path,
                                          c0.appendingPathComponent("test/dent/000.png").path])
        XCTAssertTrue(report.problems.contains(.maskSizeMismatch(
            image: c1.appendingPathComponent("test/stain/000.png"), mask: smallMask,
            imageWidth: 48, imageHeight: 48, maskWidth: 24, maskHeight: 48)))
        XCTAssertTrue(report.problems.contains { p in
            if case .unreadable(let url, let reason) = p { return url == garbage && reason.contains("unknown image format") }
            return false
        })
        // The broken category is not counted as loaded; the other two are.
        XCTAssertEqual(report.categories.map(\.name), [names[1], names[2]])
    }

    func testValidatorListsAllMissingMasksOfAPlainFolder() throws {
        let root = try makeTemporaryDirectory(self)
        try touch(root, ["good/g.png", "scratch/a.png", "scratch/b.png", "scratch/c.png", "masks/scratch/b_mask.png"])
        XCTAssertThrowsError(try FolderLoader(root: root).load())  // the loader stops at a.png
        let report = DatasetValidator.validate(DatasetSpec(format: .folder, root: root)) { _ in (width: 8, height: 8) }
        let missing = report.problems.compactMap { p -> String? in
            if case .missingMask(let image, _) = p { return image.lastPathComponent } else { return nil }
        }
        XCTAssertEqual(missing, ["a.png", "c.png"])
        XCTAssertEqual(report.problems.count, 2)
    }

    func testValidatorListsAllMissingFilesOfAVisASplit() throws {
        let root = try makeTemporaryDirectory(self)
        try touch(root, ["candle/a.png", "candle/b.png", "candle/b_mask.png"])
        let csv = "object,split,label,image,mask\ncandle,train,normal,candle/a.png,\n"
            + "candle,test,anomaly,candle/b.png,candle/b_mask.png\ncandle,test,anomaly,candle/x.png,candle/b_mask.png\n"
            + "candle,test,anomaly,candle/b.png,candle/y_mask.png\n"
        try touch(root, ["split_csv/1cls.csv"], contents: Data(csv.utf8))
        let report = DatasetValidator.validate(DatasetSpec(format: .visa, root: root)) { _ in (width: 8, height: 8) }
        let listed = report.problems.compactMap { p -> String? in
            if case .missingFile(let url, _, let line) = p { return "\(url.lastPathComponent):\(line)" } else { return nil }
        }
        XCTAssertEqual(listed, ["x.png:4", "y_mask.png:5"])
        XCTAssertEqual(report.problems.count, 2)
    }

    func testSizeReaderSwapsForExifRotationAndFallsBackToWholeFile() throws {
        let jpeg = try XCTUnwrap(Bundle.module.url(forResource: "exif6", withExtension: "jpg", subdirectory: "Fixtures"))
        XCTAssertTrue(try ImageSizeReader.size(of: jpeg) == (14, 21))
        XCTAssertTrue(try ImageSizeReader.decodedSize(of: jpeg) == (14, 21))
        let saved = ImageSizeReader.prefixBytes
        defer { ImageSizeReader.prefixBytes = saved }
        ImageSizeReader.prefixBytes = 16  // too short for any header: the whole file must be read
        XCTAssertTrue(try ImageSizeReader.size(of: jpeg) == (14, 21))

        let root = try makeTemporaryDirectory(self)
        let png = root.appendingPathComponent("a.png")
        try ImageCodec.writePNG(Image8(width: 30, height: 20, channels: 3, repeating: 9), to: png.path)
        XCTAssertTrue(try ImageSizeReader.size(of: png) == (30, 20))
        let empty = root.appendingPathComponent("empty.png")
        try Data().write(to: empty)
        XCTAssertThrowsError(try ImageSizeReader.size(of: empty)) { XCTAssertEqual($0 as? ImageError, .empty(path: empty.path)) }
        let gone = root.appendingPathComponent("gone.png")
        XCTAssertThrowsError(try ImageSizeReader.size(of: gone)) { XCTAssertEqual($0 as? ImageError, .notFound(path: gone.path)) }
    }

    func testTextureDiscoveryHonoursEnvironmentAndNamesPackagesWhenEmpty() throws {
        let root = try makeTemporaryDirectory(self)
        let dir = root.appendingPathComponent("mine")
        try ImageCodec.writePNG(Image8(width: 64, height: 64, channels: 3, repeating: 90), to: dir.path + "/t.png")
        setenv("VTFUSION_TEXTURES", dir.path, 1)
        defer { unsetenv("VTFUSION_TEXTURES") }
        XCTAssertEqual(try TextureSources.discover().first, dir.path)
        let message = TextureSourceError.noneFound(searched: TextureSources.locations).description
        XCTAssertTrue(message.contains("apt-get install gimp-data gimp-data-extras"), message)
        XCTAssertTrue(message.contains("--textures DIR"), message)
        XCTAssertTrue(message.contains("/usr/share/gimp/2.0/patterns"), message)
    }
}
