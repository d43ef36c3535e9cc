@testable import Agents
import Autodiff
import Environments
import Hypergradients
import Seeding
import Training
import XCTest

/// PPO's rollout and losses, and BLPO's recomputed advantages and linearized implicit term.
final class PPOTests: XCTestCase {
    private var flushedBefore = false
    override func setUp() { flushedBefore = BLAS.flushSubnormalsOnThisThread(true) }
    override func tearDown() { BLAS.flushSubnormalsOnThisThread(flushedBefore) }

    /// A BLPO-style agent on CartPole episodes cut at `limit` steps (so rollouts hold terminations
    /// and truncations), after one rollout.
    func collected(_ truncation: RolloutBuffer.TruncationRule, limit: Int = 12, criticWidths: [Int] = [8],
                   coupling: any CouplingSpec = NestedSpec(), seed: UInt64 = 3) throws -> PPOAgent {
        var c = PPOConfig()
        c.coupling = coupling
        c.rolloutLength = 40
        c.minibatches = 2
        c.minibatchLayout = .trajectories
        c.advantages = .recomputed
        c.normalizeAdvantages = false
        c.clipValueLoss = false
        c.entropyCoefficient = 0
        c.truncation = truncation
        c.actorWidths = [8]
        c.criticWidths = criticWidths
        let env = try EnvironmentRegistry.make("cartpole", count: 4, overrides: EnvironmentOverrides(maxEpisodeSteps: limit))
        env.reset(seed: seed)
        let agent = try PPOAgent(config: c, environment: env, seed: seed)
        try agent.collectRollout()
        return agent
    }

    /// With the critic that collected the rollout, the differentiable GAE of each minibatch's
    /// trajectories gives the rollout's advantages (both truncation rules), and its gradient in w
    /// is that of a finite difference of the recomputed advantages.
    func testRecomputedAdvantagesAreTheRolloutsGAE() throws {
        for rule in RolloutBuffer.TruncationRule.allCases {
            let agent = try collected(rule)
            let b = agent.rollout
            XCTAssertGreaterThan((0..<b.rows).filter { b.truncated[$0] == 1 && b.terminated[$0] == 0 }.count, 0, "the rollout has truncations")
            XCTAssertGreaterThan((0..<b.rows).filter { b.terminated[$0] == 1 }.count, 0, "the rollout has terminations")
            for m in 0..<2 {
                agent.minibatch = m
                agent.gather()
                agent.graph.reset()
                let a = agent.gae!.advantages(values: agent.values().states!, graph: agent.graph)
                for j in 0..<a.count {
                    XCTAssertEqual(a.pointer[j], agent.batchAdvantages[j], accuracy: 2e-4 * max(1, abs(agent.batchAdvantages[j])), "\(rule) minibatch \(m) row \(j)")
                }
            }
        }
    }

    /// BLPO's hypergradient with the exact solve, λ = 0 and no clip is the total derivative of
    /// f₁(θ, w*(θ)), w*(θ) the minimizer of the follower problem the linearized term defines,
    /// F₂(θ, w) = L(w) + f̃₂(θ, w) − f̃₂(θ₀, w) (∇²_w F₂ = ∇²L and ∇_θ∇_w F₂ = ∇_θ∇_w f̃₂ at θ₀):
    /// checked by a central finite difference along a random direction, for both signs and both
    /// reductions, on a linear critic (so w*(θ) is found by Newton's method exactly).
    func testTheLinearizedHypergradientIsAFiniteDifferenceTotalDerivative() throws {
        for sign in LinearizedObjective.Sign.allCases {
            for reduction in LinearizedObjective.Reduction.allCases {
                var o = NestedOptions()
                o.hypergradient.solver = .exact
                o.hypergradient.lambda = 0
                o.hypergradient.measureResidual = false
                o.correctionClip = 0
                o.linearized.sign = sign
                o.linearized.reduction = reduction
                let agent = try collected(.noBootstrap, limit: 500, criticWidths: [], coupling: NestedSpec(leader: .actor, options: o), seed: 5)
                agent.minibatch = 0
                agent.gather()
                let actor = ParameterGroup("actor", agent.actorParameters), criticGroup = ParameterGroup("critic", agent.critic.parameters)
                let theta0 = actor.flatValues, n = criticGroup.count
                // First the critic at its minimum of L (the implicit function theorem's point).
                try newton(agent, criticGroup, theta: theta0, theta0: theta0, o.linearized)
                let w0 = criticGroup.flatValues

                // Our hypergradient there.
                let td = TotalDerivative(leader: actor, follower: criticGroup, solver: .exact, lambda: 0)
                agent.graph.reset()
                let f1 = agent.objective(of: .actor, othersHeld: false)
                var d = [Float](repeating: 0, count: actor.count)
                try d.withUnsafeMutableBufferPointer {
                    try td.compute(leaderLoss: f1, followerLoss: agent.objective(of: .critic, othersHeld: false),
                                   mixedLoss: agent.linearizedObjective(of: .critic, o.linearized), into: $0.baseAddress!)
                }
                XCTAssertGreaterThan(td.diagnostics.correctionNorm, 0.05 * td.diagnostics.leaderGradientNorm, "the implicit term matters here")

                // The finite difference along e.
                var rng = SeededGenerator(seed: 11)
                var e = (0..<actor.count).map { _ in Float(rng.normal()) }
                let norm = e.reduce(0) { $0 + $1 * $1 }.squareRoot()
                e = e.map { $0 / norm }
                let h: Float = 3e-3
                func f1AtBestResponse(_ t: Float) throws -> Double {
                    actor.setFlatValues(zip(theta0, e).map { $0 + t * $1 })
                    criticGroup.setFlatValues(w0)
                    try newton(agent, criticGroup, theta: actor.flatValues, theta0: theta0, o.linearized)
                    agent.graph.reset()
                    return Double(agent.objective(of: .actor, othersHeld: false).scalarValue)
                }
                let fd = (try f1AtBestResponse(h) - f1AtBestResponse(-h)) / Double(2 * h)
                actor.setFlatValues(theta0); criticGroup.setFlatValues(w0)
                let ours = zip(d, e).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                let own = zip(td.lastLeaderGradient.buffer(actor.count), e).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                print("linearized \(sign) \(reduction): FD \(fd), total derivative \(ours), own gradient \(own), critic \(n) parameters")
                XCTAssertEqual(ours, fd, accuracy: 0.03 * Swift.max(Swift.abs(fd), Swift.abs(ours - own)), "\(sign) \(reduction)")
            }
        }
    }

    /// Newton's method on F₂(θ, ·) from the critic's current values (θ set in the actor).
    private func newton(_ agent: PPOAgent, _ critic: ParameterGroup, theta: [Float], theta0: [Float], _ form: LinearizedObjective) throws {
        let actor = ParameterGroup("actor", agent.actorParameters), n = critic.count
        // ∇_w and ∇²_w of L + f̃₂(θ, ·), minus those of f̃₂(θ₀, ·).
        func derivatives(_ at: [Float], withLoss: Bool) -> (g: [Double], h: [Double]) {
            actor.setFlatValues(at)
            agent.graph.reset()
            let f = agent.linearizedObjective(of: .critic, form)!
            let objective = withLoss ? agent.objective(of: .critic, othersHeld: false) + f : f
            let recorded = RecordedGradient(of: objective, wrt: critic)
            var g = [Float](repeating: 0, count: n), h = [Double](repeating: 0, count: n * n)
            g.withUnsafeMutableBufferPointer { recorded.write(into: $0.baseAddress!) }
            var unit = [Float](repeating: 0, count: n), column = [Float](repeating: 0, count: n)
            for j in 0..<n {
                unit[j] = 1
                unit.withUnsafeBufferPointer { u in column.withUnsafeMutableBufferPointer { recorded.hessianVectorProduct(u.baseAddress!, into: $0.baseAddress!) } }
                unit[j] = 0
                for i in 0..<n { h[i * n + j] = Double(column[i]) }
            }
            return (g.map(Double.init), h)
        }
        for _ in 0..<6 {
            let a = derivatives(theta, withLoss: true), b = derivatives(theta0, withLoss: false)
            let g = zip(a.g, b.g).map { $0 - $1 }, h = zip(a.h, b.h).map { $0 - $1 }
            let step = try XCTUnwrap(solveDense(h, g, n))
            critic.setFlatValues(zip(critic.flatValues, step).map { $0 - Float($1) })
        }
        actor.setFlatValues(theta)
    }

    /// The correction of the implicit sign is the code sign's negated, and the mean is the sum ÷ rows.
    func testSignAndReductionScaleTheCorrection() throws {
        var corrections = [String: [Float]]()
        for sign in LinearizedObjective.Sign.allCases {
            for reduction in LinearizedObjective.Reduction.allCases {
                let agent = try collected(.bootstrap, seed: 7)
                agent.minibatch = 1
                agent.gather()
                var form = LinearizedObjective()
                form.sign = sign; form.reduction = reduction
                let actor = ParameterGroup("actor", agent.actorParameters), critic = ParameterGroup("critic", agent.critic.parameters)
                let td = TotalDerivative(leader: actor, follower: critic, solver: .conjugateGradient(iterations: 5), lambda: 1)
                agent.graph.reset()
                var d = [Float](repeating: 0, count: actor.count)
                try d.withUnsafeMutableBufferPointer {
                    try td.compute(leaderLoss: agent.objective(of: .actor, othersHeld: false), followerLoss: agent.objective(of: .critic, othersHeld: false),
                                   mixedLoss: agent.linearizedObjective(of: .critic, form), into: $0.baseAddress!)
                }
                corrections["\(sign) \(reduction)"] = td.lastCorrection.buffer(actor.count)
            }
        }
        let rows = Float(80)
        for i in 0..<corrections["code sum"]!.count {
            let code = corrections["code sum"]![i]
            XCTAssertEqual(corrections["implicit sum"]![i], -code, accuracy: 1e-5 * max(1, abs(code)))
            XCTAssertEqual(corrections["code mean"]![i] * rows, code, accuracy: 1e-4 * max(1, abs(code)))
            XCTAssertEqual(corrections["implicit mean"]![i] * rows, -code, accuracy: 1e-4 * max(1, abs(code)))
        }
    }

    /// Every coupling, interrupted mid-run and resumed, writes the logs of an uninterrupted run, with
    /// observation and reward normalization on (their running statistics travel in the checkpoint)
    /// and the learning rate annealed over the run's total.
    func testPPOAndBLPOResumeExactly() throws {
        for (coupling, env) in [("monolithic", "pendulum"), ("blpo", "cartpole"), ("nested", "pendulum")] {
            func settings(_ steps: Int) throws -> Settings {
                var g = Settings()
                for (k, v) in [("algo", "ppo"), ("coupling", coupling), ("env", env)] { g[k] = .string(v) }
                for (k, v) in [("total_steps", Double(steps)), ("rollout_length", 64), ("eval_interval", 1_024), ("eval_episodes", 1),
                               ("checkpoint_interval", 700), ("log_interval", 256), ("nested.follower_steps", 2)] { g[k] = .number(v) }
                g["normalize_observations"] = .bool(true); g["normalize_rewards"] = .bool(true)
                g["network.actor_widths"] = .numbers([8]); g["network.critic_widths"] = .numbers([8])
                g["tensorboard"] = .bool(false)
                return try AlgorithmRegistry.resolve(g)
            }
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("ppo-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: root) }
            try TrainingRun(settings: try settings(2_048), seed: 4, directory: root + "/whole", header: []).run(resume: false)
            XCTAssertThrowsError(try TrainingRun(settings: try settings(2_048), seed: 4, directory: root + "/split", header: [], stopAfterSteps: 1_100).run(resume: false)) {
                guard case TrainingError.interrupted = $0 else { return XCTFail("\($0)") }
            }
            try TrainingRun(settings: try settings(2_048), seed: 4, directory: root + "/split", header: []).run(resume: true)
            for log in ["episodes.csv", "updates.csv", "eval.csv"] {
                XCTAssertEqual(try String(contentsOfFile: "\(root)/whole/\(log)", encoding: .utf8),
                               try String(contentsOfFile: "\(root)/split/\(log)", encoding: .utf8), "ppo \(coupling) \(log)")
            }
        }
    }

    /// A total that is not a multiple of log_interval: the updates after the last mark get their row at the
    /// run's last step (they never reached updates.csv: a new user's 8,192-step trial logged no row at all),
    /// and a run stopped inside that stretch and resumed writes the same row.
    func testTheUpdatesAfterTheLastLogMarkGetTheirRow() throws {
        func settings() throws -> Settings {
            var g = Settings()
            for (k, v) in [("algo", "ppo"), ("coupling", "monolithic"), ("env", "cartpole")] { g[k] = .string(v) }
            for (k, v) in [("total_steps", 1_536.0), ("rollout_length", 64), ("eval_interval", 1e6), ("eval_episodes", 1),
                           ("checkpoint_interval", 700), ("log_interval", 1_000)] { g[k] = .number(v) }
            g["network.actor_widths"] = .numbers([8]); g["network.critic_widths"] = .numbers([8])
            g["tensorboard"] = .bool(false)
            return try AlgorithmRegistry.resolve(g)
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ppo-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try TrainingRun(settings: try settings(), seed: 2, directory: root + "/whole", header: []).run(resume: false)
        let rows = try String(contentsOfFile: root + "/whole/updates.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").prefix(2).map { Int($0)! } }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/whole/summary.json"))) as! [String: Any]
        XCTAssertEqual(rows.map { $0[0] }, [1_024, 1_536], "a row at the mark crossed (1,000) and one at the end")
        XCTAssertEqual(rows.last?[0], summary["env_steps"] as? Int)
        XCTAssertEqual(rows.last?[1], summary["updates"] as? Int, "every update reaches updates.csv")
        XCTAssertThrowsError(try TrainingRun(settings: try settings(), seed: 2, directory: root + "/split", header: [], stopAfterSteps: 1_100).run(resume: false))
        try TrainingRun(settings: try settings(), seed: 2, directory: root + "/split", header: []).run(resume: true)
        for log in ["episodes.csv", "updates.csv", "eval.csv"] {
            XCTAssertEqual(try String(contentsOfFile: "\(root)/whole/\(log)", encoding: .utf8),
                           try String(contentsOfFile: "\(root)/split/\(log)", encoding: .utf8), log)
        }
    }

    /// `anneal_steps` past the run's end makes a short run the start of the longer one: the same
    /// rates at every update, so the same episodes and update rows up to the short run's end (the
    /// early-learning comparisons run 2M steps of a 10M schedule). Below total_steps it is refused.
    func testAnnealStepsMakesAShortRunTheStartOfALongOne() throws {
        func settings(_ steps: Int, anneal: Int?, check: Bool = true) throws -> Settings {
            var g = Settings()
            for (k, v) in [("algo", "ppo"), ("coupling", "monolithic"), ("env", "cartpole")] { g[k] = .string(v) }
            for (k, v) in [("total_steps", Double(steps)), ("rollout_length", 64), ("eval_interval", 1e6), ("eval_episodes", 1),
                           ("checkpoint_interval", 1e6), ("log_interval", 256)] { g[k] = .number(v) }
            if let anneal { g["anneal_steps"] = .number(Double(anneal)) }
            g["network.actor_widths"] = .numbers([8]); g["network.critic_widths"] = .numbers([8])
            g["tensorboard"] = .bool(false)
            return check ? try AlgorithmRegistry.resolve(g) : g
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ppo-anneal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try TrainingRun(settings: try settings(4_096, anneal: nil), seed: 2, directory: root + "/long", header: []).run(resume: false)
        try TrainingRun(settings: try settings(1_024, anneal: 4_096), seed: 2, directory: root + "/start", header: []).run(resume: false)
        try TrainingRun(settings: try settings(1_024, anneal: 0), seed: 2, directory: root + "/own", header: []).run(resume: false)
        func rows(_ run: String, _ log: String, upTo step: Double) throws -> [Substring] {
            let lines = try String(contentsOfFile: "\(root)/\(run)/\(log)", encoding: .utf8).split(separator: "\n")
            return [lines[0]] + lines.dropFirst().filter { Double($0.prefix { $0 != "," })! <= step }
        }
        for log in ["episodes.csv", "updates.csv"] {
            let start = try rows("start", log, upTo: 1_024)
            XCTAssertGreaterThan(start.count, 2, log)
            XCTAssertEqual(start, try rows("long", log, upTo: 1_024), log)
        }
        // Annealed over its own 1,024 steps the rates differ from the first update window on.
        XCTAssertNotEqual(try rows("own", "updates.csv", upTo: 1_024), try rows("long", "updates.csv", upTo: 1_024))
        XCTAssertThrowsError(try settings(4_096, anneal: 1_024)) {
            XCTAssertTrue("\($0)".contains("anneal_steps (1024) is less than total_steps (4096)"), "\($0)")
        }
        // Without annealing the horizon means nothing, so it is not checked against the run.
        var constant = try settings(4_096, anneal: 1_024, check: false)
        constant["anneal_lr"] = .bool(false)
        XCTAssertNoThrow(try AlgorithmRegistry.resolve(constant))
    }

    /// The shared layouts: the Nature CNN on Atari frames and a shared dense body on CartPole run
    /// end to end (rewards clipped to their sign on Atari) and resume exactly after a stop; the
    /// bilevel couplings refuse a shared body by name.
    func testSharedNetworksRunAndResume() throws {
        for (env, network) in [("atari/breakout", "nature_cnn"), ("cartpole", "shared_mlp")] {
            func settings() throws -> Settings {
                var g = Settings()
                for (k, v) in [("algo", "ppo"), ("coupling", "monolithic"), ("env", env), ("network.layout", network)] { g[k] = .string(v) }
                for (k, v) in [("total_steps", 192.0), ("num_envs", 2), ("rollout_length", 16), ("epochs", 1), ("minibatches", 2),
                               ("eval_interval", 1_000), ("eval_episodes", 1), ("eval_max_episode_steps", 50),
                               ("checkpoint_interval", 1_000), ("log_interval", 32)] { g[k] = .number(v) }
                g["tensorboard"] = .bool(false)
                return try AlgorithmRegistry.resolve(g)
            }
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("ppo-shared-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: root) }
            try TrainingRun(settings: try settings(), seed: 1, directory: root + "/whole", header: []).run(resume: false)
            XCTAssertThrowsError(try TrainingRun(settings: try settings(), seed: 1, directory: root + "/split", header: [], stopAfterSteps: 96).run(resume: false))
            try TrainingRun(settings: try settings(), seed: 1, directory: root + "/split", header: []).run(resume: true)
            for log in ["episodes.csv", "updates.csv", "eval.csv"] {
                XCTAssertEqual(try String(contentsOfFile: "\(root)/whole/\(log)", encoding: .utf8),
                               try String(contentsOfFile: "\(root)/split/\(log)", encoding: .utf8), "\(network) \(log)")
            }
        }
        var g = Settings()
        for (k, v) in [("algo", "ppo"), ("coupling", "nested"), ("env", "cartpole"), ("network.layout", "shared_mlp"), ("advantages", "rollout")] { g[k] = .string(v) }
        XCTAssertThrowsError(try AlgorithmRegistry.resolve(g)) { XCTAssertTrue("\($0)".contains("needs network.layout = separate"), "\($0)") }
    }

    /// BLPO's layout needs whole trajectories; a shuffled layout with recomputed advantages, or
    /// minibatches that do not divide the copies, are refused before anything runs.
    func testBadLayoutsAreRefused() throws {
        var c = PPOConfig()
        c.advantages = .recomputed
        XCTAssertThrowsError(try c.validate(copies: 4)) { XCTAssertTrue("\($0)".contains("minibatch_layout = trajectories"), "\($0)") }
        c.minibatchLayout = .trajectories
        c.minibatches = 3
        XCTAssertThrowsError(try c.validate(copies: 4)) { XCTAssertTrue("\($0)".contains("must divide num_envs"), "\($0)") }
        c.minibatches = 4
        XCTAssertNoThrow(try c.validate(copies: 4))

        // Sizes and budgets, before anything is allocated.
        c.rolloutLength = 1_000_000_000
        XCTAssertThrowsError(try c.validate(copies: 4)) { XCTAssertTrue("\($0)".contains("GB for the rollout alone"), "\($0)") }
        c.rolloutLength = 20_000
        c.totalSteps = 3_000
        XCTAssertThrowsError(try c.validate(copies: 4)) { XCTAssertTrue("\($0)".contains("less than one rollout"), "\($0)") }

        // BLPO's correction is identically 0 on the rollout's advantages: refused, pointing to nested.
        func resolve(_ pairs: [String: String]) throws -> Settings {
            var g = Settings()
            for (k, v) in pairs { g[k] = .string(v) }
            return try AlgorithmRegistry.resolve(g)
        }
        XCTAssertThrowsError(try resolve(["algo": "ppo", "coupling": "blpo", "env": "cartpole", "advantages": "rollout", "minibatch_layout": "shuffled"])) {
            XCTAssertTrue("\($0)".contains("use --coupling nested"), "\($0)")
        }
        XCTAssertNoThrow(try resolve(["algo": "ppo", "coupling": "nested", "env": "cartpole", "advantages": "rollout", "minibatch_layout": "shuffled"]))

        // Budgets the critic's size rules out fail when the agent is built, naming the key.
        let env = try EnvironmentRegistry.make("cartpole", count: 4)
        var blpo = PPOConfig()
        blpo.minibatchLayout = .trajectories
        blpo.advantages = .recomputed
        var o = NestedOptions()
        o.hypergradient.nystromRank = 100_000
        blpo.coupling = NestedSpec(options: o)
        XCTAssertThrowsError(try PPOAgent(config: blpo, environment: env, seed: 0)) {
            XCTAssertTrue("\($0)".contains("blpo.nystrom_rank (100000) must be at most the follower's 4545 parameters"), "\($0)")
        }
        o.hypergradient.nystromRank = 5
        o.hypergradient.solver = .exact
        blpo.coupling = NestedSpec(options: o)
        XCTAssertThrowsError(try PPOAgent(config: blpo, environment: env, seed: 0)) { XCTAssertTrue("\($0)".contains("blpo.solver = exact"), "\($0)") }
        blpo.criticWidths = [8]
        XCTAssertNoThrow(try PPOAgent(config: blpo, environment: env, seed: 0))
    }

    /// The agent's observation normalizer and reward scaler compute what the environment wrappers
    /// (checked against Gymnasium's) compute, on the same stream.
    func testAgentNormalizersMatchTheWrappers() throws {
        let raw = try EnvironmentRegistry.make("pendulum", count: 3)
        let wrapped = RewardScaling(ObservationNormalization(try EnvironmentRegistry.make("pendulum", count: 3)), gamma: 0.99)
        raw.reset(seed: 1); wrapped.reset(seed: 1)
        let observations = ObservationNormalizer(size: 3, clip: 10), rewards = RewardScaler(copies: 3, gamma: 0.99, clip: .infinity)
        var x = [Float](repeating: 0, count: 9), r = [Float](repeating: 0, count: 3)
        let actions = ActionBatch(space: raw.actionSpace, count: 3)
        var rng = SeededGenerator(seed: 2)
        for step in 0..<300 {
            x.withUnsafeMutableBufferPointer { observations.normalize(raw.observations.baseAddress!, rows: 3, into: $0.baseAddress!, update: true) }
            for k in 0..<9 { XCTAssertEqual(x[k], wrapped.observations[k], accuracy: 1e-5, "step \(step)") }
            for i in 0..<3 { actions.continuous[i] = Float(rng.uniform() * 4 - 2) }
            try actions.step(raw); try actions.step(wrapped)
            for i in 0..<3 { r[i] = raw.rewards[i] }
            r.withUnsafeMutableBufferPointer { p in rewards.scale(p.baseAddress!) { raw.terminated[$0] || raw.truncated[$0] } }
            for i in 0..<3 { XCTAssertEqual(r[i], wrapped.rewards[i], accuracy: 1e-5 * max(1, abs(r[i])), "step \(step)") }
        }
    }
}

private extension ParameterGroup {
    func setFlatValues(_ v: [Float]) { v.withUnsafeBufferPointer { scatter(from: $0.baseAddress!) } }
}

private extension UnsafePointer where Pointee == Float {
    func buffer(_ n: Int) -> [Float] { Array(UnsafeBufferPointer(start: self, count: n)) }
}
