import CKernels
/// A symmetric linear map on Float vectors of length `dimension`, given matrix-free by its product
/// (typically a Hessian-vector product). `apply(v, out)` writes A·v into `out`.
public struct LinearOperator {
    public let dimension: Int
    public let apply: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void

    public init(dimension: Int, apply: @escaping (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        self.dimension = dimension
        self.apply = apply
    }

    /// A dense row-major matrix as an operator (tests, small problems).
    public init(matrix: [Float], dimension n: Int) {
        precondition(matrix.count == n * n, "LinearOperator: \(matrix.count) entries for a \(n)×\(n) matrix")
        self.init(dimension: n) { v, out in
            for i in 0..<n {
                var s: Float = 0
                for j in 0..<n { s += matrix[i * n + j] * v[j] }
                out[i] = s
            }
        }
    }

    /// The dense matrix, column by column (n products with unit vectors), in Double.
    public func denseMatrix() -> [Double] {
        let n = dimension
        var a = [Double](repeating: 0, count: n * n)
        let e = UnsafeMutablePointer<Float>.allocate(capacity: n), col = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { e.deallocate(); col.deallocate() }
        e.initialize(repeating: 0, count: n)
        for j in 0..<n {
            e[j] = 1
            apply(e, col)
            e[j] = 0
            for i in 0..<n { a[i * n + j] = Double(col[i]) }
        }
        return a
    }
}

@inline(__always) public func dotD(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
    stk_dot_double(a, b, n)
}

/// Which approximation of (A + λI)⁻¹b a hypergradient uses.
public enum InverseSolver: Sendable, Equatable {
    /// Conjugate gradient with at most `iterations` products, stopping once ‖r‖ ≤ max(`tolerance`·‖b‖,
    /// `absoluteTolerance`), SciPy's and JAX's `cg(rtol, atol)` rule; 0 and 0 run every iteration. The
    /// STAC public off-policy code stops at rᵀr < 1e-18, which is `absoluteTolerance` 1e-9.
    case conjugateGradient(iterations: Int, tolerance: Float = 0, absoluteTolerance: Float = 0)
    /// Rank-`rank` Nyström sketch Â of A + λI from `rank` columns sampled without replacement,
    /// inverted with Woodbury as (Â + ρI)⁻¹ (Hataya & Yamada, "Nyström Method for Accurate and
    /// Scalable Implicit Differentiation", AISTATS 2023, arXiv:2302.09726).
    ///
    /// ρ > 0 is the sketch's own regularization, separate from λ: a rank-k sketch is singular, so
    /// ρ is what makes it invertible, whereas λ is the game's (STAC's) regularization of the
    /// follower Hessian. When λ > 0 it is added to the operator *before* sketching (the sampled
    /// columns are those of H + λI), so the solve is (Nyström(H + λI) + ρI)⁻¹b; with λ = 0 it is
    /// the paper's (Ĥ + ρI)⁻¹b. At full rank the sketch is exact and this is (H + (λ + ρ)I)⁻¹b.
    ///
    /// `seed` seeds the column sampling: the first solve with a seed draws from
    /// `SeededGenerator(seed:)`, successive solves draw fresh columns from the same stream, and a
    /// change of seed restarts the stream.
    case nystrom(rank: Int, rho: Float, seed: UInt64 = 0)
    /// CG preconditioned by the Nyström inverse (Â + ρI)⁻¹ of a rank-`rank` sketch drawn once per
    /// solve (Frangella, Tropp & Udell 2023, "Randomized Nyström preconditioning",
    /// arXiv:2110.02820; BLPO's unpublished `nystrom_preconditioned_cg.py`): `rank` products for the
    /// sketch, then at most `iterations` more.
    /// The stopping rule is CG's, on the unpreconditioned residual.
    case nystromPreconditionedCG(iterations: Int, tolerance: Float = 0, absoluteTolerance: Float = 0, rank: Int, rho: Float, seed: UInt64 = 0)
    /// Truncated Neumann series α Σ_{i<terms} (I − α(A + λI))ⁱ b; needs α < 2/λ_max.
    case neumann(terms: Int, alpha: Float)
    /// Dense A built column by column and solved by LU in Double (small problems, checks).
    case exact
}

/// What a solve did, for logging and for the error-vs-budget tables.
public struct SolveReport: Sendable {
    /// Operator products used (Hessian-vector products, for a Hessian), including the one that
    /// measures the residual when a caller asks for it (`TotalDerivative.measureResidual`).
    public var products: Int = 0
    /// Iterations that updated the solution: CG's completed steps (one fewer than its products
    /// when it stopped on negative curvature); Neumann's terms after the first; 0 for the direct
    /// solvers (Nyström, exact).
    public var iterations: Int = 0
    /// ‖(A + λI)x − b‖ / ‖b‖ at the end, when the solver measured it (CG does, by its recurrence;
    /// the others, the exact solve included, only with one extra product: nil otherwise, since the
    /// exact solve's float32 products leave a residual it does not know).
    public var relativeResidual: Float?
    /// Neumann: ‖(I − α(A + λI))^(K−1) b‖ / ‖b‖, the last term's size against the first, measured
    /// without a product. A converging series keeps it at or below 1 (every eigen-direction shrinks
    /// by |1 − αμ| < 1); above 1 the series is growing: α is too large for the largest eigenvalue,
    /// or the matrix is indefinite.
    public var neumannGrowth: Float?
    /// CG met a direction with pᵀ(A + λI)p ≤ 0 (an indefinite follower Hessian; raise λ) and stopped there.
    public var stoppedOnNegativeCurvature = false
    /// Steps CG took along directions with pᵀ(A + λI)p < 0 when told to go through them (plain CG,
    /// as the STAC and BLPO code run it), instead of stopping.
    public var stepsThroughNegativeCurvature = 0
    /// Whether CG met negative curvature at all, stopping or not.
    public var metNegativeCurvature: Bool { stoppedOnNegativeCurvature || stepsThroughNegativeCurvature > 0 }
    /// Whether the solver looks at curvature at all (CG does; Neumann, Nyström and the exact
    /// solve do not, so for them `metNegativeCurvature` says nothing).
    public var checksCurvature = false
    public init() {}
}
