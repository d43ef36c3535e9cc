/// Solves (A + λI)x = b for symmetric positive (semi)definite A by conjugate gradient, matrix-free.
/// The work vectors are allocated once per solver, so repeated solves of one size allocate nothing.
///
/// A follower Hessian need not be positive definite (an actor–critic's critic loss is not, away
/// from its minimum). When CG meets a direction with pᵀ(A + λI)p ≤ 0 it stops there and returns
/// the current iterate: truncated CG as Newton–CG methods use it (Steihaug 1983). Its residual can
/// then exceed ‖b‖ (relative residuals above 1 were seen on CartPole's critic at λ = 0; the report
/// says so). Returning the smallest-residual iterate instead, often 0 (no correction at all), was
/// tried and made STAC's head leader fail Acrobot where it had solved it. With
/// `throughNegativeCurvature` it takes such steps anyway (α = rᵀr / pᵀ(A + λI)p < 0), as plain CG
/// does in the STAC and BLPO code (a hand-written loop and SciPy's/JAX's `cg`, none of which checks
/// the curvature); it still stops where pᵀ(A + λI)p is 0 or not finite.
public final class ConjugateGradientSolver {
    public let dimension: Int
    private let r, p, q, z: UnsafeMutablePointer<Float>

    public init(dimension: Int) {
        self.dimension = dimension
        r = .allocate(capacity: max(dimension, 1)); p = .allocate(capacity: max(dimension, 1)); q = .allocate(capacity: max(dimension, 1))
        z = .allocate(capacity: max(dimension, 1))
    }

    deinit { r.deallocate(); p.deallocate(); q.deallocate(); z.deallocate() }

    /// Writes the solution into `x`. With `warmStart`, `x` holds the initial guess; otherwise it starts at 0.
    /// A warm start whose residual is no better than 0's (‖b − (A + λI)x₀‖ ≥ ‖b‖) restarts from 0, having
    /// spent its one product.
    /// It stops before the next product once ‖r‖ ≤ max(`tolerance`·‖b‖, `absoluteTolerance`) (SciPy's and
    /// JAX's `cg(rtol, atol)` rule; both 0: every iteration runs). The STAC off-policy code's rule,
    /// rᵀr < 1e-18, is `absoluteTolerance` 1e-9.
    /// `residuals`, when given, receives ‖r_k‖/‖b‖ after each iteration.
    /// `preconditioner`, when given, applies M⁻¹ ≈ (A + λI)⁻¹ (symmetric positive definite, e.g. a
    /// Nyström inverse): preconditioned CG, with the same stopping rules on the unpreconditioned
    /// residual ‖r‖/‖b‖ and negative curvature of A + λI along the search direction.
    /// `throughNegativeCurvature`: step along directions of negative curvature instead of stopping
    /// (unpreconditioned CG only; counted in the report's `stepsThroughNegativeCurvature`).
    @discardableResult
    public func solve(_ a: LinearOperator, regularization lambda: Float = 0, b: UnsafePointer<Float>,
                      into x: UnsafeMutablePointer<Float>, maxIterations: Int, tolerance: Float = 0, absoluteTolerance: Float = 0,
                      warmStart: Bool = false, throughNegativeCurvature: Bool = false, residuals: ((Float) -> Void)? = nil,
                      preconditioner: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void)? = nil) -> SolveReport {
        precondition(a.dimension == dimension, "CG: operator of size \(a.dimension) given to a solver of size \(dimension)")
        precondition(maxIterations >= 0 && lambda >= 0, "CG: iterations and λ must be non-negative")
        let n = dimension
        var report = SolveReport()
        report.checksCurvature = true
        let bb = dotD(b, b, n), bNorm = bb.squareRoot()
        // ‖r‖ at which to stop (−1: never), compared with √(rᵀr) as computed, not rᵀr with its square.
        let stop = tolerance > 0 || absoluteTolerance > 0 ? max(Double(tolerance) * bNorm, Double(absoluteTolerance)) : -1
        var rr: Double
        if warmStart {
            a.apply(x, q); report.products += 1
            for i in 0..<n { r[i] = b[i] - q[i] - lambda * x[i] }
            rr = dotD(r, r, n)
            if !(rr < bb) { x.update(repeating: 0, count: n); r.update(from: b, count: n); rr = bb }
        } else {
            x.update(repeating: 0, count: n)
            r.update(from: b, count: n)
            rr = bb
        }
        guard bNorm > 0 else { x.update(repeating: 0, count: n); report.relativeResidual = 0; return report }
        if let applyPreconditioner = preconditioner {
            return preconditionedIterations(a, lambda: lambda, bNorm: bNorm, x: x, rr: rr, maxIterations: maxIterations, stop: stop,
                                            report: report, residuals: residuals, applyPreconditioner: applyPreconditioner)
        }
        p.update(from: r, count: n)
        for _ in 0..<maxIterations {
            // An exact solution (r = 0) leaves p = 0, whose pᵀAp = 0 is no curvature to report.
            if rr == 0 { break }
            if rr.squareRoot() <= stop { break }
            a.apply(p, q); report.products += 1
            if lambda != 0 { for i in 0..<n { q[i] += lambda * p[i] } }
            let pq = dotD(p, q, n)
            // pᵀ(A+λI)p ≤ 0: the operator is not positive definite along p (a saddle or a
            // non-convex follower); stop with the current iterate rather than divide by it, unless
            // told to step through it as plain CG does (never through 0 or a non-finite value).
            if !(pq > 0) {
                guard throughNegativeCurvature, pq < 0, pq.isFinite else { report.stoppedOnNegativeCurvature = true; break }
                report.stepsThroughNegativeCurvature += 1
            }
            let alpha = Float(rr / pq)
            for i in 0..<n { x[i] += alpha * p[i]; r[i] -= alpha * q[i] }
            report.iterations += 1
            let rrNew = dotD(r, r, n)
            let beta = Float(rrNew / rr)
            rr = rrNew
            for i in 0..<n { p[i] = r[i] + beta * p[i] }
            residuals?(Float(rr.squareRoot() / bNorm))
        }
        report.relativeResidual = Float(rr.squareRoot() / bNorm)
        return report
    }

    /// PCG from the residual in `r` (x₀ in `x`): z = M⁻¹r, p = z, α = rᵀz/pᵀ(A+λI)p, β = r′ᵀz′/rᵀz.
    private func preconditionedIterations(_ a: LinearOperator, lambda: Float, bNorm: Double, x: UnsafeMutablePointer<Float>, rr rr0: Double,
                                          maxIterations: Int, stop: Double, report r0: SolveReport, residuals: ((Float) -> Void)?,
                                          applyPreconditioner: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> SolveReport {
        let n = dimension
        var report = r0, rr = rr0
        applyPreconditioner(r, z)
        p.update(from: z, count: n)
        var rz = dotD(r, z, n)
        for _ in 0..<maxIterations {
            if rr.squareRoot() <= stop { break }
            a.apply(p, q); report.products += 1
            if lambda != 0 { for i in 0..<n { q[i] += lambda * p[i] } }
            let pq = dotD(p, q, n)
            guard pq > 0, rz > 0 else { report.stoppedOnNegativeCurvature = true; break }
            let alpha = Float(rz / pq)
            for i in 0..<n { x[i] += alpha * p[i]; r[i] -= alpha * q[i] }
            report.iterations += 1
            rr = dotD(r, r, n)
            applyPreconditioner(r, z)
            let rzNew = dotD(r, z, n)
            let beta = Float(rzNew / rz)
            rz = rzNew
            for i in 0..<n { p[i] = z[i] + beta * p[i] }
            residuals?(Float(rr.squareRoot() / bNorm))
        }
        report.relativeResidual = Float(rr.squareRoot() / bNorm)
        return report
    }
}
