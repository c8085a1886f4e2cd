import Backbones
import Foundation
import Imaging
import Inspection
import Tensor

/// `detect`'s per-image work at the default operating point: the default recipe (`EvidenceSpec.standard`)
/// on DINOv2-S/14 (synthetic weights of the real architecture: the same arithmetic as the embedded default),
/// a profile built once from k = 2 references of 256 px, then one image inspected (backbone at every scale,
/// evidence against the references, calibrated score and decision, map at the original size, smoothing,
/// regions). Model load and profile build are outside the timing, as the accuracy issue's bar states it.
enum InspectBench {
    static func cases() -> [BenchCase] { [inspect(k: 2, size: 256)] }

    /// A seeded noisy texture (stripes plus noise), `size` px square RGB.
    static func texture(size: Int, seed: UInt64) -> Image8 {
        var rng = SeededRandom(seed: seed)
        var samples = [UInt8](repeating: 0, count: size * size * 3)
        for y in 0..<size {
            for x in 0..<size {
                let stripe = 128 + 60 * sin(Double(x + 2 * y) * 0.3)
                for c in 0..<3 { samples[(y * size + x) * 3 + c] = UInt8(min(max(stripe + Double(rng.uniform(-30, 30)) + Double(c * 10), 0), 255)) }
            }
        }
        return Image8(width: size, height: size, channels: 3, samples: samples)
    }

    static func inspect(k: Int, size: Int) -> BenchCase {
        let config = DINOv2Config.registry["dinov2-s-14"]!
        let spec = EvidenceSpec.standard(depth: config.numHiddenLayers)
        let scales = spec.scales.map(String.init).joined(separator: "+")
        return BenchCase(name: "detect:default-k\(k)@\(size)",
                         what: "inspect one \(size) px image against a k=\(k) profile, default recipe (DINOv2-S/14 at \(scales) px, \(spec.channels.count) channels, map, regions); profile built once",
                         flops: nil, target: "<= 1.5 s per image") { reps in
            let model = try! InspectionModel(name: "bench", backbone: DINOv2.synthetic(config), spec: spec)
            let profile = try! model.makeProfile(references: (0..<k).map { texture(size: size, seed: UInt64($0)) })
            let image = [texture(size: size, seed: 99)]
            return Timing.median(reps: reps) { _ = try! model.inspect(image, profile: profile) }
        }
    }
}
