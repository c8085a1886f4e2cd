import Dispatch
import XCTest
@testable import Tensor

/// The worker pool behind `Threading.parallelFor`: coverage, nesting and concurrent callers.
final class ThreadingTests: XCTestCase {
    /// Counts how often each index of `0..<n` is visited by `parallelFor`.
    func visits(_ n: Int, grain: Int) -> [Int] {
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: n)
        counts.initialize(repeating: 0, count: n)
        defer { counts.deallocate() }
        Threading.parallelFor(n, grain: grain) { r in for i in r { counts[i] += 1 } }
        return Array(UnsafeBufferPointer(start: counts, count: n))
    }

    func testEveryIndexRunsExactlyOnce() {
        for (n, grain) in [(0, 1), (1, 1), (7, 1), (1000, 3), (100_000, 1 << 10)] {
            XCTAssertEqual(visits(n, grain: grain), [Int](repeating: 1, count: n), "n \(n) grain \(grain)")
        }
        // Many regions in a row (workers spinning between them).
        for _ in 0..<200 { XCTAssertEqual(visits(64, grain: 1).reduce(0, +), 64) }
    }

    func testNestedRegionsRunInline() {
        let n = 8, m = 50
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: n * m)
        counts.initialize(repeating: 0, count: n * m)
        defer { counts.deallocate() }
        Threading.parallelFor(n, grain: 1) { r in
            for i in r { Threading.parallelFor(m, grain: 1) { inner in for j in inner { counts[i * m + j] += 1 } } }
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: counts, count: n * m)), [Int](repeating: 1, count: n * m))
    }

    func testConcurrentCallersAndMatmul() {
        // Regions started from several threads at once: one gets the pool, the others run inline.
        let a = randomTensor([64, 300], seed: 1), b = randomTensor([300, 120], seed: 2)
        let ref = a.matmul(b).scalars
        var results = [[Float]](repeating: [], count: 4)
        results.withUnsafeMutableBufferPointer { out in
            let o = out
            DispatchQueue.concurrentPerform(iterations: 4) { t in o[t] = a.matmul(b).scalars }
        }
        for r in results { assertClose(r, ref, rtol: 1e-5, atol: 1e-5) }
    }
}

/// Large buffers are recycled between tensors of the same size.
final class BufferCacheTests: XCTestCase {
    func testLargeBuffersAreReusedAndFilled() {
        BufferCache.drain()
        let shape = [512, 1024] // 2 MiB: cached
        var first: UnsafeMutablePointer<Float>? = nil
        do {
            let t = Tensor(uninitializedShape: shape)
            t.pointer.update(repeating: 7, count: t.count)
            first = t.pointer
        }
        XCTAssertEqual(BufferCache.keptBytes, BufferCache.roundedSize(512 * 1024 * 4))
        let z = Tensor.zeros(shape)
        XCTAssertEqual(z.pointer, first, "the freed buffer is handed out again")
        XCTAssertTrue(z.scalars.allSatisfy { $0 == 0 }, "a recycled buffer is still initialised by zeros()")
        XCTAssertEqual(BufferCache.keptBytes, 0)
        // Small buffers go straight back to malloc.
        XCTAssertNil(BufferCache.take(bytes: BufferCache.roundedSize(256)))
    }

    func testCacheStaysBoundedAndEvictsOldestSizes() {
        BufferCache.drain()
        // Free many buffers of distinct sizes, far more than the cap in total.
        let each = 16 << 20
        var count = 0
        for i in 0..<40 {
            let t = Tensor(uninitializedShape: [each / 4 + i * 1024])
            count += t.count
        }
        XCTAssertLessThanOrEqual(BufferCache.keptBytes, BufferCache.maxCachedBytes)
        XCTAssertGreaterThan(BufferCache.keptBytes, BufferCache.maxCachedBytes / 2, "recent sizes are kept")
        // The newest size is still there, the oldest one was evicted.
        XCTAssertNotNil(BufferCache.take(bytes: BufferCache.roundedSize((each / 4 + 39 * 1024) * 4)))
        XCTAssertNil(BufferCache.take(bytes: BufferCache.roundedSize(each)))
        BufferCache.drain()
        XCTAssertEqual(BufferCache.keptBytes, 0)
    }
}
