import Backbones
import Foundation
import NN
import Tensor
import Tokenizers

/// Turns prompts into equal-length token-id rows (and an attention mask where the model needs one).
///
/// Every tokenizer here puts one start token first (`[CLS]`, `<|startoftext|>`), so the words of a prompt
/// start at position 1 (the prompt learner relies on it).
public struct PromptTokenizer {
    public let tokenize: ([String]) throws -> (ids: [[Int]], attentionMask: [[Int]]?)

    public init(_ tokenize: @escaping ([String]) throws -> (ids: [[Int]], attentionMask: [[Int]]?)) {
        self.tokenize = tokenize
    }

    /// BERT WordPiece (MiniLM): padded to the longest row, with an attention mask.
    public static func bert(_ t: BertTokenizer) -> PromptTokenizer {
        PromptTokenizer { texts in
            let b = t.encode(texts, maxLength: 128)
            return (b.ids.map { $0.map(Int.init) }, b.attentionMask.map { $0.map(Int.init) })
        }
    }

    /// CLIP BPE: encoded at `contextLength` and cut after the longest row's end token (the causal mask makes
    /// the padding irrelevant, so the cut only saves time).
    public static func clip(_ t: CLIPTokenizer, contextLength: Int = 77) -> PromptTokenizer {
        PromptTokenizer { texts in
            let rows = t.encode(texts, contextLength: contextLength)
            let length = (rows.map { t.endTokenPosition($0) }.max() ?? 0) + 1
            return (rows.map { $0.prefix(length).map(Int.init) }, nil)
        }
    }

    /// A deterministic word-hashing tokenizer for synthetic text towers (tests, smoke runs): start id
    /// `vocabSize - 2`, each lower-cased word hashed into `1..<vocabSize - 2`, end id `vocabSize - 1`, padded
    /// with 0 to the longest row; no mask (causal CLIP-style towers).
    public static func hashing(vocabSize: Int) -> PromptTokenizer {
        PromptTokenizer { texts in
            let rows = texts.map { text -> [Int] in
                let words = text.lowercased().split { !$0.isLetter && !$0.isNumber }
                let body = words.map { w -> Int in
                    var h: UInt64 = 0xcbf2_9ce4_8422_2325
                    for b in w.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
                    return 1 + Int(h % UInt64(vocabSize - 3))
                }
                return [vocabSize - 2] + body + [vocabSize - 1]
            }
            let n = rows.map(\.count).max() ?? 0
            return (rows.map { $0 + [Int](repeating: 0, count: n - $0.count) }, nil)
        }
    }
}

/// A frozen text encoder with its tokenizer, as named on the command line.
public final class TextEncoderBundle {
    public let name: String
    public let encoder: TextEncoder
    public let tokenizer: PromptTokenizer

    public init(name: String, encoder: TextEncoder, tokenizer: PromptTokenizer) {
        self.name = name
        self.encoder = encoder
        self.tokenizer = tokenizer
    }

    /// The plain (no learned context) prompt encoder over this bundle.
    public var promptEncoder: TextEncoderPrompts { TextEncoderPrompts(encoder: encoder, tokenize: tokenizer.tokenize) }
}

/// A loaded backbone; ``clip`` is the whole model when the backbone is a CLIP vision tower (its text tower
/// shares the embedding space, which the text-only baseline needs).
public struct LoadedBackbone {
    public let spec: BackboneSpec
    public let backbone: Backbone
    public let clip: CLIPModel?

    /// SHA-256 of the backbone's weights (``Parameters/fingerprint()``), stored in trained checkpoints and
    /// checked when they are loaded; `"unverified"` for a backbone type without one.
    public var weightsFingerprint: String {
        if let d = backbone as? DINOv2 { return d.weightsFingerprint }
        if let c = backbone as? CLIPVisionTower { return c.weightsFingerprint }
        return "unverified"
    }

    public init(spec: BackboneSpec, backbone: Backbone, clip: CLIPModel?) {
        self.spec = spec
        self.backbone = backbone
        self.clip = clip
    }
}

/// Loads backbones and text encoders by name from a model directory (`model.safetensors` + `config.json`,
/// `vocab.txt` for MiniLM, `vocab.json` + `merges.txt` or `bpe_simple_vocab_16e6.txt.gz` for CLIP; a DINOv2
/// directory may hold an ONNX export instead of safetensors).
public enum ModelLoader {
    /// Text encoder names: `minilm-l6`, the CLIP names of ``BackboneSpec/known`` (their text tower) and
    /// `random-tiny` (a synthetic CLIP-style tower with a hashing tokenizer, no files).
    public static let textEncoderNames = ["minilm-l6", "clip-b16", "clip-l14-336", "clip-b16-plus-240", "random-tiny"]

    public static func backbone(_ spec: BackboneSpec, directory: URL) throws -> LoadedBackbone {
        let fm = FileManager.default
        let weights = Safetensors.checkpointFile(in: directory)
        switch spec.family {
        case .dinov2:
            if let weights {
                return LoadedBackbone(spec: spec, backbone: try DINOv2.load(safetensors: weights), clip: nil)
            }
            let onnx = (try? fm.contentsOfDirectory(atPath: directory.path))?.filter { $0.hasSuffix(".onnx") }.sorted()
            if let first = onnx?.first {
                return LoadedBackbone(spec: spec, backbone: try DINOv2.load(onnx: directory.appendingPathComponent(first)),
                                      clip: nil)
            }
            throw PipelineError.missingFile(directory.path, "model.safetensors (+ config.json) or a DINOv2 .onnx export")
        case .clip:
            guard let weights else {
                throw PipelineError.missingFile(directory.path, "model.safetensors (or model.safetensors.index.json) of \(spec.name)")
            }
            let model = try CLIPModel.load(safetensors: weights)
            return LoadedBackbone(spec: spec, backbone: model.vision, clip: model)
        }
    }

    /// Loads the text encoder `name`. For a CLIP name, `clip` (the already loaded backbone model) is reused
    /// when given; its tokenizer files are looked up in `directory`.
    public static func textEncoder(_ name: String, directory: URL?, clip: CLIPModel? = nil) throws -> TextEncoderBundle {
        let key = name.lowercased()
        func checkpoint() throws -> URL {
            guard let directory else { throw PipelineError.invalidOption("text encoder '\(name)' needs a model directory") }
            guard let url = Safetensors.checkpointFile(in: directory) else {
                throw PipelineError.missingFile(directory.appendingPathComponent("model.safetensors").path, "model.safetensors")
            }
            return url
        }
        func need(_ file: String) throws -> URL {
            guard let directory else { throw PipelineError.invalidOption("text encoder '\(name)' needs a model directory") }
            let url = directory.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: url.path) else { throw PipelineError.missingFile(url.path, file) }
            return url
        }
        switch key {
        case "minilm-l6":
            let model = try BERTModel.load(safetensors: try checkpoint())
            let tokenizer = try BertTokenizer(vocabFile: try need("vocab.txt"))
            return TextEncoderBundle(name: key, encoder: model, tokenizer: .bert(tokenizer))
        case "clip-b16", "clip-l14-336", "clip-b16-plus-240":
            let model = try clip ?? CLIPModel.load(safetensors: try checkpoint())
            let tokenizer: CLIPTokenizer
            if let d = directory, FileManager.default.fileExists(atPath: d.appendingPathComponent("vocab.json").path) {
                tokenizer = try CLIPTokenizer(vocabFile: try need("vocab.json"), mergesFile: try need("merges.txt"))
            } else {
                tokenizer = try CLIPTokenizer(bpeFile: try need("bpe_simple_vocab_16e6.txt.gz"))
            }
            return TextEncoderBundle(name: key, encoder: model.text, tokenizer: .clip(tokenizer))
        case "random-tiny":
            return TinyModels.textEncoder()
        default:
            throw PipelineError.unknownName(kind: "text encoder", name: name, known: textEncoderNames)
        }
    }
}

/// Small synthetic models (``SyntheticWeights``) for tests and smoke runs without weight files.
public enum TinyModels {
    /// A tiny CLIP (vision: width 32, 2 blocks, patch 8 at 64 px; text: width 16, 1 block, vocabulary 64).
    public static func clip() throws -> CLIPModel {
        let text = CLIPTextConfig(vocabSize: 64, hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 1,
                                  numAttentionHeads: 2, maxPositionEmbeddings: 32, eosTokenId: 63)
        let vision = CLIPVisionConfig(hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2, numAttentionHeads: 2,
                                      imageSize: 64, patchSize: 8)
        return try CLIPModel.synthetic(CLIPConfig(textConfig: text, visionConfig: vision, projectionDim: 16))
    }

    /// The tiny CLIP's text tower with a hashing tokenizer.
    public static func textEncoder() -> TextEncoderBundle {
        TextEncoderBundle(name: "random-tiny", encoder: try! clip().text, tokenizer: .hashing(vocabSize: 64))
    }

    /// A tiny DINOv2 (`width` wide, `depth` blocks, patch 8, native 64 px) with synthetic weights.
    public static func dinov2(width: Int = 32, depth: Int = 2, heads: Int = 2) throws -> DINOv2 {
        let c = DINOv2Config(hiddenSize: width, numHiddenLayers: depth, numAttentionHeads: heads, imageSize: 64, patchSize: 8)
        var items: [(name: String, shape: [Int])] = []
        func add(_ n: String, _ s: [Int]) { items.append((n, s)) }
        let g = c.imageSize / c.patchSize, w = width, hidden = width * c.mlpRatio
        add("embeddings.cls_token", [1, 1, w])
        add("embeddings.position_embeddings", [1, g * g + 1, w])
        add("embeddings.patch_embeddings.projection.weight", [w, 3, c.patchSize, c.patchSize])
        add("embeddings.patch_embeddings.projection.bias", [w])
        for i in 0..<depth {
            let p = "encoder.layer.\(i)."
            add(p + "norm1.weight", [w]); add(p + "norm1.bias", [w])
            for n in ["query", "key", "value"] {
                add(p + "attention.attention.\(n).weight", [w, w]); add(p + "attention.attention.\(n).bias", [w])
            }
            add(p + "attention.output.dense.weight", [w, w]); add(p + "attention.output.dense.bias", [w])
            add(p + "layer_scale1.lambda1", [w])
            add(p + "norm2.weight", [w]); add(p + "norm2.bias", [w])
            add(p + "mlp.fc1.weight", [hidden, w]); add(p + "mlp.fc1.bias", [hidden])
            add(p + "mlp.fc2.weight", [w, hidden]); add(p + "mlp.fc2.bias", [w])
            add(p + "layer_scale2.lambda1", [w])
        }
        add("layernorm.weight", [w]); add("layernorm.bias", [w])
        return try DINOv2(config: c, stateDict: SyntheticWeights.stateDict(items))
    }

    /// The spec of ``dinov2(width:depth:heads:)`` at `imageSize` (ImageNet normalisation, taps 1...depth).
    public static func dinov2Spec(imageSize: Int = 64, depth: Int = 2) -> BackboneSpec {
        BackboneSpec(name: "dinov2-tiny-random", family: .dinov2, imageSize: imageSize, patchSize: 8,
                     taps: Array(1...depth), depth: depth, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    }
}
