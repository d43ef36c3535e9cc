@testable import Environments
import Foundation
import Seeding
import XCTest

/// Stable-Baselines3's `EpisodicLifeEnv` and `FireResetEnv` as `AtariOptions.episodicLife` and
/// `fireReset`. These play real ROMs and are skipped (with the reason) where ALE is not installed;
/// frame-for-frame agreement with SB3's wrappers is checked in
/// Tests/python/test_atari_episodic_life_vs_sb3.py.
final class AtariEpisodicLifeTests: XCTestCase {
    private func requireROM(_ game: String) throws {
        do { _ = try ALELibrary.load().romPath(game) } catch {
            throw XCTSkip("ALE or its \(game) ROM is not installed (scripts/setup.sh builds it): \(error)")
        }
    }

    private func step(_ env: VectorEnvironment, _ actions: [Int32]) throws {
        try actions.withUnsafeBufferPointer { try env.step(discrete: $0) }
    }

    /// The batch under episodic life and fire reset is one uninterrupted game of the plain batch
    /// (same seed) that the test plays by hand: FIRE and 2 after the reset, the learner's actions,
    /// and after each lost life NOOP, FIRE and 2. A lost life terminates the learner's step but
    /// resets nothing; the game's return and length, hidden steps included, are reported once,
    /// at the game over.
    func testALostLifeTerminatesWithoutResettingTheGame() throws {
        try requireROM("breakout")
        let episodic = try AtariVector(game: "breakout", count: 1, options: AtariOptions(episodicLife: true, fireReset: true))
        let plain = try AtariVector(game: "breakout", count: 1)
        XCTAssertTrue(episodic.firesOnReset)
        episodic.reset(seed: 3)
        plain.reset(seed: 3)
        var gameReturn = 0.0, gameLength = 0
        func hidden(_ actions: [Int32]) throws {
            for a in actions {
                try step(plain, [a])
                XCTAssertFalse(plain.terminated[0] || plain.truncated[0], "the plain game ended in a hidden step; pick another seed")
                gameReturn += Double(plain.rewards[0]); gameLength += 1
            }
        }
        try hidden([1, 2])
        XCTAssertTrue(Array(episodic.observations) == Array(plain.observations), "fire reset is FIRE then 2 after the reset")
        var rng = SeededGenerator(seed: 5)
        var livesLost = 0, gameOver = false
        for t in 0..<5_000 {
            let a = Int32(rng.next() % 4)
            let livesBefore = episodic.lives(copy: 0)
            try step(episodic, [a]); try step(plain, [a])
            gameReturn += Double(plain.rewards[0]); gameLength += 1
            XCTAssertEqual(episodic.rewards[0], plain.rewards[0], "step \(t)")
            XCTAssertEqual(episodic.truncated[0], plain.truncated[0], "step \(t)")
            if plain.terminated[0] || plain.truncated[0] {
                // The game over: statistics close with the whole game, hidden steps included.
                XCTAssertTrue(episodic.terminated[0] && episodic.gameOver(copy: 0), "step \(t)")
                XCTAssertTrue(Array(episodic.finalObservations) == Array(plain.finalObservations), "step \(t)")
                XCTAssertEqual(Double(episodic.episodeReturns[0]), gameReturn, "step \(t)")
                XCTAssertEqual(Int(episodic.episodeLengths[0]), gameLength, "step \(t)")
                XCTAssertEqual(episodic.episodeLengths[0], plain.episodeLengths[0])
                gameOver = true
                break
            }
            if episodic.terminated[0] {
                // A lost life: the learner's episode ended, the game did not.
                XCTAssertFalse(episodic.gameOver(copy: 0), "step \(t)")
                XCTAssertTrue(Array(episodic.finalObservations) == Array(plain.observations), "step \(t): the final observation is the game's")
                XCTAssertEqual(plain.lives(copy: 0), livesBefore - 1, "step \(t)")
                try hidden([0, 1, 2])
                livesLost += 1
                XCTAssertEqual(episodic.lives(copy: 0), livesBefore - 1, "step \(t): lives go on from the same game")
            } else {
                XCTAssertFalse(episodic.gameOver(copy: 0))
            }
            XCTAssertTrue(Array(episodic.observations) == Array(plain.observations), "step \(t): the game goes on")
            XCTAssertEqual(episodic.lives(copy: 0), plain.lives(copy: 0), "step \(t)")
        }
        XCTAssertTrue(gameOver, "no game over in 5,000 steps")
        XCTAssertEqual(livesLost, 4, "Breakout's five lives: four lost mid-game, then the game over")
        // The next game starts afresh, with its own FIRE and 2 counted in it.
        XCTAssertEqual(episodic.lives(copy: 0), 5)
    }

    /// Fire reset alone presses FIRE then 2 after every new game; games without FIRE at action 1
    /// (Freeway: NOOP, UP, DOWN) ignore it. Without episodic life a lost life changes nothing.
    func testFireResetPressesFireThenTwoOnlyWhereThereIsFire() throws {
        try requireROM("breakout")
        let fire = try AtariVector(game: "breakout", count: 2, options: AtariOptions(fireReset: true))
        let plain = try AtariVector(game: "breakout", count: 2)
        fire.reset(seed: 8); plain.reset(seed: 8)
        XCTAssertTrue(Array(fire.observations) != Array(plain.observations))
        try step(plain, [1, 1]); try step(plain, [2, 2])
        XCTAssertTrue(Array(fire.observations) == Array(plain.observations))
        XCTAssertEqual(fire.lives(copy: 1), plain.lives(copy: 1))
        var rng = SeededGenerator(seed: 2)
        // Up to the first game over (a lost life ends nothing here), after which the plain batch
        // would need the hidden FIRE and 2 of the new game.
        var steps = 0
        for t in 0..<1_000 {
            let a = (0..<2).map { _ in Int32(rng.next() % 4) }
            try step(fire, a); try step(plain, a)
            steps += 1
            XCTAssertTrue(Array(fire.terminated) == Array(plain.terminated), "step \(t)")
            if fire.terminated.contains(true) {
                XCTAssertTrue(Array(fire.finalObservations) == Array(plain.finalObservations), "step \(t)")
                break
            }
            XCTAssertTrue(Array(fire.observations) == Array(plain.observations), "step \(t)")
        }
        XCTAssertGreaterThan(steps, 50, "the first game over came within 50 steps: pick another seed")
        try requireROM("freeway")
        XCTAssertFalse(try AtariVector(game: "freeway", count: 1, options: AtariOptions(fireReset: true)).firesOnReset)
        XCTAssertThrowsError(try AtariVector(game: "breakout", count: 1, options: AtariOptions(terminalOnLifeLoss: true, episodicLife: true))) {
            XCTAssertTrue("\($0)".contains("exclude each other"), "\($0)")
        }
    }

    /// Through the registry (frame stack on top), the statistics count games: fewer than the
    /// learner's episodes, each at a game over.
    func testStatisticsCountWholeGames() throws {
        try requireROM("breakout")
        let env = try EnvironmentRegistry.make("atari/breakout", count: 4, overrides: EnvironmentOverrides(episodicLife: true, fireReset: true))
        env.reset(seed: 1)
        var stats = EpisodeStatistics()
        var rng = SeededGenerator(seed: 4)
        var terminations = 0
        for _ in 0..<1_500 {
            try step(env, (0..<4).map { _ in Int32(rng.next() % 4) })
            stats.record(env)
            for i in 0..<4 where env.terminated[i] { terminations += 1 }
        }
        XCTAssertGreaterThan(stats.episodes.count, 0)
        XCTAssertGreaterThanOrEqual(terminations, 5 * stats.episodes.count, "each of Breakout's games ends four lives before its game over")
        // Lengths are whole games: a random Breakout life lasts ~40 steps, a game five of them.
        XCTAssertGreaterThan(stats.episodes.map(\.length).min()!, 100)
    }

    /// A snapshot taken mid-game resumes bit for bit through lost lives and the hidden steps, also
    /// in a fresh batch; it is refused by a batch with other settings.
    func testSnapshotResumesExactlyThroughALostLife() throws {
        try requireROM("breakout")
        let n = 4
        let overrides = EnvironmentOverrides(episodicLife: true, fireReset: true)
        let env = try EnvironmentRegistry.make("atari/breakout", count: n, overrides: overrides) as! SnapshottingEnvironment
        env.reset(seed: 6)
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<60 { try step(env, (0..<n).map { _ in Int32(rng.next() % 4) }) }
        let saved = env.snapshot(), savedRng = rng
        func run(_ env: VectorEnvironment) throws -> (digests: [UInt64], livesLost: Int, games: Int) {
            var digests = [UInt64](), livesLost = 0, games = 0
            for _ in 0..<400 {
                try step(env, (0..<n).map { _ in Int32(rng.next() % 4) })
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                func mix(_ v: UInt32) { h = (h ^ UInt64(v)) &* 0x100_0000_01b3 }
                for k in stride(from: 0, to: env.observations.count, by: 11) { mix(env.observations[k].bitPattern) }
                for k in stride(from: 0, to: env.finalObservations.count, by: 11) { mix(env.finalObservations[k].bitPattern) }
                for i in 0..<n {
                    mix(env.rewards[i].bitPattern); mix(env.terminated[i] ? 1 : 0); mix(env.gameOver(copy: i) ? 1 : 0)
                    mix(env.episodeReturns[i].bitPattern); mix(UInt32(env.episodeLengths[i]))
                    if env.terminated[i] { if env.gameOver(copy: i) { games += 1 } else { livesLost += 1 } }
                }
                digests.append(h)
            }
            return (digests, livesLost, games)
        }
        let first = try run(env)
        XCTAssertGreaterThan(first.livesLost, 0)
        try env.restore(snapshot: saved)
        rng = savedRng
        XCTAssertEqual(try run(env).digests, first.digests)
        let fresh = try EnvironmentRegistry.make("atari/breakout", count: n, overrides: overrides) as! SnapshottingEnvironment
        fresh.reset(seed: 99)
        try fresh.restore(snapshot: saved)
        rng = savedRng
        XCTAssertEqual(try run(fresh).digests, first.digests)
        let plain = try EnvironmentRegistry.make("atari/breakout", count: n) as! SnapshottingEnvironment
        XCTAssertThrowsError(try plain.restore(snapshot: saved)) { XCTAssertTrue("\($0)".contains("episodic life on, fire reset on"), "\($0)") }
        plain.reset(seed: 1)
        XCTAssertThrowsError(try fresh.restore(snapshot: plain.snapshot())) { XCTAssertTrue("\($0)".contains("episodic life off, fire reset off"), "\($0)") }
        let fireOnly = try EnvironmentRegistry.make("atari/breakout", count: n, overrides: EnvironmentOverrides(fireReset: true)) as! SnapshottingEnvironment
        XCTAssertThrowsError(try fireOnly.restore(snapshot: saved))
    }

    /// The overrides are Atari's alone, refused elsewhere with what to do.
    func testOverridesAreRefusedOffAtari() {
        XCTAssertThrowsError(try EnvironmentRegistry.make("cartpole", count: 1, overrides: EnvironmentOverrides(episodicLife: true))) {
            XCTAssertTrue("\($0)".contains("cartpole has no lives to make episodic") && "\($0)".contains("Atari only"), "\($0)")
        }
        XCTAssertThrowsError(try EnvironmentRegistry.make("minatar/breakout", count: 1, overrides: EnvironmentOverrides(fireReset: true))) {
            XCTAssertTrue("\($0)".contains("minatar/breakout has no FIRE to press on reset"), "\($0)")
        }
    }
}
