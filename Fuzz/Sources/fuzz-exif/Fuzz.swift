import Imaging

/// EXIF orientation reader on JPEG segment bytes. Returns nil on anything unreadable.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    _ = EXIF.orientation(jpeg: bytes)
    return 0
}
