import Agents
import Autodiff
import Environments
import Training
import XCTest

/// On-policy AC and STAC (arXiv 2109.12286, Sec. 4.2, Prop. 1): the mixed term of the critic's
/// loss, the public code's rank-one surrogate, and exact resume through the runner.
final class ACTests: XCTestCase {
    private var flushedBefore = false
    override func setUp() { flushedBefore = BLAS.flushSubnormalsOnThisThread(true) }
    override func tearDown() { BLAS.flushSubnormalsOnThisThread(flushedBefore) }

    /// A small STAC on CartPole (2 copies × 48 steps, short episodes cut at 20 steps so that the
    /// batch holds many segments), with a batch collected but no update made.
    func collected(_ mixedTerm: ACConfig.MixedTerm, spec: any CouplingSpec = TotalDerivativeSpec(leader: .actor)) throws -> ACAgent {
        var c = ACConfig()
        c.coupling = spec
        c.batchSteps = 96
        c.actorWidths = [8]; c.criticWidths = [8]
        c.mixedTerm = mixedTerm
        let env = try EnvironmentRegistry.make("cartpole", count: 2, overrides: EnvironmentOverrides(maxEpisodeSteps: 20))
        let agent = try ACAgent(config: c, environment: env, seed: 3)
        env.reset(seed: 5)
        try agent.collectBatch()
        return agent
    }

    /// Each row's segment start and weight c_t, recomputed from the batch's flags: a segment starts
    /// at a copy's first step and after every episode end; c_t = γ^(t−t₀)Â_t/N (`episodes`).
    func segmentWeights(_ b: RolloutBuffer, gamma: Float) -> (start: [Int], weight: [Float]) {
        var start = [Int](repeating: 0, count: b.rows), weight = [Float](repeating: 0, count: b.rows)
        for i in 0..<b.copies {
            var s = i
            var discount: Float = 1
            for t in 0..<b.steps {
                let k = t * b.copies + i
                if t == 0 || b.terminated[k - b.copies] == 1 || b.truncated[k - b.copies] == 1 { s = k; discount = 1 }
                start[k] = s
                weight[k] = discount * b.advantages[k] / Float(b.rows)
                discount *= gamma
            }
        }
        return (start, weight)
    }

    /// The surrogate S adds nothing to the critic's loss, its gradient or (so) its Hessian: the
    /// critic's objective with and without the actor held agrees in value and w-gradient.
    func testTheMixedTermLeavesTheCriticLossAndGradientUnchanged() throws {
        let a = try collected(.episodes)
        let critic = ParameterGroup("c", a.critic.parameters)
        var held = [Float](repeating: 0, count: critic.count), free = held
        a.graph.reset()
        let lossHeld = a.objective(of: .critic, othersHeld: true)
        a.graph.gradient(of: lossHeld, wrt: critic, into: &held)
        let valueHeld = lossHeld.scalarValue
        a.graph.reset()
        let lossFree = a.objective(of: .critic, othersHeld: false)
        a.graph.gradient(of: lossFree, wrt: critic, into: &free)
        XCTAssertEqual(lossFree.scalarValue, valueHeld)
        XCTAssertEqual(free, held)
    }

    /// ∇_θ⟨∇_w L, x⟩ equals Prop. 1's mixed term −2 Σ_t c_t ⟨∇_w V(s₀(t)), x⟩ ∇_θ log π(a_t|s_t),
    /// recomputed here from the batch (segment starts found from the flags, each V gradient taken
    /// alone). Fails if a segment starts in the wrong place, the discount restarts wrongly, or the
    /// sign or factor 2 is off.
    func testTheMixedTermIsPropositionOnesOverEveryEpisodeSegment() throws {
        let a = try collected(.episodes)
        let b = a.batch
        XCTAssertGreaterThan((0..<b.rows).filter { b.terminated[$0] == 1 || b.truncated[$0] == 1 }.count, 2, "the batch should hold several episodes")
        let actor = ParameterGroup("a", a.actorParameters), critic = ParameterGroup("c", a.critic.parameters)
        var x = [Float](repeating: 0, count: critic.count)
        for i in x.indices { x[i] = Float(sin(Double(i) * 0.7)) * 0.3 }
        a.graph.reset()
        let got = a.graph.mixedProduct(of: a.objective(of: .critic, othersHeld: false), wrt: actor, through: critic, vector: x)

        let (start, weight) = segmentWeights(b, gamma: a.config.gamma)
        // d_s = ⟨∇_w V(s), x⟩ for each distinct start row s.
        var directional = [Int: Float]()
        var g = [Float](repeating: 0, count: critic.count)
        for s in Set(start) {
            a.graph.reset()
            let v = a.critic(a.graph.constant(b.observations + s * b.observationSize, shape: Shape(1, b.observationSize)))
            a.graph.gradient(of: sum(v), wrt: critic, into: &g)
            directional[s] = zip(g, x).map { $0 * $1 }.reduce(0, +)
        }
        // −2 Σ_t c_t d_t ∇_θ log π_t = ∇_θ of −mean_t log π_t Â'_t with Â'_t = 2N c_t d_t: the
        // actor's own objective on rewritten advantages.
        let saved = Array(UnsafeBufferPointer(start: b.advantages, count: b.rows))
        for k in 0..<b.rows { b.advantages[k] = 2 * Float(b.rows) * weight[k] * directional[start[k]]! }
        var expected = [Float](repeating: 0, count: actor.count)
        a.graph.reset()
        a.graph.gradient(of: a.objective(of: .actor, othersHeld: true), wrt: actor, into: &expected)
        b.advantages.update(from: saved, count: b.rows)

        let scale = expected.map(abs).max()!
        XCTAssertGreaterThan(scale, 1e-6)
        let error = zip(got, expected).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(error / scale, 1e-4, "max |got − expected| = \(error), max |expected| = \(scale)")
    }

    /// The public code's surrogate makes STAC's step AC's times κ = 1 + 2∇_w V(s₁)ᵀ v, v the solve
    /// for ∇_w J (ALGORITHMS: rank-one finding): the total derivative is parallel to the actor's
    /// own gradient, and `step_scale` is that κ. With `episodes` it is not parallel.
    func testTheFirstTransitionSurrogateOnlyRescalesTheStep() throws {
        var exact = TotalDerivativeOptions()
        exact.hypergradient.solver = .exact
        exact.hypergradient.lambda = 1
        let a = try collected(.firstTransition, spec: TotalDerivativeSpec(leader: .actor, options: exact))
        let b = a.batch
        let critic = ParameterGroup("c", a.critic.parameters)
        var g = [Float](repeating: 0, count: critic.count)
        a.graph.reset()
        a.graph.gradient(of: sum(a.critic(a.graph.constant(b.observations, shape: Shape(1, b.observationSize)))), wrt: critic, into: &g)
        try a.updateOnBatch()
        let td = try XCTUnwrap(a.coupling as? TotalDerivativeCoupling).totalDerivative
        XCTAssertGreaterThan(abs(a.metrics["cosine"]!), 1 - 1e-5)
        // Our v solves for ∇_w f₁ = −∇_w J, so κ = 1 − 2∇_w V(s₁)ᵀ v.
        let kappa = 1 - 2 * zip(g, td.lastImplicitVector).map { $0 * $1 }.reduce(0, +)
        XCTAssertEqual(a.metrics["step_scale"]!, kappa, accuracy: 1e-3 * max(1, abs(kappa)))
        XCTAssertGreaterThan(abs(kappa - 1), 1e-3, "the correction should change the step here")

        let e = try collected(.episodes, spec: TotalDerivativeSpec(leader: .actor, options: exact))
        try e.updateOnBatch()
        XCTAssertLessThan(abs(e.metrics["cosine"]!), 0.9999)
    }

    /// The step-size ablation steps along κ∇_θ f₁: after one update the actor moved by exactly
    /// −rate·κ·g (plain SGD), g the actor's own gradient.
    func testTheScaledOwnGradientAblationStepsAlongTheOwnGradient() throws {
        var o = TotalDerivativeOptions()
        o.hypergradient.solver = .exact
        o.hypergradient.lambda = 1
        o.leaderStep = .scaledOwnGradient
        let a = try collected(.episodes, spec: TotalDerivativeSpec(leader: .actor, options: o))
        let before = a.actorParameters.flatMap { Array(UnsafeBufferPointer(start: $0.value, count: $0.count)) }
        try a.updateOnBatch()
        let after = a.actorParameters.flatMap { Array(UnsafeBufferPointer(start: $0.value, count: $0.count)) }
        let td = try XCTUnwrap(a.coupling as? TotalDerivativeCoupling).totalDerivative
        let g = Array(UnsafeBufferPointer(start: td.lastLeaderGradient, count: before.count))
        let kappa = a.metrics["step_scale"]!
        let rate = a.config.actorLearningRate
        let error = zip(zip(before, after), g).map { abs(($0.0 - $0.1) - rate * kappa * $1) }.max()!
        XCTAssertLessThan(error, 1e-6 * max(1, abs(kappa)))
        XCTAssertLessThan(abs(a.metrics["cosine"]!), 0.9999, "the total derivative itself turns (episodes)")
    }

    /// AC and STAC (with gradient noise and a warm-started CG) stopped at 8,000 steps and resumed to
    /// 16,000 write an uninterrupted run's logs.
    func testACAndSTACResumeExactly() throws {
        for coupling in ["individual", "actor-leader"] {
            func settings(_ steps: Int) throws -> Settings {
                var g = Settings()
                for (k, v) in [("algo", "ac"), ("coupling", coupling), ("env", "cartpole")] { g[k] = .string(v) }
                for (k, v) in [("total_steps", Double(steps)), ("batch_steps", 1_000), ("eval_interval", 4_000), ("eval_episodes", 1),
                               ("checkpoint_interval", 3_000), ("log_interval", 1_000), ("individual.unroll", 3), ("stackelberg.unroll", 3),
                               ("gradient_noise", 0.05), ("stackelberg.cg_tolerance", 0.05)] { g[k] = .number(v) }
                // The warm start's last solution must travel in the checkpoint.
                g["stackelberg.cg_warm_start"] = .bool(true)
                g["network.actor_widths"] = .numbers([8]); g["network.critic_widths"] = .numbers([8])
                g["tensorboard"] = .bool(false)
                return try AlgorithmRegistry.resolve(g)
            }
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("ac-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: root) }
            try TrainingRun(settings: try settings(16_000), seed: 2, directory: root + "/whole", header: []).run(resume: false)
            try TrainingRun(settings: try settings(8_000), seed: 2, directory: root + "/split", header: []).run(resume: false)
            try TrainingRun(settings: try settings(16_000), seed: 2, directory: root + "/split", header: []).run(resume: true)
            for log in ["episodes.csv", "updates.csv"] {
                XCTAssertEqual(try String(contentsOfFile: "\(root)/whole/\(log)", encoding: .utf8),
                               try String(contentsOfFile: "\(root)/split/\(log)", encoding: .utf8), "ac \(coupling) \(log)")
            }
        }
    }

    /// The paper's AC takes the actor as leader only; the critic leader is refused by name.
    func testTheCriticLeaderIsRefused() throws {
        var c = ACConfig()
        c.coupling = TotalDerivativeSpec(leader: .critic)
        XCTAssertThrowsError(try ACAgent(config: c, environment: try EnvironmentRegistry.make("cartpole", count: 4), seed: 0)) {
            XCTAssertTrue("\($0)".contains("actor as leader only"), "\($0)")
        }
    }
}
