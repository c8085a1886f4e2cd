import Foundation
import Tensor
import VTFusion

/// A tiny deterministic text tower for tests: each lower-cased word maps to a seeded random
/// vector; a prompt is `tanh(W * mean(word vectors))`. Same words, same embedding, on every platform.
public final class RandomTextTower: PromptEncoder {
    public let width: Int
    private let seed: UInt64
    private let mix: Tensor

    public init(width: Int, seed: UInt64 = 0) {
        self.width = width
        self.seed = seed
        var rng = SeededRandom(seed: seed ^ 0x5EED)
        mix = Tensor.randn([width, width], std: 1 / Float(width).squareRoot(), using: &rng)
    }

    public func encode(_ prompts: [String]) -> Tensor {
        let out = Tensor(uninitializedShape: [prompts.count, width])
        for (i, prompt) in prompts.enumerated() {
            let words = prompt.lowercased().split { !$0.isLetter && !$0.isNumber }
            var acc = [Float](repeating: 0, count: width)
            for w in words {
                var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
                for b in w.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
                var rng = SeededRandom(seed: h ^ seed)
                for j in 0..<width { acc[j] += rng.normal() }
            }
            let n = Float(max(words.count, 1))
            for j in 0..<width { out.pointer[i * width + j] = acc[j] / n }
        }
        return noGrad {
            let y = out.matmul(mix.transposed())
            return Tensor(shape: y.shape, data: y.scalars.map { tanhf($0) })
        }
    }
}
