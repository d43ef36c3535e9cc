import Hypergradients
import Seeding
import XCTest

/// Lanczos and Arnoldi against GSL's dense eigen-decompositions of the same matrices: exact at a
/// full Krylov space, and the extreme (Lanczos) or leading (Arnoldi) eigenvalues close with a
/// short one, which is how the game diagnostics use them.
final class SpectralEstimateTests: XCTestCase {
    /// A symmetric n×n matrix QᵀΛQ with eigenvalues `spectrum` (an indefinite one when some are negative).
    static func symmetric(_ spectrum: [Double], seed: UInt64) -> [Float] {
        let n = spectrum.count
        let q = orthogonal(n, seed: seed)
        var a = [Double](repeating: 0, count: n * n)
        for k in 0..<n { for i in 0..<n { for j in 0..<n { a[i * n + j] += spectrum[k] * q[k * n + i] * q[k * n + j] } } }
        return a.map { Float($0) }
    }

    /// Rows of a random orthogonal matrix (Gram–Schmidt on Gaussians).
    static func orthogonal(_ n: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        var q = (0..<(n * n)).map { _ in rng.normal() }
        for j in 0..<n {
            for _ in 0..<2 {
                for i in 0..<j {
                    let d = (0..<n).reduce(0.0) { $0 + q[i * n + $1] * q[j * n + $1] }
                    for r in 0..<n { q[j * n + r] -= d * q[i * n + r] }
                }
            }
            let norm = (0..<n).reduce(0.0) { $0 + q[j * n + $1] * q[j * n + $1] }.squareRoot()
            for r in 0..<n { q[j * n + r] /= norm }
        }
        return q
    }

    func testLanczosRecoversTheSpectrumAndItsExtremes() throws {
        let n = 30
        // Indefinite, with a gap at both ends, like a critic Hessian away from its minimum.
        let spectrum = (0..<n).map { k -> Double in k == 0 ? -4 : k == n - 1 ? 50 : -1 + 10 * Double(k) / Double(n) }
        let a = Self.symmetric(spectrum, seed: 7)
        let op = LinearOperator(matrix: a, dimension: n)
        let dense = try XCTUnwrap(SpectralEstimates.symmetricEigenvalues(op.denseMatrix(), n))
        let full = try XCTUnwrap(SpectralEstimates.lanczos(op, steps: n, seed: 1))
        XCTAssertEqual(full.ritzValues.count, n)
        for (x, y) in zip(full.ritzValues, dense) { XCTAssertEqual(x, y, accuracy: 1e-3 * 50) }
        let short = try XCTUnwrap(SpectralEstimates.lanczos(op, steps: 12, seed: 1))
        print("Lanczos, 12 of 30 steps: λmax \(short.largest) (dense \(dense.last!)), λmin \(short.smallest) (dense \(dense.first!))")
        XCTAssertEqual(short.products, 12)
        XCTAssertEqual(short.largest, 50, accuracy: 0.05)
        XCTAssertEqual(short.smallest, -4, accuracy: 0.05)
        // Ritz values lie inside [λmin, λmax]: a negative one proves the matrix indefinite.
        XCTAssertGreaterThanOrEqual(short.smallest, -4 - 1e-3)
        XCTAssertLessThanOrEqual(short.largest, 50 + 1e-3)
    }

    func testLanczosStopsOnAnInvariantSubspace() throws {
        // A rank-2 matrix: the Krylov space of any start has dimension ≤ 3, so Lanczos stops early
        // with the exact nonzero eigenvalues.
        var spectrum = [Double](repeating: 0, count: 10)
        spectrum[3] = 5; spectrum[7] = -2
        let op = LinearOperator(matrix: Self.symmetric(spectrum, seed: 3), dimension: 10)
        let e = try XCTUnwrap(SpectralEstimates.lanczos(op, steps: 10, seed: 2))
        XCTAssertLessThanOrEqual(e.products, 4)
        XCTAssertEqual(e.largest, 5, accuracy: 1e-3)
        XCTAssertEqual(e.smallest, -2, accuracy: 1e-3)
    }

    func testArnoldiFindsTheLeadingComplexPair() throws {
        // A = Q B Qᵀ with B block diagonal: a rotation-dominated pair 3 ± 6i (|Im|/|Re| = 2), a real
        // 4, and the rest of modulus ≤ 1. The leading eigenvalues by modulus are the pair.
        let n = 24
        var b = [Double](repeating: 0, count: n * n)
        b[0 * n + 0] = 3; b[0 * n + 1] = 6; b[1 * n + 0] = -6; b[1 * n + 1] = 3
        b[2 * n + 2] = 4
        var rng = SeededGenerator(seed: 5)
        for k in 3..<n { b[k * n + k] = rng.uniform() * 2 - 1 }
        let q = Self.orthogonal(n, seed: 9)
        var a = [Float](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n {
            var s = 0.0
            for k in 0..<n { for l in 0..<n { s += q[k * n + i] * b[k * n + l] * q[l * n + j] } }
            a[i * n + j] = Float(s)
        } }
        let op = LinearOperator(matrix: a, dimension: n)
        let dense = try XCTUnwrap(SpectralEstimates.nonsymmetricEigenvalues(op.denseMatrix(), n)).sorted { $0.modulus > $1.modulus }
        XCTAssertEqual(dense[0].modulus, (9.0 + 36).squareRoot(), accuracy: 1e-4)
        let full = try XCTUnwrap(SpectralEstimates.arnoldi(dimension: n, steps: n, seed: 1, apply: op.apply))
        for (x, y) in zip(full.eigenvalues, dense) { XCTAssertEqual(x.modulus, y.modulus, accuracy: 1e-3) }
        let short = try XCTUnwrap(SpectralEstimates.arnoldi(dimension: n, steps: 10, seed: 1, apply: op.apply))
        let lead = short.eigenvalues[0]
        print("Arnoldi, 10 of 24 steps: leading \(lead.re) ± \(abs(lead.im))i, |Im|/|Re| \(lead.rotation) (dense: 3 ± 6i)")
        XCTAssertEqual(lead.re, 3, accuracy: 0.01)
        XCTAssertEqual(lead.im, 6, accuracy: 0.01)   // the pair's positive member comes first
        XCTAssertEqual(short.eigenvalues[1].im, -6, accuracy: 0.01)
        XCTAssertEqual(short.eigenvalues[2].re, 4, accuracy: 0.01)
        XCTAssertEqual(lead.rotation, 2, accuracy: 0.01)
    }

    func testNonFiniteProductsGiveNil() {
        let op = LinearOperator(dimension: 4) { _, out in for i in 0..<4 { out[i] = .nan } }
        XCTAssertNil(SpectralEstimates.lanczos(op, steps: 3, seed: 0))
        XCTAssertNil(SpectralEstimates.arnoldi(dimension: 4, steps: 3, seed: 0, apply: op.apply))
    }
}
