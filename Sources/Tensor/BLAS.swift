#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// The CBLAS entry points the engine uses: OpenBLAS on Linux, Accelerate on Apple platforms.
///
/// Threading: OpenBLAS itself always runs single-threaded and the engine splits large products into
/// column (or row) blocks run in parallel on ``Threading`` workers. OpenBLAS's own pthread workers
/// busy-wait between calls, which steals the cores that the elementwise kernels need on a small machine;
/// with one BLAS thread there is a single thread pool for everything.
public enum BLAS {
    /// Sets the BLAS thread count (no-op on Accelerate, which manages its own threads).
    static func setThreads(_ n: Int) {
        #if !canImport(Accelerate)
        openblas_set_num_threads(Int32(n))
        #endif
    }

    /// The BLAS implementation and the kernel it picked for this CPU (e.g. "OpenBLAS Haswell").
    public static var coreName: String {
        #if canImport(Accelerate)
        return "Accelerate"
        #else
        guard let p = openblas_get_corename() else { return "OpenBLAS" }
        return "OpenBLAS " + String(cString: p)
        #endif
    }

    /// Products with at least this many multiply-adds are split across threads.
    @usableFromInline static let splitWork = 1 << 21

    /// `C = alpha * op(A) * op(B) + beta * C`, row-major. Large products run on ``Threading/threadCount``
    /// threads, each computing a disjoint block of `C`.
    @inlinable
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        Threading.ensureApplied()
        let threads = Threading.threadCount
        guard threads > 1, m * n * k >= splitWork, max(m, n) >= 32 else {
            sgemmSerial(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                        b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        // Split the dimension whose blocks share the smaller operand (each block packs that operand
        // again): columns of C when A is the smaller one, else rows. Blocks are multiples of 16.
        let splitColumns = n >= m
        let extent = splitColumns ? n : m
        let parts = min(threads, extent / 16)
        let per = ((extent + parts - 1) / parts + 15) & ~15
        Threading.run(parts) { p in
            let lo = p * per, hi = min(extent, lo + per)
            if lo >= hi { return }
            if splitColumns {
                sgemmSerial(transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha, a: a, lda: lda,
                            b: transB ? b + lo * ldb : b + lo, ldb: ldb, beta: beta, c: c + lo, ldc: ldc)
            } else {
                sgemmSerial(transA: transA, transB: transB, m: hi - lo, n: n, k: k, alpha: alpha,
                            a: transA ? a + lo : a + lo * lda, lda: lda, b: b, ldb: ldb, beta: beta,
                            c: c + lo * ldc, ldc: ldc)
            }
        }
    }

    /// `sgemm` on the calling thread only (for use inside parallel loops).
    @inlinable
    public static func sgemmSerial(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                                   a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                   beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        Threading.ensureApplied()
        #if canImport(Accelerate)
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        #else
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
        #endif
    }
}
