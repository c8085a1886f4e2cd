import Tensor

/// The CLIP text encoder (HF `CLIPTextModel` + `text_projection`): token + positional embedding, causal
/// pre-LN blocks, `final_layer_norm`, pooling at the end-of-text token, projection.
public final class CLIPTextTower: TextEncoder {
    public let config: CLIPTextConfig
    public let projectionDim: Int
    let params: Parameters

    static let prefix = "text_model."

    init(config: CLIPTextConfig, projectionDim: Int, params: Parameters) {
        self.config = config
        self.projectionDim = projectionDim
        self.params = params
    }

    public var embeddingWidth: Int { config.hiddenSize }
    public var outputWidth: Int { projectionDim }
    public var maxLength: Int { config.maxPositionEmbeddings }

    static func parameterList(_ c: CLIPTextConfig, projectionDim: Int) -> [(name: String, shape: [Int])] {
        var l = ParameterList()
        let p = prefix, w = c.hiddenSize
        l.add(p + "embeddings.token_embedding.weight", [c.vocabSize, w])
        l.add(p + "embeddings.position_embedding.weight", [c.maxPositionEmbeddings, w])
        for i in 0..<c.numHiddenLayers {
            CLIPBlock.parameters(&l, p + "encoder.layers.\(i).", width: w, inner: c.intermediateSize)
        }
        l.layerNorm(p + "final_layer_norm", w)
        l.linear("text_projection", w, projectionDim, bias: false)
        return l.items
    }

    /// The pooling position of each row: the first `eos_token_id` (HF), or the argmax of the ids when the
    /// config carries the legacy id 2 or a row lacks the end token (OpenAI's rule; the end token has the
    /// largest id in CLIP's vocabulary).
    public func poolingPositions(_ ids: [[Int]]) -> [Int] {
        ids.map { row in
            if config.eosTokenId != 2, let i = row.firstIndex(of: config.eosTokenId) { return i }
            var best = 0
            for (i, v) in row.enumerated() where v > row[best] { best = i }
            return best
        }
    }

    public func tokenEmbeddings(ids: [[Int]]) throws -> Tensor {
        try TransformerOps.gatherRows(params[Self.prefix + "embeddings.token_embedding.weight"], ids: ids)
    }

    /// Text embeddings `[B, projectionDim]` (not normalised) for token ids `[B][L]`, `L <= 77`.
    /// The padding mask is not needed: the causal mask keeps padding after the end token from reaching it.
    public func encode(ids: [[Int]], attentionMask: [[Int]]? = nil) throws -> Tensor {
        try encode(embeddings: tokenEmbeddings(ids: ids), ids: ids, attentionMask: attentionMask)
    }

    public func encode(embeddings: Tensor, ids: [[Int]], attentionMask: [[Int]]? = nil) throws -> Tensor {
        let hidden = try lastHiddenState(embeddings: embeddings)
        guard ids.count == embeddings.shape[0], ids.allSatisfy({ $0.count == embeddings.shape[1] }) else {
            throw BackboneError.invalidInput("ids \(ids.count)x\(ids.first?.count ?? 0) do not match embeddings \(embeddings.shape)")
        }
        let pooled = TransformerOps.selectRows(hidden, poolingPositions(ids))
        return TransformerOps.linear(pooled, params, "text_projection", bias: false)
    }

    /// `final_layer_norm` of the last block's output, `[B, L, width]`, from token embeddings `[B, L, width]`.
    public func lastHiddenState(embeddings: Tensor) throws -> Tensor {
        let c = config
        guard embeddings.rank == 3, embeddings.shape[2] == c.hiddenSize,
              embeddings.shape[1] >= 1, embeddings.shape[1] <= c.maxPositionEmbeddings else {
            throw BackboneError.invalidInput("CLIP text expects embeddings [B, L<=\(c.maxPositionEmbeddings), \(c.hiddenSize)]; got \(embeddings.shape)")
        }
        let n = embeddings.shape[1]
        let pos = params[Self.prefix + "embeddings.position_embedding.weight"].sliced(axis: 0, start: 0, end: n)
        var x = embeddings + pos
        for i in 0..<c.numHiddenLayers {
            let block = CLIPBlock(params: params, prefix: Self.prefix + "encoder.layers.\(i).",
                                  heads: c.numAttentionHeads, act: c.hiddenAct, eps: c.layerNormEps)
            x = block(x, causal: true)
        }
        return TransformerOps.layerNorm(x, params, Self.prefix + "final_layer_norm", eps: c.layerNormEps)
    }
}
