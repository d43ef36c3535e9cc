@testable import Environments
import Seeding
import XCTest

final class MinAtarVectorTests: XCTestCase {
    static let games = ["breakout", "asterix", "freeway", "seaquest", "space_invaders"]

    func testRandomStateMatchesNumPy() {
        // Values printed by NumPy 2: RandomState(0).rand() ×3; RandomState(12345).randint(2) ×8,
        // then randint(1, 9) ×8, then randint(1, 6, 8); RandomState(1): the 700th rand() (past a twist).
        let r = NumpyRandomState(seed: 0)
        XCTAssertEqual([r.uniform(), r.uniform(), r.uniform()], [0.5488135039273248, 0.7151893663724195, 0.6027633760716439])
        let s = NumpyRandomState(seed: 12345)
        XCTAssertEqual((0..<8).map { _ in s.integer(in: 0..<2) }, [0, 1, 1, 1, 0, 1, 0, 0])
        XCTAssertEqual((0..<8).map { _ in s.integer(in: 1..<9) }, [6, 3, 6, 2, 7, 2, 4, 7])
        XCTAssertEqual((0..<8).map { _ in s.integer(in: 1..<6) }, [2, 4, 1, 3, 2, 4, 3, 2])
        let t = NumpyRandomState(seed: 1)
        var v = 0.0
        for _ in 0..<700 { v = t.uniform() }
        XCTAssertEqual(v, 0.2867116496064306)
        XCTAssertEqual(NumpyRandomState(seed: 4_294_967_295).uniform(), 0.0976320289940138)
        XCTAssertEqual(t.integer(in: 3..<4), 3, "a one-value range draws nothing")
    }

    func testSpacesAndShapes() throws {
        let channels = ["breakout": 4, "asterix": 4, "freeway": 7, "seaquest": 10, "space_invaders": 6]
        let minimal = ["breakout": 3, "asterix": 5, "freeway": 3, "seaquest": 6, "space_invaders": 4]
        for g in Self.games {
            let full = try EnvironmentRegistry.make("minatar/\(g)", count: 2)
            XCTAssertEqual(full.actionSpace, .discrete(6))
            XCTAssertEqual(full.observationShape, [10, 10, channels[g]!])
            XCTAssertEqual(full.observationSpace.size, 100 * channels[g]!)
            XCTAssertEqual(try EnvironmentRegistry.make("minatar/\(g)-minimal", count: 1).actionSpace, .discrete(minimal[g]!))
            XCTAssertEqual(full.actionNames, ["noop", "left", "up", "right", "down", "fire"])
        }
        // MinAtar's minimal sets (minatar's minimal_action_set(): Breakout [0, 1, 3]) by name.
        XCTAssertEqual(try EnvironmentRegistry.make("minatar/breakout-minimal", count: 1).actionNames, ["noop", "left", "right"])
        XCTAssertNil(try EnvironmentRegistry.make("cartpole", count: 1).actionNames)
    }

    func play(_ env: VectorEnvironment, steps: Int, seed: UInt64 = 1) throws -> [UInt32] {
        var rng = SeededGenerator(seed: 7)
        guard case .discrete(let n) = env.actionSpace else { return [] }
        var bits = [UInt32]()
        for _ in 0..<steps {
            let a = (0..<env.count).map { _ in Int32(rng.next() % UInt64(n)) }
            try a.withUnsafeBufferPointer { try env.step(discrete: $0) }
            bits += env.observations.map(\.bitPattern) + env.rewards.map(\.bitPattern) + env.terminated.map { $0 ? 1 : 0 }
        }
        return bits
    }

    func testSameSeedSameBitsAndCopiesSeededSPlusI() throws {
        for g in Self.games {
            let a = try EnvironmentRegistry.make("minatar/\(g)", count: 4), b = try EnvironmentRegistry.make("minatar/\(g)", count: 4)
            a.reset(seed: 5); b.reset(seed: 5)
            XCTAssertEqual(try play(a, steps: 300), try play(b, steps: 300), g)
            // Copy 1 of seed 5 and copy 0 of seed 6 share NumPy seed 6, so equal actions give equal frames.
            let one = MinAtarVector<MinAtarSeaquest>(count: 2), other = MinAtarVector<MinAtarSeaquest>(count: 1)
            one.reset(seed: 5); other.reset(seed: 6)
            for t in 0..<200 {
                let act = Int32(t * 7 % 6)
                try [0, act].withUnsafeBufferPointer { try one.step(discrete: $0) }
                try [act].withUnsafeBufferPointer { try other.step(discrete: $0) }
                XCTAssertEqual(Array(one.observations[1000..<2000]), Array(other.observations), "step \(t)")
            }
        }
    }

    func testStickyActionsRepeatThePreviousAction() throws {
        let always = MinAtarVector<MinAtarBreakout>(count: 1, options: .init(stickyActionProbability: 1))
        always.reset(seed: 0)
        for _ in 0..<3 { try [3].withUnsafeBufferPointer { try always.step(discrete: $0) } }
        XCTAssertEqual(always.game(copy: 0).paddle, 4, "every step repeats the initial no-op")
        let never = MinAtarVector<MinAtarBreakout>(count: 1, options: .init(stickyActionProbability: 0))
        never.reset(seed: 0)
        for _ in 0..<3 { try [3].withUnsafeBufferPointer { try never.step(discrete: $0) } }
        XCTAssertEqual(never.game(copy: 0).paddle, 7)
        let minimal = MinAtarVector<MinAtarBreakout>(count: 1, options: .init(stickyActionProbability: 0, minimalActionSet: true))
        minimal.reset(seed: 0)
        try [2].withUnsafeBufferPointer { try minimal.step(discrete: $0) }
        XCTAssertEqual(minimal.game(copy: 0).paddle, 5, "minimal action 2 is right")
    }

    func testEpisodeEndAutoResetsWithFinalObservation() throws {
        let env = MinAtarVector<MinAtarBreakout>(count: 1)
        env.reset(seed: 0)
        var ended = false
        for _ in 0..<200 where !ended {
            try [0].withUnsafeBufferPointer { try env.step(discrete: $0) }
            if env.terminated[0] {
                ended = true
                XCTAssertFalse(env.truncated[0])
                XCTAssertEqual(env.finalObservations[(9 * 10 + 4) * 4 + 0], 1, "final frame has the paddle where it was")
                XCTAssertEqual(env.observations.reduce(0, +), 1 + 1 + 1 + 30, "fresh episode: paddle, ball, trail, 30 bricks")
                XCTAssertGreaterThan(env.episodeLengths[0], 0)
            }
        }
        XCTAssertTrue(ended, "a still paddle loses the ball")
    }

    func testFreewayEndsByTruncationAndOptionalTimeLimit() throws {
        let env = MinAtarVector<MinAtarFreeway>(count: 1)
        env.reset(seed: 0)
        for t in 1...2501 {
            try [0].withUnsafeBufferPointer { try env.step(discrete: $0) }
            XCTAssertEqual(env.truncated[0], t == 2501)
            XCTAssertFalse(env.terminated[0])
        }
        XCTAssertEqual(env.episodeLengths[0], 2501)
        let short = MinAtarVector<MinAtarBreakout>(count: 1, options: .init(stickyActionProbability: 0, maxEpisodeSteps: 3))
        short.reset(seed: 0)
        for _ in 0..<3 { try [1].withUnsafeBufferPointer { try short.step(discrete: $0) } }
        XCTAssertTrue(short.truncated[0])
    }

    /// The registry's overrides reach the batch (gymnax's variant: no sticky actions, a 1,000-step
    /// limit), and environments without them refuse them instead of ignoring them.
    func testRegistryOverridesGiveGymnaxVariant() throws {
        let overrides = EnvironmentOverrides(stickyActionProbability: 0, maxEpisodeSteps: 7)
        let env = try XCTUnwrap(try EnvironmentRegistry.make("minatar/breakout-minimal", count: 2, overrides: overrides)
                                as? MinAtarVector<MinAtarBreakout>)
        XCTAssertEqual(env.options, MinAtarOptions(stickyActionProbability: 0, minimalActionSet: true, maxEpisodeSteps: 7))
        env.reset(seed: 0)
        var ends = 0
        for _ in 0..<7 {
            try [0, 0].withUnsafeBufferPointer { try env.step(discrete: $0) }
            ends += (0..<2).filter { env.terminated[$0] || env.truncated[$0] }.count
        }
        // Each copy ends within the limit: by truncation at step 7 if nothing ended it sooner.
        XCTAssertGreaterThanOrEqual(ends, 2)
        XCTAssertThrowsError(try EnvironmentRegistry.make("atari/pong", count: 1, overrides: .init(maxEpisodeSteps: 10))) {
            XCTAssertTrue("\($0)".contains("episode limit"), "\($0)")
        }
        XCTAssertThrowsError(try EnvironmentRegistry.make("minatar/asterix", count: 1, overrides: .init(maxEpisodeSteps: 0)))
    }

    func testRampingCanBeTurnedOff() throws {
        for ramping in [true, false] {
            let env = MinAtarVector<MinAtarAsterix>(count: 16, options: .init(difficultyRamping: ramping))
            env.reset(seed: 3)
            var highest = 0
            var rng = SeededGenerator(seed: 1)
            for _ in 0..<400 {
                let a = (0..<16).map { _ in Int32(rng.next() % 6) }
                try a.withUnsafeBufferPointer { try env.step(discrete: $0) }
                for i in 0..<16 { highest = max(highest, env.rampLevel(copy: i)) }
            }
            if ramping { XCTAssertGreaterThan(highest, 0) } else { XCTAssertEqual(highest, 0) }
        }
    }

    func testBadInputIsRefusedWithAClearError() throws {
        let env = try EnvironmentRegistry.make("minatar/breakout-minimal", count: 2)
        XCTAssertThrowsError(try [0, 0].withUnsafeBufferPointer { try env.step(discrete: $0) }) {
            XCTAssertEqual($0 as? EnvironmentError, .notReset)
        }
        env.reset(seed: 0)
        XCTAssertThrowsError(try [0, 3].withUnsafeBufferPointer { try env.step(discrete: $0) }) {
            XCTAssertEqual("\($0)", "action 3.0 for copy 1 is outside the action space Discrete(3)")
        }
        XCTAssertThrowsError(try [0].withUnsafeBufferPointer { try env.step(discrete: $0) }) {
            XCTAssertEqual($0 as? EnvironmentError, .wrongBatchSize(expected: 2, got: 1))
        }
        XCTAssertThrowsError(try [0.5, 0.5].withUnsafeBufferPointer { try env.step(continuous: $0) })
        XCTAssertThrowsError(try EnvironmentRegistry.make("minatar/pong", count: 1)) {
            XCTAssertTrue("\($0)".contains("minatar/breakout"), "the error lists the known names")
        }
    }
}
