import Backbones
import Foundation
import Tensor

extension Parameters {
    /// SHA-256 (hex) over every parameter in declaration order: name, shape and the Float32 values. It names
    /// the weights independently of the file they came from (HF safetensors, OpenAI state dict, ONNX export),
    /// so a trained head can check that it runs on the backbone it was trained with.
    public func fingerprint() -> String {
        var hasher = SHA256()
        for (name, shape) in expected {
            hasher.update(Array(name.utf8))
            hasher.update(Array("\(shape)".utf8))
            let t = self[name].contiguous()
            hasher.update(UnsafeRawBufferPointer(start: t.pointer, count: t.count * MemoryLayout<Float>.size))
        }
        return hasher.finalize().hexString
    }
}

extension DINOv2 {
    /// ``Parameters/fingerprint()`` of this model's weights.
    public var weightsFingerprint: String { weights.fingerprint() }
}

extension CLIPVisionTower {
    /// ``Parameters/fingerprint()`` of the vision tower's weights.
    public var weightsFingerprint: String { weights.fingerprint() }
}
