import Foundation
import Tensor
import XCTest
import Imaging
@testable import Benchmark

final class BenchmarkTests: XCTestCase {
    /// Real textures when installed (GIMP patterns, extracted OpenArena), else generated ones.
    func textureDirectories() throws -> [String] {
        let real = BenchmarkConfig.defaultTextureDirectories.filter { FileManager.default.fileExists(atPath: $0) }
        if !real.isEmpty { return real }
        let dir = try temporaryDirectory(self) + "/textures"
        for k in 0..<14 {
            var rng = SeededRandom(seed: UInt64(k))
            let f = PerlinNoise(cellsX: 2 + k % 5, cellsY: 3 + k % 4, rng: &rng).field(width: 64, height: 64, degrees: Float(k * 13))
            let tint = [rng.nextFloat(), rng.nextFloat(), rng.nextFloat()]
            var samples = [Float](repeating: 0, count: 64 * 64 * 3)
            for i in 0..<samples.count {
                let v: Float = 0.5 + f.samples[i / 3] * tint[i % 3]
                samples[i] = min(1, max(0, v))
            }
            try ImageCodec.writePNG(Image(width: 64, height: 64, channels: 3, samples: samples), to: dir + "/tex\(k).png")
        }
        return [dir]
    }

    func texturedImage(_ size: Int, seed: UInt64) -> Image {
        var rng = SeededRandom(seed: seed)
        let f = PerlinNoise(cellsX: 8, cellsY: 8, rng: &rng).field(width: size, height: size)
        return Image(width: size, height: size, channels: 3, samples: (0..<(size * size * 3)).map { 0.5 + 0.5 * f.samples[$0 / 3] })
    }

    func testDefectPaintersChangeExactlyTheMaskedPixels() {
        let size = 96
        let base = texturedImage(size, seed: 1)
        let foreign = Image8(width: 20, height: 20, channels: 3, samples: (0..<1200).map { UInt8(($0 * 37) % 256) })
        for fam in DefectFamily.allCases {
            for seed in 0..<3 as Range<UInt64> {
                var rng = SeededRandom(seed: seed)
                let (img, mask) = DefectPainter.paint(fam, on: base, foreign: foreign, rng: &rng)
                var inside = 0, changedInside = 0
                for i in 0..<(size * size) {
                    let diff = (0..<3).map { abs(img.samples[3 * i + $0] - base.samples[3 * i + $0]) }.max()!
                    if mask.samples[i] == 0 {
                        XCTAssertEqual(diff, 0, "\(fam) changed an unmasked pixel")
                    } else {
                        inside += 1
                        if diff > 1.0 / 255 { changedInside += 1 }
                    }
                }
                XCTAssertGreaterThan(inside, 10, "\(fam) seed \(seed): mask too small")
                XCTAssertLessThan(inside, size * size / 2, "\(fam) seed \(seed): mask too large")
                XCTAssertGreaterThan(Double(changedInside), 0.6 * Double(inside), "\(fam) seed \(seed): defect too faint")
            }
        }
    }

    func testDefaultBuildIsMVTecLayoutSplitAndDeterministic() throws {
        let dirs = try textureDirectories()
        let out = try temporaryDirectory(self) + "/bench"
        var config = BenchmarkConfig(textureDirectories: dirs)
        config.seed = 7
        let start = Date()
        var reports: [(done: Int, total: Int, name: String, inPlace: Bool)] = []
        let m = try BenchmarkBuilder.build(config, into: out) { done, total, category in
            reports.append((done, total, category.name, FileManager.default.fileExists(atPath: out + "/" + category.name)))
        }
        let seconds = Date().timeIntervalSince(start)
        // One progress report per category, counting up, each after its folder was renamed into place.
        XCTAssertEqual(reports.map(\.done), Array(1...10))
        XCTAssertEqual(Set(reports.map(\.total)), [10])
        XCTAssertEqual(Set(reports.map(\.name)), Set(m.categories.map(\.name)))
        XCTAssertTrue(reports.allSatisfy(\.inPlace))
        print("default benchmark (\(m.categories.count) categories, \(config.imageSize) px) built in \(seconds) s")
        XCTAssertEqual(m.categories.count, 10)
        XCTAssertEqual(m.auxiliary.count, 5)
        XCTAssertEqual(m.target.count, 5)
        XCTAssertTrue(Set(m.auxiliary).isDisjoint(with: m.target))
        let fm = FileManager.default
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: out).filter { $0.hasPrefix(".") }, [], "no partial output")
        for cat in m.categories {
            let root = out + "/" + cat.name
            XCTAssertEqual(try fm.contentsOfDirectory(atPath: root + "/train/good").count, config.trainGood)
            XCTAssertEqual(try fm.contentsOfDirectory(atPath: root + "/test/good").count, config.testGood)
            for fam in DefectFamily.allCases {
                let imgs = try fm.contentsOfDirectory(atPath: root + "/test/" + fam.rawValue).sorted()
                let masks = try fm.contentsOfDirectory(atPath: root + "/ground_truth/" + fam.rawValue).sorted()
                XCTAssertEqual(imgs.count, config.defectsPerFamily)
                XCTAssertEqual(masks, imgs.map { ($0 as NSString).deletingPathExtension + "_mask.png" })
            }
        }
        // A mask is binary, non-empty and as large as its image.
        let cat = m.categories[3].name
        let mask = try ImageCodec.loadMask(path: out + "/\(cat)/ground_truth/crack/000_mask.png")
        let img = try ImageCodec.decode(path: out + "/\(cat)/test/crack/000.png")
        XCTAssertEqual([mask.width, mask.height, img.width, img.height, img.channels], [128, 128, 128, 128, 3])
        XCTAssertEqual(Set(mask.samples), [0, 255])
        // Good images of a category differ (photometric variation) but share the texture's statistics.
        let g0 = try ImageCodec.decode(path: out + "/\(cat)/train/good/000.png")
        let g1 = try ImageCodec.decode(path: out + "/\(cat)/train/good/001.png")
        XCTAssertNotEqual(g0.samples, g1.samples)
        XCTAssertTrue(try String(contentsOfFile: out + "/README.txt", encoding: .utf8).contains("target: "))

        // Same seed, same bytes; another seed, other images.
        var small = config
        small.categories = 2; small.trainGood = 1; small.testGood = 1; small.defectsPerFamily = 1; small.imageSize = 48
        let a = try BenchmarkBuilder.build(small, into: out + "-a")
        let b = try BenchmarkBuilder.build(small, into: out + "-b")
        small.seed = 8
        let c = try BenchmarkBuilder.build(small, into: out + "-c")
        XCTAssertEqual(a, b)
        let rel = "/\(a.categories[0].name)/test/stain/000.png"
        XCTAssertEqual(fm.contents(atPath: out + "-a" + rel), fm.contents(atPath: out + "-b" + rel))
        XCTAssertNotEqual(a.categories.map(\.texture) + [String(describing: fm.contents(atPath: out + "-a" + rel))],
                          c.categories.map(\.texture) + [String(describing: fm.contents(atPath: out + "-c" + rel))])
        try? fm.removeItem(atPath: out + "-a"); try? fm.removeItem(atPath: out + "-b"); try? fm.removeItem(atPath: out + "-c")
    }

    func testMissingTexturesGiveClearErrors() throws {
        let dir = try temporaryDirectory(self)
        XCTAssertThrowsError(try BenchmarkBuilder.build(BenchmarkConfig(textureDirectories: [dir + "/none"]), into: dir + "/o")) { e in
            XCTAssertTrue("\(e)".contains(dir + "/none") && "\(e)".contains("not found"), "\(e)")
        }
        try ImageCodec.writePNG(texturedImage(64, seed: 2), to: dir + "/t/one.png")
        XCTAssertThrowsError(try BenchmarkBuilder.build(BenchmarkConfig(textureDirectories: [dir + "/t"]), into: dir + "/o")) { e in
            XCTAssertTrue("\(e)".contains("only 1 usable textures"), "\(e)")
        }
    }
}
