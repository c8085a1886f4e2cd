import Foundation
import ModelStore

/// gzip container + raw DEFLATE. Must throw `CompressionError`, never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    _ = try? Gzip.decompress(bytes)
    _ = try? Gzip.inflate(bytes, expectedSize: 1 << 20)
    return 0
}
