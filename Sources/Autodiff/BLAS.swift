import CKernels
import CNumerics
import Foundation

/// Thread count of OpenBLAS. One thread by default: a single-threaded GEMM sums in a fixed order,
/// so the same seed gives the same bits. `STACKELBERG_BLAS_THREADS` overrides the default at first use.
public enum BLAS {
    private static let configured: Void = {
        // A bad value counts as 1 here; the CLI refuses it before any work.
        openblas_set_num_threads(Int32((try? threadsFromEnvironment()) ?? 1))
    }()

    /// OpenBLAS's thread count from `STACKELBERG_BLAS_THREADS` (1 where unset), or an error when it
    /// is not a whole number ≥ 1.
    static func threadsFromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int {
        guard let text = environment["STACKELBERG_BLAS_THREADS"] else { return 1 }
        guard let n = Int(text.trimmingCharacters(in: .whitespaces)), n >= 1 else {
            throw GEMMSettingError(variable: "STACKELBERG_BLAS_THREADS", value: text,
                                   fix: "give OpenBLAS's thread count, a whole number ≥ 1 (default 1)")
        }
        return n
    }

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

    /// Who multiplies matrices. `libxsmm` runs JIT kernels written for this CPU's widest vectors
    /// (AVX-512 where there is one: about 2× OpenBLAS 0.3.21's AVX2 kernels on the 64–512-wide
    /// products of RL networks, and it does not pack small operands on every call); `openblas` runs
    /// OpenBLAS with whatever kernels `OPENBLAS_CORETYPE` selects; `mixed` splits products between
    /// them by size. All are deterministic on one machine; only `openblas` with a pinned core type
    /// gives the same bits on every x86-64 machine.
    public enum GEMMBackend: String, CaseIterable, Sendable {
        case openblas, libxsmm
        /// libxsmm for products whose right operand op(B) holds at most `mixedLibxsmmLimit` floats,
        /// OpenBLAS for the rest: `auto` on a CPU with AVX2 but not AVX-512. There libxsmm's AVX2
        /// kernels beat OpenBLAS's on small right operands (1.2–4.3× on 64-wide layers and SPRIG's
        /// 8-wide heads) and lose on large ones (0.63–0.75× at 256 × 256 and 400 × 128), measured by
        /// `Benchmarks/run_gemm_benchmark.py` on an AMD EPYC without AVX-512 (Benchmarks/README.md).
        case mixed
    }

    /// The largest right operand op(B), in floats (k·n: 64 KB), that `mixed` gives to libxsmm.
    public static let mixedLibxsmmLimit = 16_384

    /// The largest right operand op(B), k·n floats, that `backend` gives to libxsmm (−1: none).
    static func libxsmmLimit(_ backend: GEMMBackend) -> Int {
        switch backend {
        case .openblas: return -1
        case .libxsmm: return .max
        case .mixed: return mixedLibxsmmLimit
        }
    }

    /// Who runs a product of inner size `k` and `n` output columns under `backend`: `libxsmm` or
    /// `openblas` (libxsmm still declines what it does not handle, which then goes to OpenBLAS).
    public static func route(_ backend: GEMMBackend, k: Int, n: Int) -> GEMMBackend {
        k * n <= libxsmmLimit(backend) ? .libxsmm : .openblas
    }

    /// `libxsmmLimit` of the process's backend, read once so a product decides with one comparison.
    private static let processLibxsmmLimit = libxsmmLimit(gemmBackend)

    /// The backend `STACKELBERG_GEMM` asks for: `auto` (the default, also when empty: with OpenBLAS on
    /// one thread, `libxsmm` when its target has AVX-512, `mixed` when it has AVX2; else `openblas`),
    /// `openblas`, `libxsmm` or `mixed`, case and surrounding blanks ignored; or an error naming the
    /// variable and its choices. `STACKELBERG_BLAS_THREADS`, where set, must be a whole number ≥ 1.
    public static func gemmBackendFromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> GEMMBackend {
        let threads = try threadsFromEnvironment(environment)
        let asked = environment["STACKELBERG_GEMM"]?.trimmingCharacters(in: .whitespaces).lowercased() ?? "auto"
        switch asked {
        case "", "auto":
            guard threads <= 1 else { return .openblas }
            if stk_gemm_libxsmm_target_is_avx512() != 0 { return .libxsmm }
            return stk_gemm_libxsmm_target_is_avx2() != 0 ? .mixed : .openblas
        default:
            guard let backend = GEMMBackend(rawValue: asked) else {
                throw GEMMSettingError(variable: "STACKELBERG_GEMM", value: environment["STACKELBERG_GEMM"] ?? "",
                                       fix: "use auto (the default), openblas, libxsmm or mixed")
            }
            return backend
        }
    }

    /// The backend of this process, fixed at first use (an unknown `STACKELBERG_GEMM` counts as
    /// `auto` here; the CLI refuses it before any work).
    public static let gemmBackend: GEMMBackend = (try? gemmBackendFromEnvironment()) ?? .openblas

    /// The kernels behind `gemmBackend`, as a run records them: everything that decides a product's
    /// bits. "libxsmm cpx" (libxsmm's code-generation target: LIBXSMM_TARGET or the CPU's),
    /// "openblas Haswell" (the core OpenBLAS itself reports it runs), with ", 2 threads" when OpenBLAS
    /// runs more than one (a threaded GEMM splits its sums differently), or for `mixed` both and the
    /// limit between them.
    public static var gemmKernels: String {
        let xsmm = "libxsmm \(String(cString: stk_gemm_libxsmm_target()))"
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        let openblas = "openblas \(core)" + (threads > 1 ? ", \(threads) threads" : "")
        switch gemmBackend {
        case .libxsmm: return xsmm
        case .openblas: return openblas
        case .mixed: return "mixed: \(xsmm) for k·n ≤ \(mixedLibxsmmLimit), \(openblas) above"
        }
    }

    /// C = op(A)·op(B) + beta·C, row-major, beta 0 or 1 (what the tensor core needs).
    @inline(__always)
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, b: UnsafePointer<Float>, beta: Float,
                     c: UnsafeMutablePointer<Float>) {
        gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: transA ? m : k,
             b: b, ldb: transB ? k : n, beta: beta, c: c, ldc: n)
    }

    /// The same on blocks of wider row-major matrices: rows of A (as stored, before op) `lda`
    /// floats apart, of B `ldb`, of C `ldc`.
    @inline(__always)
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
                     c: UnsafeMutablePointer<Float>, ldc: Int) {
        if k &* n <= processLibxsmmLimit,
           stk_sgemm_libxsmm_ld(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), a, Int32(lda),
                                b, Int32(ldb), beta, c, Int32(ldc)) != 0 {
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// `STACKELBERG_GEMM` holds something other than auto, openblas, libxsmm or mixed, or
/// `STACKELBERG_BLAS_THREADS` is not a whole number ≥ 1.
public struct GEMMSettingError: Error, CustomStringConvertible {
    public let variable: String
    public let value: String
    public let fix: String
    public var description: String {
        variable == "STACKELBERG_GEMM" ? "STACKELBERG_GEMM=\(value) is not a GEMM backend: \(fix)"
            : "\(variable)=\(value) is not valid: \(fix)"
    }
}
