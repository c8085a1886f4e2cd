import Imaging
import Dispatch
import Foundation
import Tensor
import UserFiles

/// Settings of a v2 benchmark build (see ``BenchmarkBuilderV2``).
public struct BenchmarkV2Config: Sendable {
    public var textureDirectories: [String]
    public var imageSize: Int = 256
    /// Auxiliary categories: plain surfaces and objects on a background.
    public var auxiliarySurfaces: Int = 6
    public var auxiliaryObjects: Int = 2
    /// Target categories (their texture files are never used by an auxiliary category).
    public var targetSurfaces: Int = 4
    public var targetObjects: Int = 2
    public var trainGood: Int = 8
    public var testGood: Int = 10
    /// Test images per defect family (half small, half large for local families).
    public var perFamily: Int = 3
    public var localFamilies: [LocalDefectFamily] = LocalDefectFamily.allCases
    public var globalFamilies: [GlobalAnomalyFamily] = GlobalAnomalyFamily.benchmarkFamilies
    public var seed: UInt64 = 0
    /// Texture files (matched as path suffixes) taken first, in this order: the auxiliary surfaces, the
    /// auxiliary objects (texture, then a background texture for every second object), then the same for the
    /// target categories. Missing ones are replaced by other usable textures in a seeded order.
    public var preferredSources: [String] = BenchmarkV2Config.defaultPreferredSources

    public static let defaultPreferredSources = [
        // auxiliary surfaces
        "gothic_trim__pitted_rust.jpg", "base_wall__concrete.jpg", "Wood/wood2.pat", "greyweave.pat",
        "Paper/crinklepaper.pat", "Stone/granite1.pat",
        // auxiliary objects: walnut on plain; metal on paper
        "Wood/walnut.pat", "base_wall__c_met5_2.jpg", "Paper/paper.pat",
        // target surfaces
        "Fabric/burlap.pat", "Animal/leather.pat", "base_floor__diamond2.jpg", "base_wall__shinybluemetal1.jpg",
        // target objects: metal floor plate on plain; pine on fibres
        "base_wall__metalfloor_wall_10.jpg", "Wood/pine.pat", "Legacy/fibers.pat",
    ]

    public init(textureDirectories: [String] = BenchmarkConfig.defaultTextureDirectories) {
        self.textureDirectories = textureDirectories
    }

    /// Family name -> "local" | "global".
    public var familyKinds: [String: String] {
        var m: [String: String] = [:]
        for f in localFamilies { m[f.rawValue] = "local" }
        for f in globalFamilies { m[f.rawValue] = "global" }
        return m
    }
}

/// One category of a v2 benchmark.
public struct BenchmarkV2Category: Sendable, Codable, Equatable {
    public var name: String
    /// "auxiliary" or "target".
    public var role: String
    /// "surface" (texture fills the image) or "object" (a textured shape on a background).
    public var kind: String
    /// The main texture file.
    public var texture: String
    /// Every texture file whose pixels appear in the category (main texture, background texture, the
    /// foreign textures of contamination / cut-paste). Target sources never occur in auxiliary categories.
    public var sources: [String]
    /// For objects: "plain" or the background texture file; "none" for surfaces.
    public var background: String
    public var trainGood: Int
    public var testGood: Int
    public var defects: [String: Int]
}

/// `benchmark.json` of a v2 benchmark (its `categories` also decode as ``BenchmarkManifest``'s).
public struct BenchmarkV2Manifest: Sendable, Codable, Equatable {
    public var format = "mvtec-ad"
    public var version = 2
    public var seed: UInt64
    public var imageSize: Int
    /// Defect family (= test/ folder name) -> "local" | "global".
    public var families: [String: String]
    public var categories: [BenchmarkV2Category]
    public var auxiliary: [String] { categories.filter { $0.role == "auxiliary" }.map(\.name) }
    public var target: [String] { categories.filter { $0.role == "target" }.map(\.name) }
}

/// Benchmark v2: 256-512 px images from real textures; surfaces and textured objects on a background;
/// local defects of two size classes (small ~8-15 px flaws and larger ones) and global anomalies (texture
/// scale, orientation, colour, contrast, blur, noise, density) whose mask is the whole affected area and
/// whose luminance mean matches the good image's. Good images are different crops of the source at small
/// rotation / scale / lighting jitter (objects also move and turn slightly). Target categories use texture
/// files disjoint from the auxiliary ones. Deterministic from `seed`; categories are built concurrently.
public enum BenchmarkBuilderV2 {
    struct Plan {
        var index: Int
        var role: String
        var isObject: Bool
        var texture: Int
        var background: Int?
        var foreign: [Int]
    }

    public static func build(_ config: BenchmarkV2Config, into out: String,
                             progress: ((_ done: Int, _ total: Int, _ category: BenchmarkV2Category) -> Void)? = nil)
        throws -> BenchmarkV2Manifest {
        guard config.imageSize >= 32 else { throw BenchmarkError.badConfig(field: "imageSize", reason: "must be >= 32") }
        guard config.trainGood >= 1, config.testGood >= 0, config.perFamily >= 1,
              !(config.localFamilies.isEmpty && config.globalFamilies.isEmpty) else {
            throw BenchmarkError.badConfig(field: "counts", reason: "need trainGood >= 1, perFamily >= 1, a family")
        }
        let counts = [config.auxiliarySurfaces, config.auxiliaryObjects, config.targetSurfaces, config.targetObjects]
        guard counts.allSatisfy({ $0 >= 0 }), counts[0] + counts[1] >= 1, counts[2] + counts[3] >= 1 else {
            throw BenchmarkError.badConfig(field: "categories", reason: "need at least one auxiliary and one target category")
        }
        let library = try TextureLibrary(directories: config.textureDirectories, minimumSide: 48)
        // Pool: preferred files first (in order), then the rest in a seeded order; unusable ones skipped.
        var rng = SeededRandom(seed: config.seed ^ 0x5632_5F42_454E_4348)
        var rest = Array(0..<library.count)
        for i in stride(from: rest.count - 1, to: 0, by: -1) { rest.swapAt(i, rng.int(i + 1)) }
        // Slot j (in take() order) prefers preferredSources[j]; a missing or unusable one is replaced by
        // the next usable texture of the seeded order.
        var names: Set<String> = []
        func fits(_ i: Int) -> Bool {
            guard let t = library.image(i), BenchmarkBuilder.usable(t) else { return false }
            return !names.contains(BenchmarkBuilder.categoryName(library.files[i]))
        }
        let preferredIndex: [Int?] = config.preferredSources.map { p in
            library.files.firstIndex(where: { $0.hasSuffix("/" + p) || $0 == p })
        }
        let preferredSet = Set(preferredIndex.compactMap { $0 })
        var restQueue = rest.filter { !preferredSet.contains($0) }[...]
        let needed = counts[0] + counts[1] + counts[1] / 2 + counts[2] + counts[3] + counts[3] / 2
        var slot = 0
        func take() throws -> Int {
            defer { slot += 1 }
            var pick: Int?
            if slot < preferredIndex.count, let i = preferredIndex[slot], fits(i) { pick = i }
            while pick == nil, let i = restQueue.popFirst() { if fits(i) { pick = i } }
            guard let i = pick else {
                throw BenchmarkError.notEnoughTextures(found: names.count, needed: needed, directories: config.textureDirectories)
            }
            names.insert(BenchmarkBuilder.categoryName(library.files[i]))
            return i
        }
        var plans: [Plan] = []
        for (role, surfaces, objects) in [("auxiliary", counts[0], counts[1]), ("target", counts[2], counts[3])] {
            let first = plans.count
            for _ in 0..<surfaces {
                plans.append(Plan(index: plans.count, role: role, isObject: false, texture: try take(), background: nil, foreign: []))
            }
            for o in 0..<objects {
                let tex = try take()
                plans.append(Plan(index: plans.count, role: role, isObject: true, texture: tex,
                                  background: o % 2 == 1 ? try take() : nil, foreign: []))
            }
            // Foreign material: the main texture of another category of the same role (or of the background).
            let group = Array(first..<plans.count)
            for g in group {
                let others = group.filter { $0 != g }.map { plans[$0].texture }
                plans[g].foreign = others.isEmpty ? (plans[g].background.map { [$0] } ?? []) : [others[g % others.count]]
            }
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var results = [BenchmarkV2Category?](repeating: nil, count: plans.count)
        var failure: Error?
        var finished = 0
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: plans.count) { k in
            do {
                let cat = try buildCategory(plans[k], library: library, config: config, root: out)
                lock.lock(); defer { lock.unlock() }
                results[k] = cat
                finished += 1
                progress?(finished, plans.count, cat)
            } catch {
                lock.lock(); failure = error; lock.unlock()
            }
        }
        if let e = failure { throw e }
        let manifest = BenchmarkV2Manifest(seed: config.seed, imageSize: config.imageSize, families: config.familyKinds,
                                           categories: results.map { $0! })
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(Array(try enc.encode(manifest)), to: out + "/benchmark.json")
        try AtomicFile.write(text: readme(manifest), to: out + "/README.txt")
        return manifest
    }

    // MARK: - Rendering

    /// Per-category appearance: the texture (pre-scaled), the object's shape and the background.
    struct Scene {
        var texture: Image
        var size: Int
        var baseAngle: Float
        var isObject: Bool
        /// Shape: 0 disc, 1 rounded rectangle, 2 blob; half extents as fractions of the size.
        var shape: Int
        var halfW: Float, halfH: Float, corner: Float
        var harmonics: [(Float, Float, Float)]
        var backgroundColor: [Float]
        var backgroundTexture: Image?
    }

    /// Geometric parameters of one rendering.
    struct Pose {
        var ox: Float, oy: Float
        var angle: Float
        var scale: Float
        /// Compression along `axis` (1 = none).
        var stretch: Float = 1, axis: Float = 0
        var cx: Float, cy: Float, objAngle: Float, objScale: Float
    }

    struct Photometric {
        var gain: Float, gamma: Float, rampAngle: Float, ramp: Float, noiseSeed: UInt64
    }

    static func drawPose(_ s: Scene, rng: inout SeededRandom) -> Pose {
        let n = Float(s.size)
        return Pose(ox: rng.uniform(0, Float(s.texture.width)), oy: rng.uniform(0, Float(s.texture.height)),
                    angle: s.baseAngle + rng.uniform(-2, 2) * .pi / 180, scale: rng.uniform(0.96, 1.04),
                    cx: n / 2 + rng.uniform(-0.04, 0.04) * n, cy: n / 2 + rng.uniform(-0.04, 0.04) * n,
                    objAngle: rng.uniform(-8, 8) * .pi / 180, objScale: rng.uniform(0.97, 1.03))
    }

    static func drawPhotometric(rng: inout SeededRandom) -> Photometric {
        Photometric(gain: rng.uniform(0.94, 1.06), gamma: rng.uniform(0.95, 1.05), rampAngle: rng.uniform(0, 2 * .pi),
                    ramp: rng.uniform(0, 0.05), noiseSeed: rng.next())
    }

    /// The texture layer: the (tiled) texture sampled at the pose (bilinear), size x size.
    static func textureLayer(_ s: Scene, _ p: Pose) -> Image {
        let n = s.size, t = s.texture, tw = t.width, th = t.height
        var out = Image(width: n, height: n, channels: 3, repeating: 0)
        let ang = p.angle + (s.isObject ? p.objAngle : 0)
        let ca = cos(ang), sa = sin(ang), cb = cos(p.axis), sb = sin(p.axis)
        let c = Float(n) / 2
        t.samples.withUnsafeBufferPointer { src in
            out.samples.withUnsafeMutableBufferPointer { dst in
                for y in 0..<n {
                    for x in 0..<n {
                        var dx = Float(x) + 0.5 - c, dy = Float(y) + 0.5 - c
                        if p.stretch != 1 {
                            let u = (cb * dx + sb * dy) * p.stretch, v = -sb * dx + cb * dy
                            dx = cb * u - sb * v; dy = sb * u + cb * v
                        }
                        let fx = (ca * dx + sa * dy) / p.scale + p.ox, fy = (-sa * dx + ca * dy) / p.scale + p.oy
                        let x0f = fx.rounded(.down), y0f = fy.rounded(.down)
                        let ax = fx - x0f, ay = fy - y0f
                        var x0 = Int(x0f) % tw, y0 = Int(y0f) % th
                        if x0 < 0 { x0 += tw }
                        if y0 < 0 { y0 += th }
                        let x1 = (x0 + 1) % tw, y1 = (y0 + 1) % th
                        for k in 0..<3 {
                            let v = (1 - ay) * ((1 - ax) * src[(y0 * tw + x0) * 3 + k] + ax * src[(y0 * tw + x1) * 3 + k])
                                + ay * ((1 - ax) * src[(y1 * tw + x0) * 3 + k] + ax * src[(y1 * tw + x1) * 3 + k])
                            dst[(y * n + x) * 3 + k] = v
                        }
                    }
                }
            }
        }
        return out
    }

    /// Gain, gamma, an illumination ramp and sensor noise.
    static func photometric(_ img: Image, _ ph: Photometric) -> Image {
        var out = img
        var nrng = SeededRandom(seed: ph.noiseSeed)
        let n = img.width
        for y in 0..<img.height {
            for x in 0..<n {
                let l = ph.gain * (1 + ph.ramp * ((Float(x) / Float(n) - 0.5) * cos(ph.rampAngle)
                                                  + (Float(y) / Float(img.height) - 0.5) * sin(ph.rampAngle)))
                let noise = nrng.normal() * 0.0025
                for c in 0..<3 {
                    let i = (y * n + x) * 3 + c
                    out.samples[i] = min(1, max(0, pow(max(0, img.samples[i]), ph.gamma) * l + noise))
                }
            }
        }
        return out
    }

    /// Object coverage (anti-aliased, 0...1) at the pose.
    static func objectAlpha(_ s: Scene, _ p: Pose) -> Image {
        let n = s.size
        var a = Image(width: n, height: n, channels: 1, repeating: 0)
        let ca = cos(p.objAngle), sa = sin(p.objAngle)
        let hw = s.halfW * Float(n) * p.objScale, hh = s.halfH * Float(n) * p.objScale
        for y in 0..<n {
            for x in 0..<n {
                let dx = Float(x) + 0.5 - p.cx, dy = Float(y) + 0.5 - p.cy
                let u = ca * dx + sa * dy, v = -sa * dx + ca * dy
                let d: Float  // signed distance in pixels (negative inside), approximately
                switch s.shape {
                case 0:
                    d = (u * u + v * v).squareRoot() - hw
                case 1:
                    let r = s.corner * min(hw, hh)
                    let qx = abs(u) - (hw - r), qy = abs(v) - (hh - r)
                    let outside = (max(qx, 0) * max(qx, 0) + max(qy, 0) * max(qy, 0)).squareRoot()
                    d = outside + min(max(qx, qy), 0) - r
                default:
                    let phi = atan2(v, u)
                    var r = hw
                    for (k, ph, amp) in s.harmonics { r *= 1 + amp * sin(k * phi + ph) }
                    d = (u * u + v * v).squareRoot() - r
                }
                a.samples[y * n + x] = min(1, max(0, 0.5 - d))
            }
        }
        return a
    }

    /// The background: a plain colour with a soft ramp, or a blurred, low-contrast texture.
    static func background(_ s: Scene, _ p: Pose, _ ph: Photometric) -> Image {
        let n = s.size
        var bg: Image
        if let bt = s.backgroundTexture {
            var scene = s
            scene.texture = bt; scene.isObject = false
            var pose = p
            pose.ox = p.oy * 0.7; pose.oy = p.ox * 0.7; pose.angle = s.baseAngle; pose.scale = 1; pose.stretch = 1
            bg = textureLayer(scene, pose).gaussianBlurred(sigma: max(0.6, Float(n) / 320 * 1.5), truncate: 3)
            let m = GlobalAnomalySynthesizer.luminanceMean(bg)
            for i in 0..<bg.samples.count {
                bg.samples[i] = s.backgroundColor[i % 3] * 0.5 + (m * 0.5 + (bg.samples[i] - m) * 0.4)
            }
        } else {
            bg = Image(width: n, height: n, channels: 3, repeating: 0)
            for y in 0..<n {
                for x in 0..<n {
                    let r = 1 + 0.06 * (Float(y) / Float(n) - 0.5)
                    for c in 0..<3 { bg.samples[(y * n + x) * 3 + c] = s.backgroundColor[c] * r }
                }
            }
        }
        return bg
    }

    /// A rendering: the image (photometric variation applied) and, for objects, the coverage.
    /// `layerTransform` changes the texture layer (global anomalies) before compositing.
    static func render(_ s: Scene, _ p: Pose, _ ph: Photometric, layerTransform: ((Image, Image?) -> Image)? = nil)
        -> (image: Image, alpha: Image?) {
        var layer = photometric(textureLayer(s, p), ph)
        guard s.isObject else {
            if let f = layerTransform { layer = f(layer, nil) }
            return (layer, nil)
        }
        let a = objectAlpha(s, p)
        if let f = layerTransform { layer = f(layer, a) }
        let bg = photometric(background(s, p, ph), ph)
        var out = bg
        for i in 0..<(s.size * s.size) {
            let t = a.samples[i]
            for c in 0..<3 { out.samples[3 * i + c] = (1 - t) * bg.samples[3 * i + c] + t * layer.samples[3 * i + c] }
        }
        return (out, a)
    }

    // MARK: - Categories

    static func buildCategory(_ plan: Plan, library: TextureLibrary, config: BenchmarkV2Config, root: String) throws
        -> BenchmarkV2Category {
        let kindTag = plan.isObject ? "obj_" : ""
        let name = String(format: "c%02d_", plan.index) + kindTag + BenchmarkBuilder.categoryName(library.files[plan.texture])
        var rng = SeededRandom(seed: config.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(plan.index + 1) &+ 0x2000)
        let n = config.imageSize
        let tex8 = library.image(plan.texture)!
        // Scale so that the texture's shorter side spans 0.45...1.1 of the image (objects: of the object).
        func prescaled(_ t: Image8, _ span: Float) -> Image {
            let s = Float(n) * span / Float(min(t.width, t.height))
            let tw = max(16, Int(Float(t.width) * s)), th = max(16, Int(Float(t.height) * s))
            return t.resized(width: tw, height: th, filter: .bilinear).toFloat()
        }
        let tex = prescaled(tex8, rng.uniform(0.45, 1.1))
        let shape = rng.int(3)
        let half = rng.uniform(0.3, 0.36)
        var scene = Scene(texture: tex, size: n, baseAngle: rng.uniform(0, 2 * .pi), isObject: plan.isObject, shape: shape,
                          halfW: half, halfH: half * (shape == 0 ? 1 : rng.uniform(0.7, 0.95)), corner: rng.uniform(0.15, 0.4),
                          harmonics: (0..<3).map { _ in (Float(2 + rng.int(4)), rng.uniform(0, 2 * .pi), rng.uniform(0.03, 0.08)) },
                          backgroundColor: [], backgroundTexture: nil)
        // Background: contrasting plain colour (dark on light objects, light on dark ones).
        let lum = GlobalAnomalySynthesizer.luminanceMean(tex)
        let level: Float = lum > 0.5 ? rng.uniform(0.12, 0.25) : rng.uniform(0.65, 0.8)
        scene.backgroundColor = (0..<3).map { _ in min(1, level * rng.uniform(0.9, 1.1)) }
        if let b = plan.background, let bt = library.image(b) { scene.backgroundTexture = prescaled(bt, 0.8) }
        let foreignTex = plan.foreign.first.flatMap { library.image($0) }.map { prescaled($0, rng.uniform(0.5, 1)) }

        let fm = FileManager.default
        let tmp = root + "/.\(name).partial-\(getpid())"
        try? fm.removeItem(atPath: tmp)
        func write(_ img: Image, _ rel: String) throws {
            try ImageCodec.writePNG(compact(img.toUInt8()), to: tmp + "/" + rel, compression: 6)
        }
        func good(_ rng: inout SeededRandom) -> (image: Image, alpha: Image?, pose: Pose, ph: Photometric) {
            let p = drawPose(scene, rng: &rng), ph = drawPhotometric(rng: &rng)
            let r = render(scene, p, ph)
            return (r.image, r.alpha, p, ph)
        }
        for i in 0..<config.trainGood { try write(good(&rng).image, String(format: "train/good/%03d.png", i)) }
        for i in 0..<config.testGood { try write(good(&rng).image, String(format: "test/good/%03d.png", i)) }
        var defects: [String: Int] = [:]
        for fam in config.localFamilies {
            for i in 0..<config.perFamily {
                let g = good(&rng)
                let fg = g.alpha
                var foreign: Image?
                if let ft = foreignTex {
                    var fs = scene
                    fs.texture = ft; fs.isObject = false
                    foreign = textureLayer(fs, drawPose(fs, rng: &rng))
                }
                let (img, mask) = LocalDefectPainter.paint(fam, on: g.image, small: i % 2 == 0, foreground: fg,
                                                           foreign: foreign, rng: &rng)
                try write(img, "test/\(fam.rawValue)/" + String(format: "%03d.png", i))
                try write(mask, "ground_truth/\(fam.rawValue)/" + String(format: "%03d_mask.png", i))
            }
            defects[fam.rawValue] = config.perFamily
        }
        for fam in config.globalFamilies {
            for i in 0..<config.perFamily {
                var p = drawPose(scene, rng: &rng)
                let ph = drawPhotometric(rng: &rng)
                let strength = rng.nextFloat()
                let reference = render(scene, p, ph)
                let img: Image
                if fam.isGeometric {
                    // Re-rendered from the source texture at the changed geometry (no resampling artefacts).
                    switch fam {
                    case .textureScale:
                        let f = 1.15 + 0.25 * strength
                        p.scale *= rng.nextFloat() < 0.5 ? f : 1 / f
                    case .orientation:
                        p.angle += (10 + 20 * strength) * .pi / 180 * (rng.nextFloat() < 0.5 ? -1 : 1)
                    default:
                        p.stretch = 1.2 + 0.2 * strength; p.axis = rng.uniform(0, .pi)
                    }
                    let changed = render(scene, p, ph).image
                    img = GlobalAnomalySynthesizer.matchLuminanceMean(changed, to: reference.image,
                                                                      region: reference.alpha.map(binary))
                } else {
                    var grng = SeededRandom(seed: rng.next())
                    img = render(scene, p, ph) { layer, alpha in
                        let (t, _) = GlobalAnomalySynthesizer.transform(fam, layer, strength: strength, rng: &grng)
                        return GlobalAnomalySynthesizer.matchLuminanceMean(t, to: layer, region: alpha.map(binary))
                    }.image
                }
                let mask = reference.alpha.map(binary) ?? Image(width: n, height: n, channels: 1, repeating: 1)
                try write(img, "test/\(fam.rawValue)/" + String(format: "%03d.png", i))
                try write(mask, "ground_truth/\(fam.rawValue)/" + String(format: "%03d_mask.png", i))
            }
            defects[fam.rawValue] = config.perFamily
        }
        let dest = root + "/" + name
        if fm.fileExists(atPath: dest) { try fm.removeItem(atPath: dest) }
        try fm.moveItem(atPath: tmp, toPath: dest)
        var sources = [library.files[plan.texture]]
        if let b = plan.background { sources.append(library.files[b]) }
        for f in plan.foreign where !sources.contains(library.files[f]) { sources.append(library.files[f]) }
        return BenchmarkV2Category(name: name, role: plan.role, kind: plan.isObject ? "object" : "surface",
                                   texture: library.files[plan.texture], sources: sources,
                                   background: plan.isObject ? (plan.background.map { library.files[$0] } ?? "plain") : "none",
                                   trainGood: config.trainGood, testGood: config.testGood, defects: defects)
    }

    /// One channel when every pixel is grey (R = G = B), else the image (grey textures make grey PNGs).
    static func compact(_ img: Image8) -> Image8 {
        guard img.channels == 3 else { return img }
        for i in 0..<img.pixelCount where img.samples[3 * i] != img.samples[3 * i + 1] || img.samples[3 * i] != img.samples[3 * i + 2] {
            return img
        }
        return img.gray()
    }

    /// Coverage > 0 as a 0/1 mask.
    static func binary(_ a: Image) -> Image {
        Image(width: a.width, height: a.height, channels: 1, samples: a.samples.map { $0 > 0 ? 1 : 0 })
    }

    static func readme(_ m: BenchmarkV2Manifest) -> String {
        var s = "VTFusion benchmark v2 (MVTec AD layout), seed \(m.seed), \(m.imageSize)x\(m.imageSize) px.\n"
        let local = m.families.filter { $0.value == "local" }.keys.sorted()
        let global = m.families.filter { $0.value == "global" }.keys.sorted()
        s += "Local defects (small ~8-15 px at 320 px, and larger): \(local.joined(separator: ", ")).\n"
        s += "Global anomalies (mask = whole affected area, luminance mean kept): \(global.joined(separator: ", ")).\n"
        s += "Masks in ground_truth/<family>/NNN_mask.png. Train only on auxiliary categories, evaluate on target ones;\n"
        s += "target categories use texture files never used by auxiliary ones.\n"
        for c in m.categories { s += "\(c.name): \(c.role), \(c.kind), sources \(c.sources.joined(separator: ", "))\n" }
        return s
    }
}
