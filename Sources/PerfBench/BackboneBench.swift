import Backbones
import Tensor

/// Backbone forward passes (issue 3, "Parity and performance"): full-depth vision towers with synthetic
/// weights, batch 1, four evenly spaced taps. Scripts/bench_models.py runs transformers' `CLIPVisionModel`
/// / `Dinov2Model` of the same architecture (random init) under `torch.inference_mode()`.
enum BackboneBench {
    /// The ViT-L cases run one timed repetition after one warm-up on both sides (seconds per pass).
    static func reps(for name: String, requested: Int) -> Int { name.hasPrefix("clip:L-14") ? 1 : requested }

    static func taps(depth: Int) -> [Int] { (1...4).map { depth / 4 * $0 } }

    static func cases(quick: Bool) -> [BenchCase] {
        var out = [clip("ViT-B-16", key: "B-16", size: 224)]
        if !quick {
            out.append(clip("ViT-L-14-336", key: "L-14-336", size: 336))
            out.append(clip("ViT-L-14-336", key: "L-14-336", size: 518))
        }
        out.append(dinov2("dinov2-s-14", key: "S-14", size: 448))
        return out
    }

    private static func image(_ size: Int) -> Tensor {
        var rng = SeededRandom(seed: 0)
        return Tensor.randn([1, 3, size, size], using: &rng)
    }

    private static func describe(_ arch: String, tokens: Int, layers: Int, native: Int, size: Int, name: String) -> String {
        let pos = size == native ? "" : ", pos. embedding interpolated from \(native)"
        let reps = name.hasPrefix("clip:L-14") ? ", 1 rep + 1 warm-up" : ""
        return "\(arch) forward, batch 1, \(layers) blocks, \(tokens) tokens\(pos)\(reps)"
    }

    static func clip(_ registryName: String, key: String, size: Int) -> BenchCase {
        let config = try! CLIPConfig.named(registryName)
        let v = config.visionConfig
        let name = "clip:\(key)@\(size)"
        let tokens = (size / v.patchSize) * (size / v.patchSize) + 1
        return BenchCase(name: name,
                         what: describe("CLIP \(registryName) vision", tokens: tokens, layers: v.numHiddenLayers,
                                        native: v.imageSize, size: size, name: name),
                         flops: nil, target: "<= 1.0x torch") { reps in
            // Only the vision tower is timed; a 1-block text tower keeps the synthetic model small.
            var c = config
            c.textConfig.numHiddenLayers = 1
            let model = try! CLIPModel.synthetic(c)
            let x = image(size), layers = taps(depth: v.numHiddenLayers)
            return noGrad {
                Timing.median(reps: BackboneBench.reps(for: name, requested: reps)) {
                    _ = try! model.vision.forward(images: x, layers: layers)
                }
            }
        }
    }

    static func dinov2(_ registryName: String, key: String, size: Int) -> BenchCase {
        let config = DINOv2Config.registry[registryName]!
        let name = "dinov2:\(key)@\(size)"
        let tokens = (size / config.patchSize) * (size / config.patchSize) + 1
        return BenchCase(name: name,
                         what: describe("DINOv2 \(key)", tokens: tokens, layers: config.numHiddenLayers,
                                        native: config.imageSize, size: size, name: name),
                         flops: nil, target: "<= 1.0x torch") { reps in
            let model = try! DINOv2.synthetic(config)
            let x = image(size), layers = taps(depth: config.numHiddenLayers)
            return noGrad {
                Timing.median(reps: BackboneBench.reps(for: name, requested: reps)) {
                    _ = try! model.forward(images: x, layers: layers)
                }
            }
        }
    }
}
