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
        set { _count = max(1, newValue); applied = true; BLAS.setThreads(BLAS.legacyThreads ? _count : 1) }
    }

    /// Makes BLAS single-threaded once (called by the first GEMM): ``BLAS/sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
    /// splits large products over ``threadCount`` threads itself.
    @usableFromInline static func ensureApplied() {
        if !applied { applied = true; BLAS.setThreads(BLAS.legacyThreads ? _count : 1) }
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
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = c * per, hi = min(n, lo + per)
            if lo < hi { body(lo..<hi) }
        }
    }
}
