import Symbolic
import CNumerics

extension Game {
    /// The deterministic game whose costs are the expectations of this game's costs over its noise
    /// variable ε ~ N(0, 1), by Gauss–Hermite quadrature. Symbolic analysis (fields, equilibria,
    /// spectra) runs on this expected game; the sampled dynamics draw ε instead.
    public func expectedGame() -> Game {
        guard let noise else { return self }
        let (nodes, weights) = gaussHermiteStandardNormal(noise.quadratureNodes)
        func expectation(_ e: Expr) -> Expr {
            guard e.variables.contains(noise.variable) else { return e }
            return Expr.add(zip(nodes, weights).map { x, w in Expr.multiply([.constant(w), e.substituting([noise.variable: .constant(x)])]) })
        }
        var g = self
        g.leaderCost = expectation(leaderCost)
        g.followerCost = expectation(followerCost)
        g.leaderReturn = expectation(leaderReturn)
        g.noise = nil
        return g
    }
}

/// Nodes and weights of the n-point Gauss–Hermite rule for E[f(ε)], ε ~ N(0, 1)
/// (probabilists' Hermite polynomials), by the Golub–Welsch eigenvalue method.
public func gaussHermiteStandardNormal(_ n: Int) -> (nodes: [Double], weights: [Double]) {
    let jacobi = gsl_matrix_calloc(n, n)!
    defer { gsl_matrix_free(jacobi) }
    for k in 1..<max(n, 1) {
        let b = Double(k).squareRoot()
        gsl_matrix_set(jacobi, k - 1, k, b)
        gsl_matrix_set(jacobi, k, k - 1, b)
    }
    let values = gsl_vector_alloc(n)!, vectors = gsl_matrix_alloc(n, n)!
    let work = gsl_eigen_symmv_alloc(n)!
    defer { gsl_vector_free(values); gsl_matrix_free(vectors); gsl_eigen_symmv_free(work) }
    gsl_eigen_symmv(jacobi, values, vectors, work)
    gsl_eigen_symmv_sort(values, vectors, GSL_EIGEN_SORT_VAL_ASC)
    var nodes: [Double] = [], weights: [Double] = []
    for i in 0..<n {
        nodes.append(gsl_vector_get(values, i))
        let v0 = gsl_matrix_get(vectors, 0, i)
        weights.append(v0 * v0)
    }
    // Symmetrize: the rule is exact for odd functions, which keeps symmetric equilibria exact.
    for i in 0..<n / 2 {
        let x = (nodes[n - 1 - i] - nodes[i]) / 2, w = (weights[i] + weights[n - 1 - i]) / 2
        nodes[i] = -x; nodes[n - 1 - i] = x; weights[i] = w; weights[n - 1 - i] = w
    }
    if n % 2 == 1 { nodes[n / 2] = 0 }
    return (nodes, weights)
}
