import Foundation
import NN
import Tensor

/// The k-shot reference branch: adapted, L2-normalised patch features of the k normal reference images,
/// per tapped layer, and the nearest-reference lookup (InCTRL-style residuals, AnomalyDINO-style distances).
public struct ReferenceMemory {
    /// Per layer `[M, D]` normalised features (`M = k * N * augmentations`).
    public internal(set) var layers: [Tensor]
    /// Per layer `[M_raw, C_l]` L2-normalised FROZEN backbone patch tokens of the references (no adapter),
    /// for the training-free kNN evidence channel; `nil` when unknown (for example an old saved memory).
    public internal(set) var raw: [Tensor]?
    /// Object name the references were taken for (used to build prompts); `nil` when unknown.
    public var objectName: String?

    public init(layers: [Tensor], raw: [Tensor]? = nil, objectName: String? = nil) {
        check(!layers.isEmpty && layers.allSatisfy { $0.rank == 2 }, "ReferenceMemory: layers must be [M, D]")
        check(raw == nil || (raw!.count == layers.count && raw!.allSatisfy { $0.rank == 2 }),
              "ReferenceMemory: raw layers must be one [M, C_l] per layer")
        self.layers = layers
        self.raw = raw
        self.objectName = objectName
    }

    /// Training-free kNN distance of frozen patch tokens `[B, N, C_l]` of layer `l` to the raw reference
    /// tokens: `1 - max_j cos(patch, ref_j)` `[B, N]` (constant, no gradient); zeros without raw tokens.
    public func knnDistance(_ patches: Tensor, layer l: Int) -> Tensor {
        let (b, n, c) = (patches.shape[0], patches.shape[1], patches.shape[2])
        guard let raw else { return Tensor.zeros([b, n]) }
        return noGrad {
            let mem = raw[l]
            check(mem.shape[1] == c, "ReferenceMemory.knnDistance: patches \(patches.shape) vs raw \(mem.shape)")
            let q = patches.detached().reshaped([b * n, c]).l2Normalized(axis: -1)
            let sim = q.matmul(mem.detached().transposed()).contiguous()
            let out = Tensor.zeros([b, n])
            let m = mem.shape[0], op = out.pointer, sp = sim.pointer
            Threading.parallelFor(b * n, grain: 64) { range in
                for r in range {
                    let row = sp + r * m
                    var best = row[0]
                    for j in 1..<max(m, 1) where row[j] > best { best = row[j] }
                    op[r] = 1 - best
                }
            }
            return out
        }
    }

    /// Number of stored features per layer.
    public var count: Int { layers[0].shape[0] }

    /// Nearest reference of every patch of layer `l`.
    ///
    /// - Parameter patches: normalised adapted patch features `[B, N, D]`.
    /// - Returns: `distance` `[B, N]` = 1 - max cosine similarity, and `residual` `[B, N, D]` = patch minus its
    ///   nearest reference feature. Both carry gradients to `patches` and to the memory.
    public func nearest(_ patches: Tensor, layer l: Int) -> (distance: Tensor, residual: Tensor) {
        let mem = layers[l]
        check(patches.rank == 3 && patches.shape[2] == mem.shape[1],
              "ReferenceMemory.nearest: patches \(patches.shape) vs memory \(mem.shape)")
        let (b, n, d) = (patches.shape[0], patches.shape[1], patches.shape[2])
        let index: [Int] = noGrad {
            let sim = patches.detached().reshaped([b * n, d]).matmul(mem.detached().transposed()).contiguous()
            let m = mem.shape[0]
            return (0..<(b * n)).map { r in
                let p = sim.pointer + r * m
                var best = 0
                for j in 1..<max(m, 1) where p[j] > p[best] { best = j }
                return best
            }
        }
        let nearest = mem.indexSelect(axis: 0, indices: index).reshaped([b, n, d])
        let distance = 1 - (patches * nearest).sum(axis: -1)
        return (distance, patches - nearest)
    }

    /// Token-grid augmentations of patch tokens `[B, h*w, C]`: the identity plus 90/180/270-degree
    /// rotations and horizontal/vertical flips of the grid (square grids only rotate), stacked on the batch
    /// axis. Cheap stand-in for re-running the backbone on rotated images.
    public static func augmentGrid(_ x: Tensor, grid: (Int, Int)) -> Tensor {
        let (h, w) = grid
        let c = x.shape[2]
        let g = x.reshaped([x.shape[0], h, w, c])
        var views = [g, g.flippedAxis(2), g.flippedAxis(1)]
        if h == w {
            let r90 = g.transposed(1, 2).flippedAxis(2)
            views += [r90, r90.transposed(1, 2).flippedAxis(2), g.flippedAxis(2).transposed(1, 2)]
        }
        return Tensor.concat(views.map { $0.contiguous().reshaped([x.shape[0], h * w, c]) }, axis: 0)
    }

    // MARK: - Persistence

    /// Writes the memory to a safetensors file (`layer.{l}` tensors, object name in the metadata).
    public func save(to url: URL) throws {
        var tensors: [String: Tensor] = [:]
        for (l, t) in layers.enumerated() { tensors["layer.\(l)"] = noGrad { t.detached().contiguous() } }
        for (l, t) in (raw ?? []).enumerated() { tensors["raw.\(l)"] = noGrad { t.detached().contiguous() } }
        var meta = ["format": "vtfusion-references", "layers": String(layers.count)]
        if let objectName { meta["object"] = objectName }
        try Safetensors.write(tensors, metadata: meta, to: url)
    }

    /// Reads a memory written by ``save(to:)``.
    public static func load(from url: URL) throws -> ReferenceMemory {
        let file = try SafetensorsFile(url: url)
        let (tensors, meta) = (try file.tensors(), file.metadata)
        guard meta["format"] == "vtfusion-references", let n = meta["layers"].flatMap(Int.init), n > 0 else {
            throw VTFusionError.invalidFile(url.path, "not a VTFusion reference memory (metadata format/layers)")
        }
        var layers: [Tensor] = []
        for l in 0..<n {
            guard let t = tensors["layer.\(l)"], t.rank == 2 else {
                throw VTFusionError.invalidFile(url.path, "missing or malformed tensor 'layer.\(l)'")
            }
            layers.append(t)
        }
        let raw = (0..<n).compactMap { tensors["raw.\($0)"] }
        return ReferenceMemory(layers: layers, raw: raw.count == n && raw.allSatisfy { $0.rank == 2 } ? raw : nil,
                               objectName: meta["object"])
    }
}
