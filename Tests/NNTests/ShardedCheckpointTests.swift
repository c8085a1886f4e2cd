import Foundation
import Tensor
import XCTest
@testable import NN

/// Sharded safetensors checkpoints (`model.safetensors.index.json` + shards), as Hugging Face writes them.
final class ShardedCheckpointTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtf-shards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// Ten tensors of 100-400 floats with distinct values.
    func sampleTensors() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for i in 0..<10 {
            let n = 100 * (1 + i % 4)
            out["layer.\(i).weight"] = Tensor(shape: [n], data: (0..<n).map { Float(i * 1000 + $0) * 0.5 })
        }
        return out
    }

    func assertSame(_ a: [String: Tensor], _ b: [String: Tensor], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Set(a.keys), Set(b.keys), file: file, line: line)
        for (k, t) in a { XCTAssertEqual(t.scalars, b[k]?.scalars, k, file: file, line: line) }
    }

    func indexURL() -> URL { dir.appendingPathComponent(Safetensors.indexFileName) }

    func editIndex(_ edit: (inout [String: String]) -> Void) throws {
        var map = try Safetensors.weightMap(index: indexURL())
        edit(&map)
        let data = try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": map] as [String: Any])
        try data.write(to: indexURL())
    }

    func testRoundTripThroughShardsFileAndDirectory() throws {
        let tensors = sampleTensors()
        try Safetensors.writeSharded(tensors, to: dir, maxShardBytes: 2000)
        let shards = try Safetensors.shardNames(index: indexURL())
        XCTAssertGreaterThanOrEqual(shards.count, 3, "small shards force a split")
        XCTAssertEqual(shards.first, "model-00001-of-0000\(shards.count).safetensors")
        for s in shards { XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(s).path)) }
        assertSame(try Safetensors.readCheckpoint(indexURL()), tensors)
        assertSame(try Safetensors.readCheckpoint(dir), tensors)
        XCTAssertEqual(Safetensors.checkpointFile(in: dir), indexURL())
        XCTAssertEqual(Safetensors.modelDirectory(of: indexURL()).standardizedFileURL.path, dir.standardizedFileURL.path)
        XCTAssertEqual(Safetensors.modelDirectory(of: dir).path, dir.path)
        // A single file in the same directory takes precedence.
        let single = ["only": Tensor(shape: [2], data: [1, 2])]
        try Safetensors.write(single, to: dir.appendingPathComponent(Safetensors.singleFileName))
        assertSame(try Safetensors.readCheckpoint(dir), single)
    }

    func testMissingShardIsNamed() throws {
        try Safetensors.writeSharded(sampleTensors(), to: dir, maxShardBytes: 2000)
        let shard = try Safetensors.shardNames(index: indexURL())[1]
        try FileManager.default.removeItem(at: dir.appendingPathComponent(shard))
        XCTAssertThrowsError(try Safetensors.readCheckpoint(dir)) { e in
            XCTAssertEqual(e as? ShardedCheckpointError, .missingShard(index: indexURL().path, shard: shard))
            XCTAssertTrue("\(e)".contains(shard))
        }
    }

    func testTensorMappedToTheWrongShard() throws {
        try Safetensors.writeSharded(sampleTensors(), to: dir, maxShardBytes: 2000)
        let shards = try Safetensors.shardNames(index: indexURL())
        var moved = ""
        try editIndex { map in
            moved = map.keys.sorted().first { map[$0] == shards[0] }!
            map[moved] = shards[1]
        }
        XCTAssertThrowsError(try Safetensors.readCheckpoint(indexURL())) { e in
            // Shard 0 still holds the moved tensor, which the index no longer assigns to it.
            XCTAssertEqual(e as? ShardedCheckpointError, .unlistedTensor(index: indexURL().path, tensor: moved, shard: shards[0]))
        }
        try editIndex { map in map[moved] = shards[0]; map["ghost.weight"] = shards[1] }
        XCTAssertThrowsError(try Safetensors.readCheckpoint(indexURL())) { e in
            XCTAssertEqual(e as? ShardedCheckpointError, .tensorNotInShard(index: indexURL().path, tensor: "ghost.weight", shard: shards[1]))
        }
    }

    func testInvalidIndexes() throws {
        for (text, reason) in [("[1, 2]", "not a JSON object"), (#"{"metadata": {}}"#, "no 'weight_map'"),
                               (#"{"weight_map": {}}"#, "empty weight_map"),
                               (#"{"weight_map": {"a": 3}}"#, "not a file name"),
                               (#"{"weight_map": {"a": "../secret.safetensors"}}"#, "not a plain file name")] {
            try Data(text.utf8).write(to: indexURL())
            XCTAssertThrowsError(try Safetensors.readCheckpoint(dir), text) { e in
                guard case let .invalidIndex(file, r)? = e as? ShardedCheckpointError else { return XCTFail("\(e)") }
                XCTAssertEqual(file, indexURL().path)
                XCTAssertTrue(r.contains(reason), "\(r) for \(text)")
            }
        }
    }

    func testDirectoryWithoutCheckpoint() {
        XCTAssertNil(Safetensors.checkpointFile(in: dir))
        XCTAssertThrowsError(try Safetensors.readCheckpoint(dir)) { e in
            XCTAssertEqual(e as? ShardedCheckpointError, .noCheckpoint(directory: dir.path))
        }
    }
}
