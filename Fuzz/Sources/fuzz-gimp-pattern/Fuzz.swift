import Imaging

/// GIMP .pat decoder. Must throw `TextureError`, never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? GimpPattern.decode(bytes)
    return 0
}
