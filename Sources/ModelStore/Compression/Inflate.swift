import Foundation

/// Raw DEFLATE (RFC 1951) decoder shared by ``Gzip``, ``ZipArchive`` and anything else reading compressed
/// bytes. Huffman codes are decoded through 9-bit lookup tables (a bit-by-bit canonical walk handles the rare
/// longer codes) from a 64-bit bit buffer; matches are copied with `memcpy` where they do not overlap.
/// Output goes to a growable buffer, or to one of a declared size (zip members record it) that the stream
/// may not overrun.
enum Inflate {
    static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                    35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                  257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    /// Order in which code-length code lengths are stored in a dynamic block header.
    static let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    static func bad(_ s: String) -> CompressionError { .badDeflateData(s) }

    /// Canonical Huffman code with a 9-bit first-level table (`symbol << 4 | length`, 0 = longer code).
    struct Code {
        static let bits = 9
        var table = [UInt16](repeating: 0, count: 1 << bits)
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int]

        /// Builds the code from per-symbol code lengths (0 = unused). Throws on an over-subscribed code;
        /// incomplete codes are allowed only when `allowIncomplete` (RFC 1951 permits a single distance code).
        init(lengths: [Int], allowIncomplete: Bool) throws {
            for l in lengths { counts[l] += 1 }
            counts[0] = 0
            var left = 1
            for len in 1...15 {
                left = (left << 1) - counts[len]
                if left < 0 { throw bad("over-subscribed Huffman code") }
            }
            let used = lengths.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
            if left > 0 && !allowIncomplete && used > 1 { throw bad("incomplete Huffman code") }
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

    static let fixed: (Code, Code) = {
        var lengths = [Int](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        // Fixed tables are valid by construction.
        return (try! Code(lengths: lengths, allowIncomplete: false),
                try! Code(lengths: [Int](repeating: 5, count: 30), allowIncomplete: true))
    }()

    /// Inflates one complete DEFLATE stream from `r`, appending to `out` (which also serves as the window;
    /// matches may not reach before the output's length on entry).
    static func stream(_ r: inout Bits, into out: inout Output) throws {
        let streamStart = out.count
        var last = false
        while !last {
            last = try r.take(1) == 1
            switch try r.take(2) {
            case 0:
                r.alignToByte()
                let len = try r.take(16), nlen = try r.take(16)
                guard len == ~nlen & 0xFFFF else { throw bad("stored block length check failed") }
                try out.reserve(len)
                var n = len
                while n > 0 && r.count >= 8 { out.append(UInt8(try r.take(8))); n -= 1 }
                guard r.pos + n <= r.src.count else { throw CompressionError.truncated }
                if n > 0 { out.append(r.src.baseAddress!.assumingMemoryBound(to: UInt8.self) + r.pos, count: n) }
                r.pos += n
            case 1: try codes(&r, fixed.0, fixed.1, into: &out, streamStart: streamStart)
            case 2:
                let (lit, dist) = try dynamic(&r)
                try codes(&r, lit, dist, into: &out, streamStart: streamStart)
            default: throw bad("reserved block type 3")
            }
        }
    }

    static func dynamic(_ r: inout Bits) throws -> (Code, Code) {
        let nlen = try r.take(5) + 257, ndist = try r.take(5) + 1, ncode = try r.take(4) + 4
        guard nlen <= 286, ndist <= 30 else { throw bad("too many length or distance codes") }
        var cl = [Int](repeating: 0, count: 19)
        for i in 0..<ncode { cl[order[i]] = try r.take(3) }
        let clCode = try Code(lengths: cl, allowIncomplete: false)
        var lengths: [Int] = []
        lengths.reserveCapacity(nlen + ndist)
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
        guard lengths.count == nlen + ndist else { throw bad("code lengths overrun") }
        guard lengths[256] != 0 else { throw bad("no end-of-block code") }
        return (try Code(lengths: Array(lengths[0..<nlen]), allowIncomplete: false),
                try Code(lengths: Array(lengths[nlen...]), allowIncomplete: true))
    }

    static func codes(_ r: inout Bits, _ lit: Code, _ dist: Code, into out: inout Output, streamStart: Int) throws {
        while true {
            let sym = try r.decode(lit)
            if sym < 256 {
                try out.reserve(1)
                out.append(UInt8(sym))
                continue
            }
            if sym == 256 { return }
            let li = sym - 257
            guard li < 29 else { throw bad("invalid length symbol \(sym)") }
            let length = lengthBase[li] + (try r.take(lengthExtra[li]))
            let di = try r.decode(dist)
            guard di < 30 else { throw bad("invalid distance symbol \(di)") }
            let distance = distBase[di] + (try r.take(distExtra[di]))
            guard distance <= out.count - streamStart else {
                throw bad("distance \(distance) reaches before the start of the output")
            }
            try out.reserve(length)
            out.copyMatch(distance: distance, length: length)
        }
    }

    /// Output buffer (malloc'd, so it can become `Data` without a copy). With a `limit`, writing past it
    /// throws instead of growing.
    struct Output {
        var base: UnsafeMutablePointer<UInt8>
        var capacity: Int
        var count = 0
        let limit: Int?

        init(capacity: Int, limit: Int?) {
            self.capacity = max(capacity, 1)
            self.limit = limit
            base = malloc(self.capacity)!.assumingMemoryBound(to: UInt8.self)
        }

        /// Makes room for `n` more bytes.
        @inline(__always) mutating func reserve(_ n: Int) throws {
            guard count + n > capacity else { return }
            if let limit {
                guard count + n <= limit else { throw bad("more output than the declared size") }
            }
            var cap = capacity * 2
            while cap < count + n { cap *= 2 }
            if let limit { cap = min(cap, max(limit, 1)) }
            base = realloc(base, cap)!.assumingMemoryBound(to: UInt8.self)
            capacity = cap
        }

        @inline(__always) mutating func append(_ b: UInt8) { base[count] = b; count += 1 }

        mutating func append(_ p: UnsafePointer<UInt8>, count n: Int) {
            (base + count).update(from: p, count: n)
            count += n
        }

        @inline(__always) mutating func copyMatch(distance: Int, length: Int) {
            let to = base + count, from = to - distance
            if distance >= length {
                to.update(from: from, count: length)
            } else {
                for i in 0..<length { to[i] = from[i] }   // overlapping: repeats the pattern
            }
            count += length
        }

        /// Hands the bytes over as `Data` (the buffer is freed with it).
        func finish() -> Data {
            Data(bytesNoCopy: base, count: count, deallocator: .free)
        }

        func free() { Foundation.free(base) }
    }

    /// LSB-first bit reader with a 64-bit buffer over borrowed bytes.
    struct Bits {
        let src: UnsafeRawBufferPointer
        var pos: Int
        var buffer: UInt64 = 0
        var count = 0

        init(src: UnsafeRawBufferPointer, position: Int = 0) {
            self.src = src
            pos = position
        }

        @inline(__always) mutating func refill() {
            while count <= 56 && pos < src.count {
                buffer |= UInt64(src[pos]) << UInt64(count)
                pos += 1; count += 8
            }
        }

        /// Reads `n` (0...32) bits, least significant first.
        @inline(__always) mutating func take(_ n: Int) throws -> Int {
            if count < n { refill(); guard count >= n else { throw CompressionError.truncated } }
            let v = Int(buffer & ((1 << UInt64(n)) - 1))
            buffer >>= UInt64(n); count -= n
            return v
        }

        /// Drops the bits left in the current byte.
        mutating func alignToByte() { let d = count % 8; buffer >>= UInt64(d); count -= d }

        /// Byte offset of the next unread whole byte (bits already buffered count as unread).
        var alignedPosition: Int { pos - count / 8 }

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
