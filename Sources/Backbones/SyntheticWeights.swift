import Tensor

/// Deterministic stand-in weights, reproducible bit for bit in NumPy (`synth` in
/// `Scripts/make_backbone_fixtures.py`): parity tests and benchmarks at real widths without shipping weights.
///
/// Element `i` of parameter `key`: `x = murmur3_fmix32(fnv1a32(key) + i * 0x9E3779B9)`,
/// `u = float(x >> 8) / 2^24 - 0.5`; then norm weights `1 + 0.2u`, biases `0.2u`, matrices
/// `2u / sqrt(fan_in)`, other vectors `u`.
public enum SyntheticWeights {
    static func fnv1a(_ s: String) -> UInt32 {
        var h: UInt32 = 0x811C_9DC5
        for b in s.utf8 { h = (h ^ UInt32(b)) &* 0x0100_0193 }
        return h
    }

    /// One parameter's values.
    public static func tensor(key: String, shape: [Int]) -> Tensor {
        let n = ShapeUtil.count(shape)
        let out = Tensor(uninitializedShape: shape)
        let seed = fnv1a(key)
        let lower = key.lowercased()
        let (scale, shift): (Float, Float)
        if lower.contains("norm") && key.hasSuffix("weight") { (scale, shift) = (0.2, 1) }
        else if key.hasSuffix("bias") { (scale, shift) = (0.2, 0) }
        else if shape.count >= 2 { (scale, shift) = (Float(2 / Double(ShapeUtil.count(Array(shape.dropFirst()))).squareRoot()), 0) }
        else { (scale, shift) = (1, 0) }
        let p = out.pointer
        Threading.parallelFor(n) { range in
            for i in range {
                var x = seed &+ UInt32(truncatingIfNeeded: i) &* 0x9E37_79B9
                x ^= x >> 16; x = x &* 0x85EB_CA6B
                x ^= x >> 13; x = x &* 0xC2B2_AE35
                x ^= x >> 16
                let u = Float(x >> 8) * (1 / 16_777_216) - 0.5
                p[i] = shift == 0 ? u * scale : shift + u * scale
            }
        }
        return out
    }

    /// A full state dict for the given names and shapes (e.g. an architecture's parameter list).
    public static func stateDict(_ items: [(name: String, shape: [Int])]) -> StateDict {
        Dictionary(uniqueKeysWithValues: items.map { ($0.name, tensor(key: $0.name, shape: $0.shape)) })
    }
}

extension CLIPModel {
    /// Names and shapes (HF naming) of every parameter of `config`.
    public static func parameterList(_ config: CLIPConfig) -> [(name: String, shape: [Int])] {
        CLIPVisionTower.parameterList(config.visionConfig, projectionDim: config.projectionDim)
            + CLIPTextTower.parameterList(config.textConfig, projectionDim: config.projectionDim)
            + [(name: "logit_scale", shape: [])]
    }

    /// A model of `config` with ``SyntheticWeights`` (for tests and benchmarks).
    public static func synthetic(_ config: CLIPConfig) throws -> CLIPModel {
        try CLIPModel(config: config, stateDict: SyntheticWeights.stateDict(parameterList(config)))
    }
}
