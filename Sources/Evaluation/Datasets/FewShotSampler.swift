import Foundation
import UserFiles

/// Seeded choice of k reference images, deterministic across runs and machines.
///
/// Candidates are first sorted by path (so file-system listing order does not matter), then a partial
/// Fisher-Yates shuffle driven by SplitMix64 (this file's own generator, so the sequence never changes with
/// the Swift version) picks the first `k`. Picks never repeat, and for one seed the k-shot list is a prefix
/// of the (k+1)-shot list, so 1/2/4-shot runs are nested.
public struct FewShotSampler: Sendable {
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// Picks `k` distinct images from `candidates`.
    /// - Throws: ``DatasetError/notEnoughReferences(category:requested:available:)`` when `k` exceeds the
    ///   number of distinct candidates (`category` names the category in the message).
    public func select(k: Int, from candidates: [URL], category: String = "") throws -> [URL] {
        var pool = Array(Set(candidates.map(\.standardizedFileURL))).sorted { $0.path < $1.path }
        guard k >= 0 && k <= pool.count else {
            throw DatasetError.notEnoughReferences(category: category, requested: k, available: pool.count)
        }
        var generator = SplitMix64(state: seed)
        for i in 0..<k {
            let j = i + Int(generator.below(UInt64(pool.count - i)))
            pool.swapAt(i, j)
        }
        return Array(pool[0..<k])
    }

    /// Picks `k` references from a category's `trainGood` and records the choice.
    ///
    /// - Parameter datasetRoot: when given, the recorded paths are relative to it (portable across machines).
    public func select(k: Int, for category: DatasetCategory, datasetRoot: URL? = nil) throws -> FewShotSelection {
        let picks = try select(k: k, from: category.trainGood, category: category.name)
        return FewShotSelection(category: category.name, k: k, seed: seed,
                                references: picks.map { FewShotSelection.record($0, root: datasetRoot) })
    }
}

/// The references used for one (category, k, seed): written next to results so a run can be repeated.
public struct FewShotSelection: Codable, Equatable, Sendable {
    public var category: String
    public var k: Int
    public var seed: UInt64
    /// Paths relative to the dataset root (or absolute when the file is outside it / no root was given).
    public var references: [String]

    public init(category: String, k: Int, seed: UInt64, references: [String]) {
        self.category = category
        self.k = k
        self.seed = seed
        self.references = references
    }

    /// The reference files, resolved against `datasetRoot` (absolute entries are kept).
    /// - Throws: ``DatasetError/badSelection(_:reason:)`` when a file no longer exists.
    public func resolved(datasetRoot: URL?) throws -> [URL] {
        try references.map { path in
            let url = path.hasPrefix("/") || datasetRoot == nil
                ? URL(fileURLWithPath: path) : datasetRoot!.appendingPathComponent(path)
            guard DatasetFiles.isFile(url) else {
                throw DatasetError.badSelection(url, reason: "reference image of '\(category)' (k=\(k), seed=\(seed)) "
                                                + "does not exist")
            }
            return url
        }
    }

    static func record(_ url: URL, root: URL?) -> String {
        let path = url.standardizedFileURL.path
        guard let root else { return path }
        let base = root.standardizedFileURL.path
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}

/// All few-shot selections of an evaluation run, as one JSON document.
public struct FewShotPlan: Codable, Equatable, Sendable {
    /// Format version of this document.
    public var version: Int
    /// The dataset root the relative paths refer to, as given when the plan was made (informational).
    public var datasetRoot: String?
    public var selections: [FewShotSelection]

    public init(datasetRoot: URL?, selections: [FewShotSelection] = []) {
        self.version = 1
        self.datasetRoot = datasetRoot?.standardizedFileURL.path
        self.selections = selections
    }

    /// Draws selections for every category x k x seed, in that order.
    public static func make(categories: [DatasetCategory], shots: [Int], seeds: [UInt64],
                            datasetRoot: URL?) throws -> FewShotPlan {
        var plan = FewShotPlan(datasetRoot: datasetRoot)
        for category in categories {
            for k in shots {
                for seed in seeds {
                    plan.selections.append(try FewShotSampler(seed: seed).select(k: k, for: category,
                                                                                 datasetRoot: datasetRoot))
                }
            }
        }
        return plan
    }

    /// The selection for (category, k, seed), if present.
    public func selection(category: String, k: Int, seed: UInt64) -> FewShotSelection? {
        selections.first { $0.category == category && $0.k == k && $0.seed == seed }
    }

    /// Pretty-printed JSON with sorted keys (stable, diff-friendly).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Writes ``jsonData()`` atomically.
    public func write(to url: URL) throws { try jsonData().write(to: url, options: .atomic) }

    /// Reads a plan written by ``write(to:)``.
    /// - Throws: ``DatasetError/notFound(_:)`` or ``DatasetError/badSelection(_:reason:)``.
    public static func load(from url: URL) throws -> FewShotPlan {
        guard FileManager.default.fileExists(atPath: url.path) else { throw DatasetError.notFound(url) }
        let data: Data
        do { data = try UserFile.data(url.path) } catch { throw DatasetError.badSelection(url, reason: "\(error)") }
        do { return try JSONDecoder().decode(FewShotPlan.self, from: data) } catch {
            throw DatasetError.badSelection(url, reason: "not a few-shot plan: \(error)")
        }
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014) with unbiased bounded draws; fixed here so selections are stable.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound` by rejection (no modulo bias); `bound > 0`.
    mutating func below(_ bound: UInt64) -> UInt64 {
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let r = next()
            if r < limit { return r % bound }
        }
    }
}
