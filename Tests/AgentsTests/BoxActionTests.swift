import Agents
import Autodiff
import Environments
import Foundation
import Neural
import Seeding
import Training
import XCTest

final class BoxActionTests: XCTestCase {
    private var flushedBefore = false
    override func setUp() { flushedBefore = BLAS.flushSubnormalsOnThisThread(true) }
    override func tearDown() { BLAS.flushSubnormalsOnThisThread(flushedBefore) }

    /// Pendulum truncates every episode at 200 steps: the replay keeps the true last observation
    /// there (not the reset one), flags truncation apart from termination, and round-trips box
    /// actions through a checkpoint.
    /// With `truncationEnds` (DQN's and PQN's `truncation = no_bootstrap`, gymnax's MinAtar cut) a
    /// truncated transition is stored terminal; without it, not.
    func testTruncationCanEndLikeATermination() throws {
        for ends in [false, true] {
            let env = try EnvironmentRegistry.make("pendulum", count: 1)
            let replay = try ReplayBuffer(capacity: 300, observationSize: 3, encoding: .float32, actionSpace: env.actionSpace)
            let actions = ActionBatch(space: env.actionSpace, count: 1)
            env.reset(seed: 2)
            for _ in 0..<200 {
                let before = Array(env.observations)
                actions.continuous[0] = 0.5
                try actions.step(env)
                replay.add(observations: before, actions: actions, after: env, truncationEnds: ends)
            }
            let batch = try TransitionBatch(size: 2_000, observationSize: 3, actionSpace: env.actionSpace)
            var rng = SeededGenerator(seed: 3)
            replay.sample(into: batch, using: &rng)
            let last = (0..<batch.size).filter { batch.slots[$0] == 199 }
            XCTAssertFalse(last.isEmpty)
            for j in last { XCTAssertEqual(batch.truncations[j], 1); XCTAssertEqual(batch.terminals[j], ends ? 1 : 0) }
            for j in 0..<batch.size where batch.slots[j] != 199 { XCTAssertEqual(batch.terminals[j], 0) }
        }
    }

    func testReplayWithBoxActionsKeepsTruncationApartAndTheFinalObservation() throws {
        let env = try EnvironmentRegistry.make("pendulum", count: 2)
        let replay = try ReplayBuffer(capacity: 500, observationSize: 3, encoding: .float32, actionSpace: env.actionSpace)
        let actions = ActionBatch(space: env.actionSpace, count: 2)
        env.reset(seed: 4)
        var truncatedSlot: Int?, finalObservation = [Float](), resetObservation = [Float]()
        for t in 0..<250 {
            let before = Array(env.observations)
            actions.continuous[0] = Float(t % 5) * 0.5 - 1; actions.continuous[1] = 1.5
            try actions.step(env)
            replay.add(observations: before, actions: actions, after: env)
            XCTAssertFalse(env.terminated[0], "Pendulum never terminates")
            if env.truncated[0], truncatedSlot == nil {
                truncatedSlot = (replay.position - 2 + 500) % 500
                finalObservation = Array(env.finalObservations[0..<3])
                resetObservation = Array(env.observations[0..<3])
            }
        }
        let slot = try XCTUnwrap(truncatedSlot)
        XCTAssertEqual(slot, 199 * 2)
        XCTAssertNotEqual(finalObservation, resetObservation)
        // Draw until the truncated transition comes up; its s′ is the final observation, and it is
        // flagged truncated, not terminated.
        let batch = try TransitionBatch(size: 500, observationSize: 3, actionSpace: env.actionSpace)
        var rng = SeededGenerator(seed: 1)
        var seen = false
        for _ in 0..<20 where !seen {
            replay.sample(into: batch, using: &rng)
            for j in 0..<batch.size where batch.slots[j] == slot {
                seen = true
                XCTAssertEqual(Array(UnsafeBufferPointer(start: batch.nextObservations + 3 * j, count: 3)), finalObservation)
                XCTAssertEqual(batch.truncations[j], 1); XCTAssertEqual(batch.terminals[j], 0)
                XCTAssertEqual(batch.continuousActions[j], Float(199 % 5) * 0.5 - 1)
            }
            for j in 0..<batch.size where batch.slots[j] % 2 == 1 { XCTAssertEqual(batch.continuousActions[j], 1.5) }
            for j in 0..<batch.size where batch.slots[j] != slot && batch.slots[j] != slot + 1 { XCTAssertEqual(batch.truncations[j], 0) }
        }
        XCTAssertTrue(seen)
        var state = StateDictionary()
        replay.save(into: &state, prefix: "r.")
        let copy = try ReplayBuffer(capacity: 500, observationSize: 3, encoding: .float32, actionSpace: env.actionSpace)
        try copy.load(from: state, prefix: "r.")
        let b2 = try TransitionBatch(size: 500, observationSize: 3, actionSpace: env.actionSpace)
        var r1 = SeededGenerator(seed: 9), r2 = SeededGenerator(seed: 9)
        replay.sample(into: batch, using: &r1); copy.sample(into: b2, using: &r2)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: batch.continuousActions, count: 500)), Array(UnsafeBufferPointer(start: b2.continuousActions, count: 500)))
        XCTAssertEqual(Array(UnsafeBufferPointer(start: batch.truncations, count: 500)), Array(UnsafeBufferPointer(start: b2.truncations, count: 500)))
        // A discrete buffer cannot load a box checkpoint.
        XCTAssertThrowsError(try ReplayBuffer(capacity: 500, observationSize: 3, encoding: .float32, actionSpace: .box(low: [-1, -1], high: [1, 1])).load(from: state, prefix: "r."))
    }

    func settings(steps: Int) throws -> Settings { try pendulumRunSettings(steps: steps) }

    /// Box actions through the runner with a leader–follower coupling: logs with the coupling's
    /// metric columns, deterministic evaluation, and a run stopped at 800 steps and resumed to
    /// 1,600 writing the very episodes and updates of an uninterrupted run.
    func testBoxActionsRunEndToEndAndResumeExactly() throws {
        for spec in [IndividualSpec(leader: .actor) as any CouplingSpec, TotalDerivativeSpec(leader: .actor)] {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("box-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: root) }
            // DDPG, small: updates from step 64, one per step, on minibatches of 32.
            let make: @Sendable (Settings, VectorEnvironment, UInt64) throws -> Agent = { _, env, seed in
                var c = DDPGConfig()
                c.coupling = spec
                c.common.actorWidths = [32]; c.common.criticWidths = [32]
                c.common.bufferSize = 2_000; c.common.batchSize = 32
                c.common.randomSteps = 0; c.common.updateAfter = 64; c.common.updateEvery = 2
                return try DDPGAgent(config: c, environment: env, seed: seed)
            }
            let whole = TrainingRun(settings: try settings(steps: 1_600), seed: 3, directory: root + "/whole", header: [], makeAgent: make)
            let score = try whole.run(resume: false)
            XCTAssertTrue(score.isFinite)
            try TrainingRun(settings: try settings(steps: 800), seed: 3, directory: root + "/split", header: [], makeAgent: make).run(resume: false)
            try TrainingRun(settings: try settings(steps: 1_600), seed: 3, directory: root + "/split", header: [], makeAgent: make).run(resume: true)
            for log in ["episodes.csv", "updates.csv"] {
                let a = try String(contentsOfFile: "\(root)/whole/\(log)", encoding: .utf8), b = try String(contentsOfFile: "\(root)/split/\(log)", encoding: .utf8)
                XCTAssertEqual(a, b, "\(spec.name) \(log)")
            }
            let updates = try String(contentsOfFile: "\(root)/whole/updates.csv", encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(updates[0], Substring((["env_step", "updates"] + (try make(Settings(), try EnvironmentRegistry.make("pendulum", count: 1), 0)).metrics.names).joined(separator: ",")))
            XCTAssertEqual(updates.count, 1 + 16)
            let evals = try String(contentsOfFile: "\(root)/whole/eval.csv", encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(evals.count, 1 + 3, "evaluations at 600, 1200 and the end")
            // Pendulum's episodes are 200 steps, each reward in [−16.3, 0].
            for line in evals.dropFirst() {
                let returns = line.split(separator: ",")[2].split(separator: " ").map { Double($0)! }
                XCTAssertEqual(returns.count, 2)
                XCTAssertTrue(returns.allSatisfy { $0 <= 0 && $0 >= -16.3 * 200 }, "\(returns)")
            }
        }
    }
}

/// Run settings for a small Pendulum run whose agent a test builds itself (the settings' algorithm
/// is not used): 2 copies, evaluations every 600 steps, checkpoints every 400, a log row every 100.
func pendulumRunSettings(steps: Int) throws -> Settings {
    var s = try AlgorithmRegistry.resolve({ var g = Settings(); g["algo"] = .string("dqn"); g["env"] = .string("cartpole"); return g }())
    s["env"] = .string("pendulum")
    s["total_steps"] = .number(Double(steps))
    s["num_envs"] = .number(2)
    s["eval_interval"] = .number(600)
    s["eval_episodes"] = .number(2)
    s["checkpoint_interval"] = .number(400)
    s["log_interval"] = .number(100)
    s["tensorboard"] = .bool(false)
    return s
}

/// The update cadence of DDPG and SAC: SpinningUp's `t >= update_after and t % update_every == 0`
/// gives `update_every` updates at the first round; the toolkit's older catch-up gave one per step.
final class OffPolicyCadenceTests: XCTestCase {
    func rounds(_ first: OffPolicySettings.FirstUpdates, updateAfter: Int) throws -> [(step: Int, updates: Int)] {
        let env = try EnvironmentRegistry.make("pendulum", count: 1)
        env.reset(seed: 1)
        let data = try OffPolicyData(environment: env, roles: [.shared], capacity: 2_000, batchSize: 10, seed: 1, owner: "test")
        var out = [(Int, Int)]()
        for _ in 0..<1_200 {
            let due = try data.collect(randomSteps: 2_000, updateAfter: updateAfter, updateEvery: 50, firstUpdates: first) { _, _ in }
            if due > 0 { out.append((data.environmentSteps, due)) }
        }
        return out
    }

    func testTheFirstRoundIsUpdateEveryUpdatesOnSpinningUpsClock() throws {
        let cadence = try rounds(.cadence, updateAfter: 1_000)
        XCTAssertEqual(cadence.first?.step, 1_000); XCTAssertEqual(cadence.first?.updates, 50)
        XCTAssertTrue(cadence.allSatisfy { $0.updates == 50 && $0.step % 50 == 0 })
        // update_after off the clock: the first round waits for the next multiple of update_every.
        let offClock = try rounds(.cadence, updateAfter: 1_010)
        XCTAssertEqual(offClock.first?.step, 1_050); XCTAssertEqual(offClock.first?.updates, 50)
        let catchUp = try rounds(.catchUp, updateAfter: 1_000)
        XCTAssertEqual(catchUp.first?.step, 1_000); XCTAssertEqual(catchUp.first?.updates, 1_000)
        XCTAssertEqual(catchUp.dropFirst().first?.updates, 50)
    }
}
