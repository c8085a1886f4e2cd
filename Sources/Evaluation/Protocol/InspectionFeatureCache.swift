import Foundation
import Imaging
import Inspection
import VTFusion

/// One category's backbone features for every ``InspectionModel`` of an evaluation run, computed once and
/// shared by all models, shots and seeds: the test images and every reference a draw uses (at the union
/// of the scales and layers the models read), plus the extra reference views a recipe asks for.
final class InspectionFeatureCache {
    let extractor: MultiScaleExtractor
    let layersByScale: [Int: [Int]]
    let test: [ImageFeatures]
    let testSizes: [(Int, Int)]
    private(set) var referenceImages: [String: Image8] = [:]
    private(set) var references: [String: ImageFeatures] = [:]
    private var views: [String: [ImageFeatures]] = [:]
    private var calibration: [String: [ImageFeatures]] = [:]

    init(models: [InspectionModel], testPaths: [URL], referencePaths: [URL]) throws {
        let first = models[0]
        guard models.allSatisfy({ $0.backbone === first.backbone }) else {
            throw PipelineError.invalidOption("evaluated inspection models must share one backbone")
        }
        var union: [Int: Set<Int>] = [:]
        for m in models { for (s, l) in m.layersByScale { union[s, default: []].formUnion(l) } }
        layersByScale = union.mapValues { $0.sorted() }
        extractor = first.extractor
        var feats: [ImageFeatures] = [], sizes: [(Int, Int)] = []
        for u in testPaths {   // one at a time: the decoded originals are not kept
            let image = try ImageCodec.loadRGB(path: u.path)
            sizes.append((image.width, image.height))
            feats += try extractor.features([image], layersByScale: layersByScale)
        }
        test = feats
        testSizes = sizes
        let images = try referencePaths.map { try ImageCodec.loadRGB(path: $0.path) }
        let refFeatures = images.isEmpty ? [] : try extractor.features(images, layersByScale: layersByScale)
        for (i, u) in referencePaths.enumerated() {
            referenceImages[u.path] = images[i]
            references[u.path] = refFeatures[i]
        }
    }

    /// The extra views of reference `path` for `model` (computed on first use at every scale and layer of the
    /// run, so models whose recipes ask for the same kind of views share them).
    func views(_ path: String, model: InspectionModel) throws -> [ImageFeatures] {
        let key = model.spec.views.rawValue + "|" + path
        if let v = views[key] { return v }
        let extra = model.referenceViews(referenceImages[path]!)
        let v = extra.isEmpty ? [] : try extractor.features(extra, layersByScale: layersByScale)
        views[key] = v
        return v
    }

    /// The first `count` calibration views of `kind` of reference `path` (computed on first use, shared by models).
    func calibrationViews(_ path: String, count: Int, kind: CalibrationViews.Kind) throws -> [ImageFeatures] {
        guard count > 0 else { return [] }
        let key = kind.rawValue + "|" + path
        if let v = calibration[key], v.count >= count { return Array(v.prefix(count)) }
        let v = try extractor.features(CalibrationViews.make(referenceImages[path]!, count: count, kind: kind), layersByScale: layersByScale)
        calibration[key] = v
        return v
    }

    /// A profile for `model` from the references at `paths`, with synthetic anomalies drawn from `seed`.
    func profile(model: InspectionModel, paths: [String], object: String, seed: UInt64) throws -> Profile {
        let images = paths.map { referenceImages[$0]! }
        let plan = CalibrationAnomalies.plan(references: images, perFamily: model.spec.syntheticPerFamily, seed: seed)
        let synthetic = plan.isEmpty ? [] : try model.features(plan.map(\.2))
        var options = InspectionModel.ProfileOptions()
        options.seed = seed
        return try model.makeProfile(referenceFeatures: paths.map { references[$0]! },
                                     referenceViews: try paths.map { try views($0, model: model) },
                                     calibrationViews: try paths.map { try calibrationViews($0, count: model.spec.calibrationViews, kind: model.spec.calibrationViewKind ?? .cropsRotations) },
                                     synthetic: zip(plan, synthetic).map { ($0.0, $0.1, $1) },
                                     names: paths, object: object, options: options)
    }

    /// An original-size map in the protocol's prepared frame (shorter side to `size`, centre crop), `size * size`.
    static func preparedFrame(_ map: Image, size: Int) -> [Float] {
        let (w, h) = map.width <= map.height ? (size, Int(Double(size) * Double(map.height) / Double(map.width)))
                                             : (Int(Double(size) * Double(map.width) / Double(map.height)), size)
        let r = map.width == w && map.height == h ? map : map.resized(width: w, height: h, filter: .bilinear)
        return r.centerCropped(width: size, height: size).samples
    }
}
