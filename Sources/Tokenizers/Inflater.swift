import Foundation

/// Canonical Huffman code: `counts[len]` codes of each length, `symbols` ordered by (length, symbol).
struct Huffman {
    var counts = [Int](repeating: 0, count: 16)
    var symbols: [Int]

    /// Builds the code from per-symbol code lengths (0 = unused). Throws on an over-subscribed code;
    /// incomplete codes are allowed only when `allowIncomplete` (RFC 1951 permits a single distance code).
    init(lengths: [Int], allowIncomplete: Bool) throws {
        symbols = []
        for l in lengths { counts[l] += 1 }
        counts[0] = 0
        var left = 1
        for len in 1...15 {
            left <<= 1
            left -= counts[len]
            if left < 0 { throw CompressionError.badDeflateData("over-subscribed Huffman code") }
        }
        if left > 0 && !allowIncomplete && lengths.count - counts[0] > 1 {
            throw CompressionError.badDeflateData("incomplete Huffman code")
        }
        var offsets = [Int](repeating: 0, count: 16)
        for len in 1..<15 { offsets[len + 1] = offsets[len] + counts[len] }
        symbols = [Int](repeating: 0, count: lengths.count)
        for (sym, l) in lengths.enumerated() where l != 0 {
            symbols[offsets[l]] = sym
            offsets[l] += 1
        }
    }

    /// Decodes one symbol, reading the code MSB-first one bit at a time (codes are stored bit-reversed).
    @inline(__always)
    func decode(_ r: inout BitReader) throws -> Int {
        var code = 0, first = 0, index = 0
        for len in 1...15 {
            code |= try r.bits(1)
            let count = counts[len]
            if code - first < count { return symbols[index + code - first] }
            index += count
            first = (first + count) << 1
            code <<= 1
        }
        throw CompressionError.badDeflateData("invalid Huffman code")
    }
}

/// RFC 1951 DEFLATE decoder.
enum Inflater {
    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                             35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                              3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                           257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                            7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    /// Order in which code-length code lengths are stored in a dynamic block header.
    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    static let fixedCodes: (Huffman, Huffman) = {
        var lengths = [Int](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        // Fixed tables are valid by construction.
        let lit = try! Huffman(lengths: lengths, allowIncomplete: false)
        let dist = try! Huffman(lengths: [Int](repeating: 5, count: 30), allowIncomplete: true)
        return (lit, dist)
    }()

    /// Inflates one complete DEFLATE stream from `r`, appending to `out` (which also serves as the window).
    static func inflate(_ r: inout BitReader, into out: inout [UInt8]) throws {
        var last = false
        let streamStart = out.count
        while !last {
            last = try r.bits(1) == 1
            switch try r.bits(2) {
            case 0: try stored(&r, into: &out)
            case 1: try codes(&r, fixedCodes.0, fixedCodes.1, into: &out, streamStart: streamStart)
            case 2:
                let (lit, dist) = try dynamicTables(&r)
                try codes(&r, lit, dist, into: &out, streamStart: streamStart)
            default: throw CompressionError.badDeflateData("reserved block type 3")
            }
        }
    }

    static func stored(_ r: inout BitReader, into out: inout [UInt8]) throws {
        r.alignToByte()
        let len = try r.bits(16), nlen = try r.bits(16)
        guard len == ~nlen & 0xFFFF else { throw CompressionError.badDeflateData("stored block length check failed") }
        for _ in 0..<len { out.append(UInt8(try r.bits(8))) }
    }

    static func dynamicTables(_ r: inout BitReader) throws -> (Huffman, Huffman) {
        let nlen = try r.bits(5) + 257, ndist = try r.bits(5) + 1, ncode = try r.bits(4) + 4
        guard nlen <= 286, ndist <= 30 else { throw CompressionError.badDeflateData("too many length or distance codes") }
        var clLengths = [Int](repeating: 0, count: 19)
        for i in 0..<ncode { clLengths[codeLengthOrder[i]] = try r.bits(3) }
        let clCode = try Huffman(lengths: clLengths, allowIncomplete: false)
        var lengths = [Int]()
        lengths.reserveCapacity(nlen + ndist)
        while lengths.count < nlen + ndist {
            let sym = try clCode.decode(&r)
            switch sym {
            case 0..<16: lengths.append(sym)
            case 16:
                guard let prev = lengths.last else { throw CompressionError.badDeflateData("repeat with no previous length") }
                lengths += [Int](repeating: prev, count: 3 + (try r.bits(2)))
            case 17: lengths += [Int](repeating: 0, count: 3 + (try r.bits(3)))
            default: lengths += [Int](repeating: 0, count: 11 + (try r.bits(7)))
            }
        }
        guard lengths.count == nlen + ndist else { throw CompressionError.badDeflateData("code lengths overrun") }
        guard lengths[256] != 0 else { throw CompressionError.badDeflateData("no end-of-block code") }
        let lit = try Huffman(lengths: Array(lengths[0..<nlen]), allowIncomplete: false)
        let dist = try Huffman(lengths: Array(lengths[nlen...]), allowIncomplete: true)
        return (lit, dist)
    }

    static func codes(_ r: inout BitReader, _ lit: Huffman, _ dist: Huffman,
                      into out: inout [UInt8], streamStart: Int) throws {
        while true {
            let sym = try lit.decode(&r)
            if sym < 256 { out.append(UInt8(sym)); continue }
            if sym == 256 { return }
            let li = sym - 257
            guard li < 29 else { throw CompressionError.badDeflateData("invalid length symbol \(sym)") }
            let length = lengthBase[li] + (try r.bits(lengthExtra[li]))
            let di = try dist.decode(&r)
            guard di < 30 else { throw CompressionError.badDeflateData("invalid distance symbol \(di)") }
            let distance = distBase[di] + (try r.bits(distExtra[di]))
            guard distance <= out.count - streamStart else {
                throw CompressionError.badDeflateData("distance \(distance) reaches before the start of the output")
            }
            var from = out.count - distance
            for _ in 0..<length {  // byte by byte: overlapping copies repeat the pattern
                out.append(out[from])
                from += 1
            }
        }
    }
}
