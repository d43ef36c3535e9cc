@testable import Agents
import Autodiff
import Environments
import Foundation
import Games
import Hypergradients
import Neural
import Seeding
import Training
import XCTest

/// The STAC toy game (arXiv 2109.12286, Sec. 3.2) as a coupled model of two one-parameter parts:
/// f₁ = −wθ (the actor θ), f₂ = (wθ + θ²/5)² (the critic w).
final class ToyStacModel: CoupledModel {
    let graph = Graph()
    let theta: Parameter, w: Parameter
    init(theta: Float, w: Float) {
        self.theta = Parameter(name: "theta", shape: Shape(1), values: [theta])
        self.w = Parameter(name: "w", shape: Shape(1), values: [w])
    }
    var parts: ModelParts { ModelParts(jointName: "toy", [(.actor, [theta]), (.critic, [w])]) }
    func prepare(_ batch: BatchRole) throws {}
    func objective(of part: ModelPart, othersHeld: Bool) -> Tensor {
        var t = graph.parameter(theta), v = graph.parameter(w)
        if othersHeld { if part == .actor { v = stopGradient(v) } else { t = stopGradient(t) } }
        return part == .actor ? sum(-(v * t)) : sum(square(v * t + square(t) * 0.2))
    }
    func jointObjective() -> Tensor { objective(of: .actor, othersHeld: false) + objective(of: .critic, othersHeld: false) }
}

/// The game diagnostics (``GameProbe``) against independent computations: the symbolic module's
/// field, total derivative and Jacobian spectrum on the toy game, dense eigen-decompositions of
/// finite-difference Jacobians on a small network, and training's bits with and without them.
final class GameDiagnosticsTests: XCTestCase {
    static func sgdOptimization(rate: Float) -> Optimization {
        Optimization(learningRate: rate, leaderLearningRate: rate, followerLearningRate: rate, maxGradientNorm: nil,
                     plannedUpdates: 1, decayLearningRate: false, makeOptimizer: { SGD(parameterCount: $0) })
    }

    static func options(_ edit: (inout GameDiagnosticsOptions) -> Void = { _ in }) -> GameDiagnosticsOptions {
        var o = GameDiagnosticsOptions()
        o.enabled = true
        o.interval = 1
        edit(&o)
        return o
    }

    /// One diagnosed update of `coupling` on `model` at update `k`; returns the metrics.
    static func measure(_ coupling: DiagnosedCoupling, _ model: CoupledModel, update k: Int = 0) throws -> UpdateMetrics {
        let metrics = UpdateMetrics(names: coupling.metricNames)
        coupling.attach(to: metrics)
        try coupling.update(model, context: UpdateContext(update: k, environmentStep: k), metrics: metrics)
        return metrics
    }

    func testToyGameMatchesTheSymbolicModule() throws {
        let (theta, w): (Double, Double) = (0.8, 0.6)
        let model = ToyStacModel(theta: Float(theta), w: Float(w))
        let o = Self.options { $0.lambda = 0.04; $0.followerSteps = 3; $0.sketchDimension = 4; $0.eigenvalues = 2 }
        let optimization = Self.sgdOptimization(rate: 0.01)
        let inner = try Individual(model.parts, leader: .actor, optimization: optimization)
        let coupling = try DiagnosedCoupling(inner, parts: model.parts, options: o, optimization: optimization)
        let m = try Self.measure(coupling, model)

        let dynamics = try GameDynamics(try BuiltinGames.named("stac"), lambda: 0.04)
        let g = dynamics.individual.evaluate([theta, w])            // (∇θ f₁, ∇w f₂)
        let total = dynamics.regularized.evaluate([theta, w])       // (Df₁ at λ, ∇w f₂)
        XCTAssertEqual(Double(m["game_leader_gradient_norm"]!), abs(g[0]), accuracy: 1e-5)
        XCTAssertEqual(Double(m["game_follower_gradient_norm"]!), abs(g[1]), accuracy: 1e-5)
        XCTAssertEqual(Double(m["game_total_derivative_norm"]!), abs(total[0]), accuracy: 1e-4)
        XCTAssertEqual(Double(m["game_total_derivative_cosine"]!), (g[0] * total[0]).sign == .minus ? -1 : 1, accuracy: 1e-6)
        XCTAssertEqual(Double(m["game_correction_norm"]!), abs(g[0] - total[0]), accuracy: 1e-4)
        // ∇²_w f₂ = 2θ²: a 1×1 Hessian, so Lanczos is exact.
        XCTAssertEqual(Double(m["game_hessian_max"]!), 2 * theta * theta, accuracy: 1e-5)
        XCTAssertEqual(Double(m["game_hessian_min"]!), 2 * theta * theta, accuracy: 1e-5)
        XCTAssertEqual(m["game_hessian_indefinite"], 0)

        // The game Jacobian of individual play, by the symbolic module and GSL.
        let symbolic = try XCTUnwrap(dynamics.individual.jacobianMatrix([theta, w]).eigenvalues()).sorted { ($0.magnitude, $0.im) > ($1.magnitude, $1.im) }
        print("toy game at (0.8, 0.6): symbolic eigenvalues \(symbolic), probe \(m["game_eig1_re"]!) + \(m["game_eig1_im"]!)i, \(m["game_eig2_re"]!) + \(m["game_eig2_im"]!)i")
        for k in 0..<2 {
            XCTAssertEqual(Double(m["game_eig\(k + 1)_re"]!), symbolic[k].re, accuracy: 1e-4)
            XCTAssertEqual(Double(m["game_eig\(k + 1)_im"]!), symbolic[k].im, accuracy: 1e-4)
        }
        let rotation = abs(symbolic[0].im) / abs(symbolic[0].re)
        XCTAssertGreaterThan(rotation, 0.1, "individual play rotates on the toy game")
        XCTAssertEqual(Double(m["game_rotation"]!), rotation, accuracy: 1e-3 * max(1, rotation))

        // The sketched fields are S·(−g) and S·(−(Df₁, ∇w f₂)) with the symbolic g.
        let sketch = ParameterSketch(rows: 4, seed: 0)
        func sketched(_ v: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: 4)
            let f = v.map { Float($0) }
            f.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { sketch.accumulate(p.baseAddress!, count: 2, offset: 0, into: $0.baseAddress!) } }
            return out
        }
        for (i, (a, b)) in zip(sketched(g.map { -$0 }), sketched(total.map { -$0 })).enumerated() {
            XCTAssertEqual(Double(m["game_field_\(i + 1)"]!), a, accuracy: 1e-5)
            XCTAssertEqual(Double(m["game_stackelberg_field_\(i + 1)"]!), b, accuracy: 1e-4)
            XCTAssertEqual(m["game_path_\(i + 1)"], 0, "the first diagnostic is at the origin")
        }

        // Best-response gap: 3 SGD steps of w at rate 0.01, by hand; and they were undone before
        // the update (whose follower step starts from w = 0.6).
        var wk = w
        func f2(_ w: Double) -> Double { let r = w * theta + theta * theta / 5; return r * r }
        for _ in 0..<3 { wk -= 0.01 * 2 * (wk * theta + theta * theta / 5) * theta }
        XCTAssertEqual(Double(m["game_follower_loss_drop"]!), f2(w) - f2(wk), accuracy: 1e-6)
        XCTAssertEqual(Double(model.w.values[0]), w - 0.01 * g[1], accuracy: 1e-6)
        XCTAssertEqual(Double(model.theta.values[0]), theta - 0.01 * g[0], accuracy: 1e-6)
    }

    func testTheStackelbergFieldIsRealOnTheToyGame() throws {
        // The same game under the total-derivative coupling: the Jacobian measured is the game's
        // (individual field's), whatever the coupling; only the Stackelberg field's sketch changes.
        let model = ToyStacModel(theta: 0.8, w: 0.6)
        let optimization = Self.sgdOptimization(rate: 0.01)
        var td = TotalDerivativeOptions()
        td.hypergradient.lambda = 0.04
        let inner = try TotalDerivativeCoupling(model.parts, leader: .actor, options: td, optimization: optimization)
        let coupling = try DiagnosedCoupling(inner, parts: model.parts, options: Self.options { $0.lambda = 0.04; $0.eigenvalues = 2 }, optimization: optimization)
        let m = try Self.measure(coupling, model)
        XCTAssertGreaterThan(m["game_rotation"]!, 0.1)
        XCTAssertEqual(coupling.gamePlayers?.leader, .actor)
    }

    func testStackelbergSpectrumMatchesTheSymbolicRegularizedDynamic() throws {
        // The Stackelberg field (Df₁ at λ, ∇w f₂) of the toy game at (0.8, 0.6): its Jacobian by
        // central differences of the probe's CG solve against the symbolic module's regularized dynamic.
        let (theta, w): (Double, Double) = (0.8, 0.6)
        let model = ToyStacModel(theta: Float(theta), w: Float(w))
        let optimization = Self.sgdOptimization(rate: 0.01)
        let inner = try Individual(model.parts, leader: .actor, optimization: optimization)
        let o = Self.options { $0.lambda = 0.04; $0.eigenvalues = 2; $0.stackelbergSpectrum = true; $0.finiteDifferenceStep = 1e-2 }
        let m = try Self.measure(try DiagnosedCoupling(inner, parts: model.parts, options: o, optimization: optimization), model)
        let dynamics = try GameDynamics(try BuiltinGames.named("stac"), lambda: 0.04)
        let symbolic = try XCTUnwrap(dynamics.regularized.jacobianMatrix([theta, w]).eigenvalues()).sorted { ($0.magnitude, $0.im) > ($1.magnitude, $1.im) }
        print("toy game at (0.8, 0.6), regularized Stackelberg field: symbolic \(symbolic), probe \(m["game_stackelberg_eig1_re"]!) + \(m["game_stackelberg_eig1_im"]!)i, \(m["game_stackelberg_eig2_re"]!) + \(m["game_stackelberg_eig2_im"]!)i")
        for k in 0..<2 {
            XCTAssertEqual(Double(m["game_stackelberg_eig\(k + 1)_re"]!), symbolic[k].re, accuracy: 2e-3 * max(1, symbolic[k].magnitude))
            XCTAssertEqual(Double(m["game_stackelberg_eig\(k + 1)_im"]!), symbolic[k].im, accuracy: 2e-3 * max(1, symbolic[k].magnitude))
        }
        // The individual field rotates there; the Stackelberg one much less.
        XCTAssertLessThan(m["game_stackelberg_rotation"]!, m["game_rotation"]! / 2)
        XCTAssertEqual(model.theta.values[0], Float(theta) - 0.01 * Float(-w), accuracy: 1e-6, "parameters put back before the update")
    }

    /// The real AC agent on toy/stac_bandit (not a hand-written model): its sampled costs, through
    /// DiCE's magic box, give the σ-game's Jacobians at the start (0.8, 0.6), within the sampling
    /// error of 65,536 draws (J₁₁'s score-function estimate has a standard deviation of about 0.05
    /// there; measured re 0.69 vs 0.69).
    func testTheToyBanditThroughTheACAgentRotatesLikeTheSigmaGame() throws {
        var s = Settings()
        for (k, v) in [("algo", "ac"), ("coupling", "individual"), ("env", StacBandit.name)] { s[k] = .string(v) }
        let batch = 65_536
        s["batch_steps"] = .number(Double(batch)); s["num_envs"] = .number(Double(batch))
        s["diagnostics.enabled"] = .bool(true); s["diagnostics.interval"] = .number(1)
        s["diagnostics.stackelberg_spectrum"] = .bool(true); s["diagnostics.lambda"] = .number(0.04)
        s["diagnostics.eigenvalues"] = .number(2)
        let env = try EnvironmentRegistry.make(StacBandit.name, count: batch)
        env.reset(seed: 3)
        let agent = try AlgorithmRegistry.makeAgent(try AlgorithmRegistry.resolve(s), environment: env, seed: 3)
        XCTAssertTrue(try agent.iterate())
        let m = agent.metrics
        let dynamics = try GameDynamics(try ToyBanditTests.sigmaGame(sigma: ToyBanditTests.sigma), lambda: 0.04)
        func leading(_ j: Matrix) throws -> [Complex] { try XCTUnwrap(j.eigenvalues()).sorted { ($0.magnitude, $0.im) > ($1.magnitude, $1.im) } }
        let individual = try leading(dynamics.individual.jacobianMatrix([0.8, 0.6]))
        let regularized = try leading(dynamics.regularized.jacobianMatrix([0.8, 0.6]))
        print("toy bandit through AC at (0.8, 0.6): individual \(m["game_eig1_re"]!) ± \(m["game_eig1_im"]!)i (σ-game \(individual[0])); "
              + "regularized Stackelberg \(m["game_stackelberg_eig1_re"]!), \(m["game_stackelberg_eig2_re"]!) (σ-game \(regularized))")
        XCTAssertEqual(Double(m["game_eig1_re"]!), individual[0].re, accuracy: 0.15)
        XCTAssertEqual(Double(m["game_eig1_im"]!), individual[0].im, accuracy: 0.1)
        XCTAssertGreaterThan(m["game_rotation"]!, 1, "individual play rotates at the start, as on the toy")
        for k in 0..<2 {
            XCTAssertEqual(Double(m["game_stackelberg_eig\(k + 1)_re"]!), regularized[k].re, accuracy: 0.3)
            XCTAssertEqual(Double(m["game_stackelberg_eig\(k + 1)_im"]!), regularized[k].im, accuracy: 0.1)
        }
    }

    func testProbeOnASmallNetworkMatchesDenseComputations() throws {
        // Encoder (tanh, 20 parameters) leading, linear head (5) following.
        let model = RidgeNetworkModel(leader: .encoder, inputs: 3, hidden: 5, samples: 40, seed: 11)
        let optimization = Self.sgdOptimization(rate: 0.01)
        let inner = try Individual(model.parts, leader: .encoder, optimization: optimization)
        let o = Self.options { $0.lanczosSteps = 5; $0.arnoldiSteps = 25; $0.eigenvalues = 4; $0.followerSteps = 0 }
        let coupling = try DiagnosedCoupling(inner, parts: model.parts, options: o, optimization: optimization)
        let leader = ParameterGroup("l", model.parameters(of: .encoder)), follower = ParameterGroup("f", model.parameters(of: .head))
        let (nL, nF) = (leader.count, follower.count)

        // ω = (∇₁f₁, ∇₂f₂) and its Jacobian by central differences in the joint parameters.
        func field() -> [Double] {
            model.graph.reset()
            let (f1, f2) = inner.gameLosses(model)
            return model.graph.gradient(of: f1, wrt: leader).map(Double.init) + model.graph.gradient(of: f2, wrt: follower).map(Double.init)
        }
        let joint = ParameterGroup("j", leader.parameters + follower.parameters)
        let x0 = joint.flatValues, n = x0.count
        var jacobian = [Double](repeating: 0, count: n * n)
        let h: Float = 1e-2
        for j in 0..<n {
            var x = x0; x[j] += h; x.withUnsafeBufferPointer { joint.scatter(from: $0.baseAddress!) }
            let up = field()
            x[j] = x0[j] - h; x.withUnsafeBufferPointer { joint.scatter(from: $0.baseAddress!) }
            let down = field()
            for i in 0..<n { jacobian[i * n + j] = (up[i] - down[i]) / (2 * Double(h)) }
        }
        x0.withUnsafeBufferPointer { joint.scatter(from: $0.baseAddress!) }
        let dense = try XCTUnwrap(SpectralEstimates.nonsymmetricEigenvalues(jacobian, n)).sorted { ($0.modulus, $0.im) > ($1.modulus, $1.im) }
        // The follower block ∇²₂₂f₂ (the head: a quadratic, so differences are exact up to rounding).
        var hessian = [Double](repeating: 0, count: nF * nF)
        for i in 0..<nF { for j in 0..<nF { hessian[i * nF + j] = (jacobian[(nL + i) * n + nL + j] + jacobian[(nL + j) * n + nL + i]) / 2 } }
        let hessianEigenvalues = try XCTUnwrap(SpectralEstimates.symmetricEigenvalues(hessian, nF))

        let m = try Self.measure(coupling, model)
        print("network game: dense leading eigenvalues \(dense.prefix(4).map { "\($0.re)+\($0.im)i" }), probe \((1...4).map { "\(m["game_eig\($0)_re"]!)+\(m["game_eig\($0)_im"]!)i" })")
        for k in 0..<4 {
            let scale = max(1, dense[k].modulus)
            XCTAssertEqual(Double(m["game_eig\(k + 1)_re"]!), dense[k].re, accuracy: 2e-3 * scale)
            XCTAssertEqual(Double(m["game_eig\(k + 1)_im"]!), dense[k].im, accuracy: 2e-3 * scale)
        }
        XCTAssertEqual(Double(m["game_hessian_max"]!), hessianEigenvalues.last!, accuracy: 1e-3 * hessianEigenvalues.last!)
        XCTAssertEqual(Double(m["game_hessian_min"]!), hessianEigenvalues.first!, accuracy: 1e-3 * hessianEigenvalues.last!)
        XCTAssertEqual(Double(m["game_hessian_condition"]!), hessianEigenvalues.last! / hessianEigenvalues.first!, accuracy: 1e-2 * hessianEigenvalues.last! / hessianEigenvalues.first!)
        XCTAssertNil(m["game_follower_loss_drop"], "no follower steps asked: not measured")
    }

    func testDiagnosticsLeaveTrainingUnchangedAndClearBetweenDiagnostics() throws {
        func train(diagnosed: Bool) throws -> (values: [Float], metrics: [[Float]]) {
            let model = RidgeNetworkModel(leader: .encoder, inputs: 3, hidden: 5, samples: 40, seed: 11)
            let optimization = GameDiagnosticsTests.sgdOptimization(rate: 0.05)
            var options = Self.options { $0.interval = 3 }
            options.followerSteps = 4
            let scorer = try Scorer(model.parts, options: ScorerOptions(), optimization: optimization)
            let coupling: Coupling = diagnosed ? try DiagnosedCoupling(scorer, parts: model.parts, options: options, optimization: optimization) : scorer
            let metrics = UpdateMetrics(names: coupling.metricNames)
            coupling.attach(to: metrics)
            var rows: [[Float]] = []
            for k in 0..<7 {
                try coupling.update(model, context: UpdateContext(update: k, environmentStep: k), metrics: metrics)
                rows.append(metrics.names.indices.map(metrics.value))
            }
            return (ParameterGroup("all", model.parts.all).flatValues, rows)
        }
        let plain = try train(diagnosed: false), measured = try train(diagnosed: true)
        XCTAssertEqual(plain.values, measured.values, "the probe moved the parameters")
        let drop = measured.metrics[0].count - GameDiagnosticsOptions().metricNames.count
        let column = drop + GameDiagnosticsOptions().metricNames.firstIndex(of: "game_total_derivative_norm")!
        for (k, row) in measured.metrics.enumerated() {
            XCTAssertEqual(Array(row.prefix(drop)), plain.metrics[k], "update \(k): the coupling's own metrics changed")
            XCTAssertEqual(row[column].isNaN, k % 3 != 0, "update \(k): measured every 3rd update only")
        }
    }

    /// Through the runner: SAC's objectives draw from the agent's stream, which the probe puts back;
    /// a run with diagnostics has the same training bits as one without, and resumes exactly.
    func testRunsWithDiagnosticsMatchRunsWithoutAndResumeExactly() throws {
        func settings(_ steps: Int, diagnosed: Bool, algo: String, coupling: String, env: String) throws -> Settings {
            var g = Settings()
            for (k, v) in [("algo", algo), ("coupling", coupling), ("env", env)] { g[k] = .string(v) }
            for (k, v) in [("total_steps", Double(steps)), ("eval_interval", 1_000), ("eval_episodes", 1), ("checkpoint_interval", 700),
                           ("log_interval", 200), ("diagnostics.interval", 30)] { g[k] = .number(v) }
            if algo == "sac" {
                for (k, v) in [("random_steps", 300.0), ("update_after", 300), ("update_every", 50), ("batch_size", 32)] { g[k] = .number(v) }
                g["network.actor_widths"] = .numbers([16]); g["network.critic_widths"] = .numbers([16])
            } else {
                for (k, v) in [("learning_starts", 200.0), ("batch_size", 32), ("num_envs", 1)] { g[k] = .number(v) }
                g["network.encoder_widths"] = .numbers([16]); g["network.head_widths"] = .numbers([16])
            }
            g["diagnostics.enabled"] = .bool(diagnosed)
            g["tensorboard"] = .bool(false)
            return try AlgorithmRegistry.resolve(g)
        }
        for (algo, coupling, env) in [("sac", "actor-leader", "pendulum"), ("dqn", "scorer", "cartpole")] {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("diag-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: root) }
            func run(_ dir: String, _ steps: Int, diagnosed: Bool, resume: Bool = false, stop: Int? = nil) throws {
                _ = try TrainingRun(settings: try settings(steps, diagnosed: diagnosed, algo: algo, coupling: coupling, env: env), seed: 4,
                                    directory: root + "/" + dir, header: [], stopAfterSteps: stop).run(resume: resume)
            }
            try run("plain", 2_000, diagnosed: false)
            try run("whole", 2_000, diagnosed: true)
            do { try run("split", 2_000, diagnosed: true, stop: 1_100) } catch TrainingError.interrupted {}
            try run("split", 2_000, diagnosed: true, resume: true)
            func table(_ dir: String) throws -> [[String]] {
                try String(contentsOfFile: "\(root)/\(dir)/updates.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            }
            let plain = try table("plain"), whole = try table("whole")
            // The coupling's columns, the diagnostics' after them, then the algorithm's own.
            XCTAssertTrue(whole[0].contains("game_rotation"))
            XCTAssertEqual(whole[0].filter { !$0.hasPrefix("game_") }, plain[0])
            let kept = whole[0].indices.filter { !whole[0][$0].hasPrefix("game_") }
            XCTAssertEqual(whole.count, plain.count)
            for (a, b) in zip(plain, whole) { XCTAssertEqual(kept.map { b[$0] }, a, "\(algo) \(coupling): training changed with diagnostics") }
            XCTAssertEqual(try String(contentsOfFile: "\(root)/whole/episodes.csv", encoding: .utf8),
                           try String(contentsOfFile: "\(root)/plain/episodes.csv", encoding: .utf8))
            XCTAssertEqual(try table("split"), whole, "\(algo) \(coupling): a resumed run with diagnostics differs")
            let measured = whole.dropFirst().filter { $0[whole[0].firstIndex(of: "game_rotation")!] != "nan" }
            XCTAssertGreaterThan(measured.count, 2, "\(algo) \(coupling): rows with a diagnostic")
        }
    }

    /// Every algorithm under every coupling it takes is measured: the diagnostics' core columns are
    /// finite after the first update (SPRIG on MinAtar with a small perception module, box-only
    /// algorithms on Pendulum, the rest on CartPole).
    func testEveryAlgorithmAndCouplingIsMeasured() throws {
        for entry in AlgorithmRegistry.entries {
            for coupling in entry.couplings {
                let env = coupling == "sprig" ? "minatar/breakout" : entry.actionSpaces.contains(.discrete) ? "cartpole" : "pendulum"
                var g = Settings()
                for (k, v) in [("algo", entry.name), ("coupling", coupling), ("env", env)] { g[k] = .string(v) }
                g["diagnostics.enabled"] = .bool(true)
                g["diagnostics.interval"] = .number(1)
                let defaults = try AlgorithmRegistry.defaults(algo: entry.name, coupling: coupling, env: env)
                for (k, v) in [("learning_starts", 64.0), ("random_steps", 64), ("update_after", 64), ("batch_steps", 256), ("batch_size", 32),
                               ("num_envs", 4), ("perception.dim", 8), ("perception.features", 32)] where defaults[k] != nil { g[k] = .number(v) }
                let settings = try AlgorithmRegistry.resolve(g)
                let environment = try EnvironmentRegistry.make(env, count: try settings.int("num_envs")!,
                                                               overrides: try AlgorithmRegistry.runOptions(settings).environmentOverrides())
                let agent = try AlgorithmRegistry.makeAgent(settings, environment: environment, seed: 1)
                environment.reset(seed: 1)
                var updated = false
                for _ in 0..<2_000 where !updated { updated = try agent.iterate() }
                XCTAssertTrue(updated, "\(entry.name) \(coupling): no update")
                for name in ["game_leader_gradient_norm", "game_total_derivative_norm", "game_follower_gradient_norm", "game_hessian_max",
                             "game_eig1_re", "game_rotation", "game_path_1", "game_field_1"] {
                    let x = agent.metrics[name]
                    XCTAssertTrue(x?.isFinite == true, "\(entry.name) \(coupling) on \(env): \(name) = \(String(describing: x))")
                }
            }
        }
    }

    func testBadDiagnosticsSettingsAreRefusedByName() throws {
        var g = Settings()
        for (k, v) in [("algo", "dqn"), ("env", "cartpole")] { g[k] = .string(v) }
        g["diagnostics.eigenvalues"] = .number(9)
        XCTAssertThrowsError(try AlgorithmRegistry.resolve(g)) { XCTAssertTrue("\($0)".contains("diagnostics.eigenvalues"), "\($0)") }
        g["diagnostics.eigenvalues"] = nil
        g["diagnostics.interval"] = .number(0)
        XCTAssertThrowsError(try AlgorithmRegistry.resolve(g)) { XCTAssertTrue("\($0)".contains("diagnostics.interval"), "\($0)") }
        g["diagnostics.interval"] = nil
        g["diagnostics.leader"] = .string("actor")
        g["diagnostics.enabled"] = .bool(true)
        let s = try AlgorithmRegistry.resolve(g)
        XCTAssertThrowsError(try AlgorithmRegistry.makeAgent(s, environment: try EnvironmentRegistry.make("cartpole", count: 1), seed: 0)) {
            XCTAssertTrue("\($0)".contains("diagnostics.leader"), "\($0)")
        }
        // A coupling that names its own leader is not overridden silently.
        g["coupling"] = .string("scorer")
        g["diagnostics.leader"] = .string("encoder")
        let scorer = try AlgorithmRegistry.resolve(g)
        XCTAssertThrowsError(try AlgorithmRegistry.makeAgent(scorer, environment: try EnvironmentRegistry.make("cartpole", count: 1), seed: 0)) {
            XCTAssertTrue("\($0)".contains("makes the head the leader"), "\($0)")
        }
    }
}
