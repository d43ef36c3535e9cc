/// Solves (A + λI)x = b for symmetric positive (semi)definite A by conjugate gradient, matrix-free.
/// The work vectors are allocated once per solver, so repeated solves of one size allocate nothing.
public final class ConjugateGradientSolver {
    public let dimension: Int
    private let r, p, q: UnsafeMutablePointer<Float>

    public init(dimension: Int) {
        self.dimension = dimension
        r = .allocate(capacity: max(dimension, 1)); p = .allocate(capacity: max(dimension, 1)); q = .allocate(capacity: max(dimension, 1))
    }

    deinit { r.deallocate(); p.deallocate(); q.deallocate() }

    /// Writes the solution into `x`. With `warmStart`, `x` holds the initial guess; otherwise it starts at 0.
    /// `residuals`, when given, receives ‖r_k‖/‖b‖ after each iteration.
    @discardableResult
    public func solve(_ a: LinearOperator, regularization lambda: Float = 0, b: UnsafePointer<Float>,
                      into x: UnsafeMutablePointer<Float>, maxIterations: Int, tolerance: Float = 0,
                      warmStart: Bool = false, residuals: ((Float) -> Void)? = nil) -> SolveReport {
        precondition(a.dimension == dimension, "CG: operator of size \(a.dimension) given to a solver of size \(dimension)")
        precondition(maxIterations >= 0 && lambda >= 0, "CG: iterations and λ must be non-negative")
        let n = dimension
        var report = SolveReport()
        if warmStart {
            a.apply(x, q); report.products += 1
            for i in 0..<n { r[i] = b[i] - q[i] - lambda * x[i] }
        } else {
            x.update(repeating: 0, count: n)
            r.update(from: b, count: n)
        }
        p.update(from: r, count: n)
        let bNorm = dotD(b, b, n).squareRoot()
        guard bNorm > 0 else { x.update(repeating: 0, count: n); report.relativeResidual = 0; return report }
        var rr = dotD(r, r, n)
        for _ in 0..<maxIterations {
            if tolerance > 0, rr.squareRoot() <= Double(tolerance) * bNorm { break }
            a.apply(p, q); report.products += 1
            if lambda != 0 { for i in 0..<n { q[i] += lambda * p[i] } }
            let pq = dotD(p, q, n)
            // pᵀ(A+λI)p ≤ 0: the operator is not positive definite along p (a saddle or a
            // non-convex follower); stop with the current iterate rather than divide by it.
            guard pq > 0 else { report.stoppedOnNegativeCurvature = true; break }
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
}
