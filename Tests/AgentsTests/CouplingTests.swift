import Agents
import Autodiff
import Games
import Neural
import Seeding
import XCTest

/// The STAC toy actor–critic game (arXiv 2109.12286, Sec. 3.2) as a two-part model of 1-element
/// parameters: the actor θ maximizes J = wθ (its loss f₁ = −wθ), the critic w minimizes
/// L = (wθ + θ²/5)². The couplings must compute on it exactly what the symbolic module does.
final class ToySTACModel: CoupledModel {
    let graph = Graph()
    let theta: Parameter, w: Parameter
    var prepared: [BatchRole] = []

    init(theta: Float, w: Float) {
        self.theta = Parameter(name: "theta", shape: Shape(1), values: [theta])
        self.w = Parameter(name: "w", shape: Shape(1), values: [w])
    }

    var parts: ModelParts { ModelParts(jointName: "both", [(.actor, [theta]), (.critic, [w])]) }

    func prepare(_ batch: BatchRole) throws { prepared.append(batch) }

    func objective(of part: ModelPart, othersHeld: Bool) -> Tensor {
        var t = graph.parameter(theta), v = graph.parameter(w)
        switch part {
        case .actor:
            if othersHeld { v = stopGradient(v) }
            return sum(-(v * t))
        default:
            if othersHeld { t = stopGradient(t) }
            let inner = v * t + square(t) * 0.2
            return sum(square(inner))
        }
    }

    func jointObjective() -> Tensor { objective(of: .actor, othersHeld: false) + objective(of: .critic, othersHeld: false) }
}

final class CouplingTests: XCTestCase {
    /// Plain SGD at constant rates, no clipping: a step is exactly −rate × the gradient formed.
    func optimization(leader: Float = 0.1, follower: Float = 0.1) -> Optimization {
        Optimization(learningRate: 0.1, leaderLearningRate: leader, followerLearningRate: follower, maxGradientNorm: nil,
                     plannedUpdates: 1, decayLearningRate: false, makeOptimizer: { SGD(parameterCount: $0) })
    }

    func run(_ spec: any CouplingSpec, _ model: ToySTACModel, step: Int = 0) throws -> (Coupling, UpdateMetrics) {
        let coupling = try spec.make(model.parts, optimization: optimization())
        let metrics = UpdateMetrics(names: coupling.metricNames)
        coupling.attach(to: metrics)
        try coupling.update(model, context: UpdateContext(update: 0, environmentStep: step), metrics: metrics)
        return (coupling, metrics)
    }

    func exact(lambda: Float) -> TotalDerivativeOptions {
        var o = TotalDerivativeOptions()
        o.hypergradient.solver = .exact
        o.hypergradient.lambda = lambda
        return o
    }

    /// At λ = 0 the actor's ascent direction is exactly −w − 0.6θ (its total derivative of f₁ = −wθ
    /// is w + 0.6θ), e.g. −0.4 at (θ, w) = (−1, 1); the actor moves by −rate·(w + 0.6θ).
    func testActorLeaderAtLambdaZeroIsTheClosedForm() throws {
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<20 {
            let theta = Float(rng.uniform() * 1.6 - 0.8), w = Float(rng.uniform() * 1.6 - 0.8)
            guard abs(theta) > 0.1 else { continue }   // the critic's Hessian 2θ² must be invertible
            for solver in [HypergradientOptions.Solver.exact, .cg] {
                var o = exact(lambda: 0)
                o.hypergradient.solver = solver
                let model = ToySTACModel(theta: theta, w: w)
                let (c, metrics) = try run(TotalDerivativeSpec(leader: .actor, options: o), model)
                let coupling = try XCTUnwrap(c as? TotalDerivativeCoupling)
                let ascent = -coupling.leader.gradient[0]
                XCTAssertEqual(ascent, -w - 0.6 * theta, accuracy: 2e-5 * max(1, abs(w) + abs(theta)), "θ=\(theta) w=\(w) \(solver)")
                XCTAssertEqual(model.theta.value[0], theta - 0.1 * (w + 0.6 * theta), accuracy: 1e-5)
                // Simultaneous play: the critic's step is at the same point, along ∇_w L = 2(wθ + θ²/5)θ.
                let dL = 2 * (w * theta + theta * theta / 5) * theta
                XCTAssertEqual(model.w.value[0], w - 0.1 * dL, accuracy: 1e-5)
                XCTAssertEqual(metrics["lambda"], 0)
                XCTAssertEqual(metrics["leader_gradient_norm"]!, abs(w), accuracy: 1e-5)   // ∇_θ f₁ = −w
            }
        }
        let model = ToySTACModel(theta: -1, w: 1)
        let (c, _) = try run(TotalDerivativeSpec(leader: .actor, options: exact(lambda: 0)), model)
        XCTAssertEqual(-(c as! TotalDerivativeCoupling).leader.gradient[0], -0.4, accuracy: 1e-6)
    }

    /// At λ > 0 the leader's gradient is the symbolic module's regularized total derivative.
    func testActorLeaderMatchesTheSymbolicRegularizedTotalDerivative() throws {
        for lambda in [0.04, 0.5, 3.0] {
            let dynamics = try GameDynamics(BuiltinGames.stac(), lambda: lambda)
            for (theta, w) in [(0.8, 0.6), (-0.9, 0.9), (0.5, -0.9), (0.2, -0.04), (-0.3, 0.05)] {
                let expected = dynamics.regularized.evaluate([theta, w])[0]
                for solver in [HypergradientOptions.Solver.exact, .cg] {
                    var o = exact(lambda: Float(lambda))
                    o.hypergradient.solver = solver
                    let (c, metrics) = try run(TotalDerivativeSpec(leader: .actor, options: o), ToySTACModel(theta: Float(theta), w: Float(w)))
                    let got = Double((c as! TotalDerivativeCoupling).leader.gradient[0])
                    XCTAssertEqual(got, expected, accuracy: 1e-5 * max(1, abs(expected)), "λ=\(lambda) θ=\(theta) w=\(w) \(solver)")
                    XCTAssertEqual(Double(metrics["lambda"]!), lambda, accuracy: 1e-7)
                }
            }
        }
    }

    /// λ·exp(−t/τ) over environment steps: 500 becomes 500/e at t = τ.
    func testLambdaDecaysOverEnvironmentSteps() throws {
        var o = exact(lambda: 500)
        o.hypergradient.lambdaTimeConstant = 1e5
        let (_, metrics) = try run(TotalDerivativeSpec(leader: .actor, options: o), ToySTACModel(theta: 0.5, w: 0.2), step: 100_000)
        XCTAssertEqual(metrics["lambda"]!, Float(500 / M_E), accuracy: 1e-3)
        XCTAssertEqual(LambdaSchedule.exponentialDecay(initial: 500, timeConstant: 1e5).value(atEnvironmentStep: 200_000), Float(500 * exp(-2.0)), accuracy: 1e-3)
    }

    /// Sequential play with unroll m: the leader steps once at (θ_k, w_k), then the critic m times,
    /// each on a fresh minibatch; and the critic can lead (its total derivative through the actor).
    func testUnrollOrderAndCriticLeader() throws {
        var o = exact(lambda: 0.5)
        o.order = .sequential
        o.unroll = 3
        let model = ToySTACModel(theta: 0.7, w: 0.3)
        let (c, metrics) = try run(TotalDerivativeSpec(leader: .actor, options: o), model)
        let coupling = c as! TotalDerivativeCoupling
        XCTAssertEqual(coupling.batchRoles, [.leader, .follower(0), .follower(1), .follower(2)])
        XCTAssertEqual(model.prepared, [.leader, .follower(0), .follower(1), .follower(2)])
        XCTAssertEqual(coupling.leader.updates, 1)
        XCTAssertEqual(coupling.follower.updates, 3)
        XCTAssertNotNil(metrics["follower_loss"])
        o.freshFollowerBatches = false
        XCTAssertEqual(try TotalDerivativeSpec(leader: .actor, options: o).make(model.parts, optimization: optimization()).batchRoles, [.leader])

        // Critic leads: ∇L = ∇_w L − ∇_θw(−J)(∇²_θ(−J) + λI)⁻¹∇_θ L; ∇²_θ(−wθ) = 0, so with λ it is
        // ∇_w L + (1/λ)∇_θ L, the symbolic module's stac-critic-leader game.
        let lambda = 0.5
        let game = try BuiltinGames.named("stac-critic-leader")
        let dynamics = try GameDynamics(game, lambda: lambda)
        let critic = ToySTACModel(theta: 0.7, w: 0.3)
        let (cc, _) = try run(TotalDerivativeSpec(leader: .critic, options: exact(lambda: Float(lambda))), critic)
        XCTAssertEqual(Double((cc as! TotalDerivativeCoupling).leader.gradient[0]), dynamics.regularized.evaluate([0.3, 0.7])[0], accuracy: 1e-5)
    }

    /// Individual play: each player on its own gradient at the same point, no implicit term.
    func testIndividualPlayHasNoImplicitTerm() throws {
        let model = ToySTACModel(theta: -1, w: 1)
        _ = try run(IndividualSpec(leader: .actor), model)
        XCTAssertEqual(model.theta.value[0], -1 - 0.1 * (-1), accuracy: 1e-6)   // ∇_θ(−wθ) = −w = −1
        let dL: Float = 2 * (-1 + 0.2) * -1
        XCTAssertEqual(model.w.value[0], 1 - 0.1 * dL, accuracy: 1e-6)
    }

    /// Nested: K critic steps first, then the actor's total derivative at the critic's new point;
    /// without the implicit term, the actor's own gradient there. The clip bounds the correction.
    func testNestedStepsTheFollowerFirst() throws {
        var o = NestedOptions()
        o.followerSteps = 2
        o.correctionClip = 0
        o.hypergradient.solver = .exact
        o.hypergradient.lambda = 0.3
        let model = ToySTACModel(theta: 0.6, w: 0.4)
        var w: Float = 0.4
        for _ in 0..<2 { w -= 0.1 * 2 * (w * 0.6 + 0.36 / 5) * 0.6 }
        let (c, metrics) = try run(NestedSpec(leader: .actor, options: o), model)
        XCTAssertEqual(model.w.value[0], w, accuracy: 1e-6)
        let expected = try GameDynamics(BuiltinGames.stac(), lambda: 0.3).regularized.evaluate([0.6, Double(w)])[0]
        XCTAssertEqual(Double((c as! NestedCoupling).leader.gradient[0]), expected, accuracy: 1e-5)
        XCTAssertEqual((c as! NestedCoupling).follower.updates, 2)
        XCTAssertNotNil(metrics["cosine"])

        o.implicitTerm = false
        let plain = ToySTACModel(theta: 0.6, w: 0.4)
        let (p, _) = try run(NestedSpec(leader: .actor, options: o), plain)
        XCTAssertEqual((p as! NestedCoupling).leader.gradient[0], -w, accuracy: 1e-6)

        o.implicitTerm = true
        o.correctionClip = 0.1
        let clipped = ToySTACModel(theta: 0.6, w: 0.4)
        let (q, m2) = try run(NestedSpec(leader: .actor, options: o), clipped)
        let g = -w, full = Float(expected), c0 = g - full
        let s = min(1, 0.1 * abs(g) / (abs(c0) + 1e-8))
        XCTAssertEqual((q as! NestedCoupling).leader.gradient[0], g - s * c0, accuracy: 1e-5)
        XCTAssertEqual(m2["correction_norm"]!, abs(s * c0), accuracy: 1e-5)
    }

    /// Refusals name the fix: SCORER needs a TD-error model; a leader must be one of the parts.
    func testCouplingsRefuseModelsTheyCannotPlay() throws {
        let model = ToySTACModel(theta: 0.5, w: 0.5)
        XCTAssertThrowsError(try ScorerSpec().make(model.parts, optimization: optimization())) {
            XCTAssertTrue("\($0)".contains("SCORER needs a value-based model"), "\($0)")
        }
        XCTAssertThrowsError(try TotalDerivativeSpec(leader: .encoder).make(model.parts, optimization: optimization())) {
            XCTAssertTrue("\($0)".contains("encoder"), "\($0)")
        }
        var bad = TotalDerivativeOptions()
        bad.hypergradient.nystromRho = 0
        XCTAssertThrowsError(try TotalDerivativeSpec(leader: .actor, options: bad).make(model.parts, optimization: optimization())) {
            XCTAssertTrue("\($0)".contains("nystrom_rho"), "\($0)")
        }
    }

    /// A spec knows its batch roles before any model exists, and they are the coupling's.
    func testSpecsKnowTheirBatchRoles() throws {
        var sequential = TotalDerivativeOptions()
        sequential.order = .sequential; sequential.unroll = 2
        var shared = ScorerOptions()
        shared.separateBatches = false
        var two = ScorerOptions()
        two.followerSteps = 2; two.order = .leaderFirst
        let model = ToySTACModel(theta: 0.5, w: 0.5)
        for spec in [MonolithicSpec(), IndividualSpec(leader: .critic), TotalDerivativeSpec(leader: .actor), TotalDerivativeSpec(leader: .actor, options: sequential),
                     // The toy follower has one parameter: Nyström's rank must not exceed it.
                     { var o = NestedOptions(); o.hypergradient.nystromRank = 1; return NestedSpec(options: o) }()] as [any CouplingSpec] {
            XCTAssertEqual(spec.batchRoles, try spec.make(model.parts, optimization: optimization()).batchRoles, spec.name)
        }
        XCTAssertEqual(TotalDerivativeSpec(leader: .actor, options: sequential).batchRoles, [.leader, .follower(0), .follower(1)])
        XCTAssertEqual(ScorerSpec(shared).batchRoles, [.shared])
        XCTAssertEqual(ScorerSpec(two).batchRoles, [.leader, .follower(0), .follower(1)])
        XCTAssertEqual(ScorerSpec().batchRoles, [.follower(0), .leader])
        XCTAssertEqual(IndividualSpec(unroll: 3).batchRoles, [.shared, .follower(1), .follower(2)])
        XCTAssertEqual(IndividualSpec(unroll: 3).batchRoles, try IndividualSpec(unroll: 3).make(model.parts, optimization: optimization()).batchRoles)
        XCTAssertThrowsError(try IndividualSpec(unroll: 0).validate())
    }

    /// Individual play with m = 3: one leader step and three follower steps per update, each a
    /// plain SGD step on the follower's own gradient with the leader held.
    func testIndividualUnrollStepsTheFollowerMTimes() throws {
        let model = ToySTACModel(theta: -1, w: 1)
        _ = try run(IndividualSpec(leader: .actor, unroll: 3), model)
        XCTAssertEqual(model.prepared, [.shared, .follower(1), .follower(2)])
        // The actor's one step: θ ← θ + 0.1·w (f₁ = −wθ); the critic's three from the same start.
        XCTAssertEqual(model.theta.value[0], -1 + 0.1 * 1, accuracy: 1e-6)
        var theta: Float = -1, w: Float = 1
        let gradientW = { (t: Float, w: Float) in 2 * (w * t + t * t * 0.2) * t }
        w -= 0.1 * gradientW(theta, w)
        theta = -0.9
        for _ in 0..<2 { w -= 0.1 * gradientW(theta, w) }
        XCTAssertEqual(model.w.value[0], w, accuracy: 1e-5)
    }

    func testMetricsAreDeclaredOnceAndWrittenInPlace() {
        let m = UpdateMetrics(names: ["a", "b"])
        XCTAssertNil(m["a"], "unreported values read as nil")
        m[m.slot("b")] = 2
        XCTAssertEqual(m["b"], 2)
        XCTAssertNil(m["c"])
        XCTAssertEqual(m.names, ["a", "b"])
    }

    /// The runner logs each metric's mean over the updates since its last row; values an update did
    /// not report (NaN) are left out, and a window with no update reads the current value.
    func testMetricWindowsAverageOverUpdates() throws {
        let m = UpdateMetrics(names: ["loss", "rare"])
        for (i, v) in [1, 2, 6].enumerated() {
            m[m.slot("loss")] = Float(v)
            m[m.slot("rare")] = i == 1 ? 1 : .nan
            m.endUpdate()
        }
        XCTAssertEqual(m.windowMean(at: 0), 3)
        XCTAssertEqual(m.windowMean(at: 1), 1)
        XCTAssertEqual(m.windowCount(at: 0), 3)
        let saved = m.windowState
        m.resetWindow()
        XCTAssertEqual(m.windowMean(at: 0), 6, "no update since the reset: the current value")
        try m.restoreWindow(sums: saved.sums, counts: saved.counts)
        XCTAssertEqual(m.windowMean(at: 0), 3)
        XCTAssertThrowsError(try m.restoreWindow(sums: [1], counts: [1]))
    }
}
