/// (A + λI)⁻¹b ≈ α Σ_{i<terms} (I − α(A + λI))ⁱ b, the truncated Neumann series (Lorraine et al.
/// 2020). Converges when 0 < α < 2/λ_max(A + λI); the error after K terms is ‖(I − αA)^K‖ times the
/// solution's.
public final class NeumannSolver {
    public let dimension: Int
    private let term, product: UnsafeMutablePointer<Float>

    public init(dimension: Int) {
        self.dimension = dimension
        term = .allocate(capacity: max(dimension, 1)); product = .allocate(capacity: max(dimension, 1))
    }

    deinit { term.deallocate(); product.deallocate() }

    @discardableResult
    public func solve(_ a: LinearOperator, regularization lambda: Float = 0, b: UnsafePointer<Float>,
                      into x: UnsafeMutablePointer<Float>, terms: Int, alpha: Float) -> SolveReport {
        precondition(a.dimension == dimension, "Neumann: operator of size \(a.dimension) given to a solver of size \(dimension)")
        precondition(terms >= 1 && alpha > 0, "Neumann: need terms ≥ 1 and α > 0")
        let n = dimension
        var report = SolveReport()
        term.update(from: b, count: n)         // v_0 = b
        x.update(from: b, count: n)            // running sum
        for _ in 1..<terms {
            a.apply(term, product); report.products += 1
            for i in 0..<n { term[i] -= alpha * (product[i] + lambda * term[i]) }   // v_{i+1} = (I − α(A+λI)) v_i
            for i in 0..<n { x[i] += term[i] }
            report.iterations += 1
        }
        for i in 0..<n { x[i] *= alpha }
        var last = 0.0, first = 0.0
        for i in 0..<n { last += Double(term[i]) * Double(term[i]); first += Double(b[i]) * Double(b[i]) }
        report.neumannGrowth = first > 0 ? Float((last / first).squareRoot()) : 0
        return report
    }
}
