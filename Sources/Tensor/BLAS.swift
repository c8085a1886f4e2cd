#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// The CBLAS entry points the engine uses: OpenBLAS on Linux, Accelerate on Apple platforms.
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

    /// `C = alpha * op(A) * op(B) + beta * C`, row-major.
    @inlinable
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
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
