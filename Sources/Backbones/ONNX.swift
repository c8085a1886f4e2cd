import Foundation
import UserFiles

// A minimal reader for ONNX model files (protobuf `ModelProto`): graph nodes, initializers and graph
// inputs/outputs, enough to take weights out of an exported network. Hand-written protobuf wire-format
// decoding (varint, 64-bit, length-delimited, 32-bit); no dependency beyond Foundation.

/// Errors raised while reading an ONNX file; each names the file.
public enum ONNXError: Error, LocalizedError, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    /// A varint ran past the end of its message or over 10 bytes.
    case truncatedVarint(file: String, offset: Int)
    /// A field's declared length (or fixed width) reaches past the end of its enclosing message.
    case fieldPastEnd(file: String, offset: Int, field: Int, length: Int)
    /// Wire type 3/4 (groups) or 6/7: not valid in ONNX.
    case invalidWireType(file: String, offset: Int, wireType: Int)
    /// The model has no graph.
    case missingGraph(file: String)
    /// A tensor stores its data in an external file, which this reader does not follow.
    case externalData(file: String, tensor: String)
    /// The tensor's element type cannot be converted to the requested type.
    case unsupportedDataType(file: String, tensor: String, dataType: Int)
    /// The tensor's stored data does not hold product(dims) elements.
    case sizeMismatch(file: String, tensor: String, expected: Int, actual: Int)
    /// A tensor's dims are negative or their product overflows.
    case invalidDims(file: String, tensor: String, dims: [Int])

    public var description: String {
        switch self {
        case .unreadable(let f, let r): return "cannot read ONNX file \(f): \(r)"
        case .truncatedVarint(let f, let o): return "\(f): truncated varint at byte \(o)"
        case .fieldPastEnd(let f, let o, let field, let n):
            return "\(f): field \(field) at byte \(o) declares \(n) bytes, past the end of its message"
        case .invalidWireType(let f, let o, let w): return "\(f): unsupported protobuf wire type \(w) at byte \(o)"
        case .missingGraph(let f): return "\(f): the model has no graph"
        case .externalData(let f, let t): return "\(f): tensor \(t) uses external data, which is not supported"
        case .unsupportedDataType(let f, let t, let d):
            return "\(f): tensor \(t) has ONNX data type \(d) (\(ONNXTensor.typeName(d))), which is not supported here"
        case .sizeMismatch(let f, let t, let e, let a): return "\(f): tensor \(t) should hold \(e) elements but holds \(a)"
        case .invalidDims(let f, let t, let d): return "\(f): tensor \(t) has invalid dims \(d)"
        }
    }
    public var errorDescription: String? { description }
}

/// Protobuf wire-format cursor over one message's bytes.
struct ProtoReader {
    let bytes: UnsafeRawBufferPointer
    var position: Int
    let end: Int
    let file: String

    /// Next field's (number, wire type), or nil at the end of the message.
    mutating func nextField() throws -> (field: Int, wire: Int, offset: Int)? {
        guard position < end else { return nil }
        let offset = position
        let key = try varint()
        return (Int(key >> 3), Int(key & 7), offset)
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = position
        while true {
            guard position < end, shift < 64 else { throw ONNXError.truncatedVarint(file: file, offset: start) }
            let b = bytes[position]
            position += 1
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reserves `n` bytes of field `field` and returns their range.
    mutating func take(_ n: Int, field: Int, offset: Int) throws -> Range<Int> {
        guard n >= 0, n <= end - position else {
            throw ONNXError.fieldPastEnd(file: file, offset: offset, field: field, length: n)
        }
        defer { position += n }
        return position..<(position + n)
    }

    mutating func lengthDelimited(field: Int, offset: Int) throws -> Range<Int> {
        let n = try varint()
        return try take(n > UInt64(Int.max) ? -1 : Int(n), field: field, offset: offset)
    }

    mutating func fixed32(field: Int, offset: Int) throws -> UInt32 {
        let r = try take(4, field: field, offset: offset)
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: r.lowerBound, as: UInt32.self))
    }

    mutating func fixed64(field: Int, offset: Int) throws -> UInt64 {
        let r = try take(8, field: field, offset: offset)
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: r.lowerBound, as: UInt64.self))
    }

    /// Skips a field's value.
    mutating func skip(field: Int, wire: Int, offset: Int) throws {
        switch wire {
        case 0: _ = try varint()
        case 1: _ = try take(8, field: field, offset: offset)
        case 2: _ = try lengthDelimited(field: field, offset: offset)
        case 5: _ = try take(4, field: field, offset: offset)
        default: throw ONNXError.invalidWireType(file: file, offset: offset, wireType: wire)
        }
    }

    func sub(_ r: Range<Int>) -> ProtoReader { ProtoReader(bytes: bytes, position: r.lowerBound, end: r.upperBound, file: file) }
    func string(_ r: Range<Int>) -> String { String(decoding: UnsafeRawBufferPointer(rebasing: bytes[r]), as: UTF8.self) }
    func data(_ r: Range<Int>) -> Data { Data(UnsafeRawBufferPointer(rebasing: bytes[r])) }

    /// Reads a repeated varint field that may be packed (wire 2) or not (wire 0).
    mutating func varints(wire: Int, field: Int, offset: Int, into out: inout [Int64]) throws {
        if wire == 2 {
            var inner = sub(try lengthDelimited(field: field, offset: offset))
            while inner.position < inner.end { out.append(Int64(bitPattern: try inner.varint())) }
        } else if wire == 0 {
            out.append(Int64(bitPattern: try varint()))
        } else {
            try skip(field: field, wire: wire, offset: offset)
        }
    }
}

/// An ONNX `TensorProto` (initializer or constant). Data stays in its stored form until asked for.
public struct ONNXTensor: Sendable {
    public var name: String
    public var dims: [Int]
    /// ONNX `TensorProto.DataType`: 1 FLOAT, 6 INT32, 7 INT64, 10 FLOAT16, 11 DOUBLE, 16 BFLOAT16, ...
    public var dataType: Int
    var rawData: Data?
    var floatData: [Float] = []
    var int32Data: [Int64] = []
    var int64Data: [Int64] = []
    var doubleData: [Double] = []
    var file: String

    /// Number of elements, product(dims) (1 for a scalar).
    public var count: Int { dims.reduce(1, *) }

    static func typeName(_ t: Int) -> String {
        let names = [1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64", 8: "STRING",
                     9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 16: "BFLOAT16"]
        return names[t] ?? "type \(t)"
    }

    /// The elements as Float32, row-major in `dims` order. FLOAT, FLOAT16, BFLOAT16 and DOUBLE convert;
    /// other types throw `ONNXError.unsupportedDataType`.
    public func floats() throws -> [Float] {
        let values: [Float]
        switch dataType {
        case 1:
            if let raw = rawData {
                values = [Float](unsafeUninitializedCapacity: raw.count / 4) { buf, n in
                    n = raw.copyBytes(to: buf) / 4
                }.map { Float(bitPattern: $0.bitPattern.littleEndian) }
            } else {
                values = floatData
            }
        case 10, 16:
            let halves: [UInt16] = rawData.map { raw in
                stride(from: 0, to: raw.count - 1, by: 2).map { UInt16(raw[raw.startIndex + $0]) | UInt16(raw[raw.startIndex + $0 + 1]) << 8 }
            } ?? int32Data.map { UInt16(truncatingIfNeeded: $0) }
            values = dataType == 10 ? halves.map(ONNXTensor.halfToFloat) : halves.map { Float(bitPattern: UInt32($0) << 16) }
        case 11:
            if let raw = rawData {
                values = stride(from: 0, to: raw.count - 7, by: 8).map { i in
                    var bits: UInt64 = 0
                    for k in 0..<8 { bits |= UInt64(raw[raw.startIndex + i + k]) << (8 * UInt64(k)) }
                    return Float(Double(bitPattern: bits))
                }
            } else {
                values = doubleData.map(Float.init)
            }
        default:
            throw ONNXError.unsupportedDataType(file: file, tensor: name, dataType: dataType)
        }
        guard values.count == count else { throw ONNXError.sizeMismatch(file: file, tensor: name, expected: count, actual: values.count) }
        return values
    }

    /// The elements as Int64 for INT64 and INT32 tensors (shape constants); other types throw.
    public func int64s() throws -> [Int64] {
        let values: [Int64]
        switch dataType {
        case 7:
            values = rawData.map { raw in
                stride(from: 0, to: raw.count - 7, by: 8).map { i in
                    var bits: UInt64 = 0
                    for k in 0..<8 { bits |= UInt64(raw[raw.startIndex + i + k]) << (8 * UInt64(k)) }
                    return Int64(bitPattern: bits)
                }
            } ?? int64Data
        case 6:
            values = rawData.map { raw in
                stride(from: 0, to: raw.count - 3, by: 4).map { i in
                    var bits: UInt32 = 0
                    for k in 0..<4 { bits |= UInt32(raw[raw.startIndex + i + k]) << (8 * UInt32(k)) }
                    return Int64(Int32(bitPattern: bits))
                }
            } ?? int32Data.map { Int64(Int32(truncatingIfNeeded: $0)) }
        default:
            throw ONNXError.unsupportedDataType(file: file, tensor: name, dataType: dataType)
        }
        guard values.count == count else { throw ONNXError.sizeMismatch(file: file, tensor: name, expected: count, actual: values.count) }
        return values
    }

    /// IEEE binary16 bits to Float (subnormals, infinities and NaN included).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = Int(h >> 10) & 0x1F, mant = UInt32(h & 0x3FF)
        if exp == 0 { return sign != 0 ? -(Float(mant) * 0x1p-24) : Float(mant) * 0x1p-24 }
        if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | mant << 13) }
        return Float(bitPattern: sign | UInt32(exp + 112) << 23 | mant << 13)
    }

    static func parse(_ r: ProtoReader) throws -> ONNXTensor {
        var r = r
        var t = ONNXTensor(name: "", dims: [], dataType: 0, rawData: nil, file: r.file)
        var dims = [Int64]()
        var external = false
        while let (field, wire, offset) = try r.nextField() {
            switch (field, wire) {
            case (1, _): try r.varints(wire: wire, field: field, offset: offset, into: &dims)
            case (2, 0): t.dataType = Int(Int64(bitPattern: try r.varint()))
            case (4, 2):
                let range = try r.lengthDelimited(field: field, offset: offset)
                for i in stride(from: range.lowerBound, to: range.upperBound - 3, by: 4) {
                    t.floatData.append(Float(bitPattern: UInt32(littleEndian: r.bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self))))
                }
            case (4, 5): t.floatData.append(Float(bitPattern: try r.fixed32(field: field, offset: offset)))
            case (5, _): try r.varints(wire: wire, field: field, offset: offset, into: &t.int32Data)
            case (7, _): try r.varints(wire: wire, field: field, offset: offset, into: &t.int64Data)
            case (8, 2): t.name = r.string(try r.lengthDelimited(field: field, offset: offset))
            case (9, 2): t.rawData = r.data(try r.lengthDelimited(field: field, offset: offset))
            case (10, 2):
                let range = try r.lengthDelimited(field: field, offset: offset)
                for i in stride(from: range.lowerBound, to: range.upperBound - 7, by: 8) {
                    t.doubleData.append(Double(bitPattern: UInt64(littleEndian: r.bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))))
                }
            case (10, 1): t.doubleData.append(Double(bitPattern: try r.fixed64(field: field, offset: offset)))
            case (13, 2): external = true; try r.skip(field: field, wire: wire, offset: offset)
            case (14, 0): if try r.varint() == 1 { external = true }
            default: try r.skip(field: field, wire: wire, offset: offset)
            }
        }
        t.dims = dims.map { Int($0) }
        // `count` multiplies the dims: hostile files must not make it trap.
        var product = 1
        for d in t.dims {
            let (p, overflow) = product.multipliedReportingOverflow(by: d)
            guard d >= 0, !overflow else { throw ONNXError.invalidDims(file: r.file, tensor: t.name, dims: t.dims) }
            product = p
        }
        if external { throw ONNXError.externalData(file: r.file, tensor: t.name) }
        return t
    }
}

/// One attribute of a node (only the commonly used value kinds are decoded).
public struct ONNXAttribute: Sendable {
    public var name = ""
    /// `AttributeProto.AttributeType`: 1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, 6 FLOATS, 7 INTS, 8 STRINGS.
    public var type = 0
    public var float: Float?
    public var int: Int?
    public var string: String?
    public var tensor: ONNXTensor?
    public var floats: [Float] = []
    public var ints: [Int] = []
    public var strings: [String] = []

    static func parse(_ r: ProtoReader) throws -> ONNXAttribute {
        var r = r
        var a = ONNXAttribute()
        var ints = [Int64]()
        while let (field, wire, offset) = try r.nextField() {
            switch (field, wire) {
            case (1, 2): a.name = r.string(try r.lengthDelimited(field: field, offset: offset))
            case (20, 0): a.type = Int(Int64(bitPattern: try r.varint()))
            case (2, 5): a.float = Float(bitPattern: try r.fixed32(field: field, offset: offset))
            case (3, 0): a.int = Int(Int64(bitPattern: try r.varint()))
            case (4, 2): a.string = r.string(try r.lengthDelimited(field: field, offset: offset))
            case (5, 2): a.tensor = try ONNXTensor.parse(r.sub(try r.lengthDelimited(field: field, offset: offset)))
            case (7, 2):
                let range = try r.lengthDelimited(field: field, offset: offset)
                for i in stride(from: range.lowerBound, to: range.upperBound - 3, by: 4) {
                    a.floats.append(Float(bitPattern: UInt32(littleEndian: r.bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self))))
                }
            case (7, 5): a.floats.append(Float(bitPattern: try r.fixed32(field: field, offset: offset)))
            case (8, _): try r.varints(wire: wire, field: field, offset: offset, into: &ints)
            case (9, 2): a.strings.append(r.string(try r.lengthDelimited(field: field, offset: offset)))
            default: try r.skip(field: field, wire: wire, offset: offset)
            }
        }
        a.ints = ints.map { Int($0) }
        return a
    }
}

/// A graph node: operator type, name, input/output value names, attributes.
public struct ONNXNode: Sendable {
    public var name = ""
    public var opType = ""
    public var domain = ""
    public var inputs: [String] = []
    public var outputs: [String] = []
    public var attributes: [ONNXAttribute] = []

    public func attribute(_ name: String) -> ONNXAttribute? { attributes.first { $0.name == name } }

    static func parse(_ r: ProtoReader) throws -> ONNXNode {
        var r = r
        var n = ONNXNode()
        while let (field, wire, offset) = try r.nextField() {
            switch (field, wire) {
            case (1, 2): n.inputs.append(r.string(try r.lengthDelimited(field: field, offset: offset)))
            case (2, 2): n.outputs.append(r.string(try r.lengthDelimited(field: field, offset: offset)))
            case (3, 2): n.name = r.string(try r.lengthDelimited(field: field, offset: offset))
            case (4, 2): n.opType = r.string(try r.lengthDelimited(field: field, offset: offset))
            case (7, 2): n.domain = r.string(try r.lengthDelimited(field: field, offset: offset))
            case (5, 2): n.attributes.append(try ONNXAttribute.parse(r.sub(try r.lengthDelimited(field: field, offset: offset))))
            default: try r.skip(field: field, wire: wire, offset: offset)
            }
        }
        return n
    }
}

/// A graph input or output: name, element type and shape (`nil` entries are symbolic/unknown dimensions,
/// whose names are in `symbolicDims`).
public struct ONNXValueInfo: Sendable {
    public var name = ""
    public var elementType = 0
    public var shape: [Int?] = []
    public var symbolicDims: [String?] = []

    static func parse(_ r: ProtoReader) throws -> ONNXValueInfo {
        var r = r
        var v = ONNXValueInfo()
        while let (field, wire, offset) = try r.nextField() {
            switch (field, wire) {
            case (1, 2): v.name = r.string(try r.lengthDelimited(field: field, offset: offset))
            case (2, 2):  // TypeProto.tensor_type(1) -> elem_type(1), shape(2) -> dim(1) -> dim_value(1) | dim_param(2)
                var type = r.sub(try r.lengthDelimited(field: field, offset: offset))
                while let (f, w, o) = try type.nextField() {
                    guard f == 1, w == 2 else { try type.skip(field: f, wire: w, offset: o); continue }
                    var tensor = type.sub(try type.lengthDelimited(field: f, offset: o))
                    while let (f, w, o) = try tensor.nextField() {
                        if f == 1, w == 0 { v.elementType = Int(Int64(bitPattern: try tensor.varint())); continue }
                        guard f == 2, w == 2 else { try tensor.skip(field: f, wire: w, offset: o); continue }
                        var shape = tensor.sub(try tensor.lengthDelimited(field: f, offset: o))
                        while let (f, w, o) = try shape.nextField() {
                            guard f == 1, w == 2 else { try shape.skip(field: f, wire: w, offset: o); continue }
                            var dim = shape.sub(try shape.lengthDelimited(field: f, offset: o))
                            var value: Int?, param: String?
                            while let (f, w, o) = try dim.nextField() {
                                if f == 1, w == 0 { value = Int(Int64(bitPattern: try dim.varint())) }
                                else if f == 2, w == 2 { param = dim.string(try dim.lengthDelimited(field: f, offset: o)) }
                                else { try dim.skip(field: f, wire: w, offset: o) }
                            }
                            v.shape.append(value)
                            v.symbolicDims.append(param)
                        }
                    }
                }
            default: try r.skip(field: field, wire: wire, offset: offset)
            }
        }
        return v
    }
}

/// An ONNX model's graph: initializers (weights), nodes in file order, graph inputs and outputs.
public struct ONNXModel: Sendable {
    public var file: String
    public var irVersion = 0
    public var producerName = ""
    /// Operator-set version per domain ("" is the default ONNX domain).
    public var opsetVersions: [String: Int] = [:]
    public var graphName = ""
    /// Initializers in file order (external data is rejected while reading).
    public var initializers: [ONNXTensor] = []
    public var nodes: [ONNXNode] = []
    public var inputs: [ONNXValueInfo] = []
    public var outputs: [ONNXValueInfo] = []

    /// Reads an `.onnx` file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { try UserFile.check(url.path); data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw ONNXError.unreadable(file: url.path, reason: (error as? UserFileError)?.reason ?? error.localizedDescription)
        }
        try self.init(data: data, file: url.path)
    }

    /// Parses a serialized `ModelProto`; `file` names the source in errors.
    public init(data: Data, file: String = "<memory>") throws {
        self.file = file
        var graphRange: Range<Int>? = nil
        try data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
            var r = ProtoReader(bytes: buf, position: 0, end: buf.count, file: file)
            while let (field, wire, offset) = try r.nextField() {
                switch (field, wire) {
                case (1, 0): irVersion = Int(Int64(bitPattern: try r.varint()))
                case (2, 2): producerName = r.string(try r.lengthDelimited(field: field, offset: offset))
                case (7, 2): graphRange = try r.lengthDelimited(field: field, offset: offset)
                case (8, 2):  // OperatorSetIdProto: domain(1), version(2)
                    var op = r.sub(try r.lengthDelimited(field: field, offset: offset))
                    var domain = "", version = 0
                    while let (f, w, o) = try op.nextField() {
                        if f == 1, w == 2 { domain = op.string(try op.lengthDelimited(field: f, offset: o)) }
                        else if f == 2, w == 0 { version = Int(Int64(bitPattern: try op.varint())) }
                        else { try op.skip(field: f, wire: w, offset: o) }
                    }
                    opsetVersions[domain] = version
                default: try r.skip(field: field, wire: wire, offset: offset)
                }
            }
            guard let g = graphRange else { throw ONNXError.missingGraph(file: file) }
            try parseGraph(r.sub(g))
        }
    }

    private mutating func parseGraph(_ r: ProtoReader) throws {
        var r = r
        while let (field, wire, offset) = try r.nextField() {
            switch (field, wire) {
            case (1, 2): nodes.append(try ONNXNode.parse(r.sub(try r.lengthDelimited(field: field, offset: offset))))
            case (2, 2): graphName = r.string(try r.lengthDelimited(field: field, offset: offset))
            case (5, 2): initializers.append(try ONNXTensor.parse(r.sub(try r.lengthDelimited(field: field, offset: offset))))
            case (11, 2): inputs.append(try ONNXValueInfo.parse(r.sub(try r.lengthDelimited(field: field, offset: offset))))
            case (12, 2): outputs.append(try ONNXValueInfo.parse(r.sub(try r.lengthDelimited(field: field, offset: offset))))
            default: try r.skip(field: field, wire: wire, offset: offset)
            }
        }
    }

    // MARK: Lookup

    public func initializer(named name: String) -> ONNXTensor? { initializers.first { $0.name == name } }

    public func node(named name: String) -> ONNXNode? { nodes.first { $0.name == name } }

    /// All floating-point initializers as name -> (shape, Float32 values); integer initializers are left out.
    public func floatInitializers() throws -> [String: (shape: [Int], values: [Float])] {
        var out = [String: (shape: [Int], values: [Float])]()
        for t in initializers where [1, 10, 11, 16].contains(t.dataType) {
            out[t.name] = (t.dims, try t.floats())
        }
        return out
    }

    /// The initializer feeding input `input` of the node named `nodeName`, e.g. the weight of
    /// `/backbone/encoder/layer.0/attention/attention/query/MatMul` (input 1, stored [in, out]), whose
    /// initializer has a generated name such as `onnx::MatMul_1972`. Nil if that input is not an initializer.
    public func initializer(feeding nodeName: String, input: Int = 1) -> ONNXTensor? {
        guard let n = node(named: nodeName), input < n.inputs.count else { return nil }
        return initializer(named: n.inputs[input])
    }

    /// Tensors produced by `Constant` nodes (their `value` attribute), keyed by the node's output name.
    public func constants() -> [String: ONNXTensor] {
        var out = [String: ONNXTensor]()
        for n in nodes where n.opType == "Constant" {
            if let t = n.attribute("value")?.tensor, let o = n.outputs.first { out[o] = t }
        }
        return out
    }
}
