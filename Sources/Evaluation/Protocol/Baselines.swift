import Backbones
import Foundation
import Imaging
import Tensor
import VTFusion

/// The training-free baselines, on the same frozen features as the head.
public enum Baselines {
    /// Reference-only kNN patch distances: `[B, h*w]`, per patch `1 - max_j cos(patch, ref_j)` over all
    /// patches of all references, averaged over the taps (or the last tap only).
    public static func knnDistances(test: FeatureSet, references: FeatureSet, lastTapOnly: Bool = false,
                                    batchSize: Int = 8) -> Tensor {
        noGrad {
            let layers = lastTapOnly ? [test.layerCount - 1] : Array(0..<test.layerCount)
            let (b, n) = (test.batchSize, test.grid.0 * test.grid.1)
            let out = Tensor.zeros([b, n])
            for l in layers {
                let c = references.patches[l].shape[2]
                let mem = references.patches[l].reshaped([-1, c]).l2Normalized(axis: -1).transposed().contiguous()
                let m = mem.shape[1]
                var start = 0
                while start < b {
                    let end = min(start + max(batchSize, 1), b)
                    let q = test.patches[l].sliced(axis: 0, start: start, end: end).reshaped([-1, c]).l2Normalized(axis: -1)
                    let sim = q.matmul(mem).contiguous()
                    let rows = (end - start) * n
                    let sp = sim.pointer, op = out.pointer + start * n
                    let w = 1 / Float(layers.count)
                    for r in 0..<rows {
                        let row = sp + r * m
                        var best = row[0]
                        for j in 1..<m where row[j] > best { best = row[j] }
                        op[r] += (1 - best) * w
                    }
                    start = end
                }
            }
            return out
        }
    }

    /// Mean of the top `fraction` of `values` (at least one value).
    public static func topMean(_ values: [Float], fraction: Double) -> Float {
        let k = max(1, Int((Double(values.count) * fraction).rounded(.up)))
        let sorted = values.sorted(by: >)
        return sorted.prefix(k).reduce(0, +) / Float(k)
    }

    /// Text-only zero-shot (WinCLIP-style) with a CLIP model on normalised images `[B, 3, S, S]`.
    ///
    /// Text: the prompt ensemble for `object`, per state the normalised mean of normalised prompt embeddings.
    /// Patches: the last block's tokens from the V-V path over the last third of the blocks, through `ln_post`
    /// and the projection. Returns the abnormal probability `softmax(100 cos)` per patch `[B, h*w]` and per
    /// image (from the image embedding) `[B]`.
    public static func textZeroShot(clip: CLIPModel, text: TextEncoderBundle, images: Tensor, object: String,
                                    prompts: PromptConfig = PromptConfig()) throws -> (patches: Tensor, image: Tensor, grid: (Int, Int)) {
        try noGrad {
            let e = try TextEmbeddings.encode(prompts, object: object, with: text.promptEncoder)
            let protos = Tensor.stack([e.normal.mean(axis: 0), e.abnormal.mean(axis: 0)], axis: 0).l2Normalized(axis: -1)
            let depth = clip.vision.config.numHiddenLayers
            let f = try clip.vision.forward(images: images, layers: [depth], projected: true, vvBlocks: max(1, depth / 3))
            let patches = f.patchTokens[0].l2Normalized(axis: -1)                   // [B, N, D]
            let logits = patches.matmul(protos.transposed()) * 100                  // [B, N, 2]
            let p = logits.softmax(axis: -1).selecting(axis: -1, index: 1).contiguous()
            let img = (f.imageEmbedding.l2Normalized(axis: -1).matmul(protos.transposed()) * 100).softmax(axis: -1)
            return (p, img.selecting(axis: -1, index: 1).contiguous(), (f.grid.height, f.grid.width))
        }
    }

    /// A patch-grid map `[h*w]` brought to `size x size`: bilinear (align_corners=False), then Gaussian `sigma`.
    public static func imageMap(_ grid: [Float], gridSize: (Int, Int), size: Int, sigma: Float) -> [Float] {
        let g = Image(width: gridSize.1, height: gridSize.0, channels: 1, samples: grid)
        let up = g.upsampledBilinear(width: size, height: size).samples
        return sigma > 0 ? GaussianBlur.apply(up, width: size, height: size, sigma: sigma) : up
    }
}
