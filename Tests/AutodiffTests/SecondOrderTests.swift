import Autodiff
import Seeding
import XCTest

/// Hessian-vector and mixed products against dense second derivatives built column by column from
/// central differences of the (exact) gradient, on small networks with smooth activations.
final class SecondOrderTests: XCTestCase {
    /// A two-player toy: a tanh MLP "critic" with parameters w, fed by a tanh "actor" with parameters θ.
    struct Net {
        let theta: [Parameter]
        let w: [Parameter]
        let x: [Float]
        var leader: ParameterGroup { ParameterGroup("leader", theta) }
        var follower: ParameterGroup { ParameterGroup("follower", w) }

        init(seed: UInt64) {
            var rng = SeededGenerator(seed: seed)
            theta = [Parameter(name: "a.w", shape: [3, 4], values: rng.floats(12, scale: 0.6)),
                     Parameter(name: "a.b", shape: [4], values: rng.floats(4, scale: 0.3))]
            w = [Parameter(name: "c.w1", shape: [4, 5], values: rng.floats(20, scale: 0.6)),
                 Parameter(name: "c.b1", shape: [5], values: rng.floats(5, scale: 0.3)),
                 Parameter(name: "c.w2", shape: [5, 1], values: rng.floats(5, scale: 0.6))]
            x = rng.floats(6 * 3)
        }

        /// L(θ, w) = mean((Q_w(π_θ(x)) − 1)²) + 0.1·mean(Q²): smooth in both groups.
        func loss(_ g: Graph) -> Tensor {
            let s = g.constant(x, shape: [6, 3])
            let action = tanh(affine(s, g.parameter(theta[0]), g.parameter(theta[1])))
            let h = tanh(affine(action, g.parameter(w[0]), g.parameter(w[1])))
            let q = matmul(h, g.parameter(w[2]))
            return mean(square(q - 1)) + 0.1 * mean(square(q))
        }
    }

    /// ∇_group L as a flat array, at the current parameter values.
    func gradient(_ net: Net, _ group: ParameterGroup) -> [Float] {
        let g = Graph()
        return g.gradient(of: net.loss(g), wrt: group)
    }

    /// Column j of ∂(∇_rows L)/∂(cols) by central differences of the exact gradient.
    func finiteDifferenceJacobian(_ net: Net, rows: ParameterGroup, cols: ParameterGroup, h: Float = 1e-2) -> [[Float]] {
        var columns = [[Float]]()
        for p in cols.parameters {
            for i in 0..<p.count {
                let saved = p.value[i]
                p.value[i] = saved + h
                let plus = gradient(net, rows)
                p.value[i] = saved - h
                let minus = gradient(net, rows)
                p.value[i] = saved
                columns.append(zip(plus, minus).map { ($0 - $1) / (2 * h) })
            }
        }
        return columns
    }

    func testHessianVectorProductMatchesFiniteDifferenceHessian() {
        let net = Net(seed: 11)
        let group = net.follower
        let columns = finiteDifferenceJacobian(net, rows: group, cols: group)
        var rng = SeededGenerator(seed: 2)
        for trial in 0..<3 {
            let v = rng.floats(group.count)
            let g = Graph()
            let hv = g.hessianVectorProduct(of: net.loss(g), wrt: group, vector: v)
            var expected = [Float](repeating: 0, count: group.count)
            for (j, col) in columns.enumerated() { for i in 0..<col.count { expected[i] += col[i] * v[j] } }
            FiniteDifferences.assertClose(hv, expected, "HVP trial \(trial)", absolute: 1e-3, relative: 1e-2)
        }
    }

    func testHessianFromProductsIsSymmetricAndMatchesDenseColumns() {
        let net = Net(seed: 12)
        let group = net.leader
        let columns = finiteDifferenceJacobian(net, rows: group, cols: group)
        let n = group.count
        var hessian = [[Float]]()
        for j in 0..<n {
            var e = [Float](repeating: 0, count: n)
            e[j] = 1
            let g = Graph()
            hessian.append(g.hessianVectorProduct(of: net.loss(g), wrt: group, vector: e))
        }
        var asymmetry: Float = 0, scale: Float = 0
        for i in 0..<n { for j in 0..<n {
            asymmetry = Swift.max(asymmetry, Swift.abs(hessian[j][i] - hessian[i][j]))
            scale = Swift.max(scale, Swift.abs(hessian[j][i]))
        } }
        // Exact products of a symmetric matrix differ only by Float32 rounding of the sums.
        XCTAssertLessThan(asymmetry, 1e-5 * Swift.max(scale, 1), "Hessian built from HVPs is not symmetric")
        for j in 0..<n { FiniteDifferences.assertClose(hessian[j], columns[j], "Hessian column \(j)", absolute: 1e-3, relative: 1e-2) }
    }

    func testMixedProductMatchesFiniteDifferenceCrossDerivative() {
        let net = Net(seed: 13)
        // ∇_θ⟨∇_w L, v⟩ = Σ_j v_j ∂(∇_w L)_j/∂θ: column k of the cross Jacobian is ∂(∇_w L)/∂θ_k.
        let cross = finiteDifferenceJacobian(net, rows: net.follower, cols: net.leader)
        var rng = SeededGenerator(seed: 3)
        let v = rng.floats(net.follower.count)
        let g = Graph()
        let mixed = g.mixedProduct(of: net.loss(g), wrt: net.leader, through: net.follower, vector: v)
        let expected = cross.map { col in zip(col, v).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
        FiniteDifferences.assertClose(mixed, expected, "mixed product", absolute: 1e-3, relative: 1e-2)
    }

    /// The seeded vector–Jacobian product that Hessian-vector and mixed products run on gives the
    /// bits of differentiating the inner product ⟨∇L, v⟩ itself (which products used before it),
    /// over either group; a node listed twice among the outputs gets the sum of its cotangents; an
    /// empty list writes zeros.
    func testVectorJacobianProductHasTheInnerProductsBits() {
        let net = Net(seed: 17)
        var rng = SeededGenerator(seed: 4)
        let v = rng.floats(net.follower.count)
        for other in [net.follower, net.leader] {
            let g = Graph()
            let recorded = RecordedGradient(of: net.loss(g), wrt: net.follower)
            var viaInnerProduct = [Float](repeating: 0, count: other.count), seeded = viaInnerProduct
            v.withUnsafeBufferPointer { vp in
                viaInnerProduct.withUnsafeMutableBufferPointer { g.gradient(of: recorded.innerProduct(with: vp.baseAddress!), wrt: other, into: $0.baseAddress!) }
                seeded.withUnsafeMutableBufferPointer { g.vectorJacobianProduct(of: recorded.tensors, seeds: vp.baseAddress!, wrt: other, into: $0.baseAddress!) }
            }
            XCTAssertEqual(seeded.map(\.bitPattern), viaInnerProduct.map(\.bitPattern), "over \(other.name)")
            XCTAssertTrue(seeded.contains { $0 != 0 })
        }
        // y = ∂sum(a²·b)/∂a = 2ab, listed twice with cotangents v₁ = (0.5, 4) and v₂ = (1, 1):
        // ∂(⟨y, v₁⟩ + ⟨y, v₂⟩)/∂b = 2a·(v₁ + v₂).
        let g = Graph()
        let a = Parameter(name: "a", shape: [2], values: [1, 3]), b = Parameter(name: "b", shape: [2], values: [2, -1])
        let ta = g.parameter(a), tb = g.parameter(b)
        let y = g.gradients(of: sum(ta * ta * tb), wrt: ParameterGroup("a", [a]))[0]
        var out = [Float](repeating: 0, count: 2)
        let seeds: [Float] = [0.5, 4, 1, 1]
        g.vectorJacobianProduct(of: [y, y], seeds: seeds, wrt: ParameterGroup("b", [b]), into: &out)
        XCTAssertEqual(out, [2 * 1 * 1.5, 2 * 3 * 5], "a node listed twice gets both cotangents")
        var none: [Float] = [7, 7]
        g.vectorJacobianProduct(of: [], seeds: seeds, wrt: ParameterGroup("b", [b]), into: &none)
        XCTAssertEqual(none, [0, 0])
    }

    /// For f = ½xᵀAx the Hessian is A exactly: the product must reproduce A·v to rounding.
    func testQuadraticHessianIsExact() {
        var rng = SeededGenerator(seed: 5)
        let n = 7
        let b = rng.floats(n * n)
        var a = [Float](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for k in 0..<n { a[i * n + j] += b[k * n + i] * b[k * n + j] } } }
        let x = Parameter(name: "x", shape: [n, 1], values: rng.floats(n))
        let v = rng.floats(n)
        let g = Graph()
        let xt = g.parameter(x)
        let f = 0.5 * sum(xt * matmul(g.constant(a, shape: [n, n]), xt))
        let hv = g.hessianVectorProduct(of: f, wrt: ParameterGroup("x", [x]), vector: v)
        for i in 0..<n {
            let expected = (0..<n).reduce(Float(0)) { $0 + a[i * n + $1] * v[$1] }
            XCTAssertEqual(hv[i], expected, accuracy: 1e-4 * Swift.max(1, Swift.abs(expected)))
        }
    }

    /// Third order: differentiating an HVP again (d/dx of xᵀ∇²(x⁴)v) is exact too.
    func testThirdDerivativeOfQuartic() {
        let g = Graph()
        let p = Parameter(name: "x", shape: [1], values: [1.5])
        let x = g.parameter(p)
        let f = sum(pow(x, 4))
        let d1 = g.gradient(of: f, wrt: x)          // 4x³
        let d2 = g.gradient(of: sum(d1), wrt: x)    // 12x²
        let d3 = g.gradient(of: sum(d2), wrt: x)    // 24x
        XCTAssertEqual(d1.scalarValue, 4 * 3.375, accuracy: 1e-5)
        XCTAssertEqual(d2.scalarValue, 12 * 2.25, accuracy: 1e-5)
        XCTAssertEqual(d3.scalarValue, 36, accuracy: 1e-5)
    }

    /// Gradients only over the requested subset; unused parameters get zeros.
    func testGradientOverSubsetAndUnusedParameters() {
        let g = Graph()
        let a = Parameter(name: "a", shape: [2], values: [1, 2]), b = Parameter(name: "b", shape: [2], values: [3, 4])
        let unused = Parameter(name: "u", shape: [3], values: [1, 1, 1])
        let y = sum(g.parameter(a) * g.parameter(b))
        XCTAssertEqual(g.gradient(of: y, wrt: ParameterGroup("b", [b, unused])), [1, 2, 0, 0, 0])
        XCTAssertEqual(g.gradient(of: y, wrt: ParameterGroup("a", [a])), [3, 4])
    }

    /// A parameter used twice in one step is one leaf: its gradient sums both uses.
    func testParameterUsedTwiceAccumulates() {
        let g = Graph()
        let p = Parameter(name: "p", shape: [1], values: [3])
        let y = sum(g.parameter(p) * g.parameter(p))
        XCTAssertEqual(g.gradient(of: y, wrt: ParameterGroup("p", [p])), [6])
    }
}
