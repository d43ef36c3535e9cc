import Environments
import Seeding
import XCTest

final class ClassicControlTests: XCTestCase {
    func randomActions(_ env: VectorEnvironment, _ rng: inout SeededGenerator) -> [Int32] {
        guard case .discrete(let n) = env.actionSpace else { return [] }
        return (0..<env.count).map { _ in Int32(rng.next() % UInt64(n)) }
    }

    func testSameSeedSameTrajectoryBitForBit() throws {
        for name in ["cartpole", "acrobot", "mountaincar"] {
            func trajectory(seed: UInt64) throws -> [UInt32] {
                let env = try EnvironmentRegistry.make(name, count: 8)
                env.reset(seed: seed)
                var rng = SeededGenerator(seed: 99)
                var bits = [UInt32]()
                for _ in 0..<300 {
                    try randomActions(env, &rng).withUnsafeBufferPointer { try env.step(discrete: $0) }
                    bits += env.observations.map(\.bitPattern) + env.rewards.map(\.bitPattern)
                }
                return bits
            }
            XCTAssertEqual(try trajectory(seed: 3), try trajectory(seed: 3), name)
            XCTAssertNotEqual(try trajectory(seed: 3), try trajectory(seed: 4), name)
        }
    }

    func testCopiesAreIndependentOfBatchSize() throws {
        // Copy i's stream depends on (seed, i) only, so copy 0 of a batch of 1 and of 16 agree.
        let one = try EnvironmentRegistry.make("cartpole", count: 1), many = try EnvironmentRegistry.make("cartpole", count: 16)
        one.reset(seed: 5); many.reset(seed: 5)
        XCTAssertEqual(Array(one.observations), Array(many.observations.prefix(4)))
    }

    func testTimeLimitIsTruncationNotTermination() throws {
        // Pushing left forever never reaches MountainCar's goal: the episode ends by the 200-step limit.
        let env = try EnvironmentRegistry.make("mountaincar", count: 2)
        env.reset(seed: 0)
        for t in 1...200 {
            try [Int32](repeating: 0, count: 2).withUnsafeBufferPointer { try env.step(discrete: $0) }
            XCTAssertFalse(env.terminated[0])
            XCTAssertEqual(env.truncated[0], t == 200)
        }
        XCTAssertEqual(env.episodeLengths[0], 200)
        XCTAssertEqual(env.episodeReturns[0], -200)
    }

    /// An episode limit set through the registry (CartPole-v0's 200, the STAC paper's) truncates there,
    /// and a bad one is refused by name.
    func testEpisodeLimitOverride() throws {
        let env = try EnvironmentRegistry.make("mountaincar", count: 1, overrides: EnvironmentOverrides(maxEpisodeSteps: 30))
        env.reset(seed: 0)
        for t in 1...30 {
            try [Int32](repeating: 0, count: 1).withUnsafeBufferPointer { try env.step(discrete: $0) }
            XCTAssertEqual(env.truncated[0], t == 30)
        }
        XCTAssertEqual(env.episodeLengths[0], 30)
        XCTAssertThrowsError(try EnvironmentRegistry.make("cartpole", count: 1, overrides: EnvironmentOverrides(maxEpisodeSteps: 0)))
    }

    func testTerminationAutoResetsAndKeepsTheFinalObservation() throws {
        let env = ClassicVector<CartPole>(count: 1)
        env.reset(seed: 1)
        try env.setState([2.39, 1, 0, 0], copy: 0)   // one step past x = 2.4
        try [Int32(1)].withUnsafeBufferPointer { try env.step(discrete: $0) }
        XCTAssertTrue(env.terminated[0])
        XCTAssertFalse(env.truncated[0])
        XCTAssertEqual(env.rewards[0], 1, "Gymnasium rewards the terminating step too")
        XCTAssertGreaterThan(env.finalObservations[0], 2.4)
        XCTAssertLessThan(Swift.abs(env.observations[0]), 0.05, "the copy was reset in the same step")
        XCTAssertEqual(env.episodeLengths[0], 1)
    }

    func testBadActionsAreRefusedWithClearErrors() throws {
        let env = try EnvironmentRegistry.make("cartpole", count: 2)
        XCTAssertThrowsError(try [Int32(0), 0].withUnsafeBufferPointer { try env.step(discrete: $0) }) {
            XCTAssertEqual($0 as? EnvironmentError, .notReset)
        }
        env.reset(seed: 0)
        XCTAssertThrowsError(try [Int32(0)].withUnsafeBufferPointer { try env.step(discrete: $0) }) {
            XCTAssertEqual("\($0)", "expected 2 actions (one per environment copy), got 1")
        }
        XCTAssertThrowsError(try [Int32(0), 2].withUnsafeBufferPointer { try env.step(discrete: $0) }) {
            XCTAssertTrue("\($0)".contains("copy 1") && "\($0)".contains("Discrete(2)"))
        }
        XCTAssertThrowsError(try [Float(0), 0].withUnsafeBufferPointer { try env.step(continuous: $0) })
        let pendulum = try EnvironmentRegistry.make("pendulum", count: 2)
        pendulum.reset(seed: 0)
        XCTAssertThrowsError(try [Float(0), .nan].withUnsafeBufferPointer { try pendulum.step(continuous: $0) }) {
            XCTAssertTrue("\($0)".contains("not finite"))
        }
        XCTAssertThrowsError(try [Float(0), 2.5].withUnsafeBufferPointer { try pendulum.step(continuous: $0) }) {
            XCTAssertTrue("\($0)".contains("outside the action space"))
        }
        // Clipping is available, but only when asked for.
        let clipping = try EnvironmentRegistry.make("pendulum", count: 2, outOfBounds: .clip)
        clipping.reset(seed: 0)
        XCTAssertNoThrow(try [Float(0), 2.5].withUnsafeBufferPointer { try clipping.step(continuous: $0) })
        XCTAssertThrowsError(try EnvironmentRegistry.make("cartpol", count: 1)) {
            // The near name first, then the list.
            XCTAssertTrue("\($0)".contains("unknown environment 'cartpol': did you mean cartpole? Known: cartpole, acrobot, mountaincar, pendulum"), "\($0)")
        }
        XCTAssertThrowsError(try ClassicVector<CartPole>(count: 1).setState([0, 0, .nan, 0], copy: 0))
    }

    /// Rules: CartPole's thresholds, Acrobot's terminal height, Pendulum's cost at the top.
    func testRulesAtKnownStates() throws {
        var cart = CartPole()
        cart.state = [0, 0, 0.2093, 1]       // one step with θ̇ = 1 carries θ past 12° ≈ 0.2094
        var one: Float = 1
        XCTAssertTrue(cart.step(&one).terminated)
        var pendulum = Pendulum()
        pendulum.state = [0, 0]
        var zero: Float = 0
        XCTAssertEqual(pendulum.step(&zero).reward, 0, accuracy: 1e-12, "upright and still costs nothing")
        var acrobot = Acrobot()
        acrobot.state = [Double.pi, 0, 0, 0]  // hanging straight up: tip height 2 > 1
        var noTorque: Float = 1
        XCTAssertTrue(acrobot.step(&noTorque).terminated)
    }
}
