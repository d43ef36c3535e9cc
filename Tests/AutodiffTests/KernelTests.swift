import Autodiff
import CKernels
import Foundation
import Seeding
import XCTest

/// The C kernels against plain Swift references: Adam bit for bit (same expression, same order),
/// the reductions to rounding, the byte gather exactly; lengths that are not multiples of the
/// vector width included.
final class KernelTests: XCTestCase {
    private func randomFloats(_ n: Int, _ rng: inout SeededGenerator, scale: Double = 1) -> [Float] {
        (0..<n).map { _ in Float((rng.uniform() * 2 - 1) * scale) }
    }

    func testAdamStepMatchesTheScalarFormulaBitForBit() {
        var rng = SeededGenerator(seed: 5)
        for n in [1, 7, 16, 17, 100, 1_003] {
            let g = randomFloats(n, &rng)
            var w = randomFloats(n, &rng), m = randomFloats(n, &rng, scale: 0.1), v = randomFloats(n, &rng, scale: 0.01).map { abs($0) }
            var (wr, mr, vr) = (w, m, v)
            let (scale, b1, b2, step, sqrtBC2, eps): (Float, Float, Float, Float, Float, Float) = (0.7, 0.9, 0.999, 1e-3, 0.05, 1e-8)
            stk_adam_step(&w, &m, &v, g, n, scale, b1, b2, step, sqrtBC2, eps)
            for i in 0..<n {
                let gi = g[i] * scale
                mr[i] = b1 * mr[i] + (1 - b1) * gi
                vr[i] = b2 * vr[i] + (1 - b2) * gi * gi
                wr[i] -= step * mr[i] / (vr[i].squareRoot() / sqrtBC2 + eps)
            }
            XCTAssertEqual(w.map(\.bitPattern), wr.map(\.bitPattern), "weights, n = \(n)")
            XCTAssertEqual(m.map(\.bitPattern), mr.map(\.bitPattern), "first moments, n = \(n)")
            XCTAssertEqual(v.map(\.bitPattern), vr.map(\.bitPattern), "second moments, n = \(n)")
        }
    }

    func testSumsAgreeWithDoubleReferences() {
        var rng = SeededGenerator(seed: 6)
        XCTAssertEqual(stk_sum(nil, 0), 0)
        XCTAssertEqual(stk_sum_of_squares(nil, 0), 0)
        for n in [1, 3, 8, 9, 64, 400, 4_097] {
            let x = randomFloats(n, &rng)
            let exact = x.reduce(0.0) { $0 + Double($1) }
            let squares = x.reduce(0.0) { $0 + Double($1) * Double($1) }
            XCTAssertEqual(Double(stk_sum(x, n)), exact, accuracy: 1e-5 * Double(n), "sum, n = \(n)")
            XCTAssertEqual(stk_sum_of_squares(x, n), squares, accuracy: 1e-12 * squares, "sum of squares, n = \(n)")
        }
        // Whole numbers are summed exactly whatever the order.
        let ones = [Float](repeating: 1, count: 1_001)
        XCTAssertEqual(stk_sum(ones, ones.count), 1_001)
    }

    /// tanh against the Double libm value: within 2.5e-7 relative (or 1e-37 absolute near 0) over
    /// a sweep of magnitudes and the edges of its branches (0.625, 9), odd, ±1 far out, NaN kept.
    func testTanhIsAccurateEverywhere() {
        var x: [Float] = [0, -0, 1e-30, 1e-8, 0.1, 0.6249999, 0.625, 0.6250001, 1, 2.5, 8.999, 9, 9.001, 20, 88, 1e30, .infinity]
        var rng = SeededGenerator(seed: 8)
        for _ in 0..<20_000 { x.append(Float(Foundation.exp(rng.uniform() * 24 - 18))) }
        x += x.map { -$0 }
        var out = [Float](repeating: 0, count: x.count)
        stk_tanh(x, &out, x.count)
        var worst = 0.0
        for (v, y) in zip(x, out) {
            let exact = Foundation.tanh(Double(v))
            let error = Swift.abs(Double(y) - exact)
            XCTAssertLessThanOrEqual(error, Swift.max(2.5e-7 * Swift.abs(exact), 1e-37), "tanh(\(v)) = \(y), exact \(exact)")
            worst = Swift.max(worst, exact != 0 ? error / Swift.abs(exact) : 0)
        }
        for (v, y) in zip(x, out) where v != 0 { XCTAssertEqual(y.sign, v.sign) }
        print("stk_tanh: worst relative error \(worst) over \(x.count) values")
        var nan: [Float] = [.nan], nanOut: [Float] = [0]
        stk_tanh(&nan, &nanOut, 1)
        XCTAssertTrue(nanOut[0].isNaN)
    }

    /// The softmax kernel against a Double reference, on rows up to ±100 wide (weights that
    /// underflow included) and widths that are not multiples of the vector width; rows sum to 1.
    func testSoftmaxRowsAreAccurate() {
        var rng = SeededGenerator(seed: 9)
        for width in [1, 5, 8, 49, 81] {
            let rows = 7
            let x = randomFloats(rows * width, &rng, scale: 100)
            var y = [Float](repeating: 0, count: rows * width)
            stk_softmax_rows(x, &y, rows, width)
            for r in 0..<rows {
                // x − max rounded to float as the kernel has it (at |x − max| ≈ 100 one float ulp
                // is 8e-6, a relative error of e^{x − max} no float kernel can avoid).
                let row = x[(r * width)..<((r + 1) * width)]
                let m = row.max()!, shifted = row.map { Double($0 - m) }
                let z = shifted.reduce(0) { $0 + Foundation.exp($1) }
                var total = 0.0
                for j in 0..<width {
                    let reference = Foundation.exp(shifted[j]) / z
                    total += Double(y[r * width + j])
                    XCTAssertEqual(Double(y[r * width + j]), reference, accuracy: 1e-6 * max(reference, 1e-30) + 1e-37, "width \(width) row \(r) column \(j)")
                }
                XCTAssertEqual(total, 1, accuracy: 1e-6)
            }
        }
    }

    /// softmax's fused backward gives the composed ops' bits, y ⊙ (g − Σ g ⊙ y), on widths around
    /// the kernel's 8 lanes (the attention widths 64 and 81 among them).
    func testSoftmaxBackwardIsTheComposedOpsBitForBit() {
        var rng = SeededGenerator(seed: 12)
        for width in [1, 3, 8, 13, 64, 81] {
            let rows = 6
            let graph = Graph()
            let x = Parameter(name: "x", shape: Shape(rows, width), values: randomFloats(rows * width, &rng, scale: 4))
            let upstream = randomFloats(rows * width, &rng, scale: 1)
            let xt = graph.parameter(x), g = graph.constant(upstream, shape: Shape(rows, width))
            let y = softmax(xt)
            let fused = graph.gradient(of: dot(y, g), wrt: xt).array
            let composed = (y * (g - sum(g * y, axis: -1, keepDims: true))).array
            XCTAssertEqual(fused.map(\.bitPattern), composed.map(\.bitPattern), "width \(width)")
            // softmax(x, scale: c) is softmax(x * c) in one op: the same weights and x-gradient bits.
            let c: Float = 1 / Float(8).squareRoot()
            let scaled = softmax(xt, scale: c), separate = softmax(xt * c)
            XCTAssertEqual(scaled.array.map(\.bitPattern), separate.array.map(\.bitPattern), "width \(width), scaled")
            XCTAssertEqual(graph.gradient(of: dot(scaled, g), wrt: xt).array.map(\.bitPattern),
                           graph.gradient(of: dot(separate, g), wrt: xt).array.map(\.bitPattern), "width \(width), scaled backward")
        }
    }

    /// The per-head products read and write head blocks in place and give the bits of splitting the
    /// heads into copies ([N, T, H, dh] → [N·H, T, dh]), multiplying, and merging back, forward and
    /// backward, on MinAtar's and Atari's attention shapes (64 and 81 tokens) and a ragged one.
    func testHeadProductsAreTheSplitProductsBitForBit() {
        var rng = SeededGenerator(seed: 21)
        for (n, t, d, heads) in [(3, 64, 16, 2), (2, 81, 32, 2), (2, 7, 12, 3)] {
            let dh = d / heads
            let graph = Graph()
            let ps = ["q", "k", "v"].map { Parameter(name: $0, shape: Shape(n, t, d), values: randomFloats(n * t * d, &rng, scale: 1)) }
            let weightsSeed = randomFloats(n * heads * t * t, &rng, scale: 1)
            func split(_ x: Tensor) -> Tensor {
                x.reshaped(Shape(n, t, heads, dh)).permuted(0, 2, 1, 3).reshaped(Shape(n * heads, t, dh))
            }
            let (q, k, v) = (graph.parameter(ps[0]), graph.parameter(ps[1]), graph.parameter(ps[2]))
            let probe = graph.constant(weightsSeed, shape: Shape(n * heads, t, t))
            // Forward, both ways.
            let scores = headScores(q, k, heads: heads)
            let splitScores = matmul(split(q), split(k), transposeB: true)
            XCTAssertEqual(scores.array.map(\.bitPattern), splitScores.array.map(\.bitPattern), "scores \((n, t, d, heads))")
            let w = softmax(scores)
            let context = headContext(w, v, heads: heads)
            let splitContext = matmul(softmax(splitScores), split(v)).reshaped(Shape(n, heads, t, dh)).permuted(0, 2, 1, 3)
                .reshaped(Shape(n, t, d))
            XCTAssertEqual(context.array.map(\.bitPattern), splitContext.array.map(\.bitPattern), "context \((n, t, d, heads))")
            // Backward, both ways.
            let loss = sum(square(context)) + dot(scores, probe)
            let splitLoss = sum(square(splitContext)) + dot(splitScores, probe)
            let grads = graph.gradients(of: loss, wrt: [q, k, v]), splitGrads = graph.gradients(of: splitLoss, wrt: [q, k, v])
            for (name, (a, b)) in zip(["dQ", "dK", "dV"], zip(grads, splitGrads)) {
                XCTAssertEqual(a.array.map(\.bitPattern), b.array.map(\.bitPattern), "\(name) \((n, t, d, heads))")
            }
            // Second order: a function of the gradients, differentiated again, both ways.
            let second = graph.gradients(of: sum(square(grads[0])) + sum(grads[1] * grads[2]), wrt: [q, k, v])
            let splitSecond = graph.gradients(of: sum(square(splitGrads[0])) + sum(splitGrads[1] * splitGrads[2]), wrt: [q, k, v])
            for (name, (a, b)) in zip(["q", "k", "v"], zip(second, splitSecond)) {
                for (x, y) in zip(a.array, b.array) {
                    XCTAssertEqual(x, y, accuracy: 1e-5 * Swift.max(1, Swift.abs(y)), "second order in \(name) \((n, t, d, heads))")
                }
            }
        }
    }

    func testByteRowsGatherExactlyAndBack() {
        let rowSize = 37, rows = 20
        let table = (0..<rows * rowSize).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let picks = [19, 0, 5, 5, 12]
        var out = [Float](repeating: -1, count: picks.count * rowSize)
        stk_gather_byte_rows(table, picks, picks.count, rowSize, &out)
        for (k, r) in picks.enumerated() {
            for j in 0..<rowSize { XCTAssertEqual(out[k * rowSize + j], Float(table[r * rowSize + j])) }
        }
        var back = [UInt8](repeating: 0, count: out.count)
        stk_floats_to_bytes(out, out.count, &back)
        XCTAssertEqual(back, picks.flatMap { Array(table[$0 * rowSize ..< ($0 + 1) * rowSize]) })
    }
}
