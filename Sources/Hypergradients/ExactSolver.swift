/// (A + λI)⁻¹b by building A column by column (n products) and solving by LU in Double: the
/// reference the matrix-free solvers are checked against. O(n) products and O(n³) time, so only
/// for small problems.
public enum ExactSolver {
    @discardableResult
    public static func solve(_ a: LinearOperator, regularization lambda: Float = 0, b: UnsafePointer<Float>,
                             into x: UnsafeMutablePointer<Float>) -> SolveReport {
        let n = a.dimension
        var m = a.denseMatrix()
        // A Hessian from floating-point products is symmetric only up to rounding.
        for i in 0..<n { for j in (i + 1)..<n { let s = 0.5 * (m[i * n + j] + m[j * n + i]); m[i * n + j] = s; m[j * n + i] = s } }
        for i in 0..<n { m[i * n + i] += Double(lambda) }
        let rhs = (0..<n).map { Double(b[$0]) }
        var report = SolveReport()
        report.products = n
        if let y = solveDense(m, rhs, n) {
            for i in 0..<n { x[i] = Float(y[i]) }
        } else {
            x.update(repeating: .nan, count: n)
        }
        return report
    }
}
