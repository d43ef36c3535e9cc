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

@inline(__always) func dotD(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
    var s = 0.0
    for i in 0..<n { s += Double(a[i]) * Double(b[i]) }
    return s
}

/// Which approximation of (A + λI)⁻¹b a hypergradient uses.
public enum InverseSolver: Sendable, Equatable {
    /// Conjugate gradient with at most `iterations` products, stopping at relative residual `tolerance`.
    case conjugateGradient(iterations: Int, tolerance: Float = 0)
    /// Rank-`rank` Nyström sketch of A from `rank` sampled columns, inverted with Woodbury.
    case nystrom(rank: Int, seed: UInt64 = 0)
    /// Truncated Neumann series α Σ_{i<terms} (I − α(A + λI))ⁱ b; needs α < 2/λ_max.
    case neumann(terms: Int, alpha: Float)
    /// Dense A built column by column and solved by LU in Double (small problems, checks).
    case exact
}

/// What a solve did, for logging and for the error-vs-budget tables.
public struct SolveReport: Sendable {
    /// Operator products used (Hessian-vector products, for a Hessian).
    public var products: Int = 0
    /// ‖(A + λI)x − b‖ / ‖b‖ at the end, when the solver measured it (CG does; others: nil).
    public var relativeResidual: Float?
    /// CG met a direction with pᵀ(A + λI)p ≤ 0 (an indefinite follower Hessian; raise λ) and stopped there.
    public var stoppedOnNegativeCurvature = false
    public init() {}
}
