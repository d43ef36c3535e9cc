import Autodiff
import CKernels
import CNumerics
import Foundation
import Seeding
import XCTest

/// The libxsmm path of the tensor core's matrix products (CKernels/gemm.c) against a float64
/// reference, for every transposition, both betas, and shapes that are not multiples of any
/// vector width; and the backend choice read from STACKELBERG_GEMM.
final class GEMMTests: XCTestCase {
    /// Row-major C = op(A)·op(B) + beta·C in double.
    private func reference(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                           a: [Float], b: [Float], beta: Float, c: [Float]) -> [Double] {
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = transA ? a[p * m + i] : a[i * k + p]
                    let y = transB ? b[j * k + p] : b[p * n + j]
                    sum += Double(x) * Double(y)
                }
                out[i * n + j] = sum + Double(beta) * Double(c[i * n + j])
            }
        }
        return out
    }

    func testLibxsmmMatchesAFloat64ReferenceForEveryTransposition() {
        var rng = SeededGenerator(seed: 7)
        func uniform(_ count: Int) -> [Float] { (0..<count).map { _ in Float(rng.uniform() * 2 - 1) } }
        let shapes = [(1, 1, 1), (3, 5, 7), (17, 33, 9), (64, 64, 128), (130, 4, 64), (2, 129, 31), (100, 256, 256)]
        var checked = 0
        for (m, n, k) in shapes {
            for transA in [false, true] {
                for transB in [false, true] {
                    for beta: Float in [0, 1] {
                        let a = uniform(m * k), b = uniform(k * n), c0 = uniform(m * n)
                        var c = c0
                        let done = a.withUnsafeBufferPointer { pa in
                            b.withUnsafeBufferPointer { pb in
                                c.withUnsafeMutableBufferPointer { pc in
                                    stk_sgemm_libxsmm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k),
                                                      pa.baseAddress, pb.baseAddress, beta, pc.baseAddress)
                                }
                            }
                        }
                        XCTAssertEqual(done, 1, "libxsmm declined \(m)×\(n)×\(k) transA \(transA) transB \(transB)")
                        let want = reference(transA: transA, transB: transB, m: m, n: n, k: k, a: a, b: b, beta: beta, c: c0)
                        // Float32 sums of k products of magnitude ≤ 1: a few ulp of √k-scaled values.
                        let tolerance = 4e-6 * Double(k).squareRoot() + 1e-6
                        let worst = zip(c, want).map { abs(Double($0) - $1) }.max() ?? 0
                        XCTAssertLessThan(worst, tolerance, "\(m)×\(n)×\(k) transA \(transA) transB \(transB) beta \(beta)")
                        checked += 1
                    }
                }
            }
        }
        XCTAssertEqual(checked, shapes.count * 8)
    }

    /// Betas other than 0 and 1 and empty shapes are left to OpenBLAS (the function says so).
    func testLibxsmmDeclinesWhatItDoesNotHandle() {
        var a: [Float] = [1, 2], b: [Float] = [3, 4], c: [Float] = [5]
        XCTAssertEqual(stk_sgemm_libxsmm(0, 0, 1, 1, 2, &a, &b, 0.5, &c), 0)
        XCTAssertEqual(stk_sgemm_libxsmm(0, 0, 0, 1, 2, &a, &b, 0, &c), 0)
        XCTAssertEqual(c, [5], "a declined product must leave C alone")
    }

    /// The tensor core's matmul gives the same values under either backend (to rounding), so the
    /// choice is only one of speed and of bits.
    func testMatmulAgreesWithTheReferenceThroughTheGraph() {
        var rng = SeededGenerator(seed: 11)
        let g = Graph()
        let av = (0..<(37 * 19)).map { _ in Float(rng.uniform() - 0.5) }
        let bv = (0..<(19 * 23)).map { _ in Float(rng.uniform() - 0.5) }
        let a = g.constant(av, shape: Shape(37, 19)), b = g.constant(bv, shape: Shape(19, 23))
        let c = matmul(a, b)
        let want = reference(transA: false, transB: false, m: 37, n: 23, k: 19, a: av, b: bv, beta: 0,
                             c: [Float](repeating: 0, count: 37 * 23))
        let worst = zip(c.array, want).map { abs(Double($0) - $1) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-5, "backend \(BLAS.gemmKernels)")
    }

    func testTheBackendIsReadFromTheEnvironment() throws {
        XCTAssertEqual(try BLAS.gemmBackendFromEnvironment(["STACKELBERG_GEMM": "openblas"]), .openblas)
        XCTAssertEqual(try BLAS.gemmBackendFromEnvironment(["STACKELBERG_GEMM": " LibXSMM "]), .libxsmm)
        // auto: OpenBLAS whenever it is asked for more than one thread (libxsmm runs one).
        XCTAssertEqual(try BLAS.gemmBackendFromEnvironment(["STACKELBERG_BLAS_THREADS": "2"]), .openblas)
        XCTAssertEqual(try BLAS.gemmBackendFromEnvironment(["STACKELBERG_GEMM": "Mixed"]), .mixed)
        let auto = try BLAS.gemmBackendFromEnvironment([:])
        let expected: BLAS.GEMMBackend = stk_gemm_libxsmm_target_is_avx512() != 0 ? .libxsmm
            : stk_gemm_libxsmm_target_is_avx2() != 0 ? .mixed : .openblas
        XCTAssertEqual(auto, expected)
        XCTAssertThrowsError(try BLAS.gemmBackendFromEnvironment(["STACKELBERG_GEMM": "mkl"])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("STACKELBERG_GEMM=mkl") && text.contains("openblas") && text.contains("libxsmm"), text)
        }
        XCTAssertTrue(BLAS.gemmKernels.hasPrefix(BLAS.gemmBackend.rawValue + (BLAS.gemmBackend == .mixed ? ":" : " ")), BLAS.gemmKernels)
    }

    /// `mixed` gives libxsmm the products with a small right operand (k·n ≤ 16,384 floats: 64-wide
    /// layers, SPRIG's 8-wide heads) and OpenBLAS the large ones (STAC's 256 × 256 critics).
    func testMixedRoutesProductsByTheSizeOfTheirRightOperand() {
        XCTAssertEqual(BLAS.route(.mixed, k: 64, n: 64), .libxsmm)
        XCTAssertEqual(BLAS.route(.mixed, k: 8, n: 100), .libxsmm)
        XCTAssertEqual(BLAS.route(.mixed, k: 16_384, n: 1), .libxsmm)
        XCTAssertEqual(BLAS.route(.mixed, k: 16_385, n: 1), .openblas)
        XCTAssertEqual(BLAS.route(.mixed, k: 256, n: 256), .openblas)
        for (k, n) in [(1, 1), (256, 256)] {
            XCTAssertEqual(BLAS.route(.libxsmm, k: k, n: n), .libxsmm)
            XCTAssertEqual(BLAS.route(.openblas, k: k, n: n), .openblas)
        }
    }

    /// The process's products follow `route`: a small product has libxsmm's bits exactly and a
    /// large one OpenBLAS's whenever the backend is `mixed` (on an AVX-512 CPU `auto` is libxsmm,
    /// and the comparison is against whichever `route` names).
    func testTheGraphsProductsRunWhereRouteSends() {
        var rng = SeededGenerator(seed: 5)
        for (m, n, k) in [(100, 64, 64), (100, 256, 256)] {
            let a = (0..<(m * k)).map { _ in Float(rng.uniform() - 0.5) }, b = (0..<(k * n)).map { _ in Float(rng.uniform() - 0.5) }
            let g = Graph()
            let got = matmul(g.constant(a, shape: Shape(m, k)), g.constant(b, shape: Shape(k, n))).array
            var xsmm = [Float](repeating: 0, count: m * n), blas = xsmm
            XCTAssertEqual(stk_sgemm_libxsmm(0, 0, Int32(m), Int32(n), Int32(k), a, b, 0, &xsmm), 1)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, &blas, Int32(n))
            XCTAssertEqual(got, BLAS.route(BLAS.gemmBackend, k: k, n: n) == .libxsmm ? xsmm : blas, "\(m)×\(n)×\(k) under \(BLAS.gemmKernels)")
        }
    }
}
