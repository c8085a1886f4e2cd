import CJPEG
import Foundation
import Imaging
import Tensor
import UserFiles

/// Image preprocessing throughput (issue 4 item 7): decode a 1024x1024 PNG or JPEG, resize to 224x224
/// (bicubic, antialiased as Pillow's `Image.resize`), normalise with CLIP's constants to float CHW.
/// Scripts/bench_torch.py does the same with Pillow + numpy on the same files (`image:png`, `image:jpeg`).
enum ImagingBench {
    static let side = 1024
    static let outputSide = 224

    /// Folder with the test images, shared with the Python side through `VTFUSION_BENCH_IMAGES`.
    static var folder: String {
        if let env = ProcessInfo.processInfo.environment["VTFUSION_BENCH_IMAGES"], !env.isEmpty { return env }
        return (NSTemporaryDirectory() as NSString).appendingPathComponent("vtfusion-bench-images-v1")
    }

    static func path(_ format: String) -> String { folder + "/bench1024." + (format == "jpeg" ? "jpg" : "png") }

    static func preprocess(case format: String) -> BenchCase {
        BenchCase(name: "image:\(format)",
                  what: "decode \(side)x\(side) \(format.uppercased()) + bicubic antialiased resize to \(outputSide) + CLIP normalise to CHW float (vs Pillow+numpy)",
                  flops: nil, target: "<= 1.0x Pillow+numpy") { reps in
            let file = try! prepareFiles()[format]!
            return Timing.median(reps: reps) {
                let image = try! ImageCodec.decode(path: file).rgb()
                _ = image.resized(width: outputSide, height: outputSide, filter: .bicubic).toTensor(.clip)
            }
        }
    }

    /// Writes the two test images once (deterministic content) and exports their folder to the Python side.
    static func prepareFiles() throws -> [String: String] {
        let dir = folder
        setenv("VTFUSION_BENCH_IMAGES", dir, 1)
        let files = ["png": path("png"), "jpeg": path("jpeg")]
        if files.values.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) { return files }
        let image = testImage()
        try ImageCodec.writePNG(image, to: files["png"]!, compression: 6)
        try AtomicFile.write(try encodeJPEG(image, quality: 90), to: files["jpeg"]!)
        return files
    }

    /// A photo-like RGB image: three octaves of Perlin noise per channel, a lighting ramp and sensor noise.
    static func testImage() -> Image8 {
        var rng = SeededRandom(seed: 1024)
        let n = side * side
        var planes: [[Float]] = []
        for _ in 0..<3 {
            var acc = [Float](repeating: 0, count: n)
            for (cells, weight) in [(4, Float(0.5)), (16, 0.3), (64, 0.2)] {
                let f = PerlinNoise(cellsX: cells, cellsY: cells, rng: &rng).field(width: side, height: side)
                for i in 0..<n { acc[i] += weight * f.samples[i] }
            }
            planes.append(acc)
        }
        var samples = [UInt8](repeating: 0, count: n * 3)
        for y in 0..<side {
            for x in 0..<side {
                let i = y * side + x
                let ramp = 0.35 + 0.3 * Float(x + y) / Float(2 * side)
                for c in 0..<3 {
                    let v = (ramp + 0.6 * planes[c][i] + 0.02 * rng.normal()) * 255
                    samples[3 * i + c] = UInt8(max(0, min(255, v.rounded())))
                }
            }
        }
        return Image8(width: side, height: side, channels: 3, samples: samples)
    }

    /// Baseline JPEG (4:2:0, libjpeg-turbo defaults) of an RGB image. Only for the benchmark's own synthetic
    /// image: libjpeg's default error handler exits the process, which no valid RGB input triggers.
    static func encodeJPEG(_ image: Image8, quality: Int32) throws -> [UInt8] {
        precondition(image.channels == 3)
        let cinfo = UnsafeMutablePointer<jpeg_compress_struct>.allocate(capacity: 1)
        let jerr = UnsafeMutablePointer<jpeg_error_mgr>.allocate(capacity: 1)
        let outBuffer = UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>.allocate(capacity: 1)
        let outSize = UnsafeMutablePointer<UInt>.allocate(capacity: 1)
        defer { cinfo.deallocate(); jerr.deallocate(); outBuffer.deallocate(); outSize.deallocate() }
        cinfo.initialize(to: jpeg_compress_struct())
        jerr.initialize(to: jpeg_error_mgr())
        outBuffer.initialize(to: nil)
        outSize.initialize(to: 0)
        cinfo.pointee.err = jpeg_std_error(jerr)
        jpeg_CreateCompress(cinfo, JPEG_LIB_VERSION, MemoryLayout<jpeg_compress_struct>.size)
        jpeg_mem_dest(cinfo, outBuffer, outSize)
        cinfo.pointee.image_width = JDIMENSION(image.width)
        cinfo.pointee.image_height = JDIMENSION(image.height)
        cinfo.pointee.input_components = 3
        cinfo.pointee.in_color_space = JCS_RGB
        jpeg_set_defaults(cinfo)
        jpeg_set_quality(cinfo, quality, 1)
        jpeg_start_compress(cinfo, 1)
        image.samples.withUnsafeBufferPointer { src in
            var row: JSAMPROW? = UnsafeMutablePointer(mutating: src.baseAddress!)
            let stride = image.width * 3
            while cinfo.pointee.next_scanline < cinfo.pointee.image_height {
                row = UnsafeMutablePointer(mutating: src.baseAddress! + Int(cinfo.pointee.next_scanline) * stride)
                _ = jpeg_write_scanlines(cinfo, &row, 1)
            }
        }
        jpeg_finish_compress(cinfo)
        jpeg_destroy_compress(cinfo)
        guard let buffer = outBuffer.pointee else { throw ImageError.writeFailed(path: "<jpeg>", reason: "no output") }
        defer { free(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(outSize.pointee)))
    }
}
