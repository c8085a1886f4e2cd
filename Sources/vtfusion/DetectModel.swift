import ArgumentParser
import Backbones
import Foundation
import Inspection
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

    static func load(backbone name: String = "dinov2-s-imgfocus", backboneDir: String?, recipe: RecipeOption = .standard,
                     batchSize: Int = 4, progress: ProgressReporter = ProgressReporter()) throws -> Loaded {
        let spec = try BackboneSpec.named(name)
        let dir = try backboneDir.map { URL(fileURLWithPath: $0) } ?? DefaultModels.directory(for: name, progress: progress)
        let loaded = try ModelLoader.backbone(spec, directory: dir)
        let model = try InspectionModel(name: "\(spec.name)/\(recipe.rawValue)", backbone: loaded.backbone,
                                        spec: recipe.spec(depth: loaded.backbone.layerCount), batchSize: batchSize)
        return Loaded(model: model, description: "\(spec.name) (\(dir.path)), recipe \(recipe.rawValue)")
    }
}
