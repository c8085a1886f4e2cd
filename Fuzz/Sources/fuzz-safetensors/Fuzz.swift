import Foundation
import NN

/// safetensors header parse + decode of every tensor. Must throw `SafetensorsError`, never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    if let file = try? SafetensorsFile(data: bytes) { _ = try? file.tensors() }
    return 0
}
