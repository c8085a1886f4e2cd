/// A small, fast, seedable generator (xoshiro256**, seeded by SplitMix64). Same seed, same stream, on
/// every platform.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    @inline(__always) static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = SeededRandom.rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = SeededRandom.rotl(s.3, 45)
        return result
    }

    /// Uniform in [0, 1).
    public mutating func nextFloat() -> Float { Float(next() >> 40) * (1.0 / Float(1 << 24)) }

    /// Uniform in [lo, hi).
    public mutating func uniform(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * nextFloat() }

    /// Standard normal (Box-Muller).
    public mutating func normal() -> Float {
        var u1 = nextFloat()
        while u1 <= 1e-12 { u1 = nextFloat() }
        let u2 = nextFloat()
        return (-2 * logf(u1)).squareRoot() * cosf(2 * Float.pi * u2)
    }

    /// Uniform integer in 0..<n.
    public mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tensor {
    /// Standard-normal values scaled by `std`.
    public static func randn(_ shape: [Int], std: Float = 1, using rng: inout SeededRandom) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        for i in 0..<t.count { t.storage.data[i] = rng.normal() * std }
        return t
    }

    /// Uniform values in [lo, hi).
    public static func uniform(_ shape: [Int], _ lo: Float = 0, _ hi: Float = 1, using rng: inout SeededRandom) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        for i in 0..<t.count { t.storage.data[i] = rng.uniform(lo, hi) }
        return t
    }
}
