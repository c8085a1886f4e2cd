import Foundation
import NN
import Tensor

/// A BERT encoder (HF `BertModel` naming) used as a sentence encoder (sentence-transformers MiniLM):
/// `LayerNorm(word + position + token_type)`, post-LN layers (`x = LN(x + attn(x))`,
/// `x = LN(x + W2 gelu(W1 x))`), mean pooling over the attention mask, L2 normalisation.
public final class BERTModel: TextEncoder {
    public let config: BERTConfig
    let params: Parameters

    /// Builds the model from a state dict in `BertModel` naming (a `bert.` prefix, the pooler and
    /// pre-training heads are dropped by ``sanitize(_:)``).
    public init(config: BERTConfig, stateDict: StateDict, strict: Bool = true) throws {
        self.config = config
        self.params = try Parameters(expected: Self.parameterList(config), stateDict: Self.sanitize(stateDict), strict: strict)
    }

    /// Loads a checkpoint (`model.safetensors`, a sharded checkpoint's `model.safetensors.index.json`, or a
    /// directory holding either) with `config.json` from the same directory unless `config` is given.
    public static func load(safetensors url: URL, config: BERTConfig? = nil, strict: Bool = true) throws -> BERTModel {
        let sd = try Safetensors.readCheckpoint(url)
        let c = try config ?? decodeConfig(BERTConfig.self,
                                           from: Safetensors.modelDirectory(of: url).appendingPathComponent("config.json"))
        return try StrictLoadError.naming(url.path) { try BERTModel(config: c, stateDict: sd, strict: strict) }
    }

    public var embeddingWidth: Int { config.hiddenSize }
    public var outputWidth: Int { config.hiddenSize }
    public var maxLength: Int { config.maxPositionEmbeddings }

    static func parameterList(_ c: BERTConfig) -> [(name: String, shape: [Int])] {
        var l = ParameterList()
        let w = c.hiddenSize
        l.add("embeddings.word_embeddings.weight", [c.vocabSize, w])
        l.add("embeddings.position_embeddings.weight", [c.maxPositionEmbeddings, w])
        l.add("embeddings.token_type_embeddings.weight", [c.typeVocabSize, w])
        l.layerNorm("embeddings.LayerNorm", w)
        for i in 0..<c.numHiddenLayers {
            let p = "encoder.layer.\(i)."
            for n in ["query", "key", "value"] { l.linear(p + "attention.self." + n, w, w) }
            l.linear(p + "attention.output.dense", w, w)
            l.layerNorm(p + "attention.output.LayerNorm", w)
            l.linear(p + "intermediate.dense", w, c.intermediateSize)
            l.linear(p + "output.dense", c.intermediateSize, w)
            l.layerNorm(p + "output.LayerNorm", w)
        }
        return l.items
    }

    /// Strips `bert.` / `0.auto_model.` prefixes; drops `pooler.*`, `cls.*` heads and `position_ids` buffers.
    public static func sanitize(_ stateDict: StateDict) -> StateDict {
        var out: StateDict = [:]
        for (k, t) in stateDict {
            var key = k
            for prefix in ["bert.", "0.auto_model.", "auto_model."] where key.hasPrefix(prefix) {
                key = String(key.dropFirst(prefix.count))
            }
            if key.hasPrefix("pooler.") || key.hasPrefix("cls.") || key.hasSuffix("position_ids") { continue }
            out[key] = t
        }
        return out
    }

    public func tokenEmbeddings(ids: [[Int]]) throws -> Tensor {
        try TransformerOps.gatherRows(params["embeddings.word_embeddings.weight"], ids: ids)
    }

    /// Mean-pooled, L2-normalised sentence embeddings `[B, hidden]`.
    public func encode(ids: [[Int]], attentionMask: [[Int]]? = nil) throws -> Tensor {
        try encode(embeddings: tokenEmbeddings(ids: ids), ids: ids, attentionMask: attentionMask)
    }

    public func encode(embeddings: Tensor, ids: [[Int]], attentionMask: [[Int]]? = nil) throws -> Tensor {
        let (b, l) = (embeddings.shape[0], embeddings.shape[1])
        let mask = try maskValues(attentionMask, batch: b, length: l)
        let hidden = try lastHiddenState(embeddings: embeddings, attentionMask: attentionMask)
        let m = Tensor(shape: [b, l, 1], data: mask)
        let counts = Tensor(shape: [b, 1], data: (0..<b).map { r in max(mask[(r * l)..<((r + 1) * l)].reduce(0, +), 1e-9) })
        return ((hidden * m).sum(axis: 1) / counts).l2Normalized(axis: -1)
    }

    private func maskValues(_ attentionMask: [[Int]]?, batch b: Int, length l: Int) throws -> [Float] {
        guard let attentionMask else { return [Float](repeating: 1, count: b * l) }
        guard attentionMask.count == b, attentionMask.allSatisfy({ $0.count == l }) else {
            throw BackboneError.invalidInput("attention mask \(attentionMask.count)x\(attentionMask.first?.count ?? 0) does not match [\(b), \(l)]")
        }
        return attentionMask.flatMap { $0.map { $0 != 0 ? 1 : 0 } }
    }

    /// The last layer's token states `[B, L, hidden]` from word embeddings `[B, L, hidden]` (token type 0).
    public func lastHiddenState(embeddings: Tensor, attentionMask: [[Int]]? = nil) throws -> Tensor {
        let c = config
        guard embeddings.rank == 3, embeddings.shape[2] == c.hiddenSize, embeddings.shape[1] >= 1,
              embeddings.shape[1] <= c.maxPositionEmbeddings else {
            throw BackboneError.invalidInput("BERT expects embeddings [B, L<=\(c.maxPositionEmbeddings), \(c.hiddenSize)]; got \(embeddings.shape)")
        }
        let (b, l) = (embeddings.shape[0], embeddings.shape[1])
        let keep = try maskValues(attentionMask, batch: b, length: l)
        let additive = Tensor(shape: [b, 1, 1, l], data: keep.map { $0 > 0 ? 0 : -Float.greatestFiniteMagnitude })
        let pos = params["embeddings.position_embeddings.weight"].sliced(axis: 0, start: 0, end: l)
        let type0 = params["embeddings.token_type_embeddings.weight"].selecting(axis: 0, index: 0)
        var x = layerNorm(embeddings + pos + type0, "embeddings.LayerNorm")
        let h = c.numAttentionHeads, scale = 1 / Float(c.hiddenSize / h).squareRoot()
        for i in 0..<c.numHiddenLayers {
            let p = "encoder.layer.\(i)."
            let lin = { (x: Tensor, n: String) in TransformerOps.linear(x, self.params, p + n) }
            let a = TransformerOps.attend(TransformerOps.heads(lin(x, "attention.self.query"), h),
                                          TransformerOps.heads(lin(x, "attention.self.key"), h),
                                          TransformerOps.heads(lin(x, "attention.self.value"), h), scale: scale, mask: additive)
            x = layerNorm(TransformerOps.linear(TransformerOps.mergeHeads(a), params, p + "attention.output.dense", residual: x),
                          p + "attention.output.LayerNorm")
            let inner = TransformerOps.activate(lin(x, "intermediate.dense"), c.hiddenAct)
            x = layerNorm(TransformerOps.linear(inner, params, p + "output.dense", residual: x), p + "output.LayerNorm")
        }
        return x
    }

    private func layerNorm(_ x: Tensor, _ name: String) -> Tensor {
        TransformerOps.layerNorm(x, params, name, eps: config.layerNormEps)
    }
}

/// BERT configuration mirroring HF `BertConfig` (`config.json` of `sentence-transformers/all-MiniLM-L6-v2`).
public struct BERTConfig: Codable, Sendable, Equatable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var hiddenAct: Activation
    public var layerNormEps: Float

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size"
        case hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps"
    }

    public init(vocabSize: Int = 30522, hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int,
                intermediateSize: Int, maxPositionEmbeddings: Int = 512, typeVocabSize: Int = 2,
                hiddenAct: Activation = .gelu, layerNormEps: Float = 1e-12) {
        self.vocabSize = vocabSize; self.hiddenSize = hiddenSize; self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads; self.intermediateSize = intermediateSize
        self.maxPositionEmbeddings = maxPositionEmbeddings; self.typeVocabSize = typeVocabSize
        self.hiddenAct = hiddenAct; self.layerNormEps = layerNormEps
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? 30522
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? 768
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? 12
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? 12
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? 3072
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 512
        typeVocabSize = try c.decodeIfPresent(Int.self, forKey: .typeVocabSize) ?? 2
        hiddenAct = try c.decodeIfPresent(Activation.self, forKey: .hiddenAct) ?? .gelu
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? 1e-12
    }

    /// `sentence-transformers/all-MiniLM-L6-v2`.
    public static let miniLML6 = BERTConfig(hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12, intermediateSize: 1536)
}
