import Foundation
import NN
import Tensor
import Tokenizers

/// What `vtfusion features` writes: tapped patch tokens, class token and prompt embeddings.
public enum FeatureDump {
    /// Runs `vision` on `images` (already normalised, `[B, 3, H, W]`) and `text` on `prompts`.
    ///
    /// - Returns: `layer.<L>.patch_tokens` `[B, N, C]` for each `L` in `layers`, `class_token` `[B, D]`
    ///   (the backbone's pooled image embedding), and `text_embeddings` `[P, D]` when prompts are given.
    public static func features(vision: Backbone?, images: Tensor?, layers: [Int], text: LoadedModel?,
                                prompts: [String]) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        if let images {
            guard let vision else { throw BackboneError.invalidInput("images given, but the model has no vision tower") }
            let (tokens, cls) = try vision.features(images: images, layers: layers)
            for (l, t) in zip(layers, tokens) { out["layer.\(l).patch_tokens"] = t.contiguous() }
            out["class_token"] = cls.contiguous()
        }
        if !prompts.isEmpty {
            guard let text, let emb = try text.textEmbeddings(prompts) else {
                throw BackboneError.invalidInput("prompts given, but no text encoder (DINOv2 has none: pass a CLIP or MiniLM text model)")
            }
            out["text_embeddings"] = emb.contiguous()
        }
        return out
    }

    /// Images for the vision tower from a safetensors file: the tensor `images` (or the file's only tensor),
    /// `[B, 3, H, W]` or `[3, H, W]`, RGB in `[0, 1]` unless `normalized` (then used as is); otherwise
    /// normalised with `mean` / `std`.
    public static func readImageTensor(_ url: URL, mean: [Float], std: [Float], normalized: Bool) throws -> Tensor {
        let all = try Safetensors.read(url)
        guard let t = all["images"] ?? (all.count == 1 ? all.values.first : nil) else {
            throw BackboneError.invalidInput("\(url.path): expected a tensor named 'images' (or a single tensor); found \(all.keys.sorted())")
        }
        let x = t.rank == 3 ? t.unsqueezed(0) : t
        guard x.rank == 4, x.shape[1] == 3 else {
            throw BackboneError.invalidInput("\(url.path): images must be [B, 3, H, W] or [3, H, W]; got \(t.shape)")
        }
        if normalized { return x }
        return (x - Tensor(shape: [1, 3, 1, 1], data: mean)) / Tensor(shape: [1, 3, 1, 1], data: std)
    }
}
