import Foundation
import UserFiles
import NN
import Tensor

/// A training checkpoint directory: `head.safetensors` (trained parameters; the step in its metadata),
/// `config.json` (``VTFusionConfig``) and `optimizer.safetensors` (AdamW moments, for resuming).
///
/// Every file is written to a temporary file and renamed into place, optimizer state first and weights
/// last, so a crash leaves the previous complete checkpoint or the new one; optimizer state whose step
/// differs from the weights' is ignored on resume (moments restart), never mixed.
public enum Checkpoint {
    public static let weightsFile = "head.safetensors"
    public static let configFile = "config.json"
    public static let optimizerFile = "optimizer.safetensors"

    /// What a checkpoint holds.
    public struct Contents {
        public let config: VTFusionConfig
        /// Parameters by key (head parameters plus any extra trained tensors, e.g. `prompt.context`).
        public let parameters: [String: Tensor]
        public let step: Int
        /// Optimizer state (NN's `Optimizer.stateDict()` keys) when present and consistent with `step`.
        public let optimizerState: [String: Tensor]?
    }

    /// Writes a checkpoint into `directory` (created if needed).
    public static func save(config: VTFusionConfig, parameters: [(String, Tensor)], step: Int,
                            optimizerState: [String: Tensor]?, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let meta = ["format": "vtfusion-head", "step": String(step), "backbone": config.backbone,
                    "backbone_sha256": config.backboneSHA256]
        if let optimizerState {
            try Safetensors.write(optimizerState, metadata: ["step": String(step)],
                                  to: directory.appendingPathComponent(optimizerFile))
        }
        try VTFusionConfig.encoder.encode(config).write(to: directory.appendingPathComponent(configFile), options: .atomic)
        var params: [String: Tensor] = [:]
        for (key, t) in parameters where params[key] == nil { params[key] = t.detached().contiguous() }
        try Safetensors.write(params, metadata: meta, to: directory.appendingPathComponent(weightsFile))
    }

    /// Decodes and validates checkpoint `config.json` bytes (`name` labels errors).
    public static func decodeConfig(_ data: Data, name: String = "<memory>") throws -> VTFusionConfig {
        let config: VTFusionConfig
        do { config = try VTFusionConfig.decoder.decode(VTFusionConfig.self, from: data) }
        catch { throw VTFusionError.invalidFile(name, "invalid config JSON: \(DecodingErrorText.describe(error))") }
        try ConfigLimits.check(config, file: name)
        try config.validate()
        return config
    }

    /// Reads a checkpoint. With `backboneSHA256`, throws ``VTFusionError/backboneMismatch(expected:found:)``
    /// unless the checkpoint names the same weights (a stored `"unverified"` matches anything).
    public static func load(from directory: URL, backboneSHA256: String? = nil) throws -> Contents {
        let configURL = directory.appendingPathComponent(configFile)
        let data: Data
        do { data = try UserFile.data(configURL.path) } catch {
            throw VTFusionError.invalidFile(configURL.path, "missing or unreadable checkpoint config: \((error as? UserFileError)?.reason ?? "\(error)")")
        }
        let config = try decodeConfig(data, name: configURL.path)
        if let expected = backboneSHA256, config.backboneSHA256 != "unverified", expected != config.backboneSHA256 {
            throw VTFusionError.backboneMismatch(expected: expected, found: config.backboneSHA256)
        }
        let weightsURL = directory.appendingPathComponent(weightsFile)
        let weights = try SafetensorsFile(url: weightsURL)
        let (params, meta) = (try weights.tensors(), weights.metadata)
        guard meta["format"] == "vtfusion-head", let step = meta["step"].flatMap(Int.init) else {
            throw VTFusionError.invalidFile(weightsURL.path, "not a VTFusion head checkpoint (metadata format/step)")
        }
        var optimizer: [String: Tensor]? = nil
        let optURL = directory.appendingPathComponent(optimizerFile)
        if FileManager.default.fileExists(atPath: optURL.path) {
            let file = try SafetensorsFile(url: optURL)
            if file.metadata["step"] == String(step) { optimizer = try file.tensors() }
        }
        return Contents(config: config, parameters: params, step: step, optimizerState: optimizer)
    }
}
