import Foundation
import Hypergradients

/// λ as a function of the environment step t: STAC's regularization of the follower Hessian.
public enum LambdaSchedule: Sendable, Equatable {
    case constant(Float)
    /// λ·exp(−t/τ), t in environment steps (the STAC public off-policy code: λ = 500, τ = 1e5).
    case exponentialDecay(initial: Float, timeConstant: Double)

    public func value(atEnvironmentStep t: Int) -> Float {
        switch self {
        case .constant(let l): return l
        case .exponentialDecay(let l, let tau): return Float(Double(l) * Foundation.exp(-Double(t) / tau))
        }
    }
}

/// How a leader's hypergradient is solved: the inverse-Hessian-vector product's solver and budget,
/// λ's schedule, and whether the residual is measured. Shared by the total-derivative (STAC) and
/// nested (BLPO) couplings. Defaults: CG with k = 10 Hessian-vector products and λ = 0 (STAC's CG;
/// arXiv 2109.12286 App. E), Nyström rank 5 and ρ = 50 when chosen (BLPO's code, arXiv 2505.11714).
public struct HypergradientOptions: Sendable, Equatable {
    public enum Solver: String, Sendable, CaseIterable {
        case cg, nystrom, neumann, exact
        /// CG preconditioned by the Nyström inverse (rank, ρ, columns as for `nystrom`).
        case nystromCG = "nystrom_cg"
    }
    /// Which Hessian columns each Nyström sketch samples.
    public enum NystromColumns: String, Sendable, CaseIterable {
        /// Fresh columns at every solve, from the seed's stream.
        case perSolve = "per_solve"
        /// The seed's first draw at every solve: BLPO's public code fixes its columns for the run.
        case fixed
    }
    public var solver: Solver = .cg
    /// CG: at most this many Hessian-vector products.
    public var cgIterations = 10
    /// CG: stop at this relative residual (0: run every iteration).
    public var cgTolerance: Float = 0
    /// CG: stop once ‖r‖ ≤ this, whatever ‖b‖ (0: no absolute rule). The STAC off-policy code stops at
    /// rᵀr < 1e-18, that is 1e-9 here; the stop is at max(cg_tolerance·‖b‖, this).
    public var cgAbsoluteTolerance: Float = 0
    public var nystromRank = 5
    /// Nyström's own ρ > 0, apart from λ.
    public var nystromRho: Float = 50
    public var nystromSeed = 0
    public var nystromColumns: NystromColumns = .perSolve
    /// s in the sketch's core W + sI (0: textbook Nyström; BLPO's code: 1).
    public var nystromCoreShift: Float = 0
    public var neumannTerms = 10
    public var neumannAlpha: Float = 0.01
    /// λ ≥ 0 at the start.
    public var lambda: Float = 0
    /// τ of λ·exp(−t/τ) in environment steps; 0 keeps λ constant.
    public var lambdaTimeConstant: Double = 0
    /// Measure the final residual of solvers that do not track it, with one more product.
    public var measureResidual = false
    /// CG starts from the previous update's solution (saves products only with a tolerance).
    public var cgWarmStart = false
    /// What CG does on a direction with pᵀ(H + λI)p ≤ 0.
    public enum NegativeCurvature: String, Sendable, CaseIterable {
        /// Stop with the current iterate (truncated CG, Steihaug 1983): the default.
        case stop
        /// Step through it as plain CG does (the STAC and BLPO code: none of their CG loops checks
        /// the curvature), to reproduce them; the solve can then grow large where λ is small.
        case `continue`
    }
    public var cgNegativeCurvature: NegativeCurvature = .stop

    public init() {}

    public var lambdaSchedule: LambdaSchedule {
        lambdaTimeConstant > 0 ? .exponentialDecay(initial: lambda, timeConstant: lambdaTimeConstant) : .constant(lambda)
    }

    public var inverseSolver: InverseSolver {
        switch solver {
        case .cg: return .conjugateGradient(iterations: cgIterations, tolerance: cgTolerance, absoluteTolerance: cgAbsoluteTolerance)
        case .nystrom: return .nystrom(rank: nystromRank, rho: nystromRho, seed: UInt64(nystromSeed))
        case .neumann: return .neumann(terms: neumannTerms, alpha: neumannAlpha)
        case .exact: return .exact
        case .nystromCG:
            return .nystromPreconditionedCG(iterations: cgIterations, tolerance: cgTolerance, absoluteTolerance: cgAbsoluteTolerance, rank: nystromRank, rho: nystromRho, seed: UInt64(nystromSeed))
        }
    }

    /// Throws `AgentError.badConfig` naming every setting out of range (``ConfigChecks``), as `prefix` + its key
    /// (`stackelberg.` or `nested.`), with the value it got.
    public func validate(prefix: String = "") throws {
        var checks = ConfigChecks()
        func check(_ ok: Bool, _ key: String, _ rule: String, _ value: Any) {
            checks.require(ok, "\(prefix)\(key) must be \(rule), got \(value)")
        }
        check(lambda >= 0 && lambda.isFinite, "lambda", "finite and ≥ 0", lambda)
        check(lambdaTimeConstant >= 0 && lambdaTimeConstant.isFinite, "lambda_time_constant", "≥ 0 (0: constant λ)", lambdaTimeConstant)
        check(cgIterations >= 1, "cg_iterations", "≥ 1", cgIterations)
        check(cgTolerance >= 0 && cgTolerance.isFinite, "cg_tolerance", "≥ 0 (0: run every iteration)", cgTolerance)
        check(cgAbsoluteTolerance >= 0 && cgAbsoluteTolerance.isFinite, "cg_absolute_tolerance", "≥ 0 (0: no absolute rule; the STAC code's is 1e-9)", cgAbsoluteTolerance)
        check(nystromRank >= 1, "nystrom_rank", "≥ 1", nystromRank)
        check(nystromRho > 0 && nystromRho.isFinite, "nystrom_rho", "> 0 (it makes the rank-k sketch invertible)", nystromRho)
        check(nystromSeed >= 0, "nystrom_seed", "≥ 0", nystromSeed)
        check(nystromCoreShift >= 0 && nystromCoreShift.isFinite, "nystrom_core_shift", "finite and ≥ 0", nystromCoreShift)
        check(neumannTerms >= 1, "neumann_terms", "≥ 1", neumannTerms)
        check(neumannAlpha > 0 && neumannAlpha.isFinite, "neumann_alpha", "> 0 (and below 2/λ_max for the series to converge)", neumannAlpha)
        // λ shifts every eigenvalue of the follower Hessian: with α·λ ≥ 2 the series Σ (I − α(H + λI))ᵏ diverges
        // from the first update whatever H is (STAC's λ = 500 with the default α = 0.01 did, every run).
        checks.require(!(solver == .neumann && neumannAlpha * lambda >= 2),
                       "\(prefix)neumann_alpha × \(prefix)lambda = \(neumannAlpha) × \(lambda) = \(neumannAlpha * lambda) ≥ 2: the Neumann series diverges from the first update whatever the follower Hessian; give \(prefix)neumann_alpha below 2/λ = \(2 / lambda) (below 2/(λ + the Hessian's largest eigenvalue) to converge), or a smaller \(prefix)lambda")
        try checks.finish()
    }
}

/// The diagnostics every hypergradient coupling reports, in column order (the game quantities the
/// toy-game module computes, measured at scale): λ used, ‖∇_leader f₁‖, ‖Df₁‖, the correction's norm,
/// cos∠(∇_leader f₁, Df₁), Hessian-vector products, solver iterations, final relative residual
/// (NaN when not measured) and whether CG met negative curvature (1/0).
enum HypergradientMetrics {
    static let names = ["lambda", "leader_gradient_norm", "total_derivative_norm", "correction_norm", "cosine",
                        "hvp_products", "solver_iterations", "solver_residual", "negative_curvature"]

    static func write(_ d: TotalDerivative.Diagnostics, into metrics: UpdateMetrics, from first: UpdateMetrics.Slot) {
        let i = first.index
        metrics[.init(index: i)] = d.lambda
        metrics[.init(index: i + 1)] = d.leaderGradientNorm
        metrics[.init(index: i + 2)] = d.totalDerivativeNorm
        metrics[.init(index: i + 3)] = d.correctionNorm
        metrics[.init(index: i + 4)] = d.cosine
        metrics[.init(index: i + 5)] = Float(d.solve.products)
        metrics[.init(index: i + 6)] = Float(d.solve.iterations)
        metrics[.init(index: i + 7)] = d.solve.relativeResidual ?? .nan
        // NaN (left out of window means) where not measured: a solver that never checks curvature.
        metrics[.init(index: i + 8)] = d.solve.checksCurvature ? (d.metNegativeCurvature ? 1 : 0) : .nan
    }
}
