import Foundation
import Evaluation

/// results.json decoding (`vtfusion detect` output read back by report commands).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    if let r = try? DetectionResults.decode(bytes) { _ = r.summary; _ = r.csv() }
    return 0
}
