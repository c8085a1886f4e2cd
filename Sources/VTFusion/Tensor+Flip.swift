import Tensor

extension Tensor {
    /// Reverses `axis` (a copy; the gradient flows back reversed).
    func flippedAxis(_ axis: Int) -> Tensor {
        indexSelect(axis: axis, indices: Array((0..<shape[ShapeUtil.axis(axis, rank: rank)]).reversed()))
    }
}
