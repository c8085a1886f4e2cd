/// Boxes with numbers drawn on an RGB float image (values 0...1), for defect regions on overlays.
public enum RegionBoxes {
    /// A box in image pixels and the number written at its top-left corner.
    public struct Box: Sendable {
        public var x: Int, y: Int, width: Int, height: Int, number: Int
        public init(x: Int, y: Int, width: Int, height: Int, number: Int) {
            self.x = x; self.y = y; self.width = width; self.height = height; self.number = number
        }
    }

    /// 3x5 glyphs of the digits, one row per 3-bit group (most significant bit left).
    static let digits: [[UInt8]] = [
        [7, 5, 5, 5, 7], [2, 6, 2, 2, 7], [7, 1, 7, 4, 7], [7, 1, 7, 1, 7], [5, 5, 7, 1, 1],
        [7, 4, 7, 1, 7], [7, 4, 7, 5, 7], [7, 1, 1, 1, 1], [7, 5, 7, 5, 7], [7, 5, 7, 1, 7],
    ]

    /// Draws each box's outline (`thickness` pixels) and its number on a filled label, in `color`.
    public static func draw(_ boxes: [Box], on image: Image, color: [Float] = [1, 1, 1], thickness: Int = 2) -> Image {
        var out = image.rgb()
        let (w, h) = (out.width, out.height)
        func set(_ x: Int, _ y: Int, _ c: [Float]) {
            guard x >= 0, y >= 0, x < w, y < h else { return }
            for k in 0..<3 { out.samples[(y * w + x) * 3 + k] = c[k] }
        }
        let scale = max(1, min(w, h) / 160)
        for b in boxes {
            let (x0, y0, x1, y1) = (b.x, b.y, b.x + b.width - 1, b.y + b.height - 1)
            for t in 0..<thickness {
                for x in x0...max(x0, x1) { set(x, y0 - t, color); set(x, y1 + t, color) }
                for y in y0...max(y0, y1) { set(x0 - t, y, color); set(x1 + t, y, color) }
            }
            // Label: the number in black on a box of `color`, above the box (inside when at the top edge).
            let text = String(max(0, b.number)).compactMap { $0.wholeNumberValue }
            let (gw, gh) = (4 * scale, 5 * scale)
            let lw = text.count * gw + scale, lh = gh + 2 * scale
            let ly = y0 - thickness - lh >= 0 ? y0 - thickness - lh : y0
            for yy in ly..<(ly + lh) { for xx in x0..<(x0 + lw) { set(xx, yy, color) } }
            for (i, d) in text.enumerated() {
                for (row, bits) in digits[d].enumerated() {
                    for col in 0..<3 where bits & (4 >> col) != 0 {
                        for sy in 0..<scale { for sx in 0..<scale {
                            set(x0 + scale + i * gw + col * scale + sx, ly + scale + row * scale + sy, [0, 0, 0])
                        } }
                    }
                }
            }
        }
        return out
    }
}
