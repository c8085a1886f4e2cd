import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One switch for the number of threads: BLAS threads and the parallel elementwise kernels.
public enum Threading {
    nonisolated(unsafe) private static var _count: Int = {
        if let env = getenv("VTFUSION_THREADS"), let n = Int(String(cString: env)), n > 0 { return n }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }()
    nonisolated(unsafe) private static var applied = false

    /// Threads used by kernels and by large matrix products (defaults to the cores available, or
    /// `VTFUSION_THREADS`).
    public static var threadCount: Int {
        get { _count }
        set {
            _count = max(1, newValue)
            applied = false
            ensureApplied()
        }
    }

    /// Once per thread count (called by the first GEMM and parallel region): makes BLAS single-threaded
    /// (``BLAS/sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` splits large products over
    /// ``threadCount`` threads itself) and starts the worker threads ahead of the work, so the scheduler
    /// has spread them over the cores by the time they are needed.
    @usableFromInline static func ensureApplied() {
        if applied { return }
        applied = true
        BLAS.setThreads(1)
        #if os(Linux)
        WorkerPool.shared.prepare(threads: _count)
        #endif
    }

    /// Splits `0..<n` into contiguous chunks and runs `body` on them in parallel when `n` is large
    /// enough (at least `grain` items per chunk); otherwise runs it inline.
    @inlinable
    public static func parallelFor(_ n: Int, grain: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
        let threads = threadCount
        if threads <= 1 || n < 2 * grain {
            if n > 0 { body(0..<n) }
            return
        }
        let chunks = min(threads, n / grain)
        let per = (n + chunks - 1) / chunks
        run(chunks) { c in
            let lo = c * per, hi = min(n, lo + per)
            if lo < hi { body(lo..<hi) }
        }
    }

    /// Runs `body(c)` for `c` in `0..<count` in parallel on up to ``threadCount`` threads (the calling
    /// thread included) and returns when all are done. On Linux the work goes to a pool of persistent
    /// workers that start within microseconds; elsewhere to Dispatch.
    @usableFromInline
    static func run(_ count: Int, _ body: (Int) -> Void) {
        ensureApplied()
        #if os(Linux)
        WorkerPool.shared.run(count: count, threads: threadCount, body)
        #else
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
        #endif
    }
}
