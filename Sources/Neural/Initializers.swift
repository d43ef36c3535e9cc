import Autodiff
import Foundation
import Seeding

/// How a weight is filled at creation. `fanIn`/`fanOut` are the matrix's rows and columns
/// (for a convolution, fanIn = kernel height·width·input channels).
public enum Initializer: Sendable, Equatable {
    case zeros
    case constant(Float)
    case uniform(low: Float, high: Float)
    case normal(standardDeviation: Float)
    /// U(−1/√fanIn, 1/√fanIn), PyTorch's default for Linear and Conv layers.
    case fanInUniform
    /// Glorot: U(±gain·√(6/(fanIn+fanOut))).
    case xavierUniform(gain: Float = 1)
    /// Glorot: N(0, gain²·2/(fanIn+fanOut)).
    case xavierNormal(gain: Float = 1)
    /// He/Kaiming for ReLU: N(0, 2/fanIn).
    case heNormal
    /// He/Kaiming for ReLU: U(±√(6/fanIn)).
    case heUniform
    /// A (semi-)orthogonal matrix times `gain` (Saxe et al. 2014), the actor–critic default.
    case orthogonal(gain: Float = 1)

    /// Fills `p` (viewed as fanIn × fanOut) from `rng`.
    public func fill(_ p: Parameter, fanIn: Int, fanOut: Int, using rng: inout SeededGenerator) {
        let n = p.count
        precondition(fanIn * fanOut == n || self.isElementwise,
                     "Initializer \(self): \(p.name) has \(n) values, not fanIn·fanOut = \(fanIn)·\(fanOut)")
        switch self {
        case .zeros: p.value.update(repeating: 0, count: n)
        case .constant(let c): p.value.update(repeating: c, count: n)
        case .uniform(let lo, let hi): for i in 0..<n { p.value[i] = lo + (hi - lo) * Float(rng.uniform()) }
        case .normal(let sd): for i in 0..<n { p.value[i] = sd * Float(rng.normal()) }
        case .fanInUniform:
            let b = 1 / Float(fanIn).squareRoot()
            for i in 0..<n { p.value[i] = -b + 2 * b * Float(rng.uniform()) }
        case .xavierUniform(let gain):
            let b = gain * (6 / Float(fanIn + fanOut)).squareRoot()
            for i in 0..<n { p.value[i] = -b + 2 * b * Float(rng.uniform()) }
        case .xavierNormal(let gain):
            let sd = gain * (2 / Float(fanIn + fanOut)).squareRoot()
            for i in 0..<n { p.value[i] = sd * Float(rng.normal()) }
        case .heNormal:
            let sd = (2 / Float(fanIn)).squareRoot()
            for i in 0..<n { p.value[i] = sd * Float(rng.normal()) }
        case .heUniform:
            let b = (6 / Float(fanIn)).squareRoot()
            for i in 0..<n { p.value[i] = -b + 2 * b * Float(rng.uniform()) }
        case .orthogonal(let gain):
            let q = Initializer.orthogonalMatrix(rows: fanIn, columns: fanOut, using: &rng)
            for i in 0..<n { p.value[i] = gain * Float(q[i]) }
        }
    }

    private var isElementwise: Bool {
        switch self {
        case .zeros, .constant, .uniform, .normal: return true
        default: return false
        }
    }

    /// rows × columns, row-major, with orthonormal columns (rows ≥ columns) or rows: the Q factor of
    /// a Gaussian matrix by modified Gram–Schmidt in Double, signs fixed by R's diagonal so the
    /// distribution is uniform (Haar).
    static func orthogonalMatrix(rows: Int, columns: Int, using rng: inout SeededGenerator) -> [Double] {
        let tall = rows >= columns
        let (m, k) = tall ? (rows, columns) : (columns, rows)   // m × k, m ≥ k, orthonormal columns
        var a = (0..<(m * k)).map { _ in rng.normal() }       // column j is a[j*m ..< (j+1)*m]
        for j in 0..<k {
            for i in 0..<j {
                var d = 0.0
                for r in 0..<m { d += a[i * m + r] * a[j * m + r] }
                for r in 0..<m { a[j * m + r] -= d * a[i * m + r] }
            }
            var norm = 0.0
            for r in 0..<m { norm += a[j * m + r] * a[j * m + r] }
            norm = norm.squareRoot()
            // R's diagonal is the norm (positive by construction), so no sign flip is needed.
            for r in 0..<m { a[j * m + r] /= norm }
        }
        var out = [Double](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for c in 0..<columns {
                out[r * columns + c] = tall ? a[c * m + r] : a[r * m + c]
            }
        }
        return out
    }
}
