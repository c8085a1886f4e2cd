import Imaging
import Foundation

/// Where the benchmark builder finds real textures by default, and the error that says what to install
/// when there are none.
///
/// Searched, in order: the folders in `VTFUSION_TEXTURES` (colon separated); GIMP patterns from Debian's
/// `gimp-data` / `gimp-data-extras` (`/usr/share/gimp/2.0/patterns`, and GIMP 3's folder); OpenArena
/// textures extracted from `openarena-081-textures` (`~/.cache/vtfusion/textures/openarena`, written by
/// `Scripts/extract_bench_textures.sh` or `vtfusion data build-bench` itself).
public enum TextureSources {
    /// One place textures may live and what provides it.
    public struct Location: Sendable, Equatable {
        public var path: String
        /// How to get it ("apt-get install gimp-data gimp-data-extras").
        public var provider: String
    }

    /// The Debian packages holding the default textures.
    public static let gimpPackages = ["gimp-data", "gimp-data-extras"]
    /// OpenArena's texture archive (a zip) from `openarena-081-textures`.
    public static let openArenaArchive = "/usr/share/games/openarena/baseoa/pak4-textures.pk3"

    /// Folder the OpenArena textures are extracted to.
    public static var openArenaCache: String {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_CACHE_HOME"].map { $0 + "/vtfusion" }
            ?? FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/vtfusion"
        return base + "/textures/openarena"
    }

    /// Candidate locations in search order.
    public static var locations: [Location] {
        var out: [Location] = []
        if let env = ProcessInfo.processInfo.environment["VTFUSION_TEXTURES"] {
            out += env.split(separator: ":").map { Location(path: String($0), provider: "VTFUSION_TEXTURES") }
        }
        let apt = "apt-get install " + gimpPackages.joined(separator: " ")
        out += TextureLibrary.gimpPatternDirectories.map { Location(path: $0, provider: apt) }
        out.append(Location(path: openArenaCache,
                            provider: "apt-get install openarena-081-textures, then Scripts/extract_bench_textures.sh"))
        return out
    }

    /// Image/pattern files directly or recursively under `path` (stops counting at `limit`).
    public static func textureFileCount(in path: String, limit: Int = .max) -> Int {
        guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
        var n = 0
        for case let rel as String in e where ["png", "jpg", "jpeg", "pat"].contains((rel as NSString).pathExtension.lowercased()) {
            n += 1
            if n >= limit { break }
        }
        return n
    }

    /// Existing candidate folders that hold at least one texture file.
    /// - Throws: `TextureSourceError.noneFound` listing what was searched and what to install.
    public static func discover() throws -> [String] {
        let found = locations.map(\.path).filter { textureFileCount(in: $0, limit: 1) > 0 }
        var unique: [String] = []
        for p in found where !unique.contains(p) { unique.append(p) }
        if unique.isEmpty { throw TextureSourceError.noneFound(searched: locations) }
        return unique
    }
}

/// No default textures.
public enum TextureSourceError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case noneFound(searched: [TextureSources.Location])

    public var description: String {
        switch self {
        case .noneFound(let locations):
            return "no texture images (.png, .jpg, .jpeg, .pat) found in " + locations.map(\.path).joined(separator: ", ")
                + ". Install real textures with `sudo apt-get install " + TextureSources.gimpPackages.joined(separator: " ")
                + "` (or `Scripts/install-system-packages.sh --textures`; `--openarena-textures` adds OpenArena surfaces), "
                + "or pass --textures DIR with your own images or GIMP .pat patterns."
        }
    }
    public var errorDescription: String? { description }
}
