/// In-place most-significant-digit radix sort ("American flag sort"), ascending.
///
/// Needs no buffer proportional to the input: only 2 x 256 counters per recursion level (at most four
/// levels), which is what lets ``PixelMetricAccumulator`` sort all pixels of a test set without a second
/// copy. Not stable; only the key bits are compared.
enum InPlaceRadixSort {
    /// Sorts 32-bit keys ascending.
    static func sort(_ buffer: UnsafeMutableBufferPointer<UInt32>) {
        guard let base = buffer.baseAddress, buffer.count > 1 else { return }
        sortLevel(base, buffer.count, shift: 24, lowestShift: 0)
    }

    /// Sorts 64-bit values ascending by their high 32 bits (the low 32 bits ride along, unordered).
    static func sortByHighWord(_ buffer: UnsafeMutableBufferPointer<UInt64>) {
        guard let base = buffer.baseAddress, buffer.count > 1 else { return }
        sortLevel(base, buffer.count, shift: 56, lowestShift: 32)
    }

    private static func sortLevel<T: FixedWidthInteger & UnsignedInteger>(
        _ base: UnsafeMutablePointer<T>, _ count: Int, shift: Int, lowestShift: Int
    ) {
        if count <= 32 {
            insertionSort(base, count, lowestShift: lowestShift)
            return
        }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 512) { scratch in
            let heads = scratch.baseAddress!
            let ends = heads + 256
            for b in 0..<256 { ends[b] = 0 }
            for i in 0..<count { ends[Int(truncatingIfNeeded: (base[i] >> T(shift)) & 0xFF)] += 1 }
            var running = 0
            var nonEmpty = 0
            for b in 0..<256 {
                let c = ends[b]
                if c > 0 { nonEmpty += 1 }
                heads[b] = running
                running += c
                ends[b] = running
            }
            if nonEmpty > 1 {
                // Cycle each misplaced element into its bucket's next free slot.
                for b in 0..<256 {
                    while heads[b] < ends[b] {
                        var value = base[heads[b]]
                        var bucket = Int(truncatingIfNeeded: (value >> T(shift)) & 0xFF)
                        while bucket != b {
                            let slot = heads[bucket]
                            let displaced = base[slot]
                            base[slot] = value
                            heads[bucket] = slot + 1
                            value = displaced
                            bucket = Int(truncatingIfNeeded: (value >> T(shift)) & 0xFF)
                        }
                        base[heads[b]] = value
                        heads[b] += 1
                    }
                }
            }
            guard shift > lowestShift else { return }
            var start = 0
            for b in 0..<256 {
                let end = ends[b]
                if end - start > 1 { sortLevel(base + start, end - start, shift: shift - 8, lowestShift: lowestShift) }
                start = end
            }
        }
    }

    private static func insertionSort<T: FixedWidthInteger & UnsignedInteger>(
        _ base: UnsafeMutablePointer<T>, _ count: Int, lowestShift: Int
    ) {
        guard count > 1 else { return }
        for i in 1..<count {
            let value = base[i]
            let key = value >> T(lowestShift)
            var j = i - 1
            while j >= 0 && (base[j] >> T(lowestShift)) > key {
                base[j + 1] = base[j]
                j -= 1
            }
            base[j + 1] = value
        }
    }
}
