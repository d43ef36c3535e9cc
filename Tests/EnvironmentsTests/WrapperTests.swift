@testable import Environments
import Seeding
import XCTest

final class WrapperTests: XCTestCase {
    func randomStep(_ env: VectorEnvironment, _ rng: inout SeededGenerator) throws {
        guard case .discrete(let n) = env.actionSpace else { return XCTFail("discrete expected") }
        let a = (0..<env.count).map { _ in Int32(rng.next() % UInt64(n)) }
        try a.withUnsafeBufferPointer { try env.step(discrete: $0) }
    }

    func testObservationNormalizationMatchesDirectStatistics() throws {
        let inner = try EnvironmentRegistry.make("cartpole", count: 8)
        let env = ObservationNormalization(inner)
        env.reset(seed: 1)
        var seen = [[Double]](repeating: [], count: 4)
        func note() { for k in 0..<inner.observations.count { seen[k % 4].append(Double(inner.observations[k])) } }
        note()
        var rng = SeededGenerator(seed: 2)
        for _ in 0..<300 { try randomStep(env, &rng); note() }
        for j in 0..<4 {
            let m = seen[j].reduce(0, +) / Double(seen[j].count)
            let v = seen[j].reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(seen[j].count)
            XCTAssertEqual(env.statistics.mean[j], m, accuracy: 1e-6 * max(1, abs(m)))
            XCTAssertEqual(env.statistics.variance[j], v, accuracy: 1e-5 * v)
            let z = (Double(inner.observations[j]) - env.statistics.mean[j]) / (env.statistics.variance[j] + 1e-8).squareRoot()
            XCTAssertEqual(Double(env.observations[j]), z, accuracy: 1e-5)
        }
        env.isUpdating = false
        let frozen = env.statistics
        for _ in 0..<10 { try randomStep(env, &rng) }
        XCTAssertEqual(env.statistics, frozen, "evaluation does not move the statistics")
    }

    func testRewardScalingDividesByReturnDeviationAndKeepsRawReturns() throws {
        let inner = try EnvironmentRegistry.make("cartpole", count: 4)
        let env = RewardScaling(inner, gamma: 0.9)
        env.reset(seed: 0)
        var rng = SeededGenerator(seed: 5)
        var sawEnd = false
        for _ in 0..<200 {
            try randomStep(env, &rng)
            for i in 0..<4 {
                XCTAssertEqual(Double(env.rewards[i]), Double(inner.rewards[i]) / (env.statistics.variance[0] + 1e-8).squareRoot(), accuracy: 1e-6)
                if env.terminated[i] { sawEnd = true; XCTAssertEqual(env.episodeReturns[i], Float(env.episodeLengths[i]), "CartPole's raw return is its length") }
            }
        }
        XCTAssertTrue(sawEnd)
        XCTAssertGreaterThan(env.statistics.variance[0], 1, "discounted returns of +1 rewards spread out")
    }

    func testFrameStackKeepsLastFramesOldestFirst() throws {
        let inner = try EnvironmentRegistry.make("minatar/breakout", count: 3)
        let env = FrameStack(inner, depth: 4)
        XCTAssertEqual(env.observationShape, [10, 10, 16])
        XCTAssertEqual(env.observationSpace.size, 1600)
        env.reset(seed: 4)
        func slot(_ s: UnsafeBufferPointer<Float>, copy i: Int, _ k: Int) -> [Float] {
            (0..<100).flatMap { p in (0..<4).map { c in s[i * 1600 + p * 16 + k * 4 + c] } }
        }
        func frame(_ s: UnsafeBufferPointer<Float>, copy i: Int) -> [Float] { Array(s[(i * 400)..<((i + 1) * 400)]) }
        for k in 0..<4 { XCTAssertEqual(slot(env.observations, copy: 0, k), frame(inner.observations, copy: 0)) }
        var rng = SeededGenerator(seed: 1)
        var history = [[Float]](repeating: frame(inner.observations, copy: 1), count: 4)
        var endings = 0
        for _ in 0..<200 {
            try randomStep(env, &rng)
            if env.terminated[1] {
                endings += 1
                history = Array(history.dropFirst()) + [frame(inner.finalObservations, copy: 1)]
                for k in 0..<4 { XCTAssertEqual(slot(env.finalObservations, copy: 1, k), history[k]) }
                history = Array(repeating: frame(inner.observations, copy: 1), count: 4)
            } else {
                history = Array(history.dropFirst()) + [frame(inner.observations, copy: 1)]
            }
            for k in 0..<4 { XCTAssertEqual(slot(env.observations, copy: 1, k), history[k]) }
        }
        XCTAssertGreaterThan(endings, 0)
        let vector = FrameStack(try EnvironmentRegistry.make("cartpole", count: 1), depth: 3)
        XCTAssertEqual(vector.observationShape, [12])
    }

    func testEpisodeStatisticsRecordEveryEnding() throws {
        let env = try EnvironmentRegistry.make("minatar/breakout", count: 4)
        env.reset(seed: 0)
        var stats = EpisodeStatistics()
        var rng = SeededGenerator(seed: 3)
        var endings = 0
        for _ in 0..<300 {
            try randomStep(env, &rng)
            stats.record(env)
            endings += (0..<4).filter { env.terminated[$0] || env.truncated[$0] }.count
        }
        XCTAssertEqual(stats.episodes.count, endings)
        XCTAssertEqual(stats.steps, 300)
        XCTAssertNotNil(stats.meanReturn(last: 10))
    }

    /// Snapshot after k steps, play on, restore, play the same actions again: identical bits.
    func assertResumesExactly(_ env: SnapshottingEnvironment, file: StaticString = #filePath, line: UInt = #line) throws {
        env.reset(seed: 9)
        var rng = SeededGenerator(seed: 1)
        for _ in 0..<137 { try randomStep(env, &rng) }
        let saved = env.snapshot()
        let savedRng = rng
        func play() throws -> [UInt32] {
            var bits = [UInt32]()
            for _ in 0..<200 {
                try randomStep(env, &rng)
                bits += env.observations.map(\.bitPattern) + env.rewards.map(\.bitPattern) + env.finalObservations.map(\.bitPattern)
                bits += env.terminated.map { $0 ? 1 : 0 } + env.episodeLengths.map { UInt32(bitPattern: $0) }
            }
            return bits
        }
        let first = try play()
        try env.restore(snapshot: saved)
        rng = savedRng
        XCTAssertEqual(try play(), first, "\(env.name)", file: file, line: line)
    }

    func testSnapshotsResumeExactly() throws {
        for name in ["cartpole", "acrobot", "minatar/breakout", "minatar/seaquest", "minatar/space_invaders-minimal"] {
            try assertResumesExactly(try EnvironmentRegistry.make(name, count: 5) as! SnapshottingEnvironment)
        }
        try assertResumesExactly(ObservationNormalization(FrameStack(try EnvironmentRegistry.make("minatar/asterix", count: 3), depth: 2)))
        try assertResumesExactly(RewardScaling(ObservationNormalization(try EnvironmentRegistry.make("cartpole", count: 3))))
    }

    func testSnapshotOfAnotherEnvironmentIsRefused() throws {
        let a = try EnvironmentRegistry.make("minatar/breakout", count: 2) as! SnapshottingEnvironment
        let b = try EnvironmentRegistry.make("minatar/asterix", count: 2) as! SnapshottingEnvironment
        let c = try EnvironmentRegistry.make("minatar/breakout", count: 3) as! SnapshottingEnvironment
        a.reset(seed: 0)
        XCTAssertThrowsError(try b.restore(snapshot: a.snapshot())) { XCTAssertTrue("\($0)".contains("minatar/breakout")) }
        XCTAssertThrowsError(try c.restore(snapshot: a.snapshot())) { XCTAssertTrue("\($0)".contains("2 copies")) }
        XCTAssertThrowsError(try a.restore(snapshot: Array(a.snapshot().dropLast(5)))) { XCTAssertTrue("\($0)".contains("truncated") || "\($0)".contains("fit")) }
    }
}

/// Gymnasium's ALE ids name the registry's games: `atari/BeamRider` used to be read as a ROM
/// called "beamrider" and refused.
final class AtariSpellingTests: XCTestCase {
    func testGymnasiumSpellingsNameTheROM() throws {
        XCTAssertEqual(EnvironmentRegistry.atariROMSpelling("atari/BeamRider"), "atari/beam_rider")
        XCTAssertEqual(EnvironmentRegistry.atariROMSpelling("ALE/SpaceInvaders-v5"), "atari/space_invaders")
        XCTAssertEqual(EnvironmentRegistry.atariROMSpelling("ALE/Pong-v5"), "atari/pong")
        XCTAssertNil(EnvironmentRegistry.atariROMSpelling("atari/beam_rider"))
        XCTAssertNil(EnvironmentRegistry.atariROMSpelling("cartpole"))
        XCTAssertEqual(try EnvironmentRegistry.entry("ALE/BeamRider-v5").name, "atari/beam_rider")
    }
}
