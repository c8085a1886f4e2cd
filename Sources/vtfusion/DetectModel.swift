import ArgumentParser
import Backbones
import Foundation
import Inspection
import Tensor
import VTFusion

/// The named evidence recipes a user can pick (`--recipe`).
enum RecipeOption: String, ExpressibleByArgument, CaseIterable {
    case standard, anomalydino, knn224

    func spec(depth: Int) -> EvidenceSpec {
        switch self {
        case .standard: return .standard(depth: depth)
        case .anomalydino: return .anomalyDINO(depth: depth)
        case .knn224: return .knn224(depth: depth)
        }
    }
}

/// Loads the one model behind `detect`, `demo` (and the service): a backbone from the model store (or a
/// directory) with an evidence recipe, as an ``InspectionModel``.
enum DetectModel {
    struct Loaded {
        var model: InspectionModel
        var description: String
    }

    static func load(backbone name: String = ModelRegistry.defaultBackbone, backboneDir: String?, recipe: RecipeOption = .standard,
                     batchSize: Int = 4, progress: ProgressReporter = ProgressReporter()) throws -> Loaded {
        if let hint = blasHint() { progress.message(hint) }
        let spec = try BackboneSpec.named(name)
        let dir = try backboneDir.map { URL(fileURLWithPath: $0) } ?? ModelRegistry.directory(for: spec.name, announce: progress.message, fetchProgress: progress.storeFetch)
        let loaded = try ModelLoader.backbone(spec, directory: dir)
        let evidence = recipe.spec(depth: loaded.backbone.layerCount)
        let model = try InspectionModel(name: "\(spec.name)/\(recipe.rawValue)", backbone: loaded.backbone,
                                        spec: evidence, batchSize: batchSize,
                                        decisionTails: DecisionTailsFile.shipped(backbone: spec.name, spec: evidence))
        return Loaded(model: model, description: "\(spec.name) (\(dir.path)), recipe \(recipe.rawValue)")
    }
}

/// A hint when OpenBLAS fell back to its generic x86 kernels on a CPU it did not recognise (seen on
/// virtual machines that report a plain "Intel Xeon Processor"): forcing the core type is 2-3x faster.
func blasHint() -> String? {
    #if os(Linux) && arch(x86_64)
    let core = BLAS.coreName.lowercased()
    guard core.hasSuffix("prescott") || core.hasSuffix("nehalem") || core.hasSuffix("core2"),
          ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
          let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
    let suggestion = info.contains(" avx512f ") ? "SkylakeX" : (info.contains(" avx2 ") ? "Haswell" : nil)
    return suggestion.map {
        "note: OpenBLAS uses its generic \(BLAS.coreName) kernels on this CPU; OPENBLAS_CORETYPE=\($0) is about 2-3x faster"
    }
    #else
    return nil
    #endif
}
