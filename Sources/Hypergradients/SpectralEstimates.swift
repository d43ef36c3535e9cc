import CKernels
import CNumerics
import Seeding

/// Matrix-free estimates of a few eigenvalues from operator products, for the game diagnostics:
/// the follower Hessian's extreme eigenvalues by Lanczos, the game Jacobian's leading eigenvalues by
/// Arnoldi. Both keep every Krylov basis vector (k vectors of n floats) and re-orthogonalize fully
/// (twice, Gram–Schmidt), which is what makes a short run (k ≈ 10–30) trustworthy in Float32; the
/// small projected eigenproblem is solved by GSL in Double.
///
/// Reference: Saad, "Numerical Methods for Large Eigenvalue Problems" (2nd ed., 2011), Ch. 6
/// (Lanczos, Arnoldi with full re-orthogonalization); Ghorbani, Krishnan & Xiao, "An Investigation
/// into Neural Net Optimization via Hessian Eigenvalue Density", ICML 2019 (Lanczos on network
/// Hessians from Hessian-vector products).
public enum SpectralEstimates {
    /// Lanczos' Ritz values of a symmetric operator.
    public struct SymmetricEstimate: Sendable, Equatable {
        /// The Ritz values, ascending: the extreme ones converge first.
        public var ritzValues: [Double]
        /// Products with the operator that were taken (≤ the steps asked for: an invariant
        /// subspace ends the run early, and its Ritz values are then exact).
        public var products: Int
        /// The largest Ritz value (≈ λ_max from below).
        public var largest: Double { ritzValues.last ?? .nan }
        /// The smallest Ritz value (≈ λ_min from above).
        public var smallest: Double { ritzValues.first ?? .nan }
    }

    /// A complex eigenvalue estimate.
    public struct Eigenvalue: Sendable, Equatable {
        public var re: Double, im: Double
        public init(re: Double, im: Double) { self.re = re; self.im = im }
        public var modulus: Double { (re * re + im * im).squareRoot() }
        /// |Im|/|Re|: 0 for a real eigenvalue, ∞ for a purely imaginary one (pure rotation).
        public var rotation: Double { re == 0 ? (im == 0 ? 0 : .infinity) : Swift.abs(im) / Swift.abs(re) }
    }

    /// `steps` Lanczos iterations on the symmetric `op` from a seeded Gaussian start.
    /// - Returns: nil when a product is not finite (the operator overflowed), or `op` has dimension 0.
    public static func lanczos(_ op: LinearOperator, steps: Int, seed: UInt64) -> SymmetricEstimate? {
        let n = op.dimension, k = Swift.min(Swift.max(steps, 1), n)
        guard n > 0 else { return nil }
        let basis = UnsafeMutablePointer<Float>.allocate(capacity: (k + 1) * n), w = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { basis.deallocate(); w.deallocate() }
        guard startVector(basis, n, seed: seed) else { return nil }
        var alpha = [Double](), beta = [Double]()
        var products = 0
        for j in 0..<k {
            let q = basis + j * n
            op.apply(q, w); products += 1
            let a = dotD(q, w, n)
            guard a.isFinite else { return nil }
            alpha.append(a)
            // Full re-orthogonalization (twice) replaces the three-term recurrence's subtraction.
            orthogonalize(w, against: basis, count: j + 1, n)
            let b = dotD(w, w, n).squareRoot()
            guard b.isFinite else { return nil }
            // An invariant subspace: the Ritz values so far are eigenvalues.
            if j == k - 1 || b <= 1e-7 * Swift.max(1, Swift.abs(a)) { break }
            beta.append(b)
            let next = basis + (j + 1) * n, s = Float(1 / b)
            for i in 0..<n { next[i] = w[i] * s }
        }
        let m = alpha.count
        var t = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            t[i * m + i] = alpha[i]
            if i + 1 < m { t[i * m + i + 1] = beta[i]; t[(i + 1) * m + i] = beta[i] }
        }
        guard let values = symmetricEigenvalues(t, m) else { return nil }
        return SymmetricEstimate(ritzValues: values, products: products)
    }

    /// `steps` Arnoldi iterations on the (non-symmetric) operator `apply` of dimension `n` from a
    /// seeded Gaussian start; returns the Ritz values sorted by modulus, largest first (the leading
    /// eigenvalues converge first), and the products taken. Nil when a product is not finite.
    public static func arnoldi(dimension n: Int, steps: Int, seed: UInt64,
                               apply: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> (eigenvalues: [Eigenvalue], products: Int)? {
        let k = Swift.min(Swift.max(steps, 1), n)
        guard n > 0 else { return nil }
        let basis = UnsafeMutablePointer<Float>.allocate(capacity: (k + 1) * n), w = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { basis.deallocate(); w.deallocate() }
        guard startVector(basis, n, seed: seed) else { return nil }
        // H is (k+1)×k upper Hessenberg, row-major with k columns.
        var h = [Double](repeating: 0, count: (k + 1) * k)
        var m = 0, products = 0
        for j in 0..<k {
            apply(basis + j * n, w); products += 1
            // Modified Gram–Schmidt, twice; the coefficients of both passes add up.
            for _ in 0..<2 {
                for i in 0...j {
                    let c = dotD(basis + i * n, w, n)
                    guard c.isFinite else { return nil }
                    h[i * k + j] += c
                    let qi = basis + i * n, cf = Float(c)
                    for l in 0..<n { w[l] -= cf * qi[l] }
                }
            }
            let b = dotD(w, w, n).squareRoot()
            guard b.isFinite else { return nil }
            m = j + 1
            let scale = (0...j).reduce(0.0) { Swift.max($0, Swift.abs(h[$1 * k + j])) }
            if j == k - 1 || b <= 1e-7 * Swift.max(1, scale) { break }
            h[(j + 1) * k + j] = b
            let next = basis + (j + 1) * n, s = Float(1 / b)
            for l in 0..<n { next[l] = w[l] * s }
        }
        var square = [Double](repeating: 0, count: m * m)
        for i in 0..<m { for j in 0..<m { square[i * m + j] = h[i * k + j] } }
        guard let values = nonsymmetricEigenvalues(square, m) else { return nil }
        return (values.sorted { ($0.modulus, $0.im) > ($1.modulus, $1.im) }, products)
    }

    // MARK: pieces

    /// A unit Gaussian vector from `seed` into `v`; false when n = 0.
    private static func startVector(_ v: UnsafeMutablePointer<Float>, _ n: Int, seed: UInt64) -> Bool {
        var g = SeededGenerator(seed: seed)
        for i in 0..<n { v[i] = Float(g.normal()) }
        let norm = dotD(v, v, n).squareRoot()
        guard norm > 0 else { return false }
        let s = Float(1 / norm)
        for i in 0..<n { v[i] *= s }
        return true
    }

    /// w ← w − Σ_i ⟨q_i, w⟩ q_i over the first `count` basis vectors, twice.
    private static func orthogonalize(_ w: UnsafeMutablePointer<Float>, against basis: UnsafePointer<Float>, count: Int, _ n: Int) {
        for _ in 0..<2 {
            for i in 0..<count {
                let q = basis + i * n, c = Float(dotD(q, w, n))
                for l in 0..<n { w[l] -= c * q[l] }
            }
        }
    }

    /// Eigenvalues of a symmetric m×m row-major matrix, ascending (GSL); nil when GSL fails.
    public static func symmetricEigenvalues(_ a: [Double], _ m: Int) -> [Double]? {
        gsl_set_error_handler_off()
        let mat = gsl_matrix_alloc(m, m)!, eval = gsl_vector_alloc(m)!, work = gsl_eigen_symm_alloc(m)!
        defer { gsl_matrix_free(mat); gsl_vector_free(eval); gsl_eigen_symm_free(work) }
        for i in 0..<m { for j in 0..<m { gsl_matrix_set(mat, i, j, a[i * m + j]) } }
        guard gsl_eigen_symm(mat, eval, work) == Int32(GSL_SUCCESS) else { return nil }
        return (0..<m).map { gsl_vector_get(eval, $0) }.sorted()
    }

    /// Eigenvalues of a general m×m row-major matrix (GSL's Francis QR); nil when GSL fails.
    public static func nonsymmetricEigenvalues(_ a: [Double], _ m: Int) -> [Eigenvalue]? {
        gsl_set_error_handler_off()
        guard a.allSatisfy(\.isFinite) else { return nil }
        let mat = gsl_matrix_alloc(m, m)!, eval = gsl_vector_complex_alloc(m)!, work = gsl_eigen_nonsymm_alloc(m)!
        defer { gsl_matrix_free(mat); gsl_vector_complex_free(eval); gsl_eigen_nonsymm_free(work) }
        for i in 0..<m { for j in 0..<m { gsl_matrix_set(mat, i, j, a[i * m + j]) } }
        guard gsl_eigen_nonsymm(mat, eval, work) == Int32(GSL_SUCCESS) else { return nil }
        return (0..<m).map { i in
            let z = gsl_vector_complex_get(eval, i)
            return Eigenvalue(re: z.dat.0, im: z.dat.1)
        }
    }
}
