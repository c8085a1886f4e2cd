import Foundation
import ModelStore

/// zip central directory parse, then extraction (stored / deflate + CRC) of every entry.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    guard let zip = try? ZipArchive(data: bytes) else { return 0 }
    for e in zip.entries { _ = try? zip.extract(e) }
    return 0
}
