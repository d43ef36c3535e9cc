import CNumerics
import Symbolic

/// A zero of a dynamic's gradient map found by GSL's hybrid Powell solver with the symbolic Jacobian.
public struct Root: Sendable {
    public var point: [Double]
    public var residual: Double
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
    /// (enlarged by 5 %), sorted by distance from the domain's centre.
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

        let diameter = domain.map { $0.upperBound - $0.lowerBound }.reduce(0) { $0 + $1 * $1 }.squareRoot()
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
            let residual = evaluate(point).reduce(0) { $0 + $1 * $1 }.squareRoot()
            // Degenerate (non-simple) roots converge slowly; accept a small residual, not only GSL's verdict.
            guard residual.isFinite, residual < 1e-7, zip(point, box).allSatisfy({ $1.contains($0) }) else { continue }
            let merge = 1e-4 * diameter
            if let i = found.firstIndex(where: { distance($0.point, point) < merge }) {
                if residual < found[i].residual { found[i] = Root(point: point, residual: residual) }
            } else {
                found.append(Root(point: point, residual: residual))
            }
        }
        let centre = domain.map { ($0.lowerBound + $0.upperBound) / 2 }
        return found.map { snapToZero($0, scale: diameter) }.sorted { distance($0.point, centre) < distance($1.point, centre) }
    }

    /// Coordinates within round-off of zero are set to zero when that keeps the point a root
    /// (or lands on a point where the map is undefined, which the classification then reports).
    private func snapToZero(_ root: Root, scale: Double) -> Root {
        let snapped = root.point.map { Swift.abs($0) < 1e-3 * scale ? 0 : $0 }
        guard snapped != root.point else { return root }
        let r = evaluate(snapped).reduce(0) { $0 + $1 * $1 }.squareRoot()
        if r.isNaN || r <= max(root.residual, 1e-12) { return Root(point: snapped, residual: r.isNaN ? root.residual : r) }
        return root
    }
}

func distance(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
}

/// Starts on a regular grid filling the domain, `perAxis` per coordinate (capped at 4096 points).
public func gridStarts(domain: [ClosedRange<Double>], perAxis: Int) -> [[Double]] {
    let per = max(1, min(perAxis, Int(pow(4096.0, 1.0 / Double(domain.count)))))
    var result: [[Double]] = [[]]
    for r in domain {
        let values = (0..<per).map { r.lowerBound + (r.upperBound - r.lowerBound) * (Double($0) + 0.5) / Double(per) }
        result = result.flatMap { prefix in values.map { prefix + [$0] } }
    }
    return result
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
