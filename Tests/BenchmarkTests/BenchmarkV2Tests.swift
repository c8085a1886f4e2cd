import Foundation
import Tensor
import XCTest
import Imaging
@testable import Benchmark

final class BenchmarkV2Tests: XCTestCase {
    /// Generated textures (fast, independent of installed packages): Perlin fields, some grey, some colour.
    func generatedTextures(_ count: Int = 12) throws -> String {
        let dir = try temporaryDirectory(self) + "/textures"
        for k in 0..<count {
            var rng = SeededRandom(seed: UInt64(100 + k))
            let f = PerlinNoise(cellsX: 3 + k % 5, cellsY: 2 + k % 4, rng: &rng).field(width: 72, height: 72, degrees: Float(k * 17))
            let tint = k % 3 == 0 ? [Float](repeating: 0.8, count: 3) : [rng.nextFloat(), rng.nextFloat(), rng.nextFloat()]
            var samples = [Float](repeating: 0, count: 72 * 72 * 3)
            for i in 0..<samples.count { samples[i] = min(1, max(0, 0.5 + f.samples[i / 3] * tint[i % 3])) }
            try ImageCodec.writePNG(Image(width: 72, height: 72, channels: 3, samples: samples), to: dir + "/tex\(k).png")
        }
        return dir
    }

    func tinyConfig(_ textures: String) -> BenchmarkV2Config {
        var c = BenchmarkV2Config(textureDirectories: [textures])
        c.imageSize = 64
        c.auxiliarySurfaces = 2; c.auxiliaryObjects = 2
        c.targetSurfaces = 1; c.targetObjects = 2
        c.trainGood = 2; c.testGood = 1; c.perFamily = 1
        c.seed = 7
        return c
    }

    func files(_ root: String) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for case let rel as String in FileManager.default.enumerator(atPath: root)! {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue {
                out[rel] = [UInt8](FileManager.default.contents(atPath: root + "/" + rel)!)
            }
        }
        return out
    }

    func testV2BuildIsDeterministicValidAndTargetSourcesDisjoint() throws {
        let tex = try generatedTextures()
        let config = tinyConfig(tex)
        let a = try temporaryDirectory(self) + "/a", b = try temporaryDirectory(self) + "/b"
        let m = try BenchmarkBuilderV2.build(config, into: a)
        _ = try BenchmarkBuilderV2.build(config, into: b)
        let fa = files(a), fb = files(b)
        XCTAssertEqual(fa.keys.sorted(), fb.keys.sorted())
        for (k, v) in fa { XCTAssertEqual(v, fb[k], "\(k) differs between two builds with the same seed") }

        // Manifest: version, families labelled, roles and kinds.
        let saved = try JSONDecoder().decode(BenchmarkV2Manifest.self, from: Data(fa["benchmark.json"]!))
        XCTAssertEqual(saved, m)
        XCTAssertEqual(saved.version, 2)
        XCTAssertEqual(Set(saved.families.filter { $0.value == "local" }.keys), Set(LocalDefectFamily.allCases.map(\.rawValue)))
        XCTAssertEqual(Set(saved.families.filter { $0.value == "global" }.keys),
                       Set(GlobalAnomalyFamily.benchmarkFamilies.map(\.rawValue)))
        XCTAssertEqual(saved.auxiliary.count, 4)
        XCTAssertEqual(saved.target.count, 3)
        XCTAssertEqual(saved.categories.filter { $0.kind == "object" }.count, 4)
        // v1 readers (split, --force cleanup) still decode it.
        XCTAssertEqual(try JSONDecoder().decode(BenchmarkManifest.self, from: Data(fa["benchmark.json"]!)).categories.count, 7)

        let auxSources = Set(saved.categories.filter { $0.role == "auxiliary" }.flatMap(\.sources))
        let targetSources = Set(saved.categories.filter { $0.role == "target" }.flatMap(\.sources))
        XCTAssertFalse(targetSources.isEmpty)
        XCTAssertTrue(auxSources.isDisjoint(with: targetSources), "target sources \(auxSources.intersection(targetSources)) used by auxiliary")

        // Layout and masks.
        for c in saved.categories {
            XCTAssertEqual(Set(c.defects.keys), Set(saved.families.keys))
            for i in 0..<c.trainGood {
                let img = try ImageCodec.decode(path: a + "/\(c.name)/train/good/" + String(format: "%03d.png", i))
                XCTAssertEqual([img.width, img.height], [64, 64])
            }
            XCTAssertNotNil(fa["\(c.name)/test/good/000.png"])
            for (fam, kind) in saved.families {
                let img = try ImageCodec.decode(path: a + "/\(c.name)/test/\(fam)/000.png")
                let mask = try ImageCodec.decode(path: a + "/\(c.name)/ground_truth/\(fam)/000_mask.png")
                XCTAssertEqual([img.width, img.height, mask.width, mask.height], [64, 64, 64, 64])
                XCTAssertEqual(mask.channels, 1)
                XCTAssertTrue(mask.samples.allSatisfy { $0 == 0 || $0 == 255 }, "\(c.name)/\(fam): mask not binary")
                let on = mask.samples.filter { $0 == 255 }.count
                XCTAssertGreaterThan(on, 0, "\(c.name)/\(fam): empty mask")
                if kind == "global" {
                    XCTAssertGreaterThan(on, 64 * 64 / 5, "\(c.name)/\(fam): a global mask covers a large area")
                } else {
                    XCTAssertLessThan(on, 64 * 64 / 3, "\(c.name)/\(fam): a local mask is local")
                }
            }
        }
    }

    func testGoodImagesVary() throws {
        let tex = try generatedTextures()
        var config = tinyConfig(tex)
        config.trainGood = 3
        let out = try temporaryDirectory(self) + "/v"
        let m = try BenchmarkBuilderV2.build(config, into: out)
        for c in m.categories {
            let a = try ImageCodec.decode(path: out + "/\(c.name)/train/good/000.png")
            let b = try ImageCodec.decode(path: out + "/\(c.name)/train/good/001.png")
            XCTAssertNotEqual(a.samples, b.samples, "\(c.name): two good images are identical")
        }
    }

    func colourTexture(_ size: Int, seed: UInt64) -> Image {
        var rng = SeededRandom(seed: seed)
        let f = PerlinNoise(cellsX: 6, cellsY: 5, rng: &rng).field(width: size, height: size, degrees: 20)
        let g = PerlinNoise(cellsX: 11, cellsY: 13, rng: &rng).field(width: size, height: size)
        return Image(width: size, height: size, channels: 3, samples: (0..<(size * size * 3)).map { i in
            let p = i / 3, c = Float(i % 3)
            return min(1, max(0, 0.45 + 0.5 * f.samples[p] * (0.6 + 0.2 * c) + 0.3 * g.samples[p]))
        })
    }

    func testGlobalAnomaliesKeepMeanBrightnessButChangeTheImage() {
        let img = colourTexture(64, seed: 3)
        var config = GlobalAnomalyConfig()
        config.partialProbability = 0
        let synth = GlobalAnomalySynthesizer(config: config)
        let m0 = GlobalAnomalySynthesizer.luminanceMean(img)
        for fam in GlobalAnomalyFamily.allCases {
            for seed in 0..<3 as Range<UInt64> {
                var rng = SeededRandom(seed: seed)
                let r = synth.apply(fam, to: img, rng: &rng)
                XCTAssertEqual(r.family, fam)
                XCTAssertEqual(r.mask.samples.reduce(0, +), Float(64 * 64), "\(fam): whole-image mask")
                XCTAssertEqual(GlobalAnomalySynthesizer.luminanceMean(r.image), m0, accuracy: 0.004, "\(fam) seed \(seed): mean moved")
                let diff = zip(r.image.samples, img.samples).map { abs($0 - $1) }.reduce(0, +) / Float(img.samples.count)
                XCTAssertGreaterThan(diff, 0.004, "\(fam) seed \(seed): image barely changed (\(diff))")
                // Same state, same result.
                var rng2 = SeededRandom(seed: seed)
                XCTAssertEqual(synth.apply(fam, to: img, rng: &rng2).image.samples, r.image.samples)
            }
        }
    }

    func testGlobalAnomalyRespectsForegroundAndPartialRegions() {
        let img = colourTexture(48, seed: 5)
        var fg = Image(width: 48, height: 48, channels: 1, repeating: 0)
        for y in 8..<40 { for x in 10..<38 { fg[x, y, 0] = 1 } }
        var config = GlobalAnomalyConfig()
        config.partialProbability = 0.5
        let synth = GlobalAnomalySynthesizer(config: config)
        for seed in 0..<16 as Range<UInt64> {
            var rng = SeededRandom(seed: seed)
            let r = synth.synthesize(img, foreground: fg, rng: &rng)
            XCTAssertGreaterThan(r.mask.samples.reduce(0, +), 0, "seed \(seed) \(r.family): empty mask")
            for i in 0..<(48 * 48) {
                if fg.samples[i] == 0 { XCTAssertEqual(r.mask.samples[i], 0) }
                if r.mask.samples[i] == 0 {
                    for c in 0..<3 { XCTAssertEqual(r.image.samples[3 * i + c], img.samples[3 * i + c], "seed \(seed) \(r.family): unmasked pixel changed") }
                }
            }
        }
    }

    func testLocalDefectsSmallAndLargeChangeOnlyTheMask() {
        let size = 160  // sizes scale with size / 320: small flaws are ~4-8 px here
        let img = colourTexture(size, seed: 9)
        let foreign = colourTexture(size, seed: 10)
        for fam in LocalDefectFamily.allCases {
            for small in [true, false] {
                var areas: [Int] = []
                for seed in 0..<3 as Range<UInt64> {
                    var rng = SeededRandom(seed: seed)
                    let (out, mask) = LocalDefectPainter.paint(fam, on: img, small: small, foreign: foreign, rng: &rng)
                    var area = 0, x0 = size, x1 = 0, y0 = size, y1 = 0
                    for i in 0..<(size * size) {
                        if mask.samples[i] > 0 {
                            area += 1
                            x0 = min(x0, i % size); x1 = max(x1, i % size); y0 = min(y0, i / size); y1 = max(y1, i / size)
                        } else {
                            for c in 0..<3 { XCTAssertEqual(out.samples[3 * i + c], img.samples[3 * i + c]) }
                        }
                    }
                    XCTAssertGreaterThanOrEqual(area, 4, "\(fam) small=\(small) seed \(seed): mask too small")
                    if small {
                        XCTAssertLessThanOrEqual(max(x1 - x0, y1 - y0), 14, "\(fam) seed \(seed): small flaw extent \(x1 - x0)x\(y1 - y0)")
                    }
                    areas.append(area)
                }
                if !small { XCTAssertGreaterThan(areas.reduce(0, +), 3 * 20, "\(fam): large defects too small") }
            }
        }
    }
}
