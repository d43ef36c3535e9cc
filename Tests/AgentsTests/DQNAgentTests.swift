import Agents
import Autodiff
import Environments
import Neural
import Seeding
import XCTest

final class DQNAgentTests: XCTestCase {
    // Training flushes subnormals; the mode is put back so later tests on this thread keep IEEE arithmetic.
    private var flushedBefore = false
    override func setUp() { flushedBefore = BLAS.flushSubnormalsOnThisThread(true) }
    override func tearDown() { BLAS.flushSubnormalsOnThisThread(flushedBefore) }

    /// The couplings the value-based agents take, as the registry names them.
    static let couplings: [any CouplingSpec] = [MonolithicSpec(), ScorerSpec()]

    func small(_ variant: DQNVariant = .dqn, _ coupling: any CouplingSpec = MonolithicSpec()) -> DQNConfig {
        var c = DQNConfig.classicControl()
        c.variant = variant
        c.coupling = coupling
        c.totalSteps = 2_000
        c.learningStarts = 200
        c.bufferSize = 1_000
        c.batchSize = 16
        return c
    }

    func testSplitIsEncoderFollowerAndHeadLeader() throws {
        var rng = SeededGenerator(seed: 1)
        let net = try QNetwork(spec: QNetworkSpec(dueling: true), observationShape: [10, 10, 4], actions: 3, rng: &rng)
        XCTAssertTrue(net.encoderParameters.allSatisfy { $0.name.contains(".encoder.") })
        XCTAssertTrue(net.headParameters.allSatisfy { $0.name.contains(".head.") })
        XCTAssertEqual(net.encoderParameters.count + net.headParameters.count, net.parameters.count)
        // 400 → 128 → 128, then value 128 → 64 → 1 and advantage 128 → 64 → 3.
        XCTAssertEqual(net.encoderParameters.reduce(0) { $0 + $1.count }, 400 * 128 + 128 + 128 * 128 + 128)
        XCTAssertEqual(net.headParameters.reduce(0) { $0 + $1.count }, (128 * 64 + 64 + 64 + 1) + (128 * 64 + 64 + 64 * 3 + 3))
        let conv = try QNetwork(spec: QNetworkSpec(encoder: .conv), observationShape: [10, 10, 4], actions: 6, rng: &rng)
        let g = Graph()
        XCTAssertEqual(conv(g.zeros(Shape(2, 10, 10, 4))).shape, Shape(2, 6))
        XCTAssertThrowsError(try QNetwork(spec: QNetworkSpec(encoder: .conv), observationShape: [4], actions: 2, rng: &rng))
    }

    /// Under SCORER the follower's optimizer holds exactly φ (the encoder) and the leader's exactly θ
    /// (the Q head), and one update moves both, once each, in either order.
    func testEachPlayerMovesOnlyItsOwnParameters() throws {
        for order in ScorerOptions.Order.allCases {
            var options = ScorerOptions()
            options.order = order
            var c = small(.dqn, ScorerSpec(options))
            c.learningStarts = 64
            let env = try EnvironmentRegistry.make("cartpole", count: 4)
            let agent = try DQNAgent(config: c, environment: env, seed: 3)
            env.reset(seed: 3)
            while agent.environmentSteps < 60 { _ = try agent.iterate() }
            let encoderBefore = agent.online.encoderParameters.flatMap(\.values)
            let headBefore = agent.online.headParameters.flatMap(\.values)
            XCTAssertTrue(try agent.iterate())
            XCTAssertNotNil(agent.metrics["leader_loss"]); XCTAssertNotNil(agent.metrics["follower_loss"])
            XCTAssertFalse(agent.metrics.names.contains("loss"), "SCORER reports the players' losses, not a monolithic one")
            let scorer = try XCTUnwrap(agent.coupling as? Scorer)
            XCTAssertNotEqual(agent.online.encoderParameters.flatMap(\.values), encoderBefore)
            XCTAssertNotEqual(agent.online.headParameters.flatMap(\.values), headBefore)
            XCTAssertEqual(scorer.follower.group.parameters.map(\.name), agent.online.encoderParameters.map(\.name))
            XCTAssertEqual(scorer.leader.group.parameters.map(\.name), agent.online.headParameters.map(\.name))
            XCTAssertEqual(scorer.follower.updates, 1); XCTAssertEqual(scorer.leader.updates, 1)
        }
    }

    func testFollowerIsFasterAndRatesDecay() throws {
        let env = try EnvironmentRegistry.make("cartpole", count: 4)
        var c = small(.dqn, ScorerSpec())
        c.learningStarts = 16
        let agent = try DQNAgent(config: c, environment: env, seed: 0)
        env.reset(seed: 0)
        var first: (leader: Float, follower: Float)?, last: (leader: Float, follower: Float)?
        while agent.environmentSteps < c.totalSteps {
            guard try agent.iterate() else { continue }
            let rates = (leader: try XCTUnwrap(agent.metrics["leader_lr"]), follower: try XCTUnwrap(agent.metrics["follower_lr"]))
            if first == nil { first = rates }
            last = rates
        }
        let a = try XCTUnwrap(first), b = try XCTUnwrap(last)
        XCTAssertGreaterThan(a.follower, a.leader)
        XCTAssertLessThan(b.leader, a.leader * 0.01)
    }

    /// With K follower steps per update the follower's rate still follows the update count: under
    /// SCORER's fixed-ratio linear decay follower/leader stays at its initial ratio all run long
    /// (before the fix the follower reached 0 after 1/K of training).
    func testFollowerRateFollowsUpdatesWhateverItsStepCount() throws {
        var options = ScorerOptions()
        options.followerSteps = 3
        var c = small(.dqn, ScorerSpec(options))
        c.learningStarts = 16
        let env = try EnvironmentRegistry.make("cartpole", count: 4)
        let agent = try DQNAgent(config: c, environment: env, seed: 0)
        env.reset(seed: 0)
        var ratios = [Float]()
        while agent.environmentSteps < c.totalSteps - 100 {
            guard try agent.iterate() else { continue }
            ratios.append(agent.metrics["follower_lr"]! / agent.metrics["leader_lr"]!)
        }
        XCTAssertGreaterThan(ratios.count, 100)
        for r in ratios { XCTAssertEqual(r, c.followerLearningRate / c.leaderLearningRate, accuracy: 1e-3) }
        XCTAssertEqual(Schedule.linear(initial: 1, final: 0, steps: 10).stretched(by: 3), .linear(initial: 1, final: 0, steps: 30))
        XCTAssertEqual(Schedule.constant(2).stretched(by: 3), .constant(2))
        XCTAssertEqual(Schedule.polynomial(initial: 1, exponent: 0.6, timescale: 10).stretched(by: 2).learningRate(at: 40),
                       Schedule.polynomial(initial: 1, exponent: 0.6, timescale: 10).learningRate(at: 20), accuracy: 1e-7)
    }

    func testGreedyEvaluationCutsEpisodesAtTheCap() throws {
        let agent = try DQNAgent(config: small(), environment: try EnvironmentRegistry.make("cartpole", count: 2), seed: 0)
        let evalEnv = try EnvironmentRegistry.make("cartpole", count: 2)
        // No policy drops CartPole's pole within 5 steps: each copy is cut once, with its 5 rewards.
        XCTAssertEqual(try evaluateDeterministic(agent, on: evalEnv, episodes: 4, seed: 1, maxEpisodeSteps: 5), [5, 5])
        // Uncapped, the episodes end on their own: four whole ones, each at least as long as a cut one.
        let whole = try evaluateDeterministic(agent, on: evalEnv, episodes: 4, seed: 1)
        XCTAssertEqual(whole.count, 4)
        XCTAssertTrue(whole.allSatisfy { $0 > 5 }, "\(whole)")
    }

    func testVarianceObjectiveIgnoresAConstantShiftOfTheErrors() {
        let g = Graph()
        let delta = g.constant([1, 2, 3, 6], shape: Shape(4))
        let variance = mean(square(delta - mean(delta)))
        let shifted = delta + 10
        XCTAssertEqual(variance.scalarValue, mean(square(shifted - mean(shifted))).scalarValue, accuracy: 1e-5)
        XCTAssertEqual(variance.scalarValue, 3.5, accuracy: 1e-6)
    }

    func testReplayKeepsFinalObservationsAndSamplesUniformly() throws {
        let env = try EnvironmentRegistry.make("minatar/breakout", count: 2)
        XCTAssertEqual(env.observationEncoding, .byte)
        let replay = try ReplayBuffer(capacity: 50, observationSize: 400, encoding: .byte, actionSpace: env.actionSpace)
        let actions = ActionBatch(space: env.actionSpace, count: 2)
        env.reset(seed: 1)
        var before = Array(env.observations)
        var stored = 0, ended = 0
        for t in 0..<200 {
            actions.discrete[0] = Int32(t % 3); actions.discrete[1] = 1
            try actions.step(env)
            replay.add(observations: before, actions: actions, after: env)
            if env.terminated.contains(true) { ended += 1 }
            stored += 2
            before = Array(env.observations)
        }
        XCTAssertEqual(replay.count, 50)
        XCTAssertEqual(replay.position, stored % 50)
        XCTAssertGreaterThan(ended, 0)
        let batch = try TransitionBatch(size: 500, observationSize: 400, actionSpace: env.actionSpace)
        var rng = SeededGenerator(seed: 2)
        replay.sample(into: batch, using: &rng)
        for k in 0..<batch.size {
            for j in 0..<400 { XCTAssertTrue(batch.observations[k * 400 + j] == 0 || batch.observations[k * 400 + j] == 1) }
        }
        var state = StateDictionary()
        replay.save(into: &state, prefix: "r.")
        let copy = try ReplayBuffer(capacity: 50, observationSize: 400, encoding: .byte, actionSpace: env.actionSpace)
        try copy.load(from: state, prefix: "r.")
        let b2 = try TransitionBatch(size: 500, observationSize: 400, actionSpace: env.actionSpace)
        var rng2 = SeededGenerator(seed: 2)
        copy.sample(into: b2, using: &rng2)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: b2.nextObservations, count: 500 * 400)),
                       Array(UnsafeBufferPointer(start: batch.nextObservations, count: 500 * 400)))
        XCTAssertThrowsError(try ReplayBuffer(capacity: 60, observationSize: 400, encoding: .byte, actionSpace: env.actionSpace).load(from: state, prefix: "r."))
    }

    func testSameSeedSameBitsAndSaveLoadContinuesExactly() throws {
        for coupling in Self.couplings {
            func make() throws -> (DQNAgent, VectorEnvironment) {
                let env = try EnvironmentRegistry.make("cartpole", count: 4)
                let agent = try DQNAgent(config: small(.ddqn, coupling), environment: env, seed: 9)
                env.reset(seed: 9)
                return (agent, env)
            }
            let (a, envA) = try make()
            while a.environmentSteps < 600 { _ = try a.iterate() }
            var state = StateDictionary()
            a.save(into: &state)
            let snapshot = (envA as! SnapshottingEnvironment).snapshot()
            while a.environmentSteps < 1_200 { _ = try a.iterate() }
            let (b, envB) = try make()
            try b.load(from: state)
            try (envB as! SnapshottingEnvironment).restore(snapshot: snapshot)
            while b.environmentSteps < 1_200 { _ = try b.iterate() }
            XCTAssertEqual(a.online.parameters.flatMap(\.values).map(\.bitPattern), b.online.parameters.flatMap(\.values).map(\.bitPattern), "\(coupling.name)")
            XCTAssertEqual(a.target.parameters.flatMap(\.values).map(\.bitPattern), b.target.parameters.flatMap(\.values).map(\.bitPattern))
        }
    }

    func testNonFiniteLossStopsWithAClearError() throws {
        var c = small()
        c.learningRate = 1e30
        c.maxGradientNorm = 1e30
        c.learningStarts = 32
        let env = try EnvironmentRegistry.make("cartpole", count: 4)
        let agent = try DQNAgent(config: c, environment: env, seed: 0)
        env.reset(seed: 0)
        XCTAssertThrowsError(try { while agent.environmentSteps < c.totalSteps { _ = try agent.iterate() } }()) {
            guard case AgentError.diverged(let why) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(why.contains("loss") || why.contains("gradient"), why)
        }
    }

    func testBadConfigurationsAreRefused() throws {
        let env = try EnvironmentRegistry.make("cartpole", count: 2)
        var c = small(); c.batchSize = 5_000
        XCTAssertThrowsError(try DQNAgent(config: c, environment: env, seed: 0)) { XCTAssertTrue("\($0)".contains("buffer_size")) }
        c = small(); c.gamma = 2
        XCTAssertThrowsError(try DQNAgent(config: c, environment: env, seed: 0))
        let pendulum = try EnvironmentRegistry.make("pendulum", count: 2)
        XCTAssertThrowsError(try DQNAgent(config: small(), environment: pendulum, seed: 0)) { XCTAssertTrue("\($0)".contains("discrete")) }
    }

    func testPQNSaveLoadContinuesExactly() throws {
        for coupling in Self.couplings {
            var c = PQNConfig()
            c.coupling = coupling
            c.network = QNetworkSpec(encoderWidths: [32, 32], normalization: .layerNorm, headWidths: [])
            c.rolloutLength = 8
            c.minibatches = 4
            c.totalSteps = 10_000
            func make() throws -> (PQNAgent, VectorEnvironment) {
                let env = try EnvironmentRegistry.make("cartpole", count: 4)
                let agent = try PQNAgent(config: c, environment: env, seed: 5)
                env.reset(seed: 5)
                return (agent, env)
            }
            let (a, envA) = try make()
            for _ in 0..<10 { _ = try a.iterate() }
            XCTAssertEqual(a.environmentSteps, 10 * 8 * 4)
            var state = StateDictionary()
            a.save(into: &state)
            let snapshot = (envA as! SnapshottingEnvironment).snapshot()
            for _ in 0..<10 { _ = try a.iterate() }
            let (b, envB) = try make()
            try b.load(from: state)
            try (envB as! SnapshottingEnvironment).restore(snapshot: snapshot)
            for _ in 0..<10 { _ = try b.iterate() }
            XCTAssertEqual(a.online.parameters.flatMap(\.values).map(\.bitPattern), b.online.parameters.flatMap(\.values).map(\.bitPattern), "\(coupling.name)")
        }
        var bad = PQNConfig()
        bad.minibatches = 7
        XCTAssertThrowsError(try PQNAgent(config: bad, environment: try EnvironmentRegistry.make("cartpole", count: 4), seed: 0)) {
            XCTAssertTrue("\($0)".contains("minibatches"), "\($0)")
        }
    }
}
