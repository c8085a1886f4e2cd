import Foundation
import NN

/// Sharded checkpoint index JSON (model.safetensors.index.json). Must throw, never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    _ = try? Safetensors.weightMap(indexData: bytes)
    return 0
}
