import Backbones
import Foundation
import UserFiles
import NN
import Tensor

/// Settings of the prompt learner, stored as `prompt_learner.json` next to a checkpoint.
public struct PromptLearnerSettings: Codable, Equatable, Sendable {
    /// Number of learnable context vectors `K` (shared by all prompts and both states).
    public var contextLength = 4
    /// Learnable prompts per state side: the first `learnedStates` states of each side, each in the first
    /// template. They are run through the frozen tower every step (with gradients); the rest of the ensemble
    /// is encoded once without context and cached.
    public var learnedStates = 2
    /// Word used as the context placeholder (one token in BERT's and CLIP's vocabularies).
    public var placeholder = "X"

    public init() {}

    public static let fileName = "prompt_learner.json"

    /// Writes the settings into a checkpoint directory (atomically).
    public func write(to directory: URL) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try e.encode(self).write(to: directory.appendingPathComponent(Self.fileName), options: .atomic)
    }

    /// Reads the settings of a checkpoint directory, `nil` when it has none.
    public static func read(from directory: URL) throws -> PromptLearnerSettings? {
        let url = directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data = try UserFile.data(url.path)
        do { return try JSONDecoder().decode(PromptLearnerSettings.self, from: data) } catch {
            throw VTFusionError.invalidFile(url.path, "invalid prompt learner settings: \(error)")
        }
    }
}

/// CoOp-style prompt learning over a frozen text encoder (CLIP text or MiniLM).
///
/// `K` learnable context vectors `context` `[K, E]` replace the embeddings of `K` placeholder words put in
/// front of a prompt ("X X X X a photo of a damaged bottle."), so gradients reach them through the frozen
/// tower (``Backbones/ContextInsertion``). Per object the text side is
///
/// - `normal`: `[S_n + m, D]` — the cached, context-free ensemble averaged over templates per normal state
///   (`S_n` rows, normalised), then `m = learnedStates` learned prompts (recomputed with gradients);
/// - `abnormal`: the same for the abnormal states.
///
/// Only `2m` short prompts go through the tower per step (4 by default), which keeps training cheap.
/// A ``Module``: its only parameter is `context` (checkpoint key ``checkpointKey``).
public final class PromptLearner: Module {
    /// Learnable context `[K, E]`.
    public let context: Tensor
    public let settings: PromptLearnerSettings
    public let prompts: PromptConfig
    let encoder: TextEncoder
    let tokenizer: PromptTokenizer
    private var fixedCache: [String: TextEmbeddings] = [:]
    private var learnedCache: [String: (ids: [[Int]], mask: [[Int]]?, positions: [[Int]], normalCount: Int)] = [:]
    private let lock = NSLock()

    /// Checkpoint key of the context tensor.
    public static let checkpointKey = "prompt.context"

    /// A learner with context initialised from `N(0, 0.02^2)` (CoOp), seeded.
    public init(encoder: TextEncoder, tokenizer: PromptTokenizer, prompts: PromptConfig,
                settings: PromptLearnerSettings = PromptLearnerSettings(), seed: UInt64 = 0) {
        var rng = SeededRandom(seed: seed ^ 0xC0_0F)
        context = Tensor.randn([settings.contextLength, encoder.embeddingWidth], std: 0.02, using: &rng).requiringGrad()
        self.settings = settings
        self.prompts = prompts
        self.encoder = encoder
        self.tokenizer = tokenizer
        super.init()
    }

    /// Width of the produced embeddings.
    public var width: Int { encoder.outputWidth }

    /// The prompts that carry learned context for `object`: normal ones first.
    public func learnedPrompts(object: String) -> (normal: [String], abnormal: [String]) {
        let prefix = Array(repeating: settings.placeholder, count: settings.contextLength).joined(separator: " ")
        func side(_ states: [String]) -> [String] {
            states.prefix(max(settings.learnedStates, 0)).map { state in
                let filled = state.replacingOccurrences(of: "{}", with: object)
                let sentence = (prompts.templates.first ?? "{}").replacingOccurrences(of: "{}", with: filled)
                return prefix + " " + sentence
            }
        }
        return (side(prompts.normalStates), side(prompts.abnormalStates))
    }

    /// The context-free ensemble of `object`, averaged over templates per state (cached; no gradient).
    public func fixedEmbeddings(object: String) throws -> TextEmbeddings {
        lock.lock(); defer { lock.unlock() }
        if let hit = fixedCache[object] { return hit }
        let plain = TextEncoderPrompts(encoder: encoder, tokenize: tokenizer.tokenize)
        let t = prompts.templates.count
        guard !prompts.normalStates.isEmpty, !prompts.abnormalStates.isEmpty, t > 0 else {
            throw VTFusionError.invalidConfig("prompt ensemble needs at least one state per side and one template")
        }
        let states = prompts.normalStates + prompts.abnormalStates
        let texts = states.flatMap { state -> [String] in
            let filled = state.replacingOccurrences(of: "{}", with: object)
            return prompts.templates.map { $0.replacingOccurrences(of: "{}", with: filled) }
        }
        let means: Tensor = try noGrad {
            let all = try plain.encode(texts)                      // [states * t, D], rows normalised
            return all.reshaped([states.count, t, all.shape[1]]).mean(axis: 1).l2Normalized(axis: -1).contiguous()
        }
        let n = prompts.normalStates.count
        let e = TextEmbeddings(normal: means.sliced(axis: 0, start: 0, end: n).contiguous(),
                               abnormal: means.sliced(axis: 0, start: n, end: states.count).contiguous())
        fixedCache[object] = e
        return e
    }

    /// Embeddings `[m_n, D]`, `[m_a, D]` of the learned prompts for `object` (normalised), with gradients to
    /// ``context`` unless called inside `noGrad`.
    public func learnedEmbeddings(object: String) throws -> (normal: Tensor, abnormal: Tensor)? {
        let (n, a) = learnedPrompts(object: object)
        guard !n.isEmpty || !a.isEmpty, settings.contextLength > 0 else { return nil }
        lock.lock()
        var entry = learnedCache[object]
        lock.unlock()
        if entry == nil {
            let (ids, mask) = try tokenizer.tokenize(n + a)
            let k = settings.contextLength
            let first = ids.first.map { Array($0[1...k]) } ?? []
            guard ids.allSatisfy({ $0.count > k && Array($0[1...k]) == first }), Set(first).count == 1 else {
                throw VTFusionError.invalidConfig("placeholder '\(settings.placeholder)' is not a single token for this tokenizer")
            }
            entry = (ids, mask, ids.map { _ in Array(1...k) }, n.count)
            lock.lock(); learnedCache[object] = entry; lock.unlock()
        }
        let e = entry!
        let out = try encoder.encode(ids: e.ids, placeholders: e.positions, context: context, attentionMask: e.mask)
            .l2Normalized(axis: -1)
        let rows = out.shape[0]
        return (out.sliced(axis: 0, start: 0, end: e.normalCount), out.sliced(axis: 0, start: e.normalCount, end: rows))
    }

    /// The full text side for `object`: cached ensemble rows followed by the learned rows (differentiable
    /// with respect to ``context``).
    public func embeddings(object: String) throws -> TextEmbeddings {
        let fixed = try fixedEmbeddings(object: object)
        guard let learned = try learnedEmbeddings(object: object) else { return fixed }
        return TextEmbeddings(normal: Tensor.concat([fixed.normal, learned.normal], axis: 0),
                              abnormal: Tensor.concat([fixed.abnormal, learned.abnormal], axis: 0))
    }

    /// Copies a trained context (from a checkpoint's ``checkpointKey``) into ``context``.
    public func loadContext(_ t: Tensor) throws {
        guard t.shape == context.shape else {
            throw StrictLoadError.shapeMismatch(file: StrictLoadError.inMemory, key: Self.checkpointKey,
                                                expected: context.shape, found: t.shape)
        }
        Kernels.copy(t.contiguous(), into: context.pointer)
    }
}
