import Foundation
import Tensor
import XCTest
@testable import Imaging

final class SynthesisTests: XCTestCase {
    func testGimpPatternRoundTripAndErrors() throws {
        let dir = try temporaryDirectory(self)
        let img = Image8(width: 5, height: 3, channels: 3, samples: (0..<45).map { UInt8($0 * 5) })
        let bytes = GimpPattern.encode(img, name: "Test wood")
        // Header: size 24 + len("Test wood\0") = 34, version 1, 5, 3, 3, "GPAT".
        XCTAssertEqual(Array(bytes[0..<4]), [0, 0, 0, 34])
        XCTAssertEqual(Array(bytes[20..<24]), Array("GPAT".utf8))
        let path = dir + "/wood.pat"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let (name, back) = try GimpPattern.read(path: path)
        XCTAssertEqual(name, "Test wood")
        XCTAssertEqual([back.width, back.height, back.channels], [5, 3, 3])
        XCTAssertEqual(back.samples, img.samples)

        var badMagic = bytes; badMagic[20] = UInt8(ascii: "X")
        var badVersion = bytes; badVersion[7] = 2
        for (b, needle) in [(badMagic, "GPAT"), (badVersion, "version"), (Array(bytes.dropLast(4)), "truncated"),
                            (Array(bytes.prefix(10)), "header")] {
            XCTAssertThrowsError(try GimpPattern.decode(b, path: "x.pat")) { e in
                XCTAssertTrue("\(e)".contains(needle) && "\(e)".contains("x.pat"), "\(e)")
            }
        }
        // A real pattern from Debian's gimp-data, when installed.
        let real = "/usr/share/gimp/2.0/patterns/3dweave.pat"
        if FileManager.default.fileExists(atPath: real) {
            let p = try GimpPattern.read(path: real)
            XCTAssertGreaterThan(p.image.width, 8)
            XCTAssertFalse(p.name.isEmpty)
        }
        XCTAssertThrowsError(try TextureLibrary(directories: [dir + "/nope"])) { e in
            XCTAssertEqual(e as? TextureError, .missingDirectory(path: dir + "/nope"))
        }
        let empty = dir + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        XCTAssertThrowsError(try TextureLibrary(directories: [empty]))
        XCTAssertEqual(try TextureLibrary(directories: [dir], minimumSide: 1).image(0)?.samples, img.samples)
    }

    func testPerlinNoiseProperties() {
        var rng = SeededRandom(seed: 3)
        let n = PerlinNoise(cellsX: 4, cellsY: 2, rng: &rng)
        // Gradient noise vanishes on the lattice and is periodic.
        XCTAssertEqual(n.value(1, 1), 0, accuracy: 1e-6)
        XCTAssertEqual(n.value(0.3, 0.6), n.value(4.3, 2.6), accuracy: 1e-5)
        XCTAssertNotEqual(n.value(0.3, 0.6), 0)
        // Finer lattices give more boundary transitions.
        func transitions(_ k: Int) -> Int {
            var r = SeededRandom(seed: 9)
            let f = PerlinNoise(cellsX: 1 << k, cellsY: 1 << k, rng: &r).field(width: 64, height: 64)
            var t = 0
            for y in 0..<64 { for x in 1..<64 where (f[x, y, 0] > 0) != (f[x - 1, y, 0] > 0) { t += 1 } }
            return t
        }
        XCTAssertGreaterThan(transitions(4), 2 * transitions(1))
        var a = SeededRandom(seed: 11), b = SeededRandom(seed: 11)
        let m1 = PerlinNoise.mask(width: 40, height: 30, rng: &a), m2 = PerlinNoise.mask(width: 40, height: 30, rng: &b)
        XCTAssertEqual(m1.samples, m2.samples)
        XCTAssertTrue(m1.samples.allSatisfy { $0 == 0 || $0 == 1 })
    }

    func testSynthesizerMaskIsExactWithOneOpacityAndDeterministic() {
        let w = 48, h = 40
        let base = Image(width: w, height: h, channels: 3, repeating: 0.2)
        let tex = Image8(width: 16, height: 16, channels: 3, repeating: 230)
        var cfg = SynthesisConfig()
        cfg.cutPasteProbability = 0
        cfg.selfShuffleProbability = 0
        let synth = AnomalySynthesizer(textures: TextureLibrary(images: [tex]), config: cfg)
        var anomalous = 0
        for seed in 0..<12 as Range<UInt64> {
            let r = synth.synthesize(base, seed: seed)
            let again = synth.synthesize(base, seed: seed)
            XCTAssertEqual(r.image.samples, again.image.samples)
            XCTAssertEqual(r.mask.samples, again.mask.samples)
            guard r.isAnomalous else { continue }
            anomalous += 1
            XCTAssertEqual(r.kind, "perlin-texture")
            var opacities: Set<Int> = []
            for i in 0..<(w * h) {
                let changed = (0..<3).contains { abs(r.image.samples[3 * i + $0] - 0.2) > 1e-6 }
                XCTAssertEqual(changed, r.mask.samples[i] == 1, "pixel \(i) seed \(seed)")
                if changed {
                    // Constant image and (augmented, still flat per channel) texture: one opacity per anomaly.
                    let o = (r.image.samples[3 * i] - 0.2)
                    opacities.insert(Int((o * 1e4).rounded()))
                }
            }
            XCTAssertEqual(opacities.count, 1, "one blend opacity per anomaly")
        }
        XCTAssertGreaterThan(anomalous, 8)
    }

    func testForegroundRestrictsMaskAndSelfShuffleAndScar() {
        let w = 64, h = 64
        var rng = SeededRandom(seed: 5)
        var img = Image(width: w, height: h, channels: 3, repeating: 0)
        for i in 0..<img.samples.count { img.samples[i] = rng.nextFloat() }
        var fg = Image(width: w, height: h, channels: 1, repeating: 0)
        for y in 16..<48 { for x in 16..<48 { fg[x, y, 0] = 1 } }
        var cfg = SynthesisConfig()
        cfg.cutPasteProbability = 0.5
        let synth = AnomalySynthesizer(textures: nil, config: cfg)
        var kinds: Set<String> = []
        for seed in 0..<16 as Range<UInt64> {
            let r = synth.synthesize(img, foreground: fg, seed: seed)
            kinds.insert(r.kind)
            for y in 0..<h { for x in 0..<w where fg[x, y, 0] == 0 { XCTAssertEqual(r.mask[x, y, 0], 0) } }
            for i in 0..<(w * h) {
                let changed = (0..<3).contains { r.image.samples[3 * i + $0] != img.samples[3 * i + $0] }
                XCTAssertEqual(changed, r.mask.samples[i] == 1)
            }
        }
        XCTAssertTrue(kinds.isSuperset(of: ["perlin-shuffle", "cutpaste-scar"]), "\(kinds)")
        // Grid shuffle permutes cells: same multiset of values.
        let s = GridShuffle.apply(img, grid: 4, rng: &rng)
        XCTAssertEqual(s.samples.sorted(), img.samples.sorted())
        XCTAssertNotEqual(s.samples, img.samples)
    }
}
