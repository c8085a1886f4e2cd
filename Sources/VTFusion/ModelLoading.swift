import Backbones
import Foundation
import ModelStore
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

/// The one loader of named models: a ``ModelRegistry`` name (or a spec) and a weights directory (default:
/// the model store's copy, ``ModelRegistry/directory(for:store:announce:fetchProgress:)``) in,
/// a loaded backbone or text encoder out; the files themselves are read by ``LoadedModel/load(directory:architecture:)``
/// (`model.safetensors` + `config.json`, `vocab.txt` for MiniLM, `vocab.json` + `merges.txt` or
/// `bpe_simple_vocab_16e6.txt.gz` for CLIP; a DINOv2 directory may hold an ONNX export instead).
public enum ModelLoader {
    /// Text encoder names (the registry's): `minilm-l6`, the CLIP backbones (their text tower) and
    /// `random-tiny` (a synthetic CLIP-style tower with a hashing tokenizer, no files).
    public static var textEncoderNames: [String] { ModelRegistry.textEncoderNames }

    /// The backbone `name` at `imageSize` (default: the registry's), from `directory` (default: the store).
    public static func backbone(_ name: String, imageSize: Int? = nil, directory: URL?,
                                announce: ((String) -> Void)? = nil,
                                fetchProgress: ((ModelStoreEvent) -> Void)? = nil) throws -> LoadedBackbone {
        let entry = try ModelRegistry.backbone(name)
        let spec = try BackboneSpec.named(entry.name, imageSize: imageSize)
        if entry.source == .synthetic { return LoadedBackbone(spec: spec, backbone: try SyntheticModels.dinov2(), clip: nil) }
        let dir = try directory ?? ModelRegistry.directory(for: entry.name, announce: announce, fetchProgress: fetchProgress)
        return try backbone(spec, directory: dir)
    }

    /// The backbone of `spec`'s family from `directory`.
    public static func backbone(_ spec: BackboneSpec, directory: URL) throws -> LoadedBackbone {
        let architecture: ModelArchitecture = spec.family == .dinov2 ? .dinov2 : .clip
        let loaded: LoadedModel
        do { loaded = try LoadedModel.load(directory: directory, architecture: architecture) } catch BackboneError.unreadableFile {
            throw PipelineError.missingFile(directory.path, spec.family == .dinov2
                ? "model.safetensors (+ config.json) or a DINOv2 .onnx export"
                : "model.safetensors (or model.safetensors.index.json) of \(spec.name)")
        }
        switch loaded {
        case .dinov2(let model): return LoadedBackbone(spec: spec, backbone: model, clip: nil)
        case .clip(let model, _): return LoadedBackbone(spec: spec, backbone: model.vision, clip: model)
        case .bert: fatalError("LoadedModel.load(architecture: \(architecture)) returned BERT")
        }
    }

    /// Loads the text encoder `name`. For a CLIP name, `clip` (the already loaded backbone model) is reused
    /// when given; its tokenizer files are looked up in `directory` (default: the store's copy).
    public static func textEncoder(_ name: String, directory: URL?, clip: CLIPModel? = nil,
                                   announce: ((String) -> Void)? = nil,
                                   fetchProgress: ((ModelStoreEvent) -> Void)? = nil) throws -> TextEncoderBundle {
        let entry = try ModelRegistry.textEncoder(name)
        if entry.source == .synthetic { return SyntheticModels.textEncoder() }
        // The store's copy also serves a reused CLIP's tokenizer files.
        let directory = try directory ?? ModelRegistry.directory(for: entry.name, announce: announce, fetchProgress: fetchProgress)
        func checkpoint() throws -> URL {
            guard let url = Safetensors.checkpointFile(in: directory) else {
                throw PipelineError.missingFile(directory.appendingPathComponent("model.safetensors").path, "model.safetensors")
            }
            return url
        }
        func need(_ file: String) throws -> URL {
            let url = directory.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: url.path) else { throw PipelineError.missingFile(url.path, file) }
            return url
        }
        switch entry.architecture {
        case .bert:
            let model = try BERTModel.load(safetensors: try checkpoint())
            let tokenizer = try BertTokenizer(vocabFile: try need("vocab.txt"))
            return TextEncoderBundle(name: entry.name, encoder: model, tokenizer: .bert(tokenizer))
        case .clip:
            let model = try clip ?? CLIPModel.load(safetensors: try checkpoint())
            let tokenizer: CLIPTokenizer
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("vocab.json").path) {
                tokenizer = try CLIPTokenizer(vocabFile: try need("vocab.json"), mergesFile: try need("merges.txt"))
            } else {
                tokenizer = try CLIPTokenizer(bpeFile: try need("bpe_simple_vocab_16e6.txt.gz"))
            }
            return TextEncoderBundle(name: entry.name, encoder: model.text, tokenizer: .clip(tokenizer))
        case .dinov2:
            throw PipelineError.unknownName(kind: "text encoder", name: name, known: textEncoderNames)
        }
    }

    /// Any model for `features`: `directory` (default: the store's copy of `name`), with the registry's
    /// architecture for a registry name, else the directory's `config.json`.
    public static func model(_ name: String, directory: URL?) throws -> LoadedModel {
        let entry = ModelRegistry.entry(name)
        let dir = try directory ?? ModelRegistry.directory(for: name)
        return try LoadedModel.load(directory: dir, architecture: entry?.architecture)
    }
}
