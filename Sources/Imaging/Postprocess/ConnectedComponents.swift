/// Connected-component labelling of binary masks (as `scipy.ndimage.label`).
public enum ConnectedComponents {
    /// Which neighbours join a region: 4 (edge-sharing) or 8 (edge- or corner-sharing, MVTec's AUPRO).
    public enum Connectivity: Sendable {
        case four
        case eight
    }

    /// Labels of one mask.
    public struct Labeling: Sendable {
        /// Row-major `height x width` labels: 0 = background, `1...count` = region number (numbered in
        /// raster order of each region's first pixel, as scipy does).
        public var labels: [Int32]
        /// `sizes[r - 1]` is the pixel count of region `r`.
        public var sizes: [Int]
        /// Number of regions.
        public var count: Int { sizes.count }
    }

    /// Labels the foreground (`mask[i] != 0`) of a row-major `height x width` mask.
    public static func label(_ mask: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                             connectivity: Connectivity = .eight) -> Labeling {
        if !(width >= 0 && height >= 0 && mask.count == width * height) {
            fatalError("ConnectedComponents.label: mask has \(mask.count) values, expected \(width)x\(height)")
        }
        var labels = [Int32](repeating: 0, count: mask.count)
        var sizes: [Int] = []
        var stack: [Int] = []
        labels.withUnsafeMutableBufferPointer { out in
            for start in 0..<mask.count where mask[start] != 0 && out[start] == 0 {
                let region = Int32(sizes.count + 1)
                out[start] = region
                stack.append(start)
                var size = 0
                while let p = stack.popLast() {
                    size += 1
                    let y = p / width
                    let x = p - y * width
                    for dy in -1...1 {
                        let ny = y + dy
                        if ny < 0 || ny >= height { continue }
                        for dx in -1...1 {
                            if dx == 0 && dy == 0 { continue }
                            if connectivity == .four && dx != 0 && dy != 0 { continue }
                            let nx = x + dx
                            if nx < 0 || nx >= width { continue }
                            let q = ny * width + nx
                            if mask[q] != 0 && out[q] == 0 {
                                out[q] = region
                                stack.append(q)
                            }
                        }
                    }
                }
                sizes.append(size)
            }
        }
        return Labeling(labels: labels, sizes: sizes)
    }

    /// Array convenience for ``label(_:width:height:connectivity:)``.
    public static func label(_ mask: [UInt8], width: Int, height: Int,
                             connectivity: Connectivity = .eight) -> Labeling {
        mask.withUnsafeBufferPointer { label($0, width: width, height: height, connectivity: connectivity) }
    }
}
