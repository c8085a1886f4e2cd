/// Inverted dropout.
extension Tensor {
    /// Zeroes each element with probability `p` and scales the survivors by `1 / (1 - p)`, so the
    /// expected value is unchanged. Returns `self` unchanged when `!training` or `p == 0`; all zeros when
    /// `p == 1`. The mask is drawn from `rng` in row-major order (same seed, same mask). Gradient: `g` times
    /// the same mask.
    public func dropout(p: Float, training: Bool, rng: inout SeededRandom) -> Tensor {
        check(p >= 0 && p <= 1, "dropout: p must be in [0, 1], got \(p)")
        if !training || p == 0 { return self }
        let n = count
        let mask = Tensor(uninitializedShape: shape)
        let m = mask.pointer
        let keep = p == 1 ? 0 : 1 / (1 - p)
        // Compare 24-bit uniforms against p without forming floats.
        let threshold = UInt64((Double(p) * Double(1 << 24)).rounded())
        for i in 0..<n { m[i] = (rng.next() >> 40) < threshold ? 0 : keep }
        let out = Kernels.zip8(self, mask) { $0 * $1 }
        return record(out, "dropout", [self]) { g in [Kernels.zip8(g, mask) { $0 * $1 }] }
    }
}
