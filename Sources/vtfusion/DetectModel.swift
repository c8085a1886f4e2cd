import Backbones
import Evaluation
import Foundation
import VTFusion

/// Loads the model behind `vtfusion detect` (backbone + head checkpoint) as an ``ImageScorer``.
///
/// Provisional loader: the backbone directory holds `model.safetensors` and `config.json` of a CLIP
/// (vision tower used) or DINOv2 model; the text side comes from learned prompts stored in the checkpoint,
/// if any. Loading text encoders from `--text-dir` by name is the pipeline's backbone loader's job; this is
/// the one place to switch to it.
enum DetectModel {
    struct Loaded {
        var scorer: ImageScorer
        var backboneName: String
    }

    enum LoadError: Error, CustomStringConvertible {
        case missing(String)
        case unsupported(String)
        var description: String {
            switch self {
            case .missing(let m): return m
            case .unsupported(let m): return m
            }
        }
    }

    static func load(checkpoint: String, backboneDir: String, textDir: String?, object: String?,
                     batchSize: Int) throws -> Loaded {
        let dir = URL(fileURLWithPath: backboneDir)
        let weights = dir.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: weights.path) else {
            throw LoadError.missing("\(weights.path): backbone weights not found (expected model.safetensors in --backbone-dir)")
        }
        let configURL = dir.appendingPathComponent("config.json")
        let configText = (try? String(contentsOf: configURL, encoding: .utf8)) ?? ""
        let backbone: Backbone
        if configText.contains("vision_config") {
            backbone = try CLIPModel.load(safetensors: weights).vision
        } else if configText.contains("dinov2") || configText.contains("layerscale_value") {
            backbone = try DINOv2.load(safetensors: weights)
        } else {
            throw LoadError.unsupported("\(configURL.path): cannot tell the backbone type (expected a CLIP or DINOv2 config.json)")
        }
        if textDir != nil {
            throw LoadError.unsupported("--text-dir is not supported by this build's provisional loader; "
                + "omit it to use the checkpoint's learned prompts (or no text branch)")
        }
        let detector = try Detector(checkpoint: URL(fileURLWithPath: checkpoint), encoder: nil, object: object)
        let scorer = DetectorScorer(backbone: backbone, detector: detector, object: object, batchSize: batchSize)
        return Loaded(scorer: scorer, backboneName: backboneDir)
    }
}
