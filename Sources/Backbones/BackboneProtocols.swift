import Tensor

/// A frozen vision transformer that yields patch tokens for anomaly detection (CLIP vision, DINOv2).
public protocol Backbone: AnyObject {
    /// Native input side in pixels (the positional table's resolution); other multiples of ``patchSize`` work.
    var imageSize: Int { get }
    /// Patch side in pixels.
    var patchSize: Int { get }
    /// Per-channel normalisation mean (RGB) the backbone was trained with.
    var mean: [Float] { get }
    /// Per-channel normalisation standard deviation (RGB).
    var std: [Float] { get }
    /// Number of transformer blocks (the largest valid layer tap).
    var layerCount: Int { get }
    /// Width of the patch tokens ``features(images:layers:)`` returns.
    var tokenWidth: Int { get }

    /// Patch tokens of the tapped layers and the image-level embedding.
    ///
    /// - Parameters:
    ///   - images: normalised images `[B, 3, H, W]`, `H` and `W` multiples of ``patchSize``.
    ///   - layers: 1-based block outputs to tap (`0` = the embeddings entering the first block).
    /// - Returns: `patchTokens[i]` `[B, (H/p)*(W/p), C]` for `layers[i]` (row-major patch order, class
    ///   token removed); `classToken` `[B, D]` the pooled image embedding.
    func features(images: Tensor, layers: [Int]) throws -> (patchTokens: [Tensor], classToken: Tensor)
}

/// A frozen text encoder (CLIP text, MiniLM) with a learnable-context input path for prompt learning.
public protocol TextEncoder: AnyObject {
    /// Width of token embeddings (the width of learnable context vectors).
    var embeddingWidth: Int { get }
    /// Width of the returned sentence embeddings.
    var outputWidth: Int { get }
    /// Longest sequence accepted.
    var maxLength: Int { get }

    /// Sentence embeddings `[B, D]` for token ids (`B` rows of equal length; padding per the model's
    /// tokenizer, with `attentionMask` where the model needs one).
    func encode(ids: [[Int]], attentionMask: [[Int]]?) throws -> Tensor

    /// The frozen token embeddings `[B, L, E]` of `ids` (no gradient), to edit before ``encode(embeddings:ids:attentionMask:)``.
    func tokenEmbeddings(ids: [[Int]]) throws -> Tensor

    /// Sentence embeddings `[B, D]` from token embeddings `[B, L, E]` (e.g. with learnable context vectors in
    /// place of placeholder tokens); `ids` (same layout) locate pooling positions. Differentiable with
    /// respect to `embeddings`.
    func encode(embeddings: Tensor, ids: [[Int]], attentionMask: [[Int]]?) throws -> Tensor
}

extension TextEncoder {
    /// CoOp-style encoding: the token embeddings of `ids` with the positions `placeholders[b]` (in order)
    /// replaced by `context` rows, then encoded; gradients flow to `context`.
    ///
    /// - Parameters:
    ///   - ids: `B` token-id rows of equal length `L`.
    ///   - placeholders: for each row, the positions (count `K`) that take the context vectors.
    ///   - context: `[K, E]` shared by all rows, or `[B, K, E]` per row.
    /// - Returns: `[B, D]`.
    public func encode(ids: [[Int]], placeholders: [[Int]], context: Tensor,
                       attentionMask: [[Int]]? = nil) throws -> Tensor {
        let base = try tokenEmbeddings(ids: ids)
        let embeddings = try ContextInsertion.insert(context, into: base, at: placeholders)
        return try encode(embeddings: embeddings, ids: ids, attentionMask: attentionMask)
    }

    /// Positions of `placeholderID` in each row of `ids` (for ``encode(ids:placeholders:context:attentionMask:)``).
    public func placeholderPositions(in ids: [[Int]], placeholderID: Int) -> [[Int]] {
        ids.map { row in row.indices.filter { row[$0] == placeholderID } }
    }
}

/// Differentiable insertion of context vectors into token embeddings.
public enum ContextInsertion {
    /// `base [B, L, E]` with rows `positions[b][k]` replaced by `context[k]` (`[K, E]`) or `context[b, k]`
    /// (`[B, K, E]`). Built from a mask product and a one-hot matrix product, so the gradient reaches
    /// `context` (and `base`, where it requires one).
    public static func insert(_ context: Tensor, into base: Tensor, at positions: [[Int]]) throws -> Tensor {
        let (b, l, e) = (base.shape[0], base.shape[1], base.shape[2])
        let k = context.shape[context.rank - 2]
        guard context.shape.last == e, context.rank == 2 || (context.rank == 3 && context.shape[0] == b) else {
            throw BackboneError.invalidInput("context shape \(context.shape) does not fit embeddings \(base.shape)")
        }
        guard positions.count == b, positions.allSatisfy({ $0.count == k }) else {
            throw BackboneError.invalidInput("need \(k) placeholder positions in each of \(b) rows, got \(positions.map(\.count))")
        }
        var keep = [Float](repeating: 1, count: b * l)
        var place = [Float](repeating: 0, count: b * l * k)
        for (r, row) in positions.enumerated() {
            for (j, pos) in row.enumerated() {
                guard pos >= 0 && pos < l else { throw BackboneError.invalidInput("placeholder position \(pos) outside length \(l)") }
                keep[r * l + pos] = 0
                place[(r * l + pos) * k + j] = 1
            }
        }
        let kept = base * Tensor(shape: [b, l, 1], data: keep)
        return kept + Tensor(shape: [b, l, k], data: place).matmul(context)
    }
}
