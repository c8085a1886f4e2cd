import Foundation
import Logging
import ServiceLifecycle

/// `vtfusion serve --watch DIR --profile ID`: inspects every image file that appears in `DIR` (once its size
/// has stayed the same for one poll, so half-copied files wait) through the service's one inspection path,
/// then moves it to `DIR/ok/`, `DIR/ng/` (or `DIR/none/` without a threshold), or `DIR/error/` with a
/// `NAME.error.txt` saying why. The inspection is stored like any other (history, pictures).
public struct FolderWatcher: ServiceLifecycle.Service {
    public static let extensions: Set<String> = ["png", "jpg", "jpeg", "bmp", "tif", "tiff"]
    let service: InspectionService
    let folder: URL
    let profileID: String
    let interval: Duration
    let logger: Logger

    public init(service: InspectionService, folder: URL, profileID: String, interval: Duration = .seconds(1), logger: Logger) {
        self.service = service; self.folder = folder; self.profileID = profileID; self.interval = interval; self.logger = logger
    }

    /// Checks the folder and the profile before the service starts.
    public func validate() async throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw WatchError("--watch: \(folder.path) is not a folder")
        }
        guard try await service.store.profile(id: profileID) != nil else { throw WatchError("--profile: no profile \(profileID)") }
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            var sizes: [String: Int] = [:]
            while !Task.isCancelled {
                sizes = await self.poll(previous: sizes)
                try? await Task.sleep(for: self.interval)
            }
        }
    }

    /// One pass: inspects the files whose size did not change since `previous`; returns the sizes seen now.
    public func poll(previous: [String: Int]) async -> [String: Int] {
        let fm = FileManager.default
        var now: [String: Int] = [:]
        let names = ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        for name in names where !name.hasPrefix(".") && Self.extensions.contains((name as NSString).pathExtension.lowercased()) {
            let url = folder.appendingPathComponent(name)
            guard let attrs = try? fm.attributesOfItem(atPath: url.path), attrs[.type] as? FileAttributeType == .typeRegular,
                  let size = (attrs[.size] as? NSNumber)?.intValue else { continue }
            guard previous[name] == size else { now[name] = size; continue }
            await handle(url)
        }
        return now
    }

    func handle(_ url: URL) async {
        let name = url.lastPathComponent
        do {
            guard let data = FileManager.default.contents(atPath: url.path), data.count <= service.config.maxBodyBytes else {
                throw Problem.tooLarge("the file is over \(service.config.maxBodyBytes) bytes", field: "file")
            }
            let input = try ImageInput.decode([UInt8](data), field: "file", filename: name, maxPixels: service.config.maxPixels)
            let record = try await service.inspect(profileID: profileID, images: [input])[0]
            try move(url, to: record.decision)
            logger.info("\(name): score \(String(format: "%.3f", record.score)), \(record.decision) (\(record.id))")
        } catch let p as Problem where p.status == .serviceUnavailable {
            logger.info("\(name): \(p.detail); retrying on the next poll")
        } catch {
            let reason = (error as? Problem)?.detail ?? "\(error)"
            logger.warning("\(name): \(reason)")
            try? move(url, to: "error")
            let note = folder.appendingPathComponent("error").appendingPathComponent(name + ".error.txt")
            try? DurableFile.write(Array((reason + "\n").utf8), to: note)
        }
    }

    /// Moves `url` into `folder/sub/`, never over an existing file.
    func move(_ url: URL, to sub: String) throws {
        let dir = folder.appendingPathComponent(sub)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var target = dir.appendingPathComponent(url.lastPathComponent)
        var n = 1
        while FileManager.default.fileExists(atPath: target.path) {
            let base = url.deletingPathExtension().lastPathComponent, ext = url.pathExtension
            target = dir.appendingPathComponent("\(base)-\(n).\(ext)")
            n += 1
        }
        try FileManager.default.moveItem(at: url, to: target)
    }
}

public struct WatchError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}
