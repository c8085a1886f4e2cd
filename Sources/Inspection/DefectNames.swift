import Foundation
import NN
import Tensor

/// A defect name ranked for a region, with its probability among the names asked about.
public struct DefectName: Codable, Sendable, Equatable {
    public var name: String
    public var probability: Double
    public init(name: String, probability: Double) { self.name = name; self.probability = probability }
}

/// Names what a defect region looks like: the region's features relative to the good parts' (a
/// descriptor), projected by a trained adapter into the text encoder's space and compared with text
/// prototypes "a photo of a {object} with a {defect}". The adapter is trained on the defect types of
/// auxiliary categories (`vtfusion names`); any list of names can be ranked, since they are text.
public final class DefectNamer: @unchecked Sendable {
    /// The names ranked when the user gives none.
    public static let defaultNames = ["scratch", "crack", "hole", "dent", "stain", "contamination", "discoloration",
                                      "missing part", "deformation", "wrinkle", "fold", "cut"]
    public static let formatName = "vtfusion-defect-namer"
    /// Most names one request may rank.
    public static let maxNames = 64

    /// The token grid the descriptor is read from.
    public let scale: Int
    public let layer: Int
    /// Visual descriptor -> text space.
    public let adapter: Linear
    /// Softmax temperature of the cosine logits.
    public let temperature: Float

    public init(scale: Int, layer: Int, visualWidth: Int, textWidth: Int, temperature: Float = 0.07, seed: UInt64 = 0) {
        self.scale = scale; self.layer = layer; self.temperature = temperature
        var rng = SeededRandom(seed: seed)
        adapter = Linear(visualWidth, textWidth, rng: &rng)
    }

    /// The text prompt of one name.
    public static func prompt(object: String?, defect: String) -> String {
        "a photo of a \(object ?? "part") with a \(defect)"
    }

    /// The region's descriptor: mean token inside the region's box (cells whose centre falls in it; the
    /// nearest cell when none) minus the references' mean token, unit length. `referenceMean`: `[C]`.
    public func descriptor(_ features: ImageFeatures, box: (x: Int, y: Int, width: Int, height: Int), referenceMean: Tensor) -> Tensor {
        let s = features.at(scale)
        let tokens = s.tokens(layer)
        let f = s.frame
        let (rows, cols) = f.grid
        let sx = Double(f.resizedWidth) / Double(f.originalWidth), sy = Double(f.resizedHeight) / Double(f.originalHeight)
        func centre(_ r: Int, _ c: Int) -> (Double, Double) {
            ((Double(f.cropX) + (Double(c) + 0.5) * Double(f.patchSize)) / sx, (Double(f.cropY) + (Double(r) + 0.5) * Double(f.patchSize)) / sy)
        }
        var cells: [Int] = []
        var nearest = 0, best = Double.infinity
        let (bx, by) = (Double(box.x) + Double(box.width) / 2, Double(box.y) + Double(box.height) / 2)
        for r in 0..<rows {
            for c in 0..<cols {
                let (x, y) = centre(r, c)
                if x >= Double(box.x) && x < Double(box.x + box.width) && y >= Double(box.y) && y < Double(box.y + box.height) { cells.append(r * cols + c) }
                let d = (x - bx) * (x - bx) + (y - by) * (y - by)
                if d < best { best = d; nearest = r * cols + c }
            }
        }
        if cells.isEmpty { cells = [nearest] }
        return noGrad {
            (tokens.indexSelect(axis: 0, indices: cells).mean(axis: 0) - referenceMean).l2Normalized(axis: -1).contiguous()
        }
    }

    /// Cosine logits `[B, N]` of descriptors `[B, C]` against unit-length text prototypes `[N, D]`.
    public func logits(_ descriptors: Tensor, prototypes: Tensor) -> Tensor {
        adapter(descriptors).l2Normalized(axis: -1).matmul(prototypes.transposed()) * (1 / temperature)
    }

    /// The names ranked for one descriptor, most likely first.
    public func rank(_ descriptor: Tensor, prototypes: Tensor, names: [String]) -> [DefectName] {
        let p = noGrad { logits(descriptor.reshaped([1, -1]), prototypes: prototypes).softmax(axis: -1).scalars }
        return zip(names, p).map { DefectName(name: $0, probability: Double($1)) }.sorted { $0.probability > $1.probability }
    }

    // MARK: - Files

    public func save(to url: URL, metadata extra: [String: String] = [:]) throws {
        var meta = extra
        meta["format"] = Self.formatName
        meta["scale"] = String(scale); meta["layer"] = String(layer); meta["temperature"] = String(temperature)
        try adapter.save(safetensors: url, metadata: meta)
    }

    public static func load(from url: URL) throws -> DefectNamer {
        let file = try SafetensorsFile(url: url)
        guard file.metadata["format"] == formatName, let scale = file.metadata["scale"].flatMap(Int.init),
              let layer = file.metadata["layer"].flatMap(Int.init), let t = file.metadata["temperature"].flatMap(Float.init),
              let w = try file.tensors()["weight"], w.rank == 2 else {
            throw InspectionError.invalidProfile(path: url.path, reason: "not a defect-namer file (format, scale, layer, temperature, weight)")
        }
        let namer = DefectNamer(scale: scale, layer: layer, visualWidth: w.shape[1], textWidth: w.shape[0], temperature: t)
        _ = try namer.adapter.load(safetensors: url)
        return namer
    }
}

/// A namer with the text prototypes of the names it ranks (encoded once per object and list).
public struct DefectNaming: @unchecked Sendable {
    public var namer: DefectNamer
    public var names: [String]
    /// Unit-length `[names.count, D]`.
    public var prototypes: Tensor
    /// How many names each region keeps.
    public var keep: Int

    public init(namer: DefectNamer, names: [String], prototypes: Tensor, keep: Int = 3) {
        self.namer = namer; self.names = names; self.prototypes = prototypes; self.keep = keep
    }
}
