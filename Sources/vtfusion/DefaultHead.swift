import Foundation

/// The embedded default head: the project's trained head (shipped with the tool) on the registry's
/// default backbone and text encoder (``ModelRegistry/defaultBackbone``, ``ModelRegistry/defaultTextEncoder``).
enum DefaultHead {
    /// The trained head's checkpoint directory: `$VTFUSION_DEFAULT_HEAD`, the resource bundle next to the
    /// executable, or the source checkout the tool was built from.
    static func directory() throws -> URL {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["VTFUSION_DEFAULT_HEAD"] {
            candidates.append(URL(fileURLWithPath: env))
        }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        candidates.append(exe.appendingPathComponent("VTFusion_vtfusion.resources/DefaultHead"))
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("DefaultHead"))
        for c in candidates where fm.fileExists(atPath: c.appendingPathComponent("head.safetensors").path) {
            return c
        }
        throw DefaultHeadError.headMissing(candidates.map(\.path))
    }
}

enum DefaultHeadError: Error, CustomStringConvertible {
    case headMissing([String])

    var description: String {
        switch self {
        case .headMissing(let paths):
            return "the default head checkpoint was not found (looked in \(paths.joined(separator: ", "))); "
                + "set VTFUSION_DEFAULT_HEAD or pass --checkpoint"
        }
    }
}
