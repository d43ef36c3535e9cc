import CNumerics
import Seeding

/// (A + ρI)⁻¹b with A replaced by its rank-k Nyström approximation Â = C W⁺ Cᵀ, where C = A[:, S]
/// holds k columns sampled without replacement (k operator products with unit vectors) and
/// W = A[S, S]. Woodbury turns the n×n inverse into a k×k solve:
///   (ρI + C W⁻¹ Cᵀ)⁻¹ = (1/ρ)·(I − C (ρW + CᵀC)⁻¹ Cᵀ).
/// This is the hypergradient of Hataya & Yamada, "Nyström Method for Accurate and Scalable Implicit
/// Differentiation" (AISTATS 2023, arXiv:2302.09726), which BLPO (arXiv:2505.11714) uses; ρ must be
/// positive. (BLPO's public code quotes "ρ = 50".)
public final class NystromSolver {
    public let dimension: Int
    public let rank: Int
    private var columns: [Float]        // C, n × k, column j contiguous
    private var indices: [Int]
    private let unit: UnsafeMutablePointer<Float>

    public init(dimension: Int, rank: Int) {
        // A checked failure, not a precondition: this target is built with -Ounchecked.
        if _slowPath(rank < 1 || rank > dimension) { fatalError("Nyström: rank \(rank) must lie in 1...\(dimension)") }
        self.dimension = dimension
        self.rank = rank
        columns = [Float](repeating: 0, count: dimension * rank)
        indices = [Int](repeating: 0, count: rank)
        unit = .allocate(capacity: dimension)
        unit.initialize(repeating: 0, count: dimension)
    }

    deinit { unit.deallocate() }

    /// The coordinates S whose columns the last solve sampled (`rank` distinct indices in
    /// 0..<dimension, in the order drawn).
    public var sampledColumns: [Int] { indices }

    /// Writes x ≈ (Â + ρI)⁻¹b into `x` (`dimension` floats), Â the Nyström sketch of A + λI: the
    /// regularization λ ≥ 0 is added to the operator before sketching (so each sampled column is
    /// A eₛ + λ eₛ), ρ > 0 regularizes the sketch. Draws `rank` column indices from `rng`.
    /// `coreShift` s replaces the sketch's core W by W + sI: BLPO's public code (`nystrom_ppo.py`)
    /// uses s = 1, i.e. (C(W + I)⁻¹Cᵀ + ρI)⁻¹; the textbook sketch is s = 0.
    /// Costs `rank` products; allocates its k×k system per call.
    @discardableResult
    public func solve(_ a: LinearOperator, regularization lambda: Float = 0, rho: Float, coreShift: Float = 0, b: UnsafePointer<Float>,
                      into x: UnsafeMutablePointer<Float>, rng: inout SeededGenerator) -> SolveReport {
        let report = sketch(a, regularization: lambda, rho: rho, coreShift: coreShift, rng: &rng)
        applyInverse(b, into: x)
        return report
    }

    /// The k×k Woodbury system ρ(W + sI) + CᵀC of the last `sketch`, row-major, and its ρ.
    private var system: [Double] = []
    private var systemRho: Double = 1

    /// Samples `rank` columns of A + λI (k products) and forms the Woodbury system for
    /// (C(W + sI)⁻¹Cᵀ + ρI)⁻¹, which `applyInverse` then applies to any vector without more
    /// products (a preconditioner for CG applies it once per iteration).
    @discardableResult
    public func sketch(_ a: LinearOperator, regularization lambda: Float = 0, rho: Float, coreShift: Float = 0,
                       rng: inout SeededGenerator) -> SolveReport {
        if _slowPath(a.dimension != dimension) {
            fatalError("Nyström: operator of size \(a.dimension) given to a solver of size \(dimension)")
        }
        if _slowPath(!(rho > 0) || !(lambda >= 0) || !(coreShift >= 0)) {
            fatalError("Nyström: ρ must be positive (it regularizes the rank-deficient sketch), λ and the core shift non-negative, got ρ = \(rho), λ = \(lambda), shift = \(coreShift)")
        }
        let n = dimension, k = rank
        var report = SolveReport()
        // Sample k distinct coordinates (partial Fisher–Yates over 0..<n, O(k) memory via a swap map).
        var swaps = [Int: Int]()
        for j in 0..<k {
            let r = j + Int(rng.next() % UInt64(n - j))
            let pick = swaps[r] ?? r
            swaps[r] = swaps[j] ?? j
            indices[j] = pick
        }
        columns.withUnsafeMutableBufferPointer { c in
            for j in 0..<k {
                unit[indices[j]] = 1
                a.apply(unit, c.baseAddress! + j * n); report.products += 1
                unit[indices[j]] = 0
                // Column s of A + λI: λ lands on the sampled coordinate (skipped at λ = 0 so that
                // the unregularized sketch keeps its bits).
                if lambda != 0 { c[j * n + indices[j]] += lambda }
            }
        }
        // M = ρ(W + sI) + CᵀC (k × k, Double).
        var m = [Double](repeating: 0, count: k * k)
        columns.withUnsafeBufferPointer { c in
            let base = c.baseAddress!
            for i in 0..<k {
                for j in 0..<k {
                    m[i * k + j] = Double(rho) * Double(base[j * n + indices[i]]) + dotD(base + i * n, base + j * n, n)
                }
                if coreShift != 0 { m[i * k + i] += Double(rho) * Double(coreShift) }
            }
        }
        // W is symmetric in exact arithmetic; symmetrize what the products gave before solving.
        for i in 0..<k { for j in (i + 1)..<k { let s = 0.5 * (m[i * k + j] + m[j * k + i]); m[i * k + j] = s; m[j * k + i] = s } }
        system = m
        systemRho = Double(rho)
        return report
    }

    /// x = (C(W + sI)⁻¹Cᵀ + ρI)⁻¹ b = (b − C (ρ(W + sI) + CᵀC)⁻¹ Cᵀb)/ρ with the last `sketch`'s
    /// columns (Woodbury); no operator products. `b` and `x` may be the same buffer.
    public func applyInverse(_ b: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>) {
        let n = dimension, k = rank
        if _slowPath(system.count != k * k) { fatalError("Nyström: applyInverse before sketch") }
        var ctb = [Double](repeating: 0, count: k)
        columns.withUnsafeBufferPointer { c in
            for i in 0..<k { ctb[i] = dotD(c.baseAddress! + i * n, b, n) }
        }
        let y = solveDense(system, ctb, k) ?? [Double](repeating: 0, count: k)
        let rho = systemRho
        columns.withUnsafeBufferPointer { c in
            for i in 0..<n {
                var s = Double(b[i])
                for j in 0..<k { s -= Double(c[j * n + i]) * y[j] }
                x[i] = Float(s / rho)
            }
        }
    }
}

/// Solves the dense system M y = r (row-major n×n) by LU with partial pivoting (GSL), in Double.
/// Returns nil when M is singular.
public func solveDense(_ m: [Double], _ r: [Double], _ n: Int) -> [Double]? {
    precondition(m.count == n * n && r.count == n, "solveDense: sizes do not match \(n)")
    var a = m, rhs = r
    var y = [Double](repeating: 0, count: n)
    gsl_set_error_handler_off()
    let ok: Bool = a.withUnsafeMutableBufferPointer { ap in
        rhs.withUnsafeMutableBufferPointer { rp in
            y.withUnsafeMutableBufferPointer { yp in
                var am = gsl_matrix_view_array(ap.baseAddress, n, n)
                var rv = gsl_vector_view_array(rp.baseAddress, n)
                var yv = gsl_vector_view_array(yp.baseAddress, n)
                let perm = gsl_permutation_alloc(n)
                defer { gsl_permutation_free(perm) }
                var sign: Int32 = 0
                guard gsl_linalg_LU_decomp(&am.matrix, perm, &sign) == Int32(GSL_SUCCESS) else { return false }
                if (0..<n).contains(where: { ap[$0 * n + $0] == 0 }) { return false }
                return gsl_linalg_LU_solve(&am.matrix, perm, &rv.vector, &yv.vector) == Int32(GSL_SUCCESS)
            }
        }
    }
    return ok && y.allSatisfy(\.isFinite) ? y : nil
}
