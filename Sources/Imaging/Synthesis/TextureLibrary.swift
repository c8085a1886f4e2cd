import Foundation
import Tensor

/// A set of texture images used to fill synthetic anomalies and to build the benchmark: image files
/// (.png, .jpg, .jpeg) and GIMP patterns (.pat) found (recursively) under the given folders, sorted by
/// path so the order is reproducible. Images are decoded lazily and cached as RGB.
public final class TextureLibrary: @unchecked Sendable {
    /// Files in a deterministic order.
    public let files: [String]
    private var cache: [Int: Image8] = [:]
    private let lock = NSLock()
    /// Textures smaller than this on either side are skipped when loading (tiny icons).
    public let minimumSide: Int

    /// GIMP pattern folders (Debian's gimp-data / gimp-data-extras; GIMP 2 and GIMP 3 layouts).
    public static let gimpPatternDirectories = ["/usr/share/gimp/2.0/patterns", "/usr/share/gimp/3.0/patterns"]

    /// Scans `directories`; throws `TextureError.missingDirectory` for a folder that does not exist and
    /// `TextureError.noTextures` when nothing usable is found.
    public init(directories: [String], minimumSide: Int = 32) throws {
        var found: [String] = []
        for dir in directories {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw TextureError.missingDirectory(path: dir)
            }
            guard let e = FileManager.default.enumerator(atPath: dir) else { continue }
            for case let rel as String in e {
                let ext = (rel as NSString).pathExtension.lowercased()
                if ["png", "jpg", "jpeg", "pat"].contains(ext) { found.append((dir as NSString).appendingPathComponent(rel)) }
            }
        }
        found.sort()
        if found.isEmpty { throw TextureError.noTextures(paths: directories) }
        files = found
        self.minimumSide = minimumSide
    }

    /// In-memory textures (tests, generated sources).
    public init(images: [Image8]) {
        files = images.indices.map { "<memory:\($0)>" }
        minimumSide = 1
        for (i, im) in images.enumerated() { cache[i] = im.rgb() }
    }

    public var count: Int { files.count }

    /// Texture `index` as RGB, or nil when the file cannot be decoded or is too small.
    public func image(_ index: Int) -> Image8? {
        lock.lock(); defer { lock.unlock() }
        if let c = cache[index] { return c }
        let path = files[index]
        let img: Image8?
        if path.lowercased().hasSuffix(".pat") {
            img = (try? GimpPattern.read(path: path))?.image.rgb()
        } else {
            img = (try? ImageCodec.decode(path: path, options: DecodeOptions(maxPixels: 16_000_000)))?.rgb()
        }
        guard let im = img, im.width >= minimumSide, im.height >= minimumSide else { return nil }
        cache[index] = im
        return im
    }

    /// A random usable texture tiled/cropped to `width` x `height`: a random window of the texture
    /// (tiled when the texture is smaller), optionally rescaled by a random factor in 0.5...2.
    public func sample(width: Int, height: Int, rng: inout SeededRandom) -> Image8? {
        for _ in 0..<16 {
            guard let tex = image(rng.int(count)) else { continue }
            return TextureLibrary.window(of: tex, width: width, height: height, rng: &rng)
        }
        return nil
    }

    /// A `width` x `height` window of `tex` at a random offset and scale (tiling as needed).
    public static func window(of tex: Image8, width: Int, height: Int, rng: inout SeededRandom) -> Image8 {
        let scale = pow(2, rng.uniform(-1, 1))
        let sw = max(8, Int(Float(tex.width) * scale)), sh = max(8, Int(Float(tex.height) * scale))
        let t = tex.resized(width: sw, height: sh, filter: .bilinear)
        let ox = rng.int(sw), oy = rng.int(sh)
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let sy = (y + oy) % sh
            for x in 0..<width {
                let s = (sy * sw + (x + ox) % sw) * 3, d = (y * width + x) * 3
                out[d] = t.samples[s]; out[d + 1] = t.samples[s + 1]; out[d + 2] = t.samples[s + 2]
            }
        }
        return Image8(width: width, height: height, channels: 3, samples: out)
    }
}
