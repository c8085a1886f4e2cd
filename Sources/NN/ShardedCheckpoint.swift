import Foundation
import UserFiles
import Tensor

/// Checkpoints split over several safetensors files, as Hugging Face writes models above its shard size
/// (`model.safetensors.index.json` with a `weight_map` from tensor name to shard file, and shards named
/// like `model-00001-of-00002.safetensors`), and the lookup of a model directory's weights.
public enum ShardedCheckpointError: Error, LocalizedError, CustomStringConvertible, Equatable {
    /// The index file is not JSON with a `weight_map` object of string values.
    case invalidIndex(file: String, reason: String)
    /// A shard the index names is missing next to it.
    case missingShard(index: String, shard: String)
    /// A tensor the index assigns to a shard is not in that shard.
    case tensorNotInShard(index: String, tensor: String, shard: String)
    /// A shard holds a tensor the index assigns to another shard (or does not list).
    case unlistedTensor(index: String, tensor: String, shard: String)
    /// A directory holds no `model.safetensors`, `model.safetensors.index.json` or `open_clip_model.safetensors`.
    case noCheckpoint(directory: String)

    public var description: String {
        switch self {
        case let .invalidIndex(f, r): return "\(f): invalid sharded-checkpoint index: \(r)"
        case let .missingShard(i, s): return "\(i): shard '\(s)' named in the weight_map is missing next to the index"
        case let .tensorNotInShard(i, t, s): return "\(i): tensor '\(t)' is mapped to shard '\(s)', which does not hold it"
        case let .unlistedTensor(i, t, s): return "\(i): shard '\(s)' holds tensor '\(t)', which the weight_map does not assign to it"
        case let .noCheckpoint(d): return "\(d): no model.safetensors, model.safetensors.index.json or open_clip_model.safetensors"
        }
    }
    public var errorDescription: String? { description }
}

extension Safetensors {
    /// File name of a single-file checkpoint in a model directory.
    public static let singleFileName = "model.safetensors"
    /// File name of a sharded checkpoint's index in a model directory.
    public static let indexFileName = "model.safetensors.index.json"

    /// File name of an OpenCLIP checkpoint in a Hugging Face repository (`open_clip_model.safetensors`).
    public static let openCLIPFileName = "open_clip_model.safetensors"

    /// The checkpoint file of a model directory: `model.safetensors`, else `model.safetensors.index.json`,
    /// else `open_clip_model.safetensors`, else nil.
    public static func checkpointFile(in directory: URL) -> URL? {
        for name in [singleFileName, indexFileName, openCLIPFileName] {
            let url = directory.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        return nil
    }

    /// Whether `url` names a sharded checkpoint's index (`*.safetensors.index.json`).
    public static func isShardIndex(_ url: URL) -> Bool {
        url.lastPathComponent.hasSuffix(".index.json")
    }

    /// Reads every tensor of a checkpoint: a `.safetensors` file, a sharded checkpoint's
    /// `*.safetensors.index.json`, or a directory holding either (see ``checkpointFile(in:)``).
    public static func readCheckpoint(_ url: URL) throws -> [String: Tensor] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            guard let file = checkpointFile(in: url) else { throw ShardedCheckpointError.noCheckpoint(directory: url.path) }
            return try readCheckpoint(file)
        }
        return isShardIndex(url) ? try readSharded(index: url) : try read(url)
    }

    /// The directory a checkpoint's `config.json` and tokenizer files sit in: `url` itself when it is a
    /// directory, else the directory of the file.
    public static func modelDirectory(of url: URL) -> URL {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue { return url }
        return url.deletingLastPathComponent()
    }

    /// The shard file names an index lists, in first-use order (each once).
    public static func shardNames(index url: URL) throws -> [String] {
        try shardNames(weightMap: weightMap(index: url))
    }

    /// Parses the `weight_map` of an index file.
    public static func weightMap(index url: URL) throws -> [String: String] {
        let data: Data
        do { data = try UserFile.data(url.path) } catch let e as UserFileError {
            throw SafetensorsError.io(file: url.path, reason: "cannot read the index: \(e.reason)")
        }
        return try weightMap(indexData: data, name: url.path)
    }

    /// Parses index JSON bytes (`name` labels errors).
    public static func weightMap(indexData data: Data, name: String = "<memory>") throws -> [String: String] {
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ShardedCheckpointError.invalidIndex(file: name, reason: "not a JSON object")
        }
        guard let raw = json["weight_map"] as? [String: Any] else {
            throw ShardedCheckpointError.invalidIndex(file: name, reason: "no 'weight_map' object")
        }
        var map: [String: String] = [:]
        for (tensor, value) in raw {
            guard let shard = value as? String, !shard.isEmpty else {
                throw ShardedCheckpointError.invalidIndex(file: name, reason: "weight_map['\(tensor)'] is not a file name")
            }
            // Shards live next to the index: no directories, no parent references.
            guard !shard.contains("/"), !shard.contains("\\"), shard != ".", shard != ".." else {
                throw ShardedCheckpointError.invalidIndex(file: name, reason: "shard '\(shard)' of '\(tensor)' is not a plain file name")
            }
            map[tensor] = shard
        }
        guard !map.isEmpty else { throw ShardedCheckpointError.invalidIndex(file: name, reason: "empty weight_map") }
        return map
    }

    static func shardNames(weightMap: [String: String]) -> [String] {
        Array(Set(weightMap.values)).sorted()
    }

    /// Reads a sharded checkpoint: every shard the index lists (from the index's directory), checking that
    /// each tensor sits in the shard the index assigns it to and that no shard holds unlisted tensors.
    public static func readSharded(index url: URL) throws -> [String: Tensor] {
        let map = try weightMap(index: url)
        let dir = url.deletingLastPathComponent()
        var out: [String: Tensor] = [:]
        out.reserveCapacity(map.count)
        for shard in shardNames(weightMap: map) {
            let file = dir.appendingPathComponent(shard)
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw ShardedCheckpointError.missingShard(index: url.path, shard: shard)
            }
            let st = try SafetensorsFile(url: file)
            for name in st.names where map[name] != shard {
                throw ShardedCheckpointError.unlistedTensor(index: url.path, tensor: name, shard: shard)
            }
            for (name, s) in map where s == shard {
                guard st.entries[name] != nil else {
                    throw ShardedCheckpointError.tensorNotInShard(index: url.path, tensor: name, shard: shard)
                }
                out[name] = try st.tensor(name)
            }
        }
        return out
    }

    /// Writes `tensors` as a sharded checkpoint in `directory`: shards of at most `maxShardBytes` (F32
    /// data; a tensor larger than that gets a shard of its own) named `model-0000i-of-0000n.safetensors`,
    /// and `model.safetensors.index.json`. Every file is written atomically.
    public static func writeSharded(_ tensors: [String: Tensor], to directory: URL, maxShardBytes: Int) throws {
        var shards: [[String]] = [[]]
        var size = 0
        for name in tensors.keys.sorted() {
            let bytes = tensors[name]!.count * 4
            if !shards[shards.count - 1].isEmpty && size + bytes > maxShardBytes {
                shards.append([]); size = 0
            }
            shards[shards.count - 1].append(name); size += bytes
        }
        let n = shards.count
        var map: [String: String] = [:]
        var total = 0
        for (i, names) in shards.enumerated() {
            let file = String(format: "model-%05d-of-%05d.safetensors", i + 1, n)
            var part: [String: Tensor] = [:]
            for name in names { part[name] = tensors[name]; map[name] = file; total += tensors[name]!.count * 4 }
            try write(part, to: directory.appendingPathComponent(file))
        }
        let index: [String: Any] = ["metadata": ["total_size": total], "weight_map": map]
        let data = try JSONSerialization.data(withJSONObject: index, options: [.prettyPrinted, .sortedKeys])
        do { try data.write(to: directory.appendingPathComponent(indexFileName), options: .atomic) } catch {
            throw SafetensorsError.io(file: directory.appendingPathComponent(indexFileName).path, reason: error.localizedDescription)
        }
    }
}
