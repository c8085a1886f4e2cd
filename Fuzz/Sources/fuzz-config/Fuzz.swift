import Foundation
import VTFusion

/// Checkpoint config.json decoding + validation. Must throw `VTFusionError`, never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    if let c = try? Checkpoint.decodeConfig(bytes) { _ = c.grid; _ = c.outputSize }
    return 0
}
