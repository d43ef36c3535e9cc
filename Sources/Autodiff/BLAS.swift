import CNumerics
import Foundation

/// Thread count of OpenBLAS. One thread by default: a single-threaded GEMM sums in a fixed order,
/// so the same seed gives the same bits. `STACKELBERG_BLAS_THREADS` overrides the default at first use.
public enum BLAS {
    private static let configured: Void = {
        let fromEnvironment = ProcessInfo.processInfo.environment["STACKELBERG_BLAS_THREADS"].flatMap { Int($0) }
        openblas_set_num_threads(Int32(max(1, fromEnvironment ?? 1)))
    }()

    /// Applies the default thread count if nobody has set one yet.
    static func ensureConfigured() { _ = configured }

    public static var threads: Int {
        get { ensureConfigured(); return Int(openblas_get_num_threads()) }
        set {
            precondition(newValue >= 1, "BLAS.threads must be at least 1 (got \(newValue))")
            ensureConfigured()
            openblas_set_num_threads(Int32(newValue))
        }
    }

    /// Flushes subnormal floats to zero on the calling thread (x86 FTZ/DAZ), as TensorFlow and XLA do
    /// on CPU: optimizer moments of tiny gradients otherwise land in the subnormal range, where each
    /// operation costs ~100 cycles (measured: Adam took 75% of a CartPole DQN run). Set on the
    /// threads that train; it changes IEEE results for subnormal values, so code that shares the
    /// thread afterwards (tests) must put the previous mode back. Returns the previous mode.
    @discardableResult
    public static func flushSubnormalsOnThisThread(_ on: Bool = true) -> Bool { stackelberg_flush_subnormals(on ? 1 : 0) != 0 }

    /// Whether the calling thread flushes subnormals.
    public static var subnormalsFlushedOnThisThread: Bool { stackelberg_subnormals_flushed() != 0 }

    /// C = alpha·op(A)·op(B) + beta·C, row-major.
    @inline(__always)
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                     a: UnsafePointer<Float>, b: UnsafePointer<Float>, beta: Float,
                     c: UnsafeMutablePointer<Float>) {
        let lda = transA ? m : k
        let ldb = transB ? k : n
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(n))
    }
}
