import Foundation
import NN
import Tensor

/// A text tower that embeds prompts: the seam where CLIP's or MiniLM's text encoder plugs in.
public protocol PromptEncoder: AnyObject {
    /// Embedding width `D_text`.
    var width: Int { get }
    /// Embeds `prompts` into `[P, D_text]`.
    func encode(_ prompts: [String]) throws -> Tensor
}

/// Prompt embeddings of the two states, before the text adapter.
public struct TextEmbeddings {
    /// `[P_n, D_text]` embeddings of the normal prompts.
    public var normal: Tensor
    /// `[P_a, D_text]` embeddings of the abnormal prompts.
    public var abnormal: Tensor

    public init(normal: Tensor, abnormal: Tensor) {
        check(normal.rank == 2 && abnormal.rank == 2 && normal.shape[1] == abnormal.shape[1],
              "TextEmbeddings: normal \(normal.shape) and abnormal \(abnormal.shape) must be [P, D] with equal D")
        self.normal = normal
        self.abnormal = abnormal
    }

    /// Encodes the prompt ensemble of `prompts` for `object` with `encoder` (no gradient).
    public static func encode(_ prompts: PromptConfig, object: String? = nil, with encoder: PromptEncoder) throws -> TextEmbeddings {
        try noGrad {
            TextEmbeddings(normal: try encoder.encode(prompts.prompts(abnormal: false, object: object)),
                           abnormal: try encoder.encode(prompts.prompts(abnormal: true, object: object)))
        }
    }
}

/// Where the head's text side comes from on each forward pass.
public enum TextSource {
    /// Precomputed (frozen) prompt embeddings.
    case fixed(TextEmbeddings)
    /// Recomputed every pass, with gradients (learnable context vectors through a frozen text tower);
    /// for example returning `[1, D_text]` prototypes per state.
    case learnable(() -> TextEmbeddings)

    public func embeddings() -> TextEmbeddings {
        switch self {
        case .fixed(let e): return e
        case .learnable(let f): return f()
        }
    }
}

/// A tiny deterministic text tower for tests and demos: each lower-cased word maps to a seeded random
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
