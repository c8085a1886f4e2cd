import Foundation
import Backbones

/// ONNX protobuf parse, then every initializer/constant read as floats and int64s. Must throw `ONNXError`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    guard let model = try? ONNXModel(data: bytes) else { return 0 }
    for t in model.initializers { _ = try? t.floats(); _ = try? t.int64s() }
    for (_, t) in model.constants() { _ = try? t.floats(); _ = try? t.int64s() }
    _ = try? model.floatInitializers()
    return 0
}
