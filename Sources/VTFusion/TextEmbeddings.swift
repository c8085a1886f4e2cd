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
