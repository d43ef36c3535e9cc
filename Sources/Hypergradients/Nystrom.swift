import CNumerics
import Seeding

/// (A + ρI)⁻¹b with A replaced by its rank-k Nyström approximation Â = C W⁺ Cᵀ, where C = A[:, S]
/// holds k columns sampled without replacement (k operator products with unit vectors) and
/// W = A[S, S]. Woodbury turns the n×n inverse into a k×k solve:
///   (ρI + C W⁻¹ Cᵀ)⁻¹ = (1/ρ)·(I − C (ρW + CᵀC)⁻¹ Cᵀ).
/// This is the hypergradient of Hataya & Yamada (2023) that BLPO uses; ρ must be positive. (BLPO's
/// public code quotes "ρ = 50"; see the README for how its convention maps onto this ρ.)
public final class NystromSolver {
    public let dimension: Int
    public let rank: Int
    private var columns: [Float]        // C, n × k, column j contiguous
    private var indices: [Int]
    private let unit: UnsafeMutablePointer<Float>

    public init(dimension: Int, rank: Int) {
        precondition(rank >= 1 && rank <= dimension, "Nyström: rank \(rank) must lie in 1...\(dimension)")
        self.dimension = dimension
        self.rank = rank
        columns = [Float](repeating: 0, count: dimension * rank)
        indices = [Int](repeating: 0, count: rank)
        unit = .allocate(capacity: dimension)
        unit.initialize(repeating: 0, count: dimension)
    }

    deinit { unit.deallocate() }

    @discardableResult
    public func solve(_ a: LinearOperator, rho: Float, b: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>,
                      rng: inout SeededGenerator) -> SolveReport {
        precondition(a.dimension == dimension, "Nyström: operator of size \(a.dimension) given to a solver of size \(dimension)")
        precondition(rho > 0, "Nyström: ρ must be positive (it regularizes the rank-deficient sketch), got \(rho)")
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
            }
        }
        // M = ρW + CᵀC (k × k, Double), and Cᵀb.
        var m = [Double](repeating: 0, count: k * k), ctb = [Double](repeating: 0, count: k)
        columns.withUnsafeBufferPointer { c in
            let base = c.baseAddress!
            for i in 0..<k {
                ctb[i] = dotD(base + i * n, b, n)
                for j in 0..<k {
                    m[i * k + j] = Double(rho) * Double(base[j * n + indices[i]]) + dotD(base + i * n, base + j * n, n)
                }
            }
        }
        // W is symmetric in exact arithmetic; symmetrize what the products gave before solving.
        for i in 0..<k { for j in (i + 1)..<k { let s = 0.5 * (m[i * k + j] + m[j * k + i]); m[i * k + j] = s; m[j * k + i] = s } }
        let y = solveDense(m, ctb, k) ?? [Double](repeating: 0, count: k)
        // x = (b − C y)/ρ
        columns.withUnsafeBufferPointer { c in
            for i in 0..<n {
                var s = Double(b[i])
                for j in 0..<k { s -= Double(c[j * n + i]) * y[j] }
                x[i] = Float(s / Double(rho))
            }
        }
        return report
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
