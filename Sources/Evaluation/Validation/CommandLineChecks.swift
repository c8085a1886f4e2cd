import Foundation
import VTFusion

/// A command-line value that is out of range, named by its flag; raised before any long work.
public struct FlagError: Error, CustomStringConvertible, LocalizedError, Equatable {
    public let flag: String
    public let problem: String
    public init(_ flag: String, _ problem: String) { self.flag = flag; self.problem = problem }
    public var description: String { "\(flag): \(problem)" }
    public var errorDescription: String? { description }
}

/// The up-front checks of `train`, `eval` and `detect` flags.
public enum CommandLineChecks {
    /// Hard caps.
    public static let maxSteps = 10_000_000
    public static let maxBatch = 1024
    public static let maxSyntheticPerImage = 64
    public static let maxSyntheticPerReference = 64

    /// The training flags of `vtfusion train`.
    public static func training(steps: Int, batch: Int, checkpointEvery: Int, learningRate: Float,
                                syntheticPerImage: Int, textures: [String], imageSize: Int?) throws {
        guard steps >= 1 && steps <= maxSteps else { throw FlagError("--steps", "expected 1...\(maxSteps), got \(steps)") }
        guard batch >= 1 && batch <= maxBatch else { throw FlagError("--batch", "expected 1...\(maxBatch) queries per episode, got \(batch)") }
        guard checkpointEvery >= 1 else { throw FlagError("--checkpoint-every", "expected a step count >= 1, got \(checkpointEvery)") }
        guard learningRate.isFinite && learningRate > 0 && learningRate <= 10 else {
            throw FlagError("--learning-rate", "expected a finite number > 0 (e.g. 1e-3), got \(learningRate)")
        }
        guard syntheticPerImage >= 0 && syntheticPerImage <= maxSyntheticPerImage else {
            throw FlagError("--synthetic-per-image", "expected 0...\(maxSyntheticPerImage), got \(syntheticPerImage)")
        }
        for t in textures { try folder(t, flag: "--textures") }
        if let s = imageSize { try self.imageSize(s) }
    }

    /// `--image-size`: a crop side within ``ConfigLimits/maxImageSize``.
    public static func imageSize(_ s: Int) throws {
        guard s >= 16 && s <= ConfigLimits.maxImageSize else {
            throw FlagError("--image-size", "expected a crop side between 16 and \(ConfigLimits.maxImageSize) px, got \(s)")
        }
    }

    /// `--synthetic` of `detect`.
    public static func syntheticPerReference(_ n: Int) throws {
        guard n >= 0 && n <= maxSyntheticPerReference else {
            throw FlagError("--synthetic", "expected 0...\(maxSyntheticPerReference) synthetic anomalies per reference, got \(n)")
        }
    }

    /// An existing, readable folder.
    public static func folder(_ path: String, flag: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw FlagError(flag, "\(path): no such folder") }
        guard isDir.boolValue else { throw FlagError(flag, "\(path): not a folder") }
        guard FileManager.default.isReadableFile(atPath: path) else { throw FlagError(flag, "\(path): permission denied") }
    }

    /// `VTFUSION_THREADS` / `--threads`: nil when unset; an error naming the variable when not a count in 1...1024.
    public static func threadCount(_ value: String?, name: String = "VTFUSION_THREADS") throws -> Int? {
        guard let value, !value.isEmpty else { return nil }
        guard let n = Int(value.trimmingCharacters(in: .whitespaces)), n >= 1, n <= 1024 else {
            throw FlagError(name, "expected a thread count between 1 and 1024, got '\(value)'")
        }
        return n
    }
}
