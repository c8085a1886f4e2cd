import Evaluation

/// RFC 4180 CSV reader (dataset split files). Returns nil on an unterminated quote, never traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    _ = CSVReader.parse(String(decoding: bytes, as: UTF8.self))
    return 0
}
