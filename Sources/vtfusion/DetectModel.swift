import Backbones
import Evaluation
import Foundation
import VTFusion

/// Loads the model behind `vtfusion detect` as an ``ImageScorer``, through the pipeline's loaders.
///
/// The head checkpoint's `config.json` names the backbone (``BackboneSpec/named(_:imageSize:)``) and the
/// text encoder it was trained with; `--backbone-dir` holds that backbone's files, `--text-dir` the text
/// encoder's (not needed for `random-tiny`, for a CLIP text tower when the CLIP backbone is loaded, or when
/// the text branch is off). Without a text encoder the head runs without its text branch unless the
/// checkpoint stores fixed text embeddings.
enum DetectModel {
    struct Loaded {
        var scorer: ImageScorer
        var backboneName: String
    }

    static func load(checkpoint: String, backboneDir: String, textDir: String?, object: String?,
                     batchSize: Int) throws -> Loaded {
        let checkpointURL = URL(fileURLWithPath: checkpoint)
        let config = try Checkpoint.load(from: checkpointURL).config
        let spec = try BackboneSpec.named(config.backbone, imageSize: config.imageSize[0])
        let loaded = try ModelLoader.backbone(spec, directory: URL(fileURLWithPath: backboneDir))
        var text: TextEncoderBundle? = nil
        if config.ablation.text {
            let name = config.textEncoder.lowercased()
            let sharesCLIP = loaded.clip != nil && name == spec.name.lowercased()
            if textDir != nil || name == "random-tiny" || sharesCLIP {
                text = try ModelLoader.textEncoder(config.textEncoder, directory: textDir.map { URL(fileURLWithPath: $0) },
                                                   clip: loaded.clip)
            }
        }
        let head = try VTFusionPipeline.loadHead(checkpoint: checkpointURL, text: text, object: object ?? "object",
                                                 backboneSHA256: loaded.weightsFingerprint)
        let scorer = DetectorScorer(backbone: loaded.backbone, detector: head.detector, object: object, batchSize: batchSize)
        return Loaded(scorer: scorer, backboneName: "\(spec.name) (\(backboneDir))")
    }
}
