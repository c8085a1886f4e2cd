import Tensor

/// Colour maps from a scalar in 0...1 to RGB in 0...1.
///
/// - `jet`: MATLAB/matplotlib "jet", the piecewise-linear segment definition.
/// - `turbo`, `viridis`: 33 anchors of the published 256-entry tables (Google's Turbo, matplotlib's
///   viridis), linearly interpolated (max deviation from the full tables about 0.013 per channel).
public enum Colormap: String, Sendable, CaseIterable {
    case jet, turbo, viridis

    /// RGB for `t` (clamped to 0...1).
    public func color(_ t: Float) -> (r: Float, g: Float, b: Float) {
        let x = Double(t.isNaN ? 0 : min(max(t, 0), 1))
        switch self {
        case .jet:
            return (Float(Colormap.segments(x, [(0, 0), (0.35, 0), (0.66, 1), (0.89, 1), (1, 0.5)])),
                    Float(Colormap.segments(x, [(0, 0), (0.125, 0), (0.375, 1), (0.64, 1), (0.91, 0), (1, 0)])),
                    Float(Colormap.segments(x, [(0, 0.5), (0.11, 1), (0.34, 1), (0.65, 0), (1, 0)])))
        case .turbo: return Colormap.anchored(x, Colormap.turboAnchors)
        case .viridis: return Colormap.anchored(x, Colormap.viridisAnchors)
        }
    }

    /// 256-entry lookup table, RGB interleaved (768 floats).
    public var table: [Float] {
        (0..<256).flatMap { i -> [Float] in let c = color(Float(i) / 255); return [c.r, c.g, c.b] }
    }

    static func segments(_ x: Double, _ pts: [(Double, Double)]) -> Double {
        for i in 1..<pts.count where x <= pts[i].0 {
            let (x0, y0) = pts[i - 1], (x1, y1) = pts[i]
            return x1 == x0 ? y1 : y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        }
        return pts.last!.1
    }

    static func anchored(_ x: Double, _ a: [Double]) -> (r: Float, g: Float, b: Float) {
        let n = a.count / 3 - 1
        let p = x * Double(n)
        let i = min(Int(p), n - 1)
        let f = p - Double(i)
        func ch(_ k: Int) -> Float { Float(a[3 * i + k] + (a[3 * (i + 1) + k] - a[3 * i + k]) * f) }
        return (ch(0), ch(1), ch(2))
    }

    /// turbo: 33 RGB anchors at t = k/32 (sampled from the published 256-entry table), linearly interpolated.
    static let turboAnchors: [Double] = [
        0.1900, 0.0718, 0.2322, 0.2250, 0.1635, 0.4510, 0.2511, 0.2524, 0.6337, 0.2682, 0.3382, 0.7805,
        0.2763, 0.4212, 0.8912, 0.2754, 0.5011, 0.9659, 0.2586, 0.5796, 0.9988, 0.2138, 0.6589, 0.9796,
        0.1584, 0.7355, 0.9231, 0.1117, 0.8057, 0.8452, 0.0927, 0.8655, 0.7623, 0.1201, 0.9119, 0.6866,
        0.1966, 0.9490, 0.5947, 0.3051, 0.9770, 0.4899, 0.4278, 0.9942, 0.3857, 0.5466, 0.9991, 0.2958,
        0.6436, 0.9900, 0.2336, 0.7260, 0.9647, 0.2064, 0.8047, 0.9245, 0.2046, 0.8753, 0.8727, 0.2155,
        0.9330, 0.8124, 0.2267, 0.9732, 0.7468, 0.2254, 0.9931, 0.6741, 0.2035, 0.9959, 0.5870, 0.1690,
        0.9836, 0.4929, 0.1285, 0.9580, 0.3996, 0.0883, 0.9211, 0.3149, 0.0548, 0.8742, 0.2453, 0.0330,
        0.8161, 0.1846, 0.0181, 0.7462, 0.1310, 0.0085, 0.6645, 0.0844, 0.0042, 0.5710, 0.0447, 0.0053,
        0.4796, 0.0158, 0.0106,
    ]

    /// viridis: 33 RGB anchors at t = k/32 (sampled from the published 256-entry table), linearly interpolated.
    static let viridisAnchors: [Double] = [
        0.2670, 0.0049, 0.3294, 0.2770, 0.0503, 0.3757, 0.2823, 0.0950, 0.4173, 0.2829, 0.1359, 0.4534,
        0.2788, 0.1755, 0.4834, 0.2706, 0.2141, 0.5071, 0.2590, 0.2515, 0.5247, 0.2450, 0.2877, 0.5373,
        0.2297, 0.3224, 0.5457, 0.2143, 0.3556, 0.5512, 0.1994, 0.3876, 0.5546, 0.1856, 0.4186, 0.5568,
        0.1727, 0.4488, 0.5579, 0.1607, 0.4785, 0.5581, 0.1490, 0.5081, 0.5573, 0.1378, 0.5375, 0.5549,
        0.1276, 0.5669, 0.5506, 0.1206, 0.5964, 0.5436, 0.1206, 0.6258, 0.5335, 0.1323, 0.6550, 0.5197,
        0.1579, 0.6838, 0.5017, 0.1966, 0.7118, 0.4792, 0.2461, 0.7389, 0.4520, 0.3041, 0.7647, 0.4199,
        0.3692, 0.7889, 0.3829, 0.4401, 0.8111, 0.3410, 0.5160, 0.8312, 0.2943, 0.5958, 0.8487, 0.2433,
        0.6785, 0.8637, 0.1895, 0.7624, 0.8764, 0.1371, 0.8456, 0.8873, 0.0997, 0.9261, 0.8973, 0.1041,
        0.9932, 0.9062, 0.1439,
    ]
}
