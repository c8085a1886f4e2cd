import Imaging

/// PNG header + decode (libpng behind the Swift wrapper). Must throw `ImageError`, never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? ImageCodec.header(of: bytes)
    _ = try? ImageCodec.decode(bytes, options: DecodeOptions(maxPixels: 4_000_000))
    return 0
}
