import Backbones
import ModelStore

extension ProgressReporter {
    /// Shows a model-store fetch started on first use of a model (``ModelRegistry/directory(for:store:announce:fetchProgress:)``):
    /// status lines indented, transfers as a bar in MB, each verified file on its own line.
    func storeFetch(_ event: ModelStoreEvent) {
        switch event {
        case .message(let m): message("  " + m)
        case .transfer(let file, let received, let total):
            if let total, total > 0 {
                update(Int(received / 1_000_000), Int(total / 1_000_000), phase: file, unit: "MB")
            }
        case .fileDone(let file, let size): message("  \(file): \(size / 1_000_000) MB, verified")
        }
    }
}
