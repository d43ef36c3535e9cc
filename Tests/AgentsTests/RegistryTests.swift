import Agents
import Environments
import Training
import Autodiff
import Seeding
import Foundation
import XCTest

/// The algorithm and coupling registries: every key declared once (the default and the reading come
/// from one declaration, so they round-trip), what each algorithm takes, and refusals that name the
/// valid choices before anything is written.
final class RegistryTests: XCTestCase {
    /// config.toml must be TOML any reader takes: no key may also be a table (`network` beside
    /// `network.actor_widths` cannot both be written). Checked for every algorithm, coupling and
    /// environment family.
    func testNoSettingIsAlsoATable() throws {
        for entry in AlgorithmRegistry.entries {
            for coupling in entry.couplings {
                for family in EnvironmentFamily.allCases {
                    let keys = Set(try AlgorithmRegistry.defaults(algo: entry.name, coupling: coupling, env: family.example).keys)
                    for k in keys {
                        XCTAssertFalse(keys.contains { $0.hasPrefix(k + ".") }, "\(entry.name) \(coupling) \(family): \(k) is both a value and a table")
                    }
                }
            }
        }
    }

    func given(_ pairs: [String: String]) -> Settings {
        var s = Settings()
        for (k, v) in pairs { s[k] = .string(v) }
        return s
    }

    /// Each algorithm's couplings exist; each family's defaults resolve; and reading the defaults
    /// into a configuration and writing it back gives the defaults again.
    func testEveryEntryResolvesAndItsTableRoundTrips() throws {
        for entry in AlgorithmRegistry.entries {
            XCTAssertFalse(entry.couplings.isEmpty)
            for coupling in entry.couplings {
                _ = try CouplingRegistry.entry(coupling)
                // On the families the coupling runs on (SPRIG's perception module needs image observations,
                // and resolving it on CartPole is refused, as train refuses it).
                let envs = (entry.actionSpaces.contains(.discrete) ? ["cartpole", "acrobot", "minatar/breakout"] : ["pendulum", "mujoco/hopper"])
                    .filter { entry.families(coupling).contains(EnvironmentFamily(environment: $0)) }
                XCTAssertFalse(envs.isEmpty, "\(entry.name)-\(coupling)")
                for env in envs {
                    let s = try AlgorithmRegistry.resolve(given(["algo": entry.name, "coupling": coupling, "env": env]))
                    XCTAssertEqual(s, try AlgorithmRegistry.defaults(algo: entry.name, coupling: coupling, env: env))
                    // Every declared key is present, once.
                    let declared = entry.settings.map(\.key)
                    XCTAssertEqual(Set(declared).count, declared.count, "\(entry.name) declares a key twice")
                    for k in declared { XCTAssertNotNil(s[k], "\(entry.name): \(k)") }
                    for c in entry.couplings { for (k, _) in try CouplingRegistry.entry(c).settings { XCTAssertNotNil(s[k], k) } }
                    _ = try AlgorithmRegistry.couplingSpec(s)
                }
            }
        }
        // Classic control and MinAtar presets differ where they should.
        let classic = try AlgorithmRegistry.defaults(algo: "dqn", coupling: "monolithic", env: "cartpole")
        let minatar = try AlgorithmRegistry.defaults(algo: "dqn", coupling: "monolithic", env: "minatar/breakout")
        XCTAssertEqual(classic["num_envs"], .number(4)); XCTAssertEqual(minatar["num_envs"], .number(128))
        XCTAssertEqual(classic["network.encoder_widths"], .numbers([64, 64])); XCTAssertEqual(minatar["network.encoder_widths"], .numbers([128, 128]))
        XCTAssertEqual(try AlgorithmRegistry.defaults(algo: "pqn", coupling: "scorer", env: "acrobot")["total_steps"], .number(150_000))
    }

    /// An environment name is matched once, in any case: `MinAtar/Breakout` gets MinAtar's
    /// defaults and the registry's spelling (so one run directory).
    /// A saved config without a key added later reads as what the run did: the key's default, or,
    /// for a key whose default differs from the behaviour before it (SPRIG's leader term), the value
    /// those runs had. A config that has the key keeps it.
    func testSavedRunsReadKeysAddedLaterAsTheyRan() throws {
        var given = Settings()
        for (k, v) in [("algo", "ppo"), ("coupling", "sprig"), ("env", "minatar/breakout")] { given[k] = .string(v) }
        let resolved = try AlgorithmRegistry.resolve(given)
        XCTAssertEqual(resolved["sprig.leader_policy_term"], .string("clipped_surrogate"), "the default")
        var old = resolved
        old["sprig.leader_policy_term"] = nil
        old["sprig.cosine_interval"] = nil
        let read = AlgorithmRegistry.completing(old)
        XCTAssertEqual(read["sprig.leader_policy_term"], .string("log_prob"))
        XCTAssertEqual(read["sprig.cosine_interval"], resolved["sprig.cosine_interval"])
        XCTAssertEqual(AlgorithmRegistry.completing(resolved)["sprig.leader_policy_term"], .string("clipped_surrogate"))
        // To a run of another coupling the key is inert: an old PPO baseline's config (which lists every
        // coupling's options) reads the default, so it resumes at today's settings and groups with new
        // baselines in compare.
        var baselineGiven = Settings()
        for (k, v) in [("algo", "ppo"), ("coupling", "monolithic"), ("env", "minatar/breakout")] { baselineGiven[k] = .string(v) }
        var baseline = try AlgorithmRegistry.resolve(baselineGiven)
        baseline["sprig.leader_policy_term"] = nil
        XCTAssertEqual(AlgorithmRegistry.completing(baseline)["sprig.leader_policy_term"], .string("clipped_surrogate"))
        XCTAssertFalse(AlgorithmRegistry.key("sprig.leader_policy_term", changes: "monolithic"))
        XCTAssertTrue(AlgorithmRegistry.key("sprig.leader_policy_term", changes: "sprig"))
        XCTAssertTrue(AlgorithmRegistry.key("lr", changes: "monolithic"), "an algorithm's own key changes every coupling")
        for key in AlgorithmRegistry.valuesBeforeKeys.keys {
            XCTAssertNotEqual(AlgorithmRegistry.valuesBeforeKeys[key], resolved[key], "\(key): the earlier value is the default, so it needs no entry")
        }
    }

    func testEnvironmentNamesAreNormalizedOnce() throws {
        let s = try AlgorithmRegistry.resolve(given(["algo": "dqn", "coupling": "monolithic", "env": "MinAtar/Breakout"]))
        XCTAssertEqual(try s.string("env"), "minatar/breakout")
        XCTAssertEqual(s["num_envs"], .number(128))
    }

    /// A value set in a config reaches the agent through the one declaration.
    func testSettingsReachTheAgent() throws {
        var g = given(["algo": "ddqn", "coupling": "scorer", "env": "cartpole"])
        g["batch_size"] = .number(32)
        g["scorer.order"] = .string("leader_first")
        g["scorer.follower_steps"] = .number(2)
        let s = try AlgorithmRegistry.resolve(g)
        let agent = try AlgorithmRegistry.makeAgent(s, environment: try EnvironmentRegistry.make("cartpole", count: 4), seed: 0)
        let dqn = try XCTUnwrap(agent as? DQNAgent)
        XCTAssertEqual(dqn.config.batchSize, 32)
        XCTAssertEqual(dqn.config.variant, .ddqn)
        let scorer = try XCTUnwrap(dqn.coupling as? Scorer)
        XCTAssertEqual(scorer.options.order, .leaderFirst)
        XCTAssertEqual(scorer.options.followerSteps, 2)
        XCTAssertEqual(scorer.batchRoles, [.leader, .follower(0), .follower(1)])
        var t = given(["algo": "dqn", "coupling": "head-leader", "env": "cartpole"])
        t["stackelberg.solver"] = .string("nystrom")
        t["stackelberg.lambda"] = .number(0.5)
        t["stackelberg.lambda_time_constant"] = .number(1e5)
        let td = try XCTUnwrap((try AlgorithmRegistry.makeAgent(try AlgorithmRegistry.resolve(t), environment: try EnvironmentRegistry.make("cartpole", count: 4), seed: 0) as? DQNAgent)?.coupling as? TotalDerivativeCoupling)
        XCTAssertEqual(td.options.hypergradient.inverseSolver, .nystrom(rank: 5, rho: 50, seed: 0))
        XCTAssertEqual(td.options.hypergradient.lambdaSchedule, .exponentialDecay(initial: 0.5, timeConstant: 1e5))
        XCTAssertEqual(td.leaderPart, .head)
    }

    /// Refused pairs and bad values name the valid choices.
    func testRefusalsNameTheValidChoices() throws {
        func refused(_ g: Settings, _ fragments: [String]) {
            XCTAssertThrowsError(try AlgorithmRegistry.resolve(g)) { error in
                for f in fragments { XCTAssertTrue("\(error)".contains(f), "«\(error)» lacks «\(f)»") }
            }
        }
        refused(given(["algo": "dqn", "env": "pendulum"]), ["dqn acts in discrete", "pendulum has Box", "Algorithms for it: ac, ddpg, sac"])
        refused(given(["algo": "ddpg", "env": "cartpole"]), ["ddpg acts in box", "cartpole has Discrete(2)", "Algorithms for it: dqn"])
        refused(given(["algo": "ddpg", "coupling": "scorer", "env": "pendulum"]), ["ddpg does not take the coupling scorer; ddpg takes individual, actor-leader, critic-leader"])
        refused(given(["algo": "pqn", "env": "mujoco/hopper"]), ["pqn acts in discrete"])
        refused(given(["algo": "dqn", "coupling": "nested", "env": "cartpole"]), ["dqn does not take the coupling nested", "monolithic, scorer, head-leader"])
        refused(given(["algo": "dqn", "coupling": "actor-leader", "env": "cartpole"]), ["does not take the coupling actor-leader"])
        refused(given(["algo": "dqn", "coupling": "bogus", "env": "cartpole"]), ["coupling must be one of monolithic, scorer, head-leader (the couplings dqn takes)", "got bogus"])
        refused(given(["algo": "nosuch", "env": "cartpole"]), ["algo must be one of", "dqn", "pqn", "sac"])
        var g = given(["algo": "dqn", "coupling": "head-leader", "env": "cartpole"])
        g["stackelberg.nystrom_rho"] = .number(0)
        refused(g, ["nystrom_rho must be > 0"])
        g = given(["algo": "dqn", "env": "cartpole"])
        g["stackelberg.unroll"] = .number(0)
        refused(g, ["unroll"])
        g = given(["algo": "dqn", "env": "cartpole"])
        g["scorer.order"] = .string("sideways")
        refused(g, ["scorer.order must be one of follower_first, leader_first"])
        g = given(["algo": "dqn", "env": "cartpole"])
        g["not_a_key"] = .number(1)
        refused(g, ["unknown setting not_a_key"])
        g = given(["algo": "sac", "env": "pendulum"])
        g["blpo.lambda"] = .number(1)
        refused(g, ["unknown setting blpo.lambda (a setting of ppo, not of this algorithm)"])
        g = given(["algo": "ppo", "env": "minatar/breakout"])
        g["env_episodic_life"] = .bool(true)
        refused(g, ["minatar/breakout has no lives to make episodic", "Atari only"])
        g = given(["algo": "dqn", "env": "cartpole"])
        g["env_fire_reset"] = .bool(true)
        refused(g, ["cartpole has no FIRE to press on reset", "Atari only"])
        // Refused before a run starts (and so by `sweep plan`), not when the run builds its network.
        for algo in ["dqn", "pqn"] {
            g = given(["algo": algo, "env": "cartpole"])
            g["network.encoder_widths"] = .numbers([])
            refused(g, ["network.encoder_widths must list at least one layer"])
        }
    }

    /// SB3's episodic life and fire reset are on in PPO's Atari preset only (CleanRL's
    /// ppo_atari.py), for every PPO coupling; the registry's atari/<game> and the other
    /// algorithms' presets keep them off.
    func testAtariLifeAndFireSettingsArePPOsOnAtari() throws {
        for coupling in ["monolithic", "nested", "blpo", "sprig"] {
            let ppo = try AlgorithmRegistry.defaults(algo: "ppo", coupling: coupling, env: "atari/beam_rider")
            XCTAssertEqual(ppo["env_episodic_life"], .bool(true), coupling)
            XCTAssertEqual(ppo["env_fire_reset"], .bool(true), coupling)
            let overrides = try AlgorithmRegistry.runOptions(ppo).environmentOverrides()
            XCTAssertEqual(overrides.episodicLife, true); XCTAssertEqual(overrides.fireReset, true)
        }
        for (algo, coupling, env) in [("dqn", "monolithic", "atari/beam_rider"), ("pqn", "scorer", "atari/breakout"), ("ppo", "monolithic", "minatar/breakout"), ("ppo", "monolithic", "cartpole")] {
            let s = try AlgorithmRegistry.defaults(algo: algo, coupling: coupling, env: env)
            XCTAssertEqual(s["env_episodic_life"], .bool(false), "\(algo) \(env)")
            XCTAssertEqual(s["env_fire_reset"], .bool(false), "\(algo) \(env)")
            let overrides = try AlgorithmRegistry.runOptions(s).environmentOverrides()
            XCTAssertNil(overrides.episodicLife); XCTAssertNil(overrides.fireReset)
        }
    }
}

/// Small off-policy settings for the unit tests: (16) networks, updates from step 100, every 10 steps,
/// minibatches of 32, 50 random steps.
func smallOffPolicySettings() -> OffPolicySettings {
    var c = OffPolicySettings()
    c.actorWidths = [16]; c.criticWidths = [16]
    c.bufferSize = 500; c.batchSize = 32; c.randomSteps = 50; c.updateAfter = 100; c.updateEvery = 10
    return c
}

/// Iterates `agent` on its (freshly made) environment, reset with seed 1, to `steps`.
func warmUp<A: Agent>(_ agent: A, to steps: Int) throws -> A {
    agent.environment.reset(seed: 1)
    while agent.environmentSteps < steps { _ = try agent.iterate() }
    return agent
}

/// ‖∇_θ⟨∇_w L, v⟩‖ for the critic's loss L on the leader's minibatch, v = 0.1·1: the mixed term a
/// total derivative needs, zero when the critic's target holds the actor.
func criticMixedTermNorm(_ model: CoupledModel, actor: [Parameter], critic: [Parameter], held: Bool) throws -> Float {
    let c = ParameterGroup("c", critic)
    try model.prepare(.leader)
    model.graph.reset()
    let mixed = model.graph.mixedProduct(of: model.objective(of: .critic, othersHeld: held), wrt: ParameterGroup("a", actor), through: c,
                                         vector: [Float](repeating: 0.1, count: c.count))
    return mixed.map { $0 * $0 }.reduce(0, +).squareRoot()
}

/// DDPG's objectives as STAC's couplings need them.
final class DDPGTests: XCTestCase {
    private var flushedBefore = false
    override func setUp() { flushedBefore = BLAS.flushSubnormalsOnThisThread(true) }
    override func tearDown() { BLAS.flushSubnormalsOnThisThread(flushedBefore) }

    func agent(_ spec: any CouplingSpec) throws -> DDPGAgent {
        var c = DDPGConfig()
        c.coupling = spec
        c.common = smallOffPolicySettings()
        return try warmUp(try DDPGAgent(config: c, environment: try EnvironmentRegistry.make("pendulum", count: 2), seed: 1), to: 200)
    }

    /// The critic's target keeps the path through μ_θ(s′) unless the coupling holds the actor: the
    /// mixed product ∇_θ⟨∇_w L, v⟩ is zero when held and not zero otherwise.
    func testTheCriticTargetKeepsThePolicyPathOnlyForTheTotalDerivative() throws {
        let a = try agent(TotalDerivativeSpec(leader: .actor))
        XCTAssertEqual(try criticMixedTermNorm(a, actor: a.actor.parameters, critic: a.critic.parameters, held: true), 0)
        XCTAssertGreaterThan(try criticMixedTermNorm(a, actor: a.actor.parameters, critic: a.critic.parameters, held: false), 1e-6)
    }

    /// One Polyak step from p̄ = 0 towards p = 1 gives 0.005 (ρ = 0.995): the direction check.
    func testPolyakDirection() throws {
        var rng = SeededGenerator(seed: 0)
        let p = try ActionValueCritic(observationSize: 2, actionSize: 1, hiddenWidths: [2], name: "p", rng: &rng)
        let t = try ActionValueCritic(observationSize: 2, actionSize: 1, hiddenWidths: [2], name: "t", rng: &rng)
        for x in p.parameters { x.value.update(repeating: 1, count: x.count) }
        for x in t.parameters { x.value.update(repeating: 0, count: x.count) }
        t.blend(towards: p, tau: 1 - 0.995)
        for x in t.parameters { for i in 0..<x.count { XCTAssertEqual(x.value[i], 0.005, accuracy: 1e-7) } }
    }
}

/// SAC's objectives and temperature, and exact resume of the off-policy actor–critics through the runner.
final class SACTests: XCTestCase {
    private var flushedBefore = false
    override func setUp() { flushedBefore = BLAS.flushSubnormalsOnThisThread(true) }
    override func tearDown() { BLAS.flushSubnormalsOnThisThread(flushedBefore) }

    func agent(_ spec: any CouplingSpec, tune: Bool = false) throws -> SACAgent {
        var c = SACConfig()
        c.coupling = spec
        c.common = smallOffPolicySettings()
        c.tuneAlpha = tune
        return try warmUp(try SACAgent(config: c, environment: try EnvironmentRegistry.make("pendulum", count: 2), seed: 1), to: 120)
    }

    /// The soft target keeps the path through ã′ ~ π_θ(·|s′) and log π_θ(ã′|s′) unless the actor is held.
    func testTheSoftTargetKeepsThePolicyPathOnlyForTheTotalDerivative() throws {
        let a = try agent(TotalDerivativeSpec(leader: .actor))
        XCTAssertEqual(try criticMixedTermNorm(a, actor: a.actor.parameters, critic: a.critic.parameters, held: true), 0)
        XCTAssertGreaterThan(try criticMixedTermNorm(a, actor: a.actor.parameters, critic: a.critic.parameters, held: false), 1e-6)
    }

    /// A policy whose entropy exceeds the target −dim(A) lowers α at every update (the fresh
    /// network's σ is about 1 on a 1-D box of half-width 2: entropy well above −1).
    func testTunedAlphaFallsWhileTheEntropyIsAboveTheTarget() throws {
        let a = try agent(IndividualSpec(leader: .actor), tune: true)
        var alphas = [Float]()
        for _ in 0..<30 { if try a.iterate() { alphas.append(a.metrics["alpha"]!) } }
        XCTAssertGreaterThan(alphas.count, 3)
        for (x, y) in zip(alphas, alphas.dropFirst()) { XCTAssertLessThan(y, x) }
        XCTAssertLessThan(alphas.last!, 0.2)
    }

    /// DDPG and SAC with a Stackelberg coupling, stopped at 600 steps and resumed to 1,200, write the
    /// episodes and updates of an uninterrupted run.
    func testOffPolicyActorCriticsResumeExactly() throws {
        for (algo, coupling) in [("ddpg", "critic-leader"), ("sac", "actor-leader")] {
            func settings(_ steps: Int) throws -> Settings {
                var g = Settings()
                for (k, v) in [("algo", algo), ("coupling", coupling), ("env", "pendulum")] { g[k] = .string(v) }
                for (k, v) in [("total_steps", Double(steps)), ("random_steps", 100), ("update_after", 200), ("update_every", 20), ("batch_size", 16),
                               ("eval_interval", 500), ("eval_episodes", 1), ("checkpoint_interval", 300), ("log_interval", 100)] { g[k] = .number(v) }
                g["network.actor_widths"] = .numbers([8]); g["network.critic_widths"] = .numbers([8])
                g["tensorboard"] = .bool(false)
                return try AlgorithmRegistry.resolve(g)
            }
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("offpolicy-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: root) }
            try TrainingRun(settings: try settings(1_200), seed: 2, directory: root + "/whole", header: []).run(resume: false)
            try TrainingRun(settings: try settings(600), seed: 2, directory: root + "/split", header: []).run(resume: false)
            try TrainingRun(settings: try settings(1_200), seed: 2, directory: root + "/split", header: []).run(resume: true)
            for log in ["episodes.csv", "updates.csv"] {
                XCTAssertEqual(try String(contentsOfFile: "\(root)/whole/\(log)", encoding: .utf8),
                               try String(contentsOfFile: "\(root)/split/\(log)", encoding: .utf8), "\(algo) \(coupling) \(log)")
            }
        }
    }
}
