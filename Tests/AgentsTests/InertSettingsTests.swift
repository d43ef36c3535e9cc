import Agents
import Autodiff
import Environments
import Training
import XCTest

/// The keys `train` notes as without effect must be so: a run with such a key changed trains the same
/// bits. A key wrongly listed (a solver that does read it) fails here; a key the registry lists for a
/// solver is also checked to be one its table declares, so a renamed key cannot slip out of the list.
final class InertSettingsTests: XCTestCase {
    /// The agent's state after `steps` of training from `base`: networks, optimizers, replay and the
    /// agent's own counters and random stream, as a checkpoint holds them, without the coupling's
    /// solver bookkeeping (a Nyström stream or a warm start's last vector is kept, unused, under
    /// every solver).
    private func trainedState(_ base: Settings, steps: Int, environment env: String, copies: Int) throws -> [String: StateDictionary.Value] {
        let s = try AlgorithmRegistry.resolve(base)
        let environment = try EnvironmentRegistry.make(env, count: copies)
        environment.reset(seed: 3)
        let agent = try AlgorithmRegistry.makeAgent(s, environment: environment, seed: 3)
        while agent.environmentSteps < steps { _ = try agent.iterate() }
        XCTAssertGreaterThan(agent.updates, 0, "the check needs updates")
        var state = StateDictionary()
        agent.save(into: &state)
        var trained = [String: StateDictionary.Value]()
        for name in state.names where !name.hasPrefix("coupling.") { trained[name] = state[name] }
        return trained
    }

    /// The names whose values differ between two states (a short message instead of two whole states).
    private func differing(_ a: [String: StateDictionary.Value], _ b: [String: StateDictionary.Value]) -> [String] {
        Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
    }

    /// A value unlike the default for each kind of hypergradient key.
    private func changed(_ key: String, from value: Settings.Value) -> Settings.Value {
        switch value {
        case .bool(let b): return .bool(!b)
        case .number(let x): return .number(key.hasSuffix("_alpha") || key.hasSuffix("tolerance") ? (x == 0 ? 0.5 : x / 2) : x + 2)
        case .string(let s):
            if key.hasSuffix("cg_negative_curvature") { return .string(s == "stop" ? "continue" : "stop") }
            if key.hasSuffix("nystrom_columns") { return .string(s == "fixed" ? "per_solve" : "fixed") }
            XCTFail("no other value for \(key) = \(s)")
            return value
        default:
            XCTFail("no other value for \(key)")
            return value
        }
    }

    /// DDPG's actor leads on Pendulum under every solver; each key noted as another solver's is set to
    /// another value, and the trained state (networks, optimizers, replay, solver state) is the same.
    func testSolverKeysNotedAsWithoutEffectChangeNoBit() throws {
        var base = Settings()
        for (k, v) in [("algo", "ddpg"), ("coupling", "actor-leader"), ("env", "pendulum")] { base[k] = .string(v) }
        for (k, v) in [("total_steps", 400.0), ("random_steps", 50), ("update_after", 100), ("update_every", 50), ("batch_size", 16),
                       ("stackelberg.lambda", 1), ("stackelberg.nystrom_rank", 3), ("stackelberg.neumann_alpha", 1e-3)] { base[k] = .number(v) }
        base["network.actor_widths"] = .numbers([6]); base["network.critic_widths"] = .numbers([6])
        var checked = 0
        for solver in HypergradientOptions.Solver.allCases {
            var s = base
            s["stackelberg.solver"] = .string(solver.rawValue)
            let resolved = try AlgorithmRegistry.resolve(s)
            let inert = AlgorithmRegistry.keysWithoutEffect(in: resolved).keys.filter { $0.hasPrefix("stackelberg.") && !$0.hasSuffix("fresh_follower_batches") }
            XCTAssertFalse(inert.isEmpty, "\(solver) reads every solver's keys?")
            let reference = try trainedState(s, steps: 400, environment: "pendulum", copies: 1)
            var all = s
            for key in inert {
                let value = try XCTUnwrap(resolved[key], "\(key) is not a declared setting")
                all[key] = changed(key, from: value)
            }
            XCTAssertEqual(differing(try trainedState(all, steps: 400, environment: "pendulum", copies: 1), reference), [],
                           "\(solver): one of \(inert.sorted()) changed the run")
            checked += inert.count
        }
        XCTAssertGreaterThan(checked, 20)
        // The keys the solver reads are not noted: CG's budget under CG, the sketch's under Nyström.
        var cg = base
        cg["stackelberg.solver"] = .string("nystrom_cg")
        let notes = AlgorithmRegistry.keysWithoutEffect(in: try AlgorithmRegistry.resolve(cg))
        for key in ["stackelberg.cg_iterations", "stackelberg.cg_warm_start", "stackelberg.nystrom_rank", "stackelberg.lambda"] {
            XCTAssertNil(notes[key], key)
        }
        XCTAssertEqual(notes["stackelberg.neumann_terms"], "stackelberg.neumann_terms is read by stackelberg.solver = neumann; it has no effect with stackelberg.solver = nystrom_cg")
    }

    /// BLPO's hypergradient under its own prefix: Nyström (its default) and CG, each with the other
    /// solvers' `blpo.` keys changed.
    func testBLPOSolverKeysNotedAsWithoutEffectChangeNoBit() throws {
        var base = Settings()
        for (k, v) in [("algo", "ppo"), ("coupling", "blpo"), ("env", "cartpole")] { base[k] = .string(v) }
        for (k, v) in [("total_steps", 256.0), ("num_envs", 4), ("rollout_length", 32), ("epochs", 1), ("minibatches", 2)] { base[k] = .number(v) }
        base["network.actor_widths"] = .numbers([6]); base["network.critic_widths"] = .numbers([6])
        for solver in ["nystrom", "cg"] {
            var s = base
            s["blpo.solver"] = .string(solver)
            let resolved = try AlgorithmRegistry.resolve(s)
            let inert = AlgorithmRegistry.keysWithoutEffect(in: resolved).keys.filter { $0.hasPrefix("blpo.") }
            XCTAssertTrue(inert.contains(solver == "cg" ? "blpo.nystrom_rank" : "blpo.cg_iterations"), "\(inert.sorted())")
            let reference = try trainedState(s, steps: 256, environment: "cartpole", copies: 4)
            var all = s
            for key in inert { all[key] = changed(key, from: try XCTUnwrap(resolved[key], key)) }
            XCTAssertEqual(differing(try trainedState(all, steps: 256, environment: "cartpole", copies: 4), reference), [],
                           "blpo.solver = \(solver): one of \(inert.sorted()) changed the run")
        }
    }

    /// The game diagnostics' options with the diagnostics off.
    func testDiagnosticsKeysWithTheDiagnosticsOffChangeNoBit() throws {
        var s = Settings()
        for (k, v) in [("algo", "dqn"), ("coupling", "head-leader"), ("env", "cartpole")] { s[k] = .string(v) }
        for (k, v) in [("total_steps", 600.0), ("learning_starts", 200), ("batch_size", 16), ("num_envs", 1)] { s[k] = .number(v) }
        let resolved = try AlgorithmRegistry.resolve(s)
        let inert = AlgorithmRegistry.keysWithoutEffect(in: resolved).keys.filter { $0.hasPrefix("diagnostics.") }
        XCTAssertTrue(inert.contains("diagnostics.interval") && !inert.contains("diagnostics.enabled"), "\(inert.sorted())")
        let reference = try trainedState(s, steps: 600, environment: "cartpole", copies: 1)
        var all = s
        for key in inert {
            switch try XCTUnwrap(resolved[key]) {
            case .bool(let b): all[key] = .bool(!b)
            case .number(let x): all[key] = .number(x < 1 ? x / 2 : x + 1)
            default: continue
            }
        }
        XCTAssertEqual(differing(try trainedState(all, steps: 600, environment: "cartpole", copies: 1), reference), [])
        var on = resolved
        on["diagnostics.enabled"] = .bool(true)
        XCTAssertNil(AlgorithmRegistry.keysWithoutEffect(in: on)["diagnostics.interval"])
    }

    /// The control the test above leans on: a key a solver reads does change the run.
    func testAKeyTheSolverReadsChangesTheRun() throws {
        var s = Settings()
        for (k, v) in [("algo", "ddpg"), ("coupling", "actor-leader"), ("env", "pendulum"), ("stackelberg.solver", "neumann")] { s[k] = .string(v) }
        for (k, v) in [("total_steps", 400.0), ("random_steps", 50), ("update_after", 100), ("update_every", 50), ("batch_size", 16),
                       ("stackelberg.lambda", 1)] { s[k] = .number(v) }
        s["network.actor_widths"] = .numbers([6]); s["network.critic_widths"] = .numbers([6])
        let reference = try trainedState(s, steps: 400, environment: "pendulum", copies: 1)
        s["stackelberg.neumann_terms"] = .number(3)
        XCTAssertTrue(differing(try trainedState(s, steps: 400, environment: "pendulum", copies: 1), reference).contains("net.actor.0.weight"))
    }

    /// AC: the mixed term under individual play; under STAC fresh follower batches (every critic step
    /// takes the whole batch) and the order (the critic's loss on fixed returns does not depend on the
    /// actor).
    func testACKeysNotedAsWithoutEffectChangeNoBit() throws {
        for (coupling, key, other) in [("individual", "mixed_term", Settings.Value.string("first_transition")),
                                       ("actor-leader", "stackelberg.fresh_follower_batches", .bool(false)),
                                       ("actor-leader", "stackelberg.order", .string("sequential"))] {
            var s = Settings()
            for (k, v) in [("algo", "ac"), ("coupling", coupling), ("env", "cartpole")] { s[k] = .string(v) }
            for (k, v) in [("total_steps", 1_024.0), ("batch_steps", 256), ("num_envs", 4), ("individual.unroll", 3), ("stackelberg.unroll", 3)] { s[k] = .number(v) }
            XCTAssertNotNil(AlgorithmRegistry.keysWithoutEffect(in: try AlgorithmRegistry.resolve(s))[key], "\(key) under \(coupling) is not noted")
            let reference = try trainedState(s, steps: 1_024, environment: "cartpole", copies: 4)
            s[key] = other
            XCTAssertEqual(differing(try trainedState(s, steps: 1_024, environment: "cartpole", copies: 4), reference), [], "\(key) changed an \(coupling) run")
        }
    }

    /// `perception.temporal_blocks` is noted only where the frames stacked are one: `env_frame_stack = 0`
    /// keeps the environment's own stack (the registry's, for any ALE game by its ROM name too).
    func testTemporalBlocksAreNotedOverOneFrameOfTheEnvironmentsOwnStack() throws {
        for (env, stack, noted) in [("minatar/breakout", 0, true), ("minatar/breakout", 2, false), ("atari/beam_rider", 0, false),
                                    ("atari/alien", 0, false), ("atari/beam_rider", 1, true)] {
            var s = Settings()
            for (k, v) in [("algo", "ppo"), ("coupling", "sprig"), ("env", env)] { s[k] = .string(v) }
            s["env_frame_stack"] = .number(Double(stack))
            s["perception.temporal_blocks"] = .number(2)
            let note = AlgorithmRegistry.keysWithoutEffect(in: try AlgorithmRegistry.resolve(s))["perception.temporal_blocks"]
            XCTAssertEqual(note != nil, noted, "\(env) with env_frame_stack = \(stack): \(note ?? "no note")")
        }
        XCTAssertEqual(EnvironmentRegistry.framesStacked("atari/alien", override: nil), 4)
        XCTAssertEqual(EnvironmentRegistry.framesStacked("minatar/asterix", override: 0), 1)
        XCTAssertEqual(EnvironmentRegistry.framesStacked("minatar/asterix", override: 3), 3)
        XCTAssertNil(EnvironmentRegistry.framesStacked("no/such", override: nil))
    }
}
