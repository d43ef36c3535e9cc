import Autodiff
import Seeding
import XCTest

/// Every op's first derivative against central finite differences. Each scalar test function
/// weights the op's output by fixed pseudo-random coefficients, so every output entry's
/// derivative counts (a plain sum would hide errors that cancel).
final class OpGradientTests: XCTestCase {
    /// Σ w ⊙ y with w drawn from a fixed seed.
    func weighted(_ y: Tensor) -> Tensor {
        var rng = SeededGenerator(seed: 99)
        return dot(y, y.graph.constant(rng.floats(y.count), shape: y.shape))
    }

    func testBinaryOpsWithBroadcasting() {
        let pairs: [(Shape, Shape)] = [([3, 4], [3, 4]), ([3, 4], [4]), ([3, 1], [1, 4]), ([2, 3, 4], [3, 1]), ([], [2, 3])]
        for (sa, sb) in pairs {
            checkGradients("add \(sa)+\(sb)", shapes: [sa, sb]) { weighted($0[0] + $0[1]) }
            checkGradients("sub \(sa)-\(sb)", shapes: [sa, sb]) { weighted($0[0] - $0[1]) }
            checkGradients("mul \(sa)*\(sb)", shapes: [sa, sb]) { weighted($0[0] * $0[1]) }
            checkGradients("div \(sa)/\(sb)", shapes: [sa, sb], positive: true) { weighted($0[0] / $0[1]) }
            checkGradients("maximum \(sa),\(sb)", shapes: [sa, sb], seed: 5) { weighted(maximum($0[0], $0[1])) }
            checkGradients("minimum \(sa),\(sb)", shapes: [sa, sb], seed: 6) { weighted(minimum($0[0], $0[1])) }
        }
    }

    func testUnaryOps() {
        let s: Shape = [4, 5]
        checkGradients("neg", shapes: [s]) { weighted(-$0[0]) }
        checkGradients("exp", shapes: [s]) { weighted(exp($0[0])) }
        checkGradients("log", shapes: [s], positive: true) { weighted(log($0[0])) }
        checkGradients("tanh", shapes: [s]) { weighted(tanh($0[0])) }
        checkGradients("relu", shapes: [s]) { weighted(relu($0[0])) }
        checkGradients("elu", shapes: [s]) { weighted(elu($0[0], alpha: 0.7)) }
        checkGradients("sigmoid", shapes: [s]) { weighted(sigmoid($0[0])) }
        checkGradients("abs", shapes: [s]) { weighted(abs($0[0])) }
        checkGradients("sqrt", shapes: [s], positive: true) { weighted(sqrt($0[0])) }
        checkGradients("square", shapes: [s]) { weighted(square($0[0])) }
        checkGradients("pow 3", shapes: [s]) { weighted(pow($0[0], 3)) }
        checkGradients("pow -0.5", shapes: [s], positive: true) { weighted(pow($0[0], -0.5)) }
        checkGradients("scalar affine", shapes: [s]) { weighted(3 * $0[0] - 2 + $0[0] / 4) }
        checkGradients("clamp", shapes: [s], kinks: [-0.5, 0.8]) { weighted(clamp($0[0], -0.5, 0.8)) }
    }

    func testStopGradientAndMasksHaveNoDerivative() {
        let graph = Graph()
        let p = Parameter(name: "x", shape: [3], values: [0.5, -1, 2])
        let x = graph.parameter(p)
        let y = sum(stopGradient(x) * x + step(x) + sign(x))
        // d/dx [sg(x)·x] = sg(x) = x; the masks contribute nothing.
        XCTAssertEqual(graph.gradient(of: y, wrt: x).array, [0.5, -1, 2])
    }

    func testShapeEditsKeepTheOtherDimensions() {
        XCTAssertEqual(Shape(10, 10, 4).prepending(64), Shape(64, 10, 10, 4))
        XCTAssertEqual(Shape().prepending(3), Shape(3))
        XCTAssertEqual(Shape(2, 3).appending(5), Shape(2, 3, 5))
        XCTAssertEqual(Shape(2, 3).replacingLast(with: 1), Shape(2, 1))
        XCTAssertEqual(Shape(2, 3, 4).droppingLast(), Shape(2, 3))
    }

    func testReductionsAndShapes() {
        checkGradients("sum", shapes: [[3, 4]]) { sum(exp($0[0])) }
        checkGradients("mean", shapes: [[3, 4]]) { mean(square($0[0])) }
        checkGradients("sum axis 0", shapes: [[3, 4]]) { weighted(sum($0[0], axis: 0)) }
        checkGradients("sum axis 1 keep", shapes: [[3, 4]]) { weighted(sum($0[0], axis: 1, keepDims: true)) }
        checkGradients("mean axis -1", shapes: [[2, 3, 4]]) { weighted(mean($0[0], axis: -1)) }
        checkGradients("reshape", shapes: [[3, 4]]) { weighted(square($0[0]).reshaped([2, 6])) }
        checkGradients("broadcast", shapes: [[3, 1]]) { weighted(square($0[0]).broadcasted(to: [2, 3, 4])) }
        checkGradients("permute", shapes: [[2, 3, 4, 5]]) { weighted(square($0[0]).permuted(0, 2, 1, 3)) }
        checkGradients("permute 3", shapes: [[2, 3, 4]]) { weighted(square($0[0]).permuted(2, 0, 1)) }
        checkGradients("concat", shapes: [[3, 2], [3, 5]]) { weighted(square(concat($0[0], $0[1]))) }
        checkGradients("slice", shapes: [[3, 6]]) { weighted(square(slice($0[0], lastAxis: 2, length: 3))) }
        checkGradients("logsumexp", shapes: [[3, 5]]) { weighted(logSumExp($0[0])) }
        checkGradients("logsoftmax", shapes: [[3, 5]]) { weighted(logSoftmax($0[0])) }
        checkGradients("softmax", shapes: [[2, 3, 5]]) { weighted(softmax($0[0])) }
        // softmax's backward is one fused op; differentiating it again reaches both of its inputs
        // (y through softmax, the upstream gradient through square(softmax)).
        checkGradients("softmax, second order", shapes: [[2, 3, 5]]) { x in
            weighted(x[0].graph.gradient(of: weighted(square(softmax(x[0]))), wrt: x[0]))
        }
        checkGradients("layer norm", shapes: [[2, 3, 5]]) { weighted(layerNormalized($0[0], epsilon: 0.1)) }
        // Its backward is one fused op too; differentiating it again reaches x and the upstream
        // gradient (through square(LN(x))).
        checkGradients("layer norm, second order", shapes: [[2, 3, 5]]) { x in
            weighted(x[0].graph.gradient(of: weighted(square(layerNormalized(x[0], epsilon: 0.1))), wrt: x[0]))
        }
        checkGradients("softmax scaled", shapes: [[2, 3, 5]]) { weighted(softmax($0[0], scale: 0.35)) }
        checkGradients("softmax scaled, second order", shapes: [[2, 3, 5]]) { x in
            weighted(x[0].graph.gradient(of: weighted(square(softmax(x[0], scale: 0.35))), wrt: x[0]))
        }
        checkGradients("mean-abs normalized", shapes: [[3, 5]]) { weighted(meanAbsoluteNormalized($0[0])) }
        checkGradients("mean-abs normalized 3-d", shapes: [[2, 2, 11]], seed: 3) { weighted(meanAbsoluteNormalized($0[0])) }
    }

    /// The fused op gives the composed ops' bits forward and backward, and their second
    /// derivative to rounding, at widths on and off the kernel's 8-wide blocks.
    /// The fused layer normalization has the composed ops' bits forward and backward, also when its
    /// input has another consumer (a residual connection, whose adjoint arrives first), and its
    /// second derivatives agree with theirs; widths around sum8's eight lanes and SPRIG's d = 16, 32.
    func testLayerNormalizedIsTheComposedOpsBitForBit() {
        var rng = SeededGenerator(seed: 9)
        for shape: Shape in [[4, 1], [3, 7], [5, 8], [6, 16], [2, 3, 32], [3, 13], [9]] {
            for epsilon: Float in [1e-5, 0.3] {
                let p = Parameter(name: "x", shape: shape, values: rng.floats(shape.count, scale: 3))
                let graph = Graph()
                let x = graph.parameter(p)
                let fused = layerNormalized(x, epsilon: epsilon)
                let centred = x - mean(x, axis: -1, keepDims: true)
                let composed = centred * pow(mean(square(centred), axis: -1, keepDims: true) + epsilon, -0.5)
                XCTAssertEqual(fused.array.map(\.bitPattern), composed.array.map(\.bitPattern), "forward \(shape) ε \(epsilon)")
                let w = graph.constant(rng.floats(shape.count), shape: shape)
                // x + tanh(LN(x)): x's adjoint gets the residual's part before the normalization's.
                let g1 = graph.gradient(of: dot(x + tanh(fused), w), wrt: x)
                let g2 = graph.gradient(of: dot(x + tanh(composed), w), wrt: x)
                XCTAssertEqual(g1.array.map(\.bitPattern), g2.array.map(\.bitPattern), "gradient \(shape) ε \(epsilon)")
                let h1 = graph.gradient(of: sum(square(g1)), wrt: x)
                let h2 = graph.gradient(of: sum(square(g2)), wrt: x)
                for (a, b) in zip(h1.array, h2.array) {
                    XCTAssertEqual(a, b, accuracy: 2e-4 * Swift.max(1, Swift.abs(b)), "second order \(shape) ε \(epsilon)")
                }
            }
        }
        // A constant row normalizes to 0 (its variance is 0: ε keeps the scale finite).
        let graph = Graph()
        XCTAssertEqual(layerNormalized(graph.constant([2, 2, 2], shape: [1, 3]), epsilon: 1e-5).array, [0, 0, 0])
    }

    func testMeanAbsoluteNormalizedMatchesComposedOps() {
        var rng = SeededGenerator(seed: 4)
        for shape: Shape in [[4, 1], [3, 8], [5, 13], [2, 3, 128], [7, 400]] {
            let p = Parameter(name: "x", shape: shape, values: rng.floats(shape.count, scale: 2))
            let graph = Graph()
            let x = graph.parameter(p)
            let fused = meanAbsoluteNormalized(x)
            let composed = x / (mean(abs(x), axis: -1, keepDims: true) + 1e-8)
            XCTAssertEqual(fused.array, composed.array, "forward \(shape)")
            let w = graph.constant(rng.floats(shape.count), shape: shape)
            let g1 = graph.gradient(of: dot(tanh(fused), w), wrt: x)
            let g2 = graph.gradient(of: dot(tanh(composed), w), wrt: x)
            XCTAssertEqual(g1.array, g2.array, "gradient \(shape)")
            // Second order: the backward is made of differentiable ops.
            let h1 = graph.gradient(of: sum(square(g1)), wrt: x)
            let h2 = graph.gradient(of: sum(square(g2)), wrt: x)
            for (a, b) in zip(h1.array, h2.array) { XCTAssertEqual(a, b, accuracy: 1e-4 * Swift.max(1, Swift.abs(b)), "second order \(shape)") }
        }
        // An all-zero row stays zero instead of dividing by zero.
        let graph = Graph()
        XCTAssertEqual(meanAbsoluteNormalized(graph.constant([0, 0, 0], shape: [1, 3])).array, [0, 0, 0])
    }

    func testMatrixProducts() {
        for tA in [false, true] {
            for tB in [false, true] {
                let sa: Shape = tA ? [4, 3] : [3, 4], sb: Shape = tB ? [5, 4] : [4, 5]
                checkGradients("matmul tA=\(tA) tB=\(tB)", shapes: [sa, sb]) { weighted(matmul($0[0], $0[1], transposeA: tA, transposeB: tB)) }
                let ba: Shape = tA ? [2, 4, 3] : [2, 3, 4], bb: Shape = tB ? [2, 5, 4] : [2, 4, 5]
                checkGradients("batched matmul tA=\(tA) tB=\(tB)", shapes: [ba, bb]) { weighted(matmul($0[0], $0[1], transposeA: tA, transposeB: tB)) }
            }
        }
        checkGradients("affine", shapes: [[3, 4], [4, 5], [5]]) { weighted(affine($0[0], $0[1], $0[2])) }
        // Attention's per-head products: 2 samples, 5 tokens, 2 heads of width 3.
        checkGradients("head scores", shapes: [[2, 5, 6], [2, 5, 6]]) { weighted(headScores($0[0], $0[1], heads: 2)) }
        for tw in [false, true] {
            checkGradients("head context tw=\(tw)", shapes: [[4, 5, 5], [2, 5, 6]]) {
                weighted(headContext($0[0], $0[1], heads: 2, transposeWeights: tw))
            }
            // Second order: each op's backward is made of the two (KernelTests also checks these
            // against the split-heads products' second derivatives).
            checkGradients("head context tw=\(tw), second order", shapes: [[4, 5, 5], [2, 5, 6]]) { x in
                let inner = weighted(square(headContext(x[0], x[1], heads: 2, transposeWeights: tw)))
                let g = x[0].graph.gradients(of: inner, wrt: [x[0], x[1]])
                return weighted(g[0]) + weighted(g[1])
            }
        }
        checkGradients("head scores, second order", shapes: [[2, 5, 6], [2, 5, 6]]) { x in
            let g = x[0].graph.gradients(of: weighted(square(headScores(x[0], x[1], heads: 2))), wrt: [x[0], x[1]])
            return weighted(g[0] * g[1])
        }
        checkGradients("affine rank 3", shapes: [[2, 3, 4], [4, 5], [5]]) { weighted(affine($0[0], $0[1], $0[2])) }
    }

    func testIndexing() {
        checkGradients("gather", shapes: [[4, 3]]) { x in
            weighted(square(gather(x[0], x[0].graph.indices([2, 0, 1, 2]))))
        }
        checkGradients("max", shapes: [[4, 3]], seed: 3) { x in weighted(square(max(x[0]))) }
        let g = Graph()
        let q = g.constant([1, 5, 2, 7, 0, 7], shape: [2, 3])
        XCTAssertEqual(argmax(q).indexArray, [1, 0], "first maximum wins ties")
        XCTAssertEqual(oneHot(g.indices([2, 0]), width: 3).array, [0, 0, 1, 1, 0, 0])
    }

    func testConvolution() {
        for (stride, padding) in [(1, 0), (2, 1), (1, 1)] {
            checkGradients("conv2d s\(stride) p\(padding)", shapes: [[2, 5, 6, 3], [2 * 3 * 3, 4], [4]], scale: 0.5) { x in
                weighted(conv2d(x[0], weight: x[1], bias: x[2], kernel: (2, 3), stride: stride, padding: padding))
            }
        }
    }

    /// A direct convolution sum, written independently of im2col.
    func testConvolutionMatchesDirectSum() {
        var rng = SeededGenerator(seed: 4)
        let (n, h, w, c, f, k) = (2, 5, 4, 3, 2, 3)
        let xv = rng.floats(n * h * w * c), wv = rng.floats(k * k * c * f), bv = rng.floats(f)
        let g = Graph()
        let y = conv2d(g.constant(xv, shape: [n, h, w, c]), weight: g.constant(wv, shape: [k * k * c, f]),
                       bias: g.constant(bv, shape: [f]), kernel: (k, k), stride: 1, padding: 1)
        XCTAssertEqual(y.shape, [n, h, w, f])
        let out = y.array
        for b in 0..<n { for oy in 0..<h { for ox in 0..<w { for o in 0..<f {
            var s = bv[o]
            for ky in 0..<k { for kx in 0..<k { for ch in 0..<c {
                let iy = oy + ky - 1, ix = ox + kx - 1
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                s += xv[((b * h + iy) * w + ix) * c + ch] * wv[((ky * k + kx) * c + ch) * f + o]
            } } }
            XCTAssertEqual(out[((b * h + oy) * w + ox) * f + o], s, accuracy: 1e-5)
        } } } }
    }
}
