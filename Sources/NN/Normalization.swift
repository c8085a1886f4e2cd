import Tensor

/// Layer normalisation over the trailing dimensions, like `torch.nn.LayerNorm`.
///
/// State-dict keys: `weight` and `bias`, each of shape `normalizedShape` (absent without affine parameters).
public final class LayerNorm: Module {
    /// Ones at initialisation, or nil.
    public let weight: Tensor?
    /// Zeros at initialisation, or nil.
    public let bias: Tensor?
    public let normalizedShape: [Int]
    public let eps: Float

    public init(_ normalizedShape: [Int], eps: Float = 1e-5, elementwiseAffine: Bool = true) {
        check(!normalizedShape.isEmpty, "LayerNorm: normalizedShape must not be empty")
        self.normalizedShape = normalizedShape
        self.eps = eps
        weight = elementwiseAffine ? Tensor.ones(normalizedShape, requiresGrad: true) : nil
        bias = elementwiseAffine ? Tensor.zeros(normalizedShape, requiresGrad: true) : nil
        super.init()
    }

    public convenience init(_ dim: Int, eps: Float = 1e-5, elementwiseAffine: Bool = true) {
        self.init([dim], eps: eps, elementwiseAffine: elementwiseAffine)
    }

    /// `[..., *normalizedShape]` -> same shape, normalised over the trailing `normalizedShape` dimensions.
    public override func forward(_ x: Tensor) -> Tensor {
        let k = normalizedShape.count
        check(x.rank >= k && Array(x.shape.suffix(k)) == normalizedShape,
              "LayerNorm(\(normalizedShape)): input shape \(x.shape) does not end with it")
        if k == 1 { return x.layerNorm(weight: weight, bias: bias, eps: eps) }
        let d = normalizedShape.reduce(1, *)
        let flat = x.reshaped(Array(x.shape.dropLast(k)) + [d])
        return flat.layerNorm(weight: weight?.reshaped([d]), bias: bias?.reshaped([d]), eps: eps).reshaped(x.shape)
    }
}
