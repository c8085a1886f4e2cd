import ArgumentParser
import Backbones
import Foundation
import NN
import Tensor
import VTFusion

/// `vtfusion features`: dump tapped layer tokens, class token and prompt embeddings to safetensors.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Dump a backbone's tapped patch tokens, class token and prompt embeddings to a safetensors file.",
        discussion: """
        Output tensors: layer.<L>.patch_tokens [B, N, C] per tapped layer, class_token [B, D] (the pooled image embedding) and, with --prompts, text_embeddings [P, D]. The file is written atomically.

        Images: PNG or JPEG files, preprocessed like the backbone's input (RGB, shorter side resized to the input size with antialiased bicubic, center crop, normalised with the backbone's mean/std; the size is the registry's for a known backbone name such as dinov2-s-imgfocus, else the tower's native size, or --image-size); or .safetensors files holding a tensor 'images' (or a single tensor) [3, H, W] or [B, 3, H, W], RGB in [0, 1] (normalised unless --normalized), H and W multiples of the patch size.

        Examples:
          vtfusion features --backbone dinov2-s-imgfocus --images a.png b.jpg --layers 3,6,9,12 --out f.safetensors
          vtfusion features --backbone openai/clip-vit-base-patch16 --images a.safetensors --layers 6,12 --prompts "a photo of a flawless object" "a photo of a damaged object" --out f.safetensors
        """
    )

    @Option(help: "A registry name (see `vtfusion models list`), another store model name, or a label for --checkpoint-dir.")
    var backbone: String

    @Option(help: "Model directory: config.json + model.safetensors or a sharded index, or an OpenCLIP open_clip_config.json + open_clip_model.safetensors (default: the store's copy of --backbone).")
    var checkpointDir: String?

    @Option(parsing: .upToNextOption, help: "Input images (PNG, JPEG or .safetensors tensors, see below).")
    var images: [String] = []

    @Option(help: "Side of PNG/JPEG inputs after preprocessing (default: the backbone's input size).")
    var imageSize: Int?

    @Option(help: "Comma-separated 1-based layers to tap, e.g. 3,6,9,12.")
    var layers: String = ""

    @Option(parsing: .upToNextOption, help: "Prompts to embed with the text tower.")
    var prompts: [String] = []

    @Option(help: "Text model for --prompts when the backbone has none (e.g. minilm-l6 for DINOv2).")
    var textModel: String?

    @Flag(help: "Input .safetensors tensors are already normalised.")
    var normalized = false

    @Option(help: "Output safetensors file.")
    var out: String

    func validate() throws {
        guard !images.isEmpty || !prompts.isEmpty else { throw ValidationError("give --images and/or --prompts") }
        guard !images.isEmpty == !parsedLayers.isEmpty else { throw ValidationError("--images needs --layers (e.g. 3,6,9,12)") }
        guard parsedLayers.count == layers.split(separator: ",").count else { throw ValidationError("--layers must be comma-separated integers, got '\(layers)'") }
    }

    var parsedLayers: [Int] { layers.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func run() throws {
        let model = try ModelLoader.model(backbone, directory: checkpointDir.map { URL(fileURLWithPath: $0) })
        var text: LoadedModel? = model
        if let textModel { text = try ModelLoader.model(textModel, directory: nil) }

        var batch: Tensor?
        if !images.isEmpty {
            guard let vision = model.vision else { throw ValidationError("\(backbone) has no vision tower") }
            let pre = try FeatureImageInput.preprocessor(for: vision, name: backbone, imageSize: imageSize)
            batch = try FeatureImageInput.batch(images.map { URL(fileURLWithPath: $0) }, preprocessor: pre, normalized: normalized)
        }
        let tensors = try noGrad { try FeatureDump.features(vision: model.vision, images: batch, layers: parsedLayers, text: text, prompts: prompts) }
        let promptsJSON = String(decoding: try JSONSerialization.data(withJSONObject: prompts), as: UTF8.self)
        try Safetensors.write(tensors, metadata: ["backbone": backbone, "layers": parsedLayers.map(String.init).joined(separator: ","),
                                                  "images": images.joined(separator: "\n"), "prompts": promptsJSON],
                              to: URL(fileURLWithPath: out))
        for k in tensors.keys.sorted() { print("\(k) \(tensors[k]!.shape)") }
        print("wrote \(out)")
    }
}
