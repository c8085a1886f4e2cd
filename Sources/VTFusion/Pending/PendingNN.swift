import Foundation
import Tensor

// Minimal stand-ins for the `nn` branch (Module, Linear, Conv2d, AdamW, safetensors) with the names that
// branch uses. Internal only; delete this file once `nn` is merged.

/// Base class: parameters are stored `Tensor` properties, children stored `Module` / `[Module]` properties,
/// keyed by property name (``keyMap`` renames), PyTorch `state_dict` style.
class Module {
    init() {}
    var keyMap: [String: String] { [:] }

    func namedParameters() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        var mirrors: [Mirror] = []
        var m: Mirror? = Mirror(reflecting: self)
        while let cur = m { mirrors.append(cur); m = cur.superclassMirror }
        for mirror in mirrors.reversed() {
            for child in mirror.children {
                guard let label = child.label else { continue }
                let key = keyMap[label] ?? label
                var value: Any = child.value
                let mm = Mirror(reflecting: value)
                if mm.displayStyle == .optional {
                    guard let w = mm.children.first?.value else { continue }
                    value = w
                }
                if let t = value as? Tensor { out.append((key, t)) }
                else if let sub = value as? Module { out += sub.namedParameters().map { (key + "." + $0.0, $0.1) } }
                else if let list = value as? [Module] {
                    for (i, sub) in list.enumerated() {
                        out += sub.namedParameters().map { (key + ".\(i)." + $0.0, $0.1) }
                    }
                }
            }
        }
        return out
    }

    func parameters() -> [Tensor] { namedParameters().map(\.1) }
    func stateDict() -> [String: Tensor] { Dictionary(uniqueKeysWithValues: namedParameters()) }
    var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Copies values into the parameters (shapes must match; `strict` requires the key sets to be equal).
    func load(stateDict: [String: Tensor], strict: Bool = true) throws {
        let params = namedParameters()
        let names = Set(params.map(\.0))
        if strict {
            let missing = names.subtracting(stateDict.keys).sorted()
            let extra = Set(stateDict.keys).subtracting(names).sorted()
            if !missing.isEmpty || !extra.isEmpty {
                throw VTFusionError.stateDictMismatch(missing: missing, unexpected: extra)
            }
        }
        for (key, p) in params {
            guard let v = stateDict[key] else { continue }
            guard v.shape == p.shape else {
                throw VTFusionError.shapeMismatch(key: key, expected: p.shape, found: v.shape)
            }
            Kernels.copy(v, into: p.pointer)
        }
    }
}

/// `y = x W^T + b`, weight `[out, in]` (PyTorch layout), uniform(-1/sqrt(in), 1/sqrt(in)) init.
final class Linear: Module {
    let weight: Tensor
    let bias: Tensor?

    init(inFeatures: Int, outFeatures: Int, bias: Bool = true, rng: inout SeededRandom) {
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = Tensor.uniform([outFeatures, inFeatures], -bound, bound, using: &rng).requiringGrad()
        self.bias = bias ? Tensor.uniform([outFeatures], -bound, bound, using: &rng).requiringGrad() : nil
    }

    func forward(_ x: Tensor) -> Tensor {
        let y = x.matmul(weight.transposed())
        return bias.map { y + $0 } ?? y
    }
    func callAsFunction(_ x: Tensor) -> Tensor { forward(x) }
}

/// 2-D convolution layer, weight `[out, in, k, k]`.
final class Conv2d: Module {
    let weight: Tensor
    let bias: Tensor?
    let padding: Int

    init(inChannels: Int, outChannels: Int, kernelSize: Int, padding: Int = 0, rng: inout SeededRandom) {
        let bound = 1 / Float(inChannels * kernelSize * kernelSize).squareRoot()
        weight = Tensor.uniform([outChannels, inChannels, kernelSize, kernelSize], -bound, bound, using: &rng)
            .requiringGrad()
        bias = Tensor.uniform([outChannels], -bound, bound, using: &rng).requiringGrad()
        self.padding = padding
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        x.conv2d(weight: weight, bias: bias, padding: (padding, padding))
    }
}

/// AdamW (decoupled weight decay, PyTorch semantics), state keyed by parameter name.
final class AdamW {
    var learningRate: Float
    let beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    private(set) var step = 0
    var m: [String: Tensor] = [:]
    var v: [String: Tensor] = [:]

    init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
         weightDecay: Float = 1e-2) {
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2
        self.eps = eps; self.weightDecay = weightDecay
    }

    /// One update of every named parameter that has a gradient.
    func update(_ params: [(String, Tensor)]) {
        step += 1
        let bc1 = 1 - powf(beta1, Float(step)), bc2 = 1 - powf(beta2, Float(step))
        let lr = learningRate, b1 = beta1, b2 = beta2, e = eps, wd = weightDecay
        for (name, p) in params {
            guard let g = p.grad?.contiguous() else { continue }
            let mt = m[name] ?? Tensor.zeros(p.shape), vt = v[name] ?? Tensor.zeros(p.shape)
            m[name] = mt; v[name] = vt
            let pp = p.pointer, gp = g.pointer, mp = mt.pointer, vp = vt.pointer
            for i in 0..<p.count {
                pp[i] *= 1 - lr * wd
                mp[i] = b1 * mp[i] + (1 - b1) * gp[i]
                vp[i] = b2 * vp[i] + (1 - b2) * gp[i] * gp[i]
                let denom = (vp[i] / bc2).squareRoot() + e
                pp[i] -= lr * (mp[i] / bc1) / denom
            }
        }
    }

    /// Moments keyed `m.<name>` / `v.<name>`.
    func stateTensors() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (k, t) in m { out["m." + k] = t }
        for (k, t) in v { out["v." + k] = t }
        return out
    }

    func restore(state: [String: Tensor], step: Int) {
        self.step = step
        for (k, t) in state {
            if k.hasPrefix("m.") { m[String(k.dropFirst(2))] = t.contiguous() }
            if k.hasPrefix("v.") { v[String(k.dropFirst(2))] = t.contiguous() }
        }
    }
}

/// Safetensors (F32 only) read and write.
enum Safetensors {
    static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let keys = tensors.keys.sorted()
        for k in keys {
            let t = tensors[k]!
            header[k] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.count]]
            offset += 4 * t.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data()
        var n = UInt64(json.count).littleEndian
        data.append(Data(bytes: &n, count: 8))
        data.append(json)
        for k in keys {
            let s = tensors[k]!.scalars
            s.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        try data.write(to: url, options: .atomic)
    }

    static func read(_ url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let data = try Data(contentsOf: url)
        func bad(_ why: String) -> VTFusionError { .invalidFile(url.path, why) }
        guard data.count >= 8 else { throw bad("shorter than 8 bytes") }
        let n = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        guard n > 0, 8 + n <= data.count,
              let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as? [String: Any]
        else { throw bad("unreadable safetensors header") }
        let body = data.subdata(in: (8 + n)..<data.count)
        var out: [String: Tensor] = [:]
        var meta: [String: String] = [:]
        for (k, v) in header {
            if k == "__metadata__" { meta = v as? [String: String] ?? [:]; continue }
            guard let e = v as? [String: Any], e["dtype"] as? String == "F32",
                  let shape = e["shape"] as? [Int], let off = e["data_offsets"] as? [Int], off.count == 2,
                  off[0] >= 0, off[1] <= body.count, off[1] - off[0] == 4 * shape.reduce(1, *)
            else { throw bad("tensor '\(k)': expected F32 with valid shape and offsets") }
            let t = Tensor(uninitializedShape: shape)
            body.subdata(in: off[0]..<off[1]).withUnsafeBytes { raw in
                _ = raw.copyBytes(to: UnsafeMutableRawBufferPointer(start: t.pointer, count: off[1] - off[0]))
            }
            out[k] = t
        }
        return (out, meta)
    }
}
