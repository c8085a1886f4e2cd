import NN
import Tensor

/// The training objective: focal + dice on the pixel logits, binary cross-entropy on the image logit and
/// auxiliary focal + dice on the per-layer text maps (NN's ``sigmoidFocalLoss(_:_:gamma:)``,
/// ``binaryDiceLossWithLogits(_:_:)`` and ``binaryCrossEntropyWithLogits(_:_:posWeight:reduction:)``).
public enum VTFusionLoss {
    /// The loss terms of one step (scalars).
    public struct Breakdown {
        public let total: Tensor
        public let focal: Float, dice: Float, image: Float, auxiliary: Float
    }

    /// Box-averages masks `[B, Hm, Wm]` to `[B, size.0, size.1]` (soft targets in [0, 1]; no gradient).
    public static func resizeMasks(_ masks: Tensor, to size: (Int, Int)) -> Tensor {
        check(masks.rank == 3, "resizeMasks: expects [B, H, W], got \(masks.shape)")
        let (b, h, w) = (masks.shape[0], masks.shape[1], masks.shape[2])
        if (h, w) == size { return masks.detached() }
        let m = masks.contiguous()
        let out = Tensor(uninitializedShape: [b, size.0, size.1])
        func span(_ i: Int, _ n: Int, _ o: Int) -> Range<Int> {
            let lo = i * n / o, hi = max(lo + 1, ((i + 1) * n + o - 1) / o)
            return lo..<min(hi, n)
        }
        for k in 0..<b { for i in 0..<size.0 { for j in 0..<size.1 {
            let ys = span(i, h, size.0), xs = span(j, w, size.1)
            var s: Float = 0
            for y in ys { for x in xs { s += m.pointer[(k * h + y) * w + x] } }
            out.pointer[(k * size.0 + i) * size.1 + j] = s / Float(ys.count * xs.count)
        } } }
        return out
    }

    /// The combined loss for `output` against masks `[B, Hm, Wm]` and image labels `[B]` (defaults to
    /// "any mask pixel > 0.5").
    public static func compute(_ output: HeadOutput, masks: Tensor, labels: Tensor? = nil,
                               config: VTFusionConfig) -> Breakdown {
        let g = config.training.focalGamma
        let size = (output.pixelLogits.shape[1], output.pixelLogits.shape[2])
        let target = resizeMasks(masks, to: size)
        let focalLoss = sigmoidFocalLoss(output.pixelLogits, target, gamma: g)
        let diceLoss = binaryDiceLossWithLogits(output.pixelLogits, target)
        let y = labels ?? Tensor(shape: [masks.shape[0]], data: (0..<masks.shape[0]).map { k in
            masks.selecting(axis: 0, index: k).scalars.contains { $0 > 0.5 } ? 1 : 0
        })
        let imageLoss = binaryCrossEntropyWithLogits(output.imageLogits, y)
        var total = focalLoss + diceLoss + imageLoss
        var aux: Float = 0
        if !output.textLogits.isEmpty && config.training.auxiliaryWeight > 0 {
            let b = masks.shape[0]
            let gridTarget = resizeMasks(masks, to: output.grid).reshaped([b, -1])
            var sum: Tensor? = nil
            for t in output.textLogits {
                let term = sigmoidFocalLoss(t, gridTarget, gamma: g) + binaryDiceLossWithLogits(t, gridTarget)
                sum = sum.map { $0 + term } ?? term
            }
            let auxLoss = sum! * (config.training.auxiliaryWeight / Float(output.textLogits.count))
            aux = auxLoss.item
            total = total + auxLoss
        }
        return Breakdown(total: total, focal: focalLoss.item, dice: diceLoss.item, image: imageLoss.item, auxiliary: aux)
    }
}
