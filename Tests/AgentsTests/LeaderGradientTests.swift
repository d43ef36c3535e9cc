import Agents
import Autodiff
import Neural
import Seeding
import XCTest

/// A small network problem whose follower has a closed-form best response, as a two-part
/// ``TDErrorModel`` (an encoder φ and a linear head v, q(s) = φ(s)ᵀv):
///
/// - follower: the ridge loss f₂ = mean_D (q(s) − y)² + μ‖follower‖² on its data D, a quadratic
///   in the follower's parameters (they enter q linearly), strongly convex for μ > 0;
/// - leader: f₁ = mean_D′ (q(s′) − z)² + ν‖leader‖² on other data D′ with other targets, so that
///   ∇_follower f₁ ≠ 0 at the follower's best response and the implicit term matters.
///
/// With the encoder leading, φ(s) = tanh(sW + b) (20 parameters) and the follower is the head
/// (5 parameters, best response a 5×5 ridge solve). With the head leading, the encoder must be
/// linear in its parameters for its best response to be closed-form: φ(s) = sW + b (16
/// parameters, a 16×16 ridge solve), the head (4 parameters) leading.
/// The TD errors (for SCORER) are δ = y − q(s) on the follower's data.
final class RidgeNetworkModel: TDErrorModel {
    let graph = Graph()
    let leader: ModelPart
    let inputs: Int, hidden: Int
    let w: Parameter, b: Parameter, head: Parameter
    let mu: Float, nu: Float
    /// D (inputs row-major [n, inputs], targets y) and D′ (inputs, targets z).
    let followerInputs: [Float], followerTargets: [Float], leaderInputs: [Float], leaderTargets: [Float]

    init(leader: ModelPart, inputs: Int, hidden: Int, samples: Int, mu: Float = 0.1, nu: Float = 0.01, seed: UInt64) {
        self.leader = leader
        self.inputs = inputs
        self.hidden = hidden
        self.mu = mu
        self.nu = nu
        var rng = SeededGenerator(seed: seed)
        func normals(_ n: Int, _ scale: Double) -> [Float] { (0..<n).map { _ in Float(rng.normal() * scale) } }
        let s = normals(samples * inputs, 1), s2 = normals(samples * inputs, 1)
        // Targets from different functions of the inputs: the players disagree.
        followerInputs = s
        followerTargets = (0..<samples).map { (j: Int) -> Float in
            let a: Double = sin(Double(s[j * inputs])), b: Double = 0.5 * Double(s[j * inputs + 1])
            return Float(a + b)
        }
        leaderInputs = s2
        leaderTargets = (0..<samples).map { (j: Int) -> Float in
            let a: Double = cos(Double(s2[j * inputs + 1])), b: Double = Double(s2[j * inputs + 2])
            return Float(a - b)
        }
        w = Parameter(name: "w", shape: Shape(inputs, hidden), values: normals(inputs * hidden, 0.7))
        b = Parameter(name: "b", shape: Shape(hidden), values: normals(hidden, 0.3))
        head = Parameter(name: "head", shape: Shape(hidden, 1), values: normals(hidden, 0.5))
    }

    var parts: ModelParts { ModelParts(jointName: "network", [(.encoder, [w, b]), (.head, [head])], providesTDErrors: true) }
    var follower: ModelPart { leader == .encoder ? .head : .encoder }
    func parameters(of part: ModelPart) -> [Parameter] { part == .encoder ? [w, b] : [head] }
    func values(of part: ModelPart) -> [Double] { parameters(of: part).flatMap(\.values).map(Double.init) }
    func load(_ part: ModelPart, _ values: [Double]) {
        var rest = values.map(Float.init)[...]
        for p in parameters(of: part) { p.load(Array(rest.prefix(p.count))); rest = rest.dropFirst(p.count) }
    }

    func prepare(_ batch: BatchRole) throws {}

    /// q on `data`, [n]; the features or the head entered as constants when held.
    private func predictions(_ data: [Float], featuresHeld: Bool, headHeld: Bool) -> Tensor {
        let n = data.count / inputs
        var phi = affine(graph.constant(data, shape: Shape(n, inputs)), graph.parameter(w), graph.parameter(b))
        if leader == .encoder { phi = tanh(phi) }
        if featuresHeld { phi = stopGradient(phi) }
        var v = graph.parameter(head)
        if headHeld { v = stopGradient(v) }
        return matmul(phi, v).reshaped(Shape(n))
    }

    private func squaredNorm(of part: ModelPart) -> Tensor {
        let terms = parameters(of: part).map { sum(square(graph.parameter($0))) }
        return terms.dropFirst().reduce(terms[0], +)
    }

    func objective(of part: ModelPart, othersHeld: Bool) -> Tensor {
        let leads = part == leader
        let (data, targets) = leads ? (leaderInputs, leaderTargets) : (followerInputs, followerTargets)
        let q = predictions(data, featuresHeld: othersHeld && part == .head, headHeld: othersHeld && part == .encoder)
        let fit = mean(square(q - graph.constant(targets, shape: Shape(targets.count))))
        return fit + (leads ? nu : mu) * squaredNorm(of: part)
    }

    func jointObjective() -> Tensor { objective(of: leader, othersHeld: false) + objective(of: follower, othersHeld: false) }

    func tdErrors(featuresHeld: Bool) -> Tensor {
        graph.constant(followerTargets, shape: Shape(followerTargets.count)) - predictions(followerInputs, featuresHeld: featuresHeld, headHeld: false)
    }
}

/// The same problem in Double, written apart from the graph: q = A(x)·u with x the leader's
/// parameters and u the follower's, A(x) the design matrix (the follower's parameters enter q
/// linearly), so the follower's best response is a ridge solve and F(x) = f₁(x, u*(x)) is exact
/// up to Double rounding.
struct RidgeNetworkReference {
    let leader: ModelPart
    let inputs: Int, hidden: Int
    let mu: Double, nu: Double
    let s: [Double], y: [Double], s2: [Double], z: [Double]

    init(_ m: RidgeNetworkModel) {
        leader = m.leader; inputs = m.inputs; hidden = m.hidden; mu = Double(m.mu); nu = Double(m.nu)
        s = m.followerInputs.map(Double.init); y = m.followerTargets.map(Double.init)
        s2 = m.leaderInputs.map(Double.init); z = m.leaderTargets.map(Double.init)
    }

    /// A(x) on `data`: tanh(sW + b) for a leading encoder x = (W, b); [s ⊗ v, v] for a leading
    /// head x = v (the linear encoder's (W, b) in their flattened order).
    func design(_ x: [Double], _ data: [Double]) -> [[Double]] {
        let (d, h) = (inputs, hidden)
        return (0..<data.count / d).map { j in
            let row = data[(j * d)..<(j * d + d)].map { $0 }
            if leader == .encoder {
                return (0..<h).map { k in tanh((0..<d).reduce(x[d * h + k]) { $0 + row[$1] * x[$1 * h + k] }) }
            }
            return (0..<d).flatMap { i in x.map { row[i] * $0 } } + x
        }
    }

    func residuals(_ x: [Double], _ u: [Double], _ data: [Double], _ targets: [Double]) -> [Double] {
        zip(design(x, data), targets).map { dot($0, u) - $1 }
    }
    func meanSquare(_ r: [Double]) -> Double { dot(r, r) / Double(r.count) }
    /// f₂(x, u) and f₁(x, u).
    func followerLoss(_ x: [Double], _ u: [Double]) -> Double { meanSquare(residuals(x, u, s, y)) + mu * dot(u, u) }
    func leaderLoss(_ x: [Double], _ u: [Double]) -> Double { meanSquare(residuals(x, u, s2, z)) + nu * dot(x, x) }

    /// argmin_u f₂(x, u) + (λ/2)‖u − anchor‖²: (2AᵀA/n + (2μ + λ)I) u = 2Aᵀy/n + λ·anchor.
    func bestResponse(_ x: [Double], lambda: Double = 0, anchor: [Double]? = nil) -> [Double] {
        let a = design(x, s), n = Double(a.count), m = a[0].count
        var matrix = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        var rhs = anchor.map { a in a.map { lambda * $0 } } ?? [Double](repeating: 0, count: m)
        for (row, t) in zip(a, y) {
            for i in 0..<m {
                rhs[i] += 2 * row[i] * t / n
                for j in 0..<m { matrix[i][j] += 2 * row[i] * row[j] / n }
            }
        }
        for i in 0..<m { matrix[i][i] += 2 * mu + lambda }
        return choleskySolve(matrix, rhs)
    }

    /// F(x) = f₁(x, u*(x)), against the follower anchored by (λ/2)‖u − anchor‖² when λ > 0.
    func total(_ x: [Double], lambda: Double = 0, anchor: [Double]? = nil) -> Double {
        leaderLoss(x, bestResponse(x, lambda: lambda, anchor: anchor))
    }
}

private func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

/// Solves M u = r for symmetric positive definite M by Cholesky, in Double.
private func choleskySolve(_ m: [[Double]], _ r: [Double]) -> [Double] {
    let n = r.count
    var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
        for j in 0...i {
            let s = (0..<j).reduce(m[i][j]) { $0 - l[i][$1] * l[j][$1] }
            l[i][j] = i == j ? s.squareRoot() : s / l[j][j]
        }
    }
    var u = r
    for i in 0..<n { u[i] = (0..<i).reduce(u[i]) { $0 - l[i][$1] * u[$1] } / l[i][i] }
    for i in stride(from: n - 1, through: 0, by: -1) { u[i] = ((i + 1)..<n).reduce(u[i]) { $0 - l[$1][i] * u[$1] } / l[i][i] }
    return u
}

/// Central differences in Double.
private func finiteDifferenceGradient(_ f: ([Double]) -> Double, at x: [Double], step: Double = 1e-5) -> [Double] {
    (0..<x.count).map { i in
        var plus = x, minus = x
        plus[i] += step
        minus[i] -= step
        return (f(plus) - f(minus)) / (2 * step)
    }
}

/// The leader's gradient each coupling forms, against finite differences of the leader's loss at
/// the follower's best response, F(x₁) = f₁(x₁, x₂*(x₁)), on ``RidgeNetworkModel``. The follower
/// is put at its best response (computed in Double, rounded to Float) so that the implicit
/// function theorem holds: the total derivative ∇₁f₁ − ∇₁₂f₂ (∇²₂f₂)⁻¹ ∇₂f₁ is then ∇F exactly
/// (STAC, arXiv 2109.12286, Prop. 2 / Sec. 3). Each coupling takes one update with plain SGD at a
/// constant rate without clipping, so the leader moves by exactly −rate × the gradient it formed,
/// which the couplings leave in their optimizer's gradient buffer.
///
/// Tolerances are on the relative error max|got − expected| / max|expected| (the ∞-norm), the
/// couplings computing in Float32 against a Double reference; measured errors are in the comments.
final class LeaderGradientTests: XCTestCase {
    static let rate: Float = 0.01
    /// The relative error a Float32 gradient may have. Measured on this problem (Linux x86-64,
    /// OpenBLAS): at most 2.5e-7 relative (3e-7 absolute, gradients of size 0.06–2) for every
    /// comparison below, so 1e-5 leaves a margin of 40; a 10 % error in λ, one CG iteration short,
    /// or a correction scaled by 0.9 each fail it by 20× to 10⁴×.
    static let tolerance = 1e-5

    struct Problem {
        let model: RidgeNetworkModel
        let reference: RidgeNetworkReference
        /// The leader's parameters x₁, and the follower's best response x₂*(x₁) as loaded (Float).
        let x: [Double], u: [Double]

        /// ∇F(x₁) by finite differences, against the follower anchored with strength λ at x₂*(x₁).
        func totalGradient(lambda: Double = 0) -> [Double] {
            let anchor = reference.bestResponse(x)
            return finiteDifferenceGradient({ reference.total($0, lambda: lambda, anchor: anchor) }, at: x)
        }
        /// ∇₁f₁(x₁, x₂) at the follower's loaded parameters (x₂ held).
        var partialGradient: [Double] { finiteDifferenceGradient({ reference.leaderLoss($0, u) }, at: x) }
    }

    /// The encoder (tanh features) leading and the head following, or the head leading a linear
    /// encoder; the follower loaded at its best response.
    func problem(leader: ModelPart = .encoder) -> Problem {
        let model = leader == .encoder
            ? RidgeNetworkModel(leader: .encoder, inputs: 3, hidden: 5, samples: 12, seed: 11)
            : RidgeNetworkModel(leader: .head, inputs: 3, hidden: 4, samples: 12, seed: 12)
        let reference = RidgeNetworkReference(model)
        let x = model.values(of: leader)
        model.load(model.follower, reference.bestResponse(x))
        return Problem(model: model, reference: reference, x: x, u: model.values(of: model.follower))
    }

    func optimization() -> Optimization {
        Optimization(learningRate: Self.rate, leaderLearningRate: Self.rate, followerLearningRate: Self.rate, maxGradientNorm: nil,
                     plannedUpdates: 1, decayLearningRate: false, makeOptimizer: { SGD(parameterCount: $0) })
    }

    /// One update of `spec` on the problem's model; returns the coupling.
    func update(_ spec: any CouplingSpec, _ p: Problem) throws -> Coupling {
        let coupling = try spec.make(p.model.parts, optimization: optimization())
        let metrics = UpdateMetrics(names: coupling.metricNames)
        coupling.attach(to: metrics)
        try coupling.update(p.model, context: UpdateContext(update: 0, environmentStep: 0), metrics: metrics)
        return coupling
    }

    /// The relative error max|got − expected| / max|expected|, and the absolute one.
    func error(_ got: [Double], _ expected: [Double]) -> (abs: Double, relative: Double) {
        let a = zip(got, expected).map { Swift.abs($0 - $1) }.max()!
        return (a, a / expected.map(Swift.abs).max()!)
    }

    func assertClose(_ got: [Double], _ expected: [Double], tolerance: Double = tolerance, _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, expected.count, what, file: file, line: line)
        let e = error(got, expected)
        XCTAssertLessThan(e.relative, tolerance, "\(what): max abs error \(e.abs), relative \(e.relative)", file: file, line: line)
    }

    func values(_ g: UnsafePointer<Float>, _ n: Int) -> [Double] { (0..<n).map { Double(g[$0]) } }

    /// The optimizer's gradient buffer, checked to be the step the player took: −rate × it.
    func gradient(of o: GroupOptimizer, before: [Double], after: [Double], file: StaticString = #filePath, line: UInt = #line) -> [Double] {
        let g = values(o.gradient, o.group.count)
        for i in g.indices {
            XCTAssertEqual(after[i], before[i] - Double(Self.rate) * g[i], accuracy: 1e-6, "\(o.name) [\(i)]", file: file, line: line)
        }
        return g
    }

    /// The Double reference is the model: both losses agree to Float rounding, and the follower's
    /// graph gradient vanishes at the reference's best response (else every comparison below would
    /// be at a point where the implicit function theorem does not apply). Fails if the two
    /// implementations differ in data layout, parameter order or the loss.
    func testTheReferenceIsTheModelAndTheFollowerIsAtItsBestResponse() throws {
        for leader in [ModelPart.encoder, .head] {
            let p = problem(leader: leader)
            let m = p.model
            m.graph.reset()
            let f1 = m.objective(of: leader, othersHeld: false), f2 = m.objective(of: m.follower, othersHeld: false)
            XCTAssertEqual(Double(f1.scalarValue), p.reference.leaderLoss(p.x, p.u), accuracy: 1e-5 * p.reference.leaderLoss(p.x, p.u), "\(leader)")
            XCTAssertEqual(Double(f2.scalarValue), p.reference.followerLoss(p.x, p.u), accuracy: 1e-5 * p.reference.followerLoss(p.x, p.u), "\(leader)")
            let g2 = m.graph.gradient(of: f2, wrt: ParameterGroup("follower", m.parameters(of: m.follower)))
            XCTAssertLessThan(g2.map(Swift.abs).max()!, 1e-5, "\(leader): ∇₂f₂ at the best response")
            let g1 = m.graph.gradient(of: f1, wrt: ParameterGroup("leader", m.parameters(of: leader)))
            assertClose(g1.map(Double.init), p.partialGradient, "\(leader): ∇₁f₁")
        }
    }

    /// STAC with the exact solver and λ = 0 (arXiv 2109.12286, Prop. 2): the encoder's gradient is
    /// ∇F, and its own part (`lastLeaderGradient`) is ∇₁f₁. Fails if the implicit correction has
    /// the wrong sign, transpose or scale, or is taken at the wrong point.
    func testTotalDerivativeIsTheGradientAtTheBestResponse() throws {
        let p = problem()
        var o = TotalDerivativeOptions()
        o.hypergradient.solver = .exact
        let c = try XCTUnwrap(update(TotalDerivativeSpec(leader: .encoder, options: o), p) as? TotalDerivativeCoupling)
        let g = gradient(of: c.leader, before: p.x, after: p.model.values(of: .encoder))
        assertClose(g, p.totalGradient(), "exact total derivative vs ∇F")
        assertClose(values(c.totalDerivative.lastLeaderGradient, p.x.count), p.partialGradient, "its ∇₁f₁")
    }

    /// STAC's CG with as many iterations as the head has parameters solves the 5×5 system: at λ = 0
    /// the gradient is ∇F. At λ > 0 it is the gradient of f₁ against a follower held near its
    /// current point by (λ/2)‖x₂ − x₂*‖² (whose Hessian is ∇²₂f₂ + λI, the regularized total
    /// derivative's), and as λ grows it approaches the individual gradient ∇₁f₁ monotonically.
    /// Fails if λ is added with the wrong scale or sign, or CG stops short.
    func testConjugateGradientAndLambda() throws {
        let partial = problem().partialGradient
        var previous = (toPartial: Double.infinity, toTotal: -1.0)
        for lambda in [0, 0.1, 1, 10, 100, 1000] as [Float] {
            let p = problem()
            var o = TotalDerivativeOptions()
            o.hypergradient.solver = .cg
            o.hypergradient.cgIterations = p.u.count
            o.hypergradient.lambda = lambda
            let c = try XCTUnwrap(update(TotalDerivativeSpec(leader: .encoder, options: o), p) as? TotalDerivativeCoupling)
            let g = gradient(of: c.leader, before: p.x, after: p.model.values(of: .encoder))
            assertClose(g, p.totalGradient(lambda: Double(lambda)), "CG, λ = \(lambda), vs ∇F_λ")
            let distance = (toPartial: error(g, partial).relative, toTotal: error(g, p.totalGradient()).relative)
            XCTAssertLessThan(distance.toPartial, previous.toPartial, "λ = \(lambda): closer to ∇₁f₁")
            XCTAssertGreaterThan(distance.toTotal, previous.toTotal, "λ = \(lambda): further from ∇F")
            previous = distance
        }
        XCTAssertLessThan(previous.toPartial, 1e-2, "λ = 1000 is nearly the individual gradient")
    }

    /// BLPO's nested coupling (arXiv 2505.11714): the head's step comes first, and at its best
    /// response it stays there (∇₂f₂ = 0), so the encoder's hypergradient with the exact solver is
    /// ∇F. With BLPO's Nyström solver at rank = the head's size the sketch is the Hessian itself,
    /// and its ρ acts as λ: the gradient against the follower anchored with strength ρ. Without the
    /// implicit term it is ∇₁f₁. Fails if the nested order moves the follower off its best
    /// response, or the Nyström sketch or its ρ is wrong.
    func testNestedHypergradient() throws {
        var o = NestedOptions()
        o.followerSteps = 3
        o.hypergradient.solver = .exact
        // The exact gradients, unclipped; the textbook sketch (core W), which is H itself at full
        // rank (BLPO's core W + I is checked against its formula in SolverTests).
        o.correctionClip = 0
        o.hypergradient.nystromCoreShift = 0
        var p = problem()
        var c = try XCTUnwrap(update(NestedSpec(leader: .encoder, options: o), p) as? NestedCoupling)
        XCTAssertEqual(c.follower.updates, 3)
        XCTAssertLessThan(error(p.model.values(of: .head), p.u).abs, 1e-7, "the head stays at its best response")
        assertClose(gradient(of: c.leader, before: p.x, after: p.model.values(of: .encoder)), p.totalGradient(), "nested, exact")

        o.hypergradient.solver = .nystrom
        o.hypergradient.nystromRank = p.u.count
        o.hypergradient.nystromRho = 2
        p = problem()
        c = try XCTUnwrap(update(NestedSpec(leader: .encoder, options: o), p) as? NestedCoupling)
        let nystrom = gradient(of: c.leader, before: p.x, after: p.model.values(of: .encoder))
        assertClose(nystrom, p.totalGradient(lambda: 2), "nested, Nyström of full rank, ρ = 2, vs ∇F_ρ")
        XCTAssertGreaterThan(error(nystrom, p.totalGradient()).relative, 100 * Self.tolerance, "ρ matters here")

        o.implicitTerm = false
        p = problem()
        c = try XCTUnwrap(update(NestedSpec(leader: .encoder, options: o), p) as? NestedCoupling)
        assertClose(gradient(of: c.leader, before: p.x, after: p.model.values(of: .encoder)), p.partialGradient, "nested without the implicit term")
    }

    /// Individual play (arXiv 2109.12286, Sec. 3.1): the leader's gradient is the partial ∇₁f₁ at
    /// the follower's point, which on this problem is far from ∇F (so the comparisons above could
    /// tell the implicit term's presence from its absence); the follower's is ∇₂f₂ ≈ 0.
    func testIndividualIsThePartialGradient() throws {
        let p = problem()
        let c = try XCTUnwrap(update(IndividualSpec(leader: .encoder), p) as? Individual)
        let g = gradient(of: c.leader, before: p.x, after: p.model.values(of: .encoder))
        assertClose(g, p.partialGradient, "individual vs ∇₁f₁")
        XCTAssertGreaterThan(error(g, p.totalGradient()).relative, 100 * Self.tolerance, "the implicit term matters here")
        XCTAssertLessThan(values(c.follower.gradient, p.u.count).map(Swift.abs).max()!, 1e-5)
    }

    /// Monolithic: one gradient of the joint objective f₁ + f₂ over every parameter (encoder, then
    /// head). Fails if a part is missing from the joint optimizer or the order is not the parts'.
    func testMonolithicIsTheJointGradient() throws {
        let p = problem()
        let r = p.reference, n = p.x.count
        let c = try XCTUnwrap(update(MonolithicSpec(), p) as? Monolithic)
        let after = p.model.values(of: .encoder) + p.model.values(of: .head)
        let g = gradient(of: c.whole, before: p.x + p.u, after: after)
        let joint = finiteDifferenceGradient({ v in
            let x = Array(v[..<n]), u = Array(v[n...])
            return r.leaderLoss(x, u) + r.followerLoss(x, u)
        }, at: p.x + p.u)
        assertClose(g, joint, "monolithic vs ∇(f₁ + f₂)")
    }

    /// SCORER (arXiv 2508.07452): the encoder follows first on Var_j δ_j with the head fixed, then
    /// the head leads on mean δ² at the encoder's new features, held. Both are partial gradients of
    /// the TD errors δ = y − q on the follower's data; no best response is involved (SCORER fixes
    /// the roles: the head leads, so this is its only check). Fails if the steps run in the public
    /// code's order (head first: both gradients then miss by ~3e-3) or the follower's objective is
    /// not the variance.
    func testScorerPartialGradients() throws {
        let p = problem()
        let r = p.reference
        var o = ScorerOptions()
        o.decay = .constant
        let c = try XCTUnwrap(update(ScorerSpec(o), p) as? Scorer)
        func delta(_ x: [Double], _ u: [Double]) -> [Double] { r.residuals(x, u, r.s, r.y).map { -$0 } }
        let encoder = p.model.values(of: .encoder)
        let variance = finiteDifferenceGradient({ x in
            let d = delta(x, p.u), m = d.reduce(0, +) / Double(d.count)
            return r.meanSquare(d.map { $0 - m })
        }, at: p.x)
        assertClose(gradient(of: c.follower, before: p.x, after: encoder), variance, "SCORER follower vs ∇_φ Var δ")
        let msbe = finiteDifferenceGradient({ u in r.meanSquare(delta(encoder, u)) }, at: p.u)
        assertClose(gradient(of: c.leader, before: p.u, after: p.model.values(of: .head)), msbe, "SCORER leader vs ∇_θ mean δ² at φ_{k+1}")
    }

    /// The other way round: the head leads a linear encoder whose best response is a 16×16 ridge
    /// solve. The head's total derivative (exact solver, and CG with 16 iterations) is ∇F of
    /// F(v) = f₁(v, (W, b)*(v)), and the individual gradient is not. Fails as the encoder-leader
    /// test does, with the roles of the mixed product's sides swapped.
    func testHeadLeaderTotalDerivative() throws {
        let total = problem(leader: .head).totalGradient()
        for solver in [HypergradientOptions.Solver.exact, .cg] {
            let p = problem(leader: .head)
            var o = TotalDerivativeOptions()
            o.hypergradient.solver = solver
            o.hypergradient.cgIterations = p.u.count
            let c = try XCTUnwrap(update(TotalDerivativeSpec(leader: .head, options: o), p) as? TotalDerivativeCoupling)
            assertClose(gradient(of: c.leader, before: p.x, after: p.model.values(of: .head)), total, "head leader, \(solver), vs ∇F")
        }
        let p = problem(leader: .head)
        let c = try XCTUnwrap(update(IndividualSpec(leader: .head), p) as? Individual)
        let g = gradient(of: c.leader, before: p.x, after: p.model.values(of: .head))
        assertClose(g, p.partialGradient, "head individual vs ∇₁f₁")
        XCTAssertGreaterThan(error(g, total).relative, 100 * Self.tolerance, "the implicit term matters here")
    }
}
