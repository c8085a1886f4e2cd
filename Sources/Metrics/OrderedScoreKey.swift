/// Order-preserving mapping between `Float` scores and `UInt32` keys.
///
/// `key(a) < key(b)` exactly when `a < b` for non-NaN floats, and `-0.0` and `+0.0` map to the same key,
/// so tied scores (as `==` sees them) share one key and sorting keys sorts scores.
enum OrderedScoreKey {
    @inline(__always)
    static func key(_ value: Float) -> UInt32 {
        let folded: Float = value == 0 ? 0 : value   // -0 and +0 compare equal: give them one key
        let bits = folded.bitPattern
        return (bits & 0x8000_0000) != 0 ? ~bits : bits | 0x8000_0000
    }

    @inline(__always)
    static func value(_ key: UInt32) -> Float {
        (key & 0x8000_0000) != 0 ? Float(bitPattern: key & 0x7FFF_FFFF) : Float(bitPattern: ~key)
    }
}
