import Foundation
import NN
import XCTest
import Backbones
@testable import ModelStore

final class SHA256Tests: XCTestCase {
    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex(of: Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(of: Data("The quick brown fox jumps over the lazy dog".utf8)),
                       "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592")
        // One million 'a', fed in uneven chunks to exercise the block buffering.
        var h = SHA256()
        let a = [UInt8](repeating: 0x61, count: 1_000_000)
        var i = 0, step = 1
        while i < a.count { let n = min(step, a.count - i); h.update(Array(a[i..<(i + n)])); i += n; step = step % 97 + 13 }
        XCTAssertEqual(h.finalize().hexString, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testSHA256PaddingBoundaries() {
        // Lengths around the 55/56/64-byte padding edges: chunked and one-shot hashing agree, digests differ.
        var seen = Set<String>()
        for n in [54, 55, 56, 57, 63, 64, 65, 119, 120, 128] {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var h = SHA256()
            for b in bytes { h.update([b]) }
            let chunked = h.finalize().hexString
            XCTAssertEqual(chunked, SHA256.hex(of: Data(bytes)), "length \(n)")
            seen.insert(chunked)
        }
        XCTAssertEqual(seen.count, 10)
    }
}

final class ModelStoreTests: XCTestCase {
    var server: MockHTTPServer!
    var root: URL!

    override func setUpWithError() throws {
        server = try MockHTTPServer()
        root = FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-store-\(UUID().uuidString)")
    }

    override func tearDown() {
        server.stop()
        try? FileManager.default.removeItem(at: root)
    }

    func store(token: String? = nil) -> ModelStore {
        var env = ["HF_ENDPOINT": server.baseURL.absoluteString]
        if let token { env["HF_TOKEN"] = token }
        var s = ModelStore(root: root, environment: env)
        s.timeout = 10
        return s
    }

    let repo = "acme/tiny-clip"
    lazy var weights = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) })
    let config = Data(#"{"model_type": "clip", "projection_dim": 8}"#.utf8)
    let vocab = Data(#"{"a</w>": 0, "b</w>": 1}"#.utf8)

    /// Hub layout: config.json and vocab.json served directly (git-blob style ETag), model.safetensors through a
    /// redirect that carries X-Linked-Size / X-Linked-Etag (LFS style).
    func serveRepo() {
        let base = "/\(repo)/resolve/main/"
        server.serve(base + "config.json", config, etag: "\"1111111111222222222233333333334444444444\"")
        server.serve(base + "vocab.json", vocab)
        server.serve(base + "model.safetensors", weights, redirectTo: "/cdn/blob-model")
        server.serve("/cdn/blob-model", weights, etag: "\"cdn-etag\"")
    }

    func testFullDownloadWritesVerifiedFilesAndManifest() throws {
        serveRepo()
        var events: [ModelStoreEvent] = []
        let lock = NSLock()
        let dir = try store().fetch(repo) { e in lock.withLock { events.append(e) } }
        XCTAssertEqual(dir.lastPathComponent, "acme--tiny-clip")
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("model.safetensors")), weights)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("config.json")), config)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("vocab.json")), vocab)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("merges.txt").path))
        let m = try XCTUnwrap(try store().manifest(repo))
        XCTAssertEqual(m.architecture, "clip")
        XCTAssertEqual(m.files.map(\.name), ["config.json", "model.safetensors", "vocab.json"])
        XCTAssertEqual(m.files[1].sha256, SHA256.hex(of: weights))
        XCTAssertEqual(m.files[1].size, 300_000)
        XCTAssertEqual(try store().verify(repo), m)
        XCTAssertEqual(try store().path(repo), dir)
        XCTAssertTrue(store().list().contains { $0.name == repo && $0.isInstalled })
        let lastTransfer = events.compactMap { e -> Int64? in if case let .transfer("model.safetensors", r, t) = e, t == 300_000 { return r }; return nil }.last
        XCTAssertEqual(lastTransfer, 300_000)
        // The model file came from the redirect target, after a HEAD without following it.
        XCTAssertTrue(server.requests.contains { $0.method == "GET" && $0.path == "/cdn/blob-model" })
        XCTAssertTrue(server.requests.contains { $0.method == "HEAD" && $0.path.hasSuffix("merges.txt") })

        // A second fetch is a no-op (already installed): no more requests.
        let before = server.requests.count
        _ = try store().fetch(repo)
        XCTAssertEqual(server.requests.count, before)
    }

    func testResumeAfterCutConnection() throws {
        serveRepo()
        server.fault("/cdn/blob-model", .cutAfter(120_000))
        XCTAssertThrowsError(try store().fetch(repo)) { error in
            guard case ModelStoreError.transferFailed = error else { return XCTFail("got \(error)") }
        }
        let dir = try store().directory(for: repo)
        let part = dir.appendingPathComponent("model.safetensors.part")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.safetensors").path))
        XCTAssertNil(try store().manifest(repo))
        XCTAssertThrowsError(try store().path(repo))
        let partial = HTTPDownloader.size(of: part)
        XCTAssertGreaterThan(partial, 0)
        XCTAssertLessThanOrEqual(partial, 120_000)

        _ = try store().fetch(repo)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("model.safetensors")), weights)
        XCTAssertFalse(FileManager.default.fileExists(atPath: part.path))
        XCTAssertTrue(server.requests.contains { $0.path == "/cdn/blob-model" && $0.headers["range"] == "bytes=\(partial)-" })
        XCTAssertNoThrow(try store().verify(repo))
    }

    func testCompleteFilesAreReusedUnlessForced() throws {
        serveRepo()
        let dir = try store().fetch(repo)
        // As if a later file had failed: no manifest, model.safetensors complete on disk.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("manifest.json"))
        let modelGets = { self.server.requests.filter { $0.method == "GET" && $0.path == "/cdn/blob-model" }.count }
        XCTAssertEqual(modelGets(), 1)
        _ = try store().fetch(repo)
        XCTAssertEqual(modelGets(), 1, "a complete, checksum-matching file is not downloaded again")
        XCTAssertNotNil(try store().manifest(repo))
        _ = try store().fetch(repo, force: true)
        XCTAssertEqual(modelGets(), 2)
        XCTAssertNoThrow(try store().verify(repo))
    }

    func testChecksumMismatchLeavesNoFinalFile() throws {
        serveRepo()
        server.fault("/cdn/blob-model", .corrupt)
        XCTAssertThrowsError(try store().fetch(repo)) { error in
            guard case let ModelStoreError.checksumMismatch(file, expected, _) = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(file.hasSuffix("model.safetensors"))
            XCTAssertEqual(expected, SHA256.hex(of: self.weights))
            XCTAssertTrue("\(error)".contains("checksum mismatch for"))
        }
        let dir = try store().directory(for: repo)
        for f in ["model.safetensors", "model.safetensors.part", "manifest.json"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), f)
        }
    }

    func testAuthorizationHeaderAndErrors() throws {
        serveRepo()
        _ = try store(token: "hf_secret").fetch(repo)
        let hubRequests = server.requests.filter { $0.path.hasPrefix("/\(repo)/") }
        XCTAssertFalse(hubRequests.isEmpty)
        XCTAssertTrue(hubRequests.allSatisfy { $0.headers["authorization"] == "Bearer hf_secret" })

        let other = "acme/private"
        server.fault("/\(other)/resolve/main/config.json", .status(401))
        XCTAssertThrowsError(try store().fetch(other)) { error in
            guard case ModelStoreError.authorizationRequired(_, 401) = error else { return XCTFail("got \(error)") }
            XCTAssertTrue("\(error)".contains("HF_TOKEN"))
        }
    }

    func testMissingRequiredFileIs404Error() throws {
        server.serve("/acme/no-weights/resolve/main/config.json", config)
        XCTAssertThrowsError(try store().fetch("acme/no-weights")) { error in
            guard case let ModelStoreError.fileNotFound(url) = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(url.hasPrefix(self.server.baseURL.absoluteString + "/acme/no-weights/resolve/main/model.safetensors"), url)
            XCTAssertTrue("\(error)".contains("404"))
            XCTAssertTrue("\(error)".contains("model.safetensors.index.json"), "the sharded alternative is named too")
        }
    }

    /// A repository with a sharded checkpoint: no model.safetensors, an index and the shards it lists.
    func serveShardedRepo(_ name: String, skipping: String? = nil) throws -> (index: Data, shards: [String: Data]) {
        let base = "/\(name)/resolve/main/"
        let shards = ["model-00001-of-00002.safetensors": Data((0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }),
                      "model-00002-of-00002.safetensors": Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 17 >> 3) })]
        let index = try JSONSerialization.data(withJSONObject: [
            "metadata": ["total_size": 120_000],
            "weight_map": ["a.weight": "model-00001-of-00002.safetensors", "b.weight": "model-00001-of-00002.safetensors",
                           "c.weight": "model-00002-of-00002.safetensors"]] as [String: Any])
        server.serve(base + "config.json", config)
        server.serve(base + "model.safetensors.index.json", index)
        for (file, data) in shards where file != skipping {
            // LFS style: a redirect with the size and the SHA-256 as ETag.
            server.serve(base + file, data, redirectTo: "/cdn/\(name)/\(file)")
            server.serve("/cdn/\(name)/\(file)", data, etag: "\"\(SHA256.hex(of: data))\"")
        }
        return (index, shards)
    }

    func testShardedCheckpointIsFetchedWithEveryShard() throws {
        let name = "acme/sharded"
        let (index, shards) = try serveShardedRepo(name)
        let dir = try store().fetch(name)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("model.safetensors.index.json")), index)
        for (file, data) in shards { XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent(file)), data, file) }
        let m = try XCTUnwrap(try store().manifest(name))
        XCTAssertEqual(m.files.map(\.name), ["config.json", "model-00001-of-00002.safetensors",
                                             "model-00002-of-00002.safetensors", "model.safetensors.index.json"])
        for (file, data) in shards { XCTAssertEqual(m.files.first { $0.name == file }?.sha256, SHA256.hex(of: data), file) }
        XCTAssertEqual(try store().verify(name), m)
        // Verification covers the shards.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("model-00002-of-00002.safetensors"))
        XCTAssertThrowsError(try store().verify(name))
    }

    /// An OpenCLIP repository (timm's dual-use layout): open_clip_config.json + open_clip_model.safetensors, no
    /// config.json and no tokenizer files, which come from OpenAI's CLIP repository instead.
    func testOpenCLIPRepositoryIsFetchedWithTheCLIPTokenizer() throws {
        let name = "timm/tiny_openclip"
        let base = "/\(name)/resolve/main/"
        let openConfig = Data(#"{"model_cfg": {"embed_dim": 8, "quick_gelu": false}}"#.utf8)
        server.serve(base + "open_clip_config.json", openConfig)
        server.serve(base + "open_clip_model.safetensors", weights, redirectTo: "/cdn/openclip")
        server.serve("/cdn/openclip", weights, etag: "\"\(SHA256.hex(of: weights))\"")
        let merges = Data("#version: 0.2\na b\n".utf8)
        server.serve("/openai/clip-vit-base-patch16/resolve/main/vocab.json", vocab)
        server.serve("/openai/clip-vit-base-patch16/resolve/main/merges.txt", merges)
        let dir = try store().fetch(name)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("open_clip_model.safetensors")), weights)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("open_clip_config.json")), openConfig)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("merges.txt")), merges)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("config.json").path))
        let m = try XCTUnwrap(try store().manifest(name))
        XCTAssertEqual(m.architecture, "clip")
        XCTAssertEqual(m.files.map(\.name), ["merges.txt", "open_clip_config.json", "open_clip_model.safetensors", "vocab.json"])
        XCTAssertTrue(m.source.contains("tokenizer: openai/clip-vit-base-patch16"), m.source)
        XCTAssertEqual(try store().verify(name), m)
        XCTAssertEqual(Safetensors.checkpointFile(in: dir)?.lastPathComponent, "open_clip_model.safetensors")
    }

    func testRepositoryWithoutAnyConfigIsAnError() throws {
        server.serve("/acme/bare/resolve/main/model.safetensors", weights)
        XCTAssertThrowsError(try store().fetch("acme/bare")) { error in
            guard case let ModelStoreError.fileNotFound(url) = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(url.contains("config.json") && url.contains("open_clip_config.json"), url)
        }
    }

    func testMissingShardFailsTheFetch() throws {
        let name = "acme/half-sharded"
        _ = try serveShardedRepo(name, skipping: "model-00002-of-00002.safetensors")
        XCTAssertThrowsError(try store().fetch(name)) { error in
            guard case let ModelStoreError.fileNotFound(url) = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(url.hasSuffix("model-00002-of-00002.safetensors"), url)
        }
        XCTAssertNil(try store().manifest(name), "no manifest: the model is not installed")
        XCTAssertFalse(store().list().contains { $0.name == name && $0.isInstalled })
    }

    func testVerifyDetectsTamperedFile() throws {
        serveRepo()
        let dir = try store().fetch(repo)
        let url = dir.appendingPathComponent("model.safetensors")
        var d = try Data(contentsOf: url)
        d[10] ^= 1
        try d.write(to: url)
        XCTAssertThrowsError(try store().verify(repo)) { error in
            guard case let ModelStoreError.checksumMismatch(file, _, _) = error else { return XCTFail("got \(error)") }
            XCTAssertEqual(file, url.path)
        }
        try FileManager.default.removeItem(at: url)
        XCTAssertThrowsError(try store().verify(repo)) { XCTAssertEqual($0 as? ModelStoreError, .missingFile(url.path)) }
    }

    func testNamesAndRoots() throws {
        XCTAssertTrue(ModelStore.isHubID("openai/clip-vit-large-patch14-336"))
        XCTAssertFalse(ModelStore.isHubID("../etc"))
        XCTAssertFalse(ModelStore.isHubID("a/b/c"))
        XCTAssertThrowsError(try store().directory(for: "nonsense")) {
            guard case let ModelStoreError.unknownModel(n, known) = $0 else { return XCTFail() }
            XCTAssertEqual(n, "nonsense"); XCTAssertEqual(known, ["dinov2-s-imgfocus", "minilm-l6"])
        }
        XCTAssertEqual(ModelStore.defaultRoot(environment: ["VTFUSION_HOME": "/v", "XDG_CACHE_HOME": "/x", "HOME": "/h"]).path, "/v")
        XCTAssertEqual(ModelStore.defaultRoot(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]).path, "/x/vtfusion")
        XCTAssertEqual(ModelStore.defaultRoot(environment: ["HOME": "/h"]).path, "/h/.cache/vtfusion")
        let listed = store().list()
        XCTAssertEqual(listed.map(\.name), ["dinov2-s-imgfocus", "minilm-l6"])
        XCTAssertFalse(listed.contains { $0.isInstalled })
        XCTAssertThrowsError(try store().path("minilm-l6")) { XCTAssertTrue("\($0)".contains("vtfusion models fetch minilm-l6")) }
        XCTAssertEqual(ModelStore.sha256FromETag("W/\"\(String(repeating: "ab", count: 32))\""), String(repeating: "ab", count: 32))
        XCTAssertNil(ModelStore.sha256FromETag("\"1111111111222222222233333333334444444444\""))
    }
}
