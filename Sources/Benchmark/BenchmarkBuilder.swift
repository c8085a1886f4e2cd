import Imaging
import Dispatch
import Foundation
import Tensor
import UserFiles

/// Errors of the benchmark builder.
public enum BenchmarkError: Error, LocalizedError, CustomStringConvertible {
    /// Fewer usable textures than categories requested.
    case notEnoughTextures(found: Int, needed: Int, directories: [String])
    /// A configuration value out of range (`field` names it).
    case badConfig(field: String, reason: String)

    public var description: String {
        switch self {
        case .notEnoughTextures(let f, let n, let d):
            return "only \(f) usable textures (at least 48x48, not flat, not very dark or bright) in \(d.joined(separator: ", ")); \(n) categories requested"
        case .badConfig(let f, let r): return "benchmark config \(f): \(r)"
        }
    }
    public var errorDescription: String? { description }
}

/// Settings of a benchmark build. The default builds 10 categories of 128x128 images in seconds.
public struct BenchmarkConfig: Sendable, Codable {
    /// Folders with texture images / GIMP patterns (see `TextureLibrary`).
    public var textureDirectories: [String]
    public var categories: Int = 10
    public var imageSize: Int = 128
    public var trainGood: Int = 8
    public var testGood: Int = 4
    public var defectsPerFamily: Int = 2
    public var families: [DefectFamily] = DefectFamily.allCases
    public var seed: UInt64 = 0
    /// Fraction of categories (the first ones in build order) marked "auxiliary"; the rest are "target".
    public var auxiliaryFraction: Double = 0.5

    public init(textureDirectories: [String] = BenchmarkConfig.defaultTextureDirectories) {
        self.textureDirectories = textureDirectories
    }

    /// The texture folders ``TextureSources/discover()`` finds (`VTFUSION_TEXTURES`, GIMP patterns,
    /// extracted OpenArena textures); when none holds textures, the GIMP folders, so that the builder's
    /// error names where textures were expected.
    public static var defaultTextureDirectories: [String] {
        (try? TextureSources.discover()) ?? TextureLibrary.gimpPatternDirectories
    }
}

/// One category of a built benchmark.
public struct BenchmarkCategory: Sendable, Codable, Equatable {
    public var name: String
    /// "auxiliary" (may be used for training) or "target" (never trained on).
    public var role: String
    /// The texture file the category was made from.
    public var texture: String
    public var trainGood: Int
    public var testGood: Int
    /// Test images per defect family (folder name -> count).
    public var defects: [String: Int]
}

/// What was built; written as `benchmark.json` at the root.
public struct BenchmarkManifest: Sendable, Codable, Equatable {
    public var format = "mvtec-ad"
    public var seed: UInt64
    public var imageSize: Int
    public var categories: [BenchmarkCategory]
    public var auxiliary: [String] { categories.filter { $0.role == "auxiliary" }.map(\.name) }
    public var target: [String] { categories.filter { $0.role == "target" }.map(\.name) }
}

/// Builds an MVTec-AD-format defect benchmark from real textures:
/// `<out>/<category>/train/good/NNN.png`, `test/good/NNN.png`, `test/<family>/NNN.png`,
/// `ground_truth/<family>/NNN_mask.png` (0/255). Good images of a category are windows of the same texture
/// with photometric variation (shift, scale jitter, gain, illumination ramp, gamma, sensor noise); defects
/// are painted by `DefectPainter`. Split: the first `auxiliaryFraction` of the categories (in build order)
/// are "auxiliary", the rest "target" (mirroring VisA -> MVTec: train on auxiliary, evaluate on target).
/// Deterministic from `seed`. Each category is written to a hidden temporary folder and renamed into place;
/// `benchmark.json` and `README.txt` are written last, atomically.
public enum BenchmarkBuilder {
    /// Builds the benchmark into `out`. Categories are built concurrently; `progress` (when given) is called
    /// once per finished category, serialised, with the number finished so far, the total and that category.
    public static func build(_ config: BenchmarkConfig, into out: String,
                             progress: ((_ done: Int, _ total: Int, _ category: BenchmarkCategory) -> Void)? = nil)
        throws -> BenchmarkManifest {
        guard config.categories >= 1 else { throw BenchmarkError.badConfig(field: "categories", reason: "must be >= 1") }
        guard config.imageSize >= 32 else { throw BenchmarkError.badConfig(field: "imageSize", reason: "must be >= 32") }
        guard config.trainGood >= 1, config.testGood >= 0, config.defectsPerFamily >= 1, !config.families.isEmpty else {
            throw BenchmarkError.badConfig(field: "counts", reason: "need trainGood >= 1, defectsPerFamily >= 1, a family")
        }
        let library = try TextureLibrary(directories: config.textureDirectories, minimumSide: 48)
        var rng = SeededRandom(seed: config.seed)
        var order = Array(0..<library.count)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.int(i + 1)) }
        var chosen: [Int] = []
        var usedNames: Set<String> = []
        for idx in order where chosen.count < config.categories {
            guard let tex = library.image(idx), usable(tex) else { continue }
            let name = categoryName(library.files[idx])
            if usedNames.contains(name) { continue }
            usedNames.insert(name)
            chosen.append(idx)
        }
        guard chosen.count == config.categories else {
            throw BenchmarkError.notEnoughTextures(found: chosen.count, needed: config.categories, directories: config.textureDirectories)
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let nAux = Int((Double(config.categories) * config.auxiliaryFraction).rounded())
        var results = [BenchmarkCategory?](repeating: nil, count: chosen.count)
        var failure: Error?
        var finished = 0
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: chosen.count) { k in
            do {
                let idx = chosen[k]
                let foreign = chosen[(k + 1) % chosen.count] == idx ? nil : library.image(chosen[(k + 1) % chosen.count])
                let cat = try buildCategory(index: k, texture: library.image(idx)!, texturePath: library.files[idx],
                                            foreign: foreign, role: k < nAux ? "auxiliary" : "target",
                                            config: config, root: out)
                lock.lock(); defer { lock.unlock() }
                results[k] = cat
                finished += 1
                progress?(finished, chosen.count, cat)
            } catch {
                lock.lock(); failure = error; lock.unlock()
            }
        }
        if let e = failure { throw e }
        let manifest = BenchmarkManifest(seed: config.seed, imageSize: config.imageSize, categories: results.map { $0! })
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try enc.encode(manifest)), to: out + "/benchmark.json")
        try AtomicFile.write(text: readme(manifest), to: out + "/README.txt")
        return manifest
    }

    static func buildCategory(index k: Int, texture: Image8, texturePath: String, foreign: Image8?, role: String,
                              config: BenchmarkConfig, root: String) throws -> BenchmarkCategory {
        let name = String(format: "c%02d_", k) + categoryName(texturePath)
        var rng = SeededRandom(seed: config.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(k + 1))
        let size = config.imageSize
        let baseScale = Float(size) / Float(min(texture.width, texture.height)) * rng.uniform(0.7, 1.4)
        let fm = FileManager.default
        let tmp = root + "/.\(name).partial-\(getpid())"
        try? fm.removeItem(atPath: tmp)
        func good(_ rng: inout SeededRandom) -> Image {
            photometricVariant(texture, size: size, baseScale: baseScale, rng: &rng)
        }
        func write(_ img: Image8, _ rel: String) throws { try ImageCodec.writePNG(img, to: tmp + "/" + rel, compression: 3) }
        for i in 0..<config.trainGood { try write(good(&rng).toUInt8(), String(format: "train/good/%03d.png", i)) }
        for i in 0..<config.testGood { try write(good(&rng).toUInt8(), String(format: "test/good/%03d.png", i)) }
        var defects: [String: Int] = [:]
        for fam in config.families {
            for i in 0..<config.defectsPerFamily {
                let (img, mask) = DefectPainter.paint(fam, on: good(&rng), foreign: foreign, rng: &rng)
                try write(img.toUInt8(), String(format: "test/%@/%03d.png", fam.rawValue, i))
                try write(mask.toUInt8(), String(format: "ground_truth/%@/%03d_mask.png", fam.rawValue, i))
            }
            defects[fam.rawValue] = config.defectsPerFamily
        }
        let dest = root + "/" + name
        if fm.fileExists(atPath: dest) { try fm.removeItem(atPath: dest) }
        try fm.moveItem(atPath: tmp, toPath: dest)
        return BenchmarkCategory(name: name, role: role, texture: texturePath, trainGood: config.trainGood,
                                 testGood: config.testGood, defects: defects)
    }

    /// A good image: the texture at a jittered scale, shifted, with gain, an illumination ramp, gamma and
    /// sensor noise. RGB, 0...1.
    public static func photometricVariant(_ tex: Image8, size: Int, baseScale: Float, rng: inout SeededRandom) -> Image {
        let s = baseScale * rng.uniform(0.95, 1.05)
        let tw = max(8, Int(Float(tex.width) * s)), th = max(8, Int(Float(tex.height) * s))
        let t = tex.resized(width: tw, height: th, filter: .bilinear)
        let ox = rng.int(tw), oy = rng.int(th)
        let gain = rng.uniform(0.9, 1.1), gamma = rng.uniform(0.9, 1.1)
        let rampAngle = rng.uniform(0, 2 * .pi), ramp = rng.uniform(0, 0.08)
        let lut = (0..<256).map { pow(Float($0) / 255, gamma) }
        var out = Image(width: size, height: size, channels: 3, repeating: 0)
        for y in 0..<size {
            for x in 0..<size {
                let l = gain * (1 + ramp * ((Float(x) / Float(size) - 0.5) * cos(rampAngle) + (Float(y) / Float(size) - 0.5) * sin(rampAngle)))
                let src = (((y + oy) % th) * tw + (x + ox) % tw) * 3
                for c in 0..<3 {
                    let v = lut[Int(t.samples[src + c])] * l + rng.normal() * 0.008
                    out.samples[(y * size + x) * 3 + c] = min(1, max(0, v))
                }
            }
        }
        return out
    }

    /// A texture qualifies when it is neither flat (luminance std >= 0.03) nor very dark or very bright
    /// (mean luminance in 0.12...0.88), so painted defects stay visible.
    static func usable(_ img: Image8) -> Bool {
        let g = img.gray().samples.map { Float($0) / 255 }
        let m = g.reduce(0, +) / Float(g.count)
        let sd = (g.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Float(g.count)).squareRoot()
        return sd >= 0.03 && m >= 0.12 && m <= 0.88
    }

    /// File stem lower-cased, non-alphanumerics replaced by "_" (at most 24 characters).
    static func categoryName(_ path: String) -> String {
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension.lowercased()
        let cleaned = String(stem.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        return String(cleaned.prefix(24))
    }

    static func readme(_ m: BenchmarkManifest) -> String {
        var s = "VTFusion synthetic-defect benchmark (MVTec AD layout), seed \(m.seed), \(m.imageSize)x\(m.imageSize) px.\n"
        s += "Defects: scratch, dent, stain, crack, contamination, missing_print; masks in ground_truth/<defect>/NNN_mask.png.\n"
        s += "Split (mirrors VisA -> MVTec): train only on auxiliary categories, evaluate on target categories.\n"
        s += "auxiliary: \(m.auxiliary.joined(separator: ", "))\n"
        s += "target: \(m.target.joined(separator: ", "))\n"
        for c in m.categories { s += "\(c.name): \(c.role), texture \(c.texture)\n" }
        return s
    }
}
