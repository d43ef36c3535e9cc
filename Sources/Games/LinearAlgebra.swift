import CNumerics

/// A complex number, as the eigenvalues of a real non-symmetric matrix come out.
public struct Complex: Hashable, Sendable, Codable, CustomStringConvertible {
    public var re: Double
    public var im: Double
    public init(_ re: Double, _ im: Double = 0) { self.re = re; self.im = im }
    public var magnitude: Double { (re * re + im * im).squareRoot() }
    public var description: String {
        im == 0 ? fmt(re) : "\(fmt(re)) \(im < 0 ? "-" : "+") \(fmt(Swift.abs(im)))i"
    }
}

/// A dense row-major matrix of Doubles.
public struct Matrix: Sendable, Codable, Equatable {
    public var rows: Int
    public var columns: Int
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns)
        self.rows = rows; self.columns = columns; self.values = values
    }
    public init(_ nested: [[Double]]) {
        self.init(rows: nested.count, columns: nested.first?.count ?? 0, values: nested.flatMap { $0 })
    }
    public subscript(i: Int, j: Int) -> Double {
        get { values[i * columns + j] }
        set { values[i * columns + j] = newValue }
    }
    public var nested: [[Double]] { (0..<rows).map { Array(values[$0 * columns..<($0 + 1) * columns]) } }
    public var isFinite: Bool { values.allSatisfy(\.isFinite) }
    public var symmetrized: Matrix {
        var m = self
        for i in 0..<rows { for j in 0..<columns { m[i, j] = (self[i, j] + self[j, i]) / 2 } }
        return m
    }

    /// Eigenvalues by GSL's non-symmetric solver (Francis QR), sorted by real part; nil if not finite.
    public func eigenvalues() -> [Complex]? {
        precondition(rows == columns)
        guard isFinite else { return nil }
        let n = rows
        if n == 0 { return [] }
        let m = gsl_matrix_alloc(n, n)!, eval = gsl_vector_complex_alloc(n)!, work = gsl_eigen_nonsymm_alloc(n)!
        defer { gsl_matrix_free(m); gsl_vector_complex_free(eval); gsl_eigen_nonsymm_free(work) }
        for i in 0..<n { for j in 0..<n { gsl_matrix_set(m, i, j, self[i, j]) } }
        let status = withGSLErrorsAsCodes { gsl_eigen_nonsymm(m, eval, work) }
        guard status == Int32(GSL_SUCCESS) else { return nil }
        var result: [Complex] = []
        for i in 0..<n {
            let z = gsl_vector_complex_get(eval, i)
            result.append(Complex(z.dat.0, z.dat.1))
        }
        return result.sorted { ($0.re, $0.im) < ($1.re, $1.im) }
    }

    /// Eigenvalues of the symmetric part, ascending; nil if not finite.
    public func symmetricEigenvalues() -> [Double]? {
        guard isFinite else { return nil }
        let n = rows
        if n == 0 { return [] }
        let s = symmetrized
        let m = gsl_matrix_alloc(n, n)!, eval = gsl_vector_alloc(n)!, work = gsl_eigen_symm_alloc(n)!
        defer { gsl_matrix_free(m); gsl_vector_free(eval); gsl_eigen_symm_free(work) }
        for i in 0..<n { for j in 0..<n { gsl_matrix_set(m, i, j, s[i, j]) } }
        guard withGSLErrorsAsCodes({ gsl_eigen_symm(m, eval, work) }) == Int32(GSL_SUCCESS) else { return nil }
        return (0..<n).map { gsl_vector_get(eval, $0) }.sorted()
    }

    /// Solves A x = b by LU with partial pivoting (GSL); nil when A is singular or not finite.
    public func solve(_ b: [Double]) -> [Double]? {
        guard isFinite, b.allSatisfy(\.isFinite) else { return nil }
        let n = rows
        let a = gsl_matrix_alloc(n, n)!, p = gsl_permutation_alloc(n)!, x = gsl_vector_alloc(n)!, bb = gsl_vector_alloc(n)!
        defer { gsl_matrix_free(a); gsl_permutation_free(p); gsl_vector_free(x); gsl_vector_free(bb) }
        for i in 0..<n {
            gsl_vector_set(bb, i, b[i])
            for j in 0..<n { gsl_matrix_set(a, i, j, self[i, j]) }
        }
        var sign: Int32 = 0
        guard withGSLErrorsAsCodes({ gsl_linalg_LU_decomp(a, p, &sign) }) == Int32(GSL_SUCCESS) else { return nil }
        for i in 0..<n where gsl_matrix_get(a, i, i) == 0 { return nil }
        guard withGSLErrorsAsCodes({ gsl_linalg_LU_solve(a, p, bb, x) }) == Int32(GSL_SUCCESS) else { return nil }
        let result = (0..<n).map { gsl_vector_get(x, $0) }
        return result.allSatisfy(\.isFinite) ? result : nil
    }

    /// 2-norm condition number of the symmetric part from its eigenvalues (∞ when singular).
    public func symmetricConditionNumber() -> Double {
        guard let e = symmetricEigenvalues(), let lo = e.map({ Swift.abs($0) }).min(), let hi = e.map({ Swift.abs($0) }).max() else { return .infinity }
        return lo == 0 ? .infinity : hi / lo
    }
}

/// GSL's default error handler aborts; numerical failures must come back as values instead.
@discardableResult
func withGSLErrorsAsCodes(_ body: () -> Int32) -> Int32 {
    gslInstallQuietHandler
    return body()
}

nonisolated(unsafe) private let gslInstallQuietHandler: Void = {
    gsl_set_error_handler_off()
}()

func fmt(_ x: Double, digits: Int = 6) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == 0 { return "0" }
    let a = Swift.abs(x)
    if a >= 1e-3 && a < 1e6 {
        var s = String(format: "%.\(digits)g", x)
        // %g turns a whole 1000 into 1e+03 at 3 digits: print it whole ("1000", not "1000.0").
        if s.contains("e") { s = x == x.rounded() ? String(format: "%.0f", x) : "\(x)" }
        return s
    }
    return String(format: "%.\(digits - 1)e", x)
}

import Foundation
