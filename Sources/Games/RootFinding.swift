import CNumerics
import Symbolic

/// A zero of a dynamic's gradient map found by GSL's hybrid Powell solver with the symbolic Jacobian.
public struct Root: Sendable {
    public var point: [Double]
    public var residual: Double
    /// How far `point` may still be from the exact root: the last Newton step of the polish. Round-off
    /// for a simple root; larger for a degenerate one (singular Dg there), where Newton creeps in linearly.
    public var uncertainty: Double

    public init(point: [Double], residual: Double, uncertainty: Double = 0) {
        self.point = point; self.residual = residual; self.uncertainty = uncertainty
    }

    /// Whether two roots are the same point. The tolerance is relative to the points' own size and
    /// their uncertainty, never to the size of the search domain: distinct roots a hair apart on a
    /// large domain stay distinct.
    public func coincides(with other: Root) -> Bool {
        let scale = 1 + Swift.max(norm(point), norm(other.point))
        return distance(point, other.point) <= 1e-8 * scale + 10 * (uncertainty + other.uncertainty)
    }
}

/// Sizes of the equilibrium search.
public enum RootSearch {
    /// The most root-finder starts one search may use (each start runs the solver for all three dynamics).
    public static let maxStarts = 100_000
    /// Starts per axis when none are asked for: 9, fewer in high dimension to keep at most `defaultMaxStarts`.
    public static let defaultStartsPerAxis = 9
    public static let defaultMaxStarts = 4096

    /// perAxis^dimension, or nil when that exceeds `limit` (computed without overflow).
    public static func startCount(perAxis: Int, dimension: Int, limit: Int = maxStarts) -> Int? {
        guard perAxis >= 1 else { return 0 }
        var count = 1
        for _ in 0..<dimension {
            let (product, overflow) = count.multipliedReportingOverflow(by: perAxis)
            if overflow || product > limit { return nil }
            count = product
        }
        return count
    }

    /// The most starts per axis whose grid stays within `limit` in `dimension` variables.
    public static func maxPerAxis(dimension: Int, limit: Int = maxStarts) -> Int {
        var per = 1
        while startCount(perAxis: per + 1, dimension: dimension, limit: limit) != nil { per += 1 }
        return per
    }

    /// The default starts per axis for a game with `dimension` variables.
    public static func defaultPerAxis(dimension: Int) -> Int {
        Swift.min(defaultStartsPerAxis, maxPerAxis(dimension: dimension, limit: defaultMaxStarts))
    }
}

private final class RootContext {
    let field: TapeEvaluator
    let jacobian: TapeEvaluator
    let n: Int
    init(_ d: CompiledDynamic) {
        field = TapeEvaluator(d.field, lanes: 1)
        jacobian = TapeEvaluator(d.jacobian, lanes: 1)
        field.input(d.dimension)[0] = d.kind.lambda
        jacobian.input(d.dimension)[0] = d.kind.lambda
        n = d.dimension
    }
}

extension CompiledDynamic {
    /// Runs the root finder from every start and returns the distinct converged roots inside `domain`
    /// (enlarged by 5 %), sorted by distance from the domain's centre. Each root is polished with
    /// Newton's method before it is compared with the others.
    public func roots(starts: [[Double]], domain: [ClosedRange<Double>], tolerance: Double = 1e-12,
                      maxIterations: Int = 400) -> [Root] {
        let context = RootContext(self)
        let unmanaged = Unmanaged.passRetained(context)
        defer { unmanaged.release() }
        var function = gsl_multiroot_function_fdf(f: rootFunction, df: rootJacobian, fdf: rootFunctionAndJacobian, n: dimension, params: unmanaged.toOpaque())
        let solver = gsl_multiroot_fdfsolver_alloc(gsl_multiroot_fdfsolver_hybridsj, dimension)!
        defer { gsl_multiroot_fdfsolver_free(solver) }
        let x0 = gsl_vector_alloc(dimension)!
        defer { gsl_vector_free(x0) }

        let box = domain.map { r in
            let pad = 0.05 * (r.upperBound - r.lowerBound)
            return (r.lowerBound - pad)...(r.upperBound + pad)
        }
        var found: [Root] = []
        for start in starts {
            for k in 0..<dimension { gsl_vector_set(x0, k, start[k]) }
            var status = withGSLErrorsAsCodes { withUnsafeMutablePointer(to: &function) { gsl_multiroot_fdfsolver_set(solver, $0, x0) } }
            guard status == Int32(GSL_SUCCESS) else { continue }
            var iteration = 0
            repeat {
                iteration += 1
                status = withGSLErrorsAsCodes { gsl_multiroot_fdfsolver_iterate(solver) }
                if status != Int32(GSL_SUCCESS) { break }
                status = gsl_multiroot_test_residual(solver.pointee.f, tolerance)
            } while status == Int32(GSL_CONTINUE) && iteration < maxIterations
            let point = (0..<dimension).map { gsl_vector_get(solver.pointee.x, $0) }
            let residual = norm(evaluate(point))
            // Degenerate (non-simple) roots converge slowly; accept a small residual, not only GSL's verdict.
            guard residual.isFinite, residual < 1e-7, zip(point, box).allSatisfy({ $1.contains($0) }) else { continue }
            // Refine with Newton, then compare: two starts that reached the same root agree to round-off
            // (or to the uncertainty of a degenerate root), and distinct roots stay apart however close.
            let root = snapToZero(polish(Root(point: point, residual: residual)))
            guard zip(root.point, box).allSatisfy({ $1.contains($0) }) else { continue }
            if let i = found.firstIndex(where: { $0.coincides(with: root) }) {
                if root.residual < found[i].residual { found[i] = root }
            } else {
                found.append(root)
            }
        }
        let centre = domain.map { ($0.lowerBound + $0.upperBound) / 2 }
        return found.sorted { distance($0.point, centre) < distance($1.point, centre) }
    }

    /// Newton's method from a converged point, down to round-off: a simple root gains its last digits in
    /// a few steps, a degenerate one (singular Dg at the root) creeps in linearly, its residual not always
    /// falling. It goes on while the steps shrink and the point stays a root; the last step taken is the
    /// uncertainty of the result.
    func polish(_ root: Root, maxSteps: Int = 200) -> Root {
        var x = root.point, residual = root.residual, uncertainty = 0.0
        var previousStep = Double.infinity
        let stillARoot = Swift.max(1e-7, 10 * root.residual)
        for _ in 0..<maxSteps {
            let g = evaluate(x)
            guard g.allSatisfy(\.isFinite), let step = jacobianMatrix(x).solve(g) else { break }
            let size = norm(step)
            // No step may leave the neighbourhood of the point the solver reached.
            guard size.isFinite, size <= previousStep, size <= 1e-2 * (1 + norm(x)) else { break }
            let next = zip(x, step).map { $0 - $1 }
            let r = norm(evaluate(next))
            guard r.isFinite, r <= stillARoot else { break }
            x = next; residual = r; previousStep = size; uncertainty = size
            if size <= 4 * Double.ulpOfOne * (1 + norm(x)) { break }
        }
        return Root(point: x, residual: residual, uncertainty: uncertainty)
    }

    /// Coordinates within round-off (or the root's uncertainty) of zero are set to zero when that keeps
    /// the point a root (or lands on a point where the map is undefined, which the classification then
    /// reports). The threshold depends on the point, not on the domain.
    private func snapToZero(_ root: Root) -> Root {
        let threshold = Swift.max(1e-12 * (1 + norm(root.point)), 10 * root.uncertainty)
        let snapped = root.point.map { Swift.abs($0) <= threshold ? 0 : $0 }
        guard snapped != root.point else { return root }
        let r = norm(evaluate(snapped))
        if r.isNaN || r <= Swift.max(root.residual, 1e-12) {
            return Root(point: snapped, residual: r.isNaN ? root.residual : r, uncertainty: root.uncertainty)
        }
        return root
    }
}

/// Euclidean norm, scaled so that coordinates near the largest Double do not overflow.
func norm(_ v: [Double]) -> Double {
    let m = v.reduce(0) { Swift.max($0, Swift.abs($1)) }
    guard m > 0, m.isFinite else { return v.contains { $0.isNaN } ? .nan : m }
    return m * v.reduce(0) { $0 + ($1 / m) * ($1 / m) }.squareRoot()
}

func distance(_ a: [Double], _ b: [Double]) -> Double {
    norm(zip(a, b).map { $0 - $1 })
}

/// Starts on a regular grid filling the domain, `perAxis` per coordinate. Callers check the count
/// against `RootSearch.maxStarts` first (`AnalysisOptions.resolved` does); as a safety net the grid
/// is thinned to stay within it.
public func gridStarts(domain: [ClosedRange<Double>], perAxis: Int) -> [[Double]] {
    let per = Swift.max(1, Swift.min(perAxis, RootSearch.maxPerAxis(dimension: domain.count)))
    var result: [[Double]] = [[]]
    for r in domain {
        let values = (0..<per).map { r.lowerBound + (r.upperBound - r.lowerBound) * (Double($0) + 0.5) / Double(per) }
        result = result.flatMap { prefix in values.map { prefix + [$0] } }
    }
    return result
}

/// `count` quasi-random starts filling the domain: the Halton sequence (radical inverses of 1, 2, …
/// in the first `domain.count` primes), for games with so many variables that a grid of 2 per axis
/// would exceed the default budget of starts. Deterministic, and spread more evenly than random draws.
public func haltonStarts(domain: [ClosedRange<Double>], count: Int) -> [[Double]] {
    var primes = [Int]()
    var candidate = 2
    while primes.count < domain.count {
        if primes.allSatisfy({ candidate % $0 != 0 }) { primes.append(candidate) }
        candidate += 1
    }
    func radicalInverse(_ i: Int, base: Int) -> Double {
        var (n, f, r) = (i, 1.0 / Double(base), 0.0)
        while n > 0 { r += f * Double(n % base); n /= base; f /= Double(base) }
        return r
    }
    return (1...Swift.max(1, count)).map { i in
        zip(domain, primes).map { r, p in r.lowerBound + (r.upperBound - r.lowerBound) * radicalInverse(i, base: p) }
    }
}

import Foundation

// GSL callbacks: C function pointers, so they reach their state through `params`.
private func rootFunction(_ x: UnsafePointer<gsl_vector>?, _ params: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<gsl_vector>?) -> Int32 {
            let c = Unmanaged<RootContext>.fromOpaque(params!).takeUnretainedValue()
            for k in 0..<c.n { c.field.input(k)[0] = gsl_vector_get(x, k) }
            c.field.run()
            for k in 0..<c.n {
                let v = c.field.output(k)[0]
                guard v.isFinite else { return Int32(GSL_EBADFUNC) }
                gsl_vector_set(out, k, v)
            }
            return Int32(GSL_SUCCESS)
        }
private func rootJacobian(_ x: UnsafePointer<gsl_vector>?, _ params: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<gsl_matrix>?) -> Int32 {
            let c = Unmanaged<RootContext>.fromOpaque(params!).takeUnretainedValue()
            for k in 0..<c.n { c.jacobian.input(k)[0] = gsl_vector_get(x, k) }
            c.jacobian.run()
            for i in 0..<c.n { for j in 0..<c.n {
                let v = c.jacobian.output(i * c.n + j)[0]
                guard v.isFinite else { return Int32(GSL_EBADFUNC) }
                gsl_matrix_set(out, i, j, v)
            } }
            return Int32(GSL_SUCCESS)
        }
private func rootFunctionAndJacobian(_ x: UnsafePointer<gsl_vector>?, _ params: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<gsl_vector>?, _ jac: UnsafeMutablePointer<gsl_matrix>?) -> Int32 {
            let s = rootFunction(x, params, out)
            return s == Int32(GSL_SUCCESS) ? rootJacobian(x, params, jac) : s
        }
