@testable import Environments
import Foundation
import Seeding
import XCTest

/// These need ALE (scripts/setup.sh builds it); without it every test that makes an environment
/// fails with the loader's message saying so. Frame-for-frame agreement with ale-py is checked in
/// Tests/python/test_atari_vs_ale_py.py.
final class AtariTests: XCTestCase {
    func testNumpyGeneratorMatchesNumPy() {
        // np.random.SeedSequence(5).generate_state(2), SeedSequence(2**40 + 3).generate_state(3)
        XCTAssertEqual(NumpyGenerator.seedSequenceState(entropy: 5, words: 2), [16_823_399, 2_940_995_229])
        XCTAssertEqual(NumpyGenerator.seedSequenceState(entropy: 1 << 40 + 3, words: 3), [2_789_635_316, 1_410_910_647, 811_316_306])
        // np.random.default_rng(123456789).bit_generator.random_raw(3)
        var raw = NumpyGenerator(seed: 123_456_789)
        XCTAssertEqual((0..<3).map { _ in raw.next64() }, [511_209_809_126_027_580, 16_725_663_875_132_018_381, 16_258_841_331_763_118_777])
        // np.random.default_rng(42).integers(1, 31, size=12)
        var g = NumpyGenerator(seed: 42)
        XCTAssertEqual((0..<12).map { _ in g.integers(1, 31) }, [3, 24, 20, 14, 13, 26, 3, 21, 7, 3, 16, 30])
    }

    func testAreaResizeAveragesWholeAndPartialCells() {
        // 210×160 → 84×84: a constant image stays constant; a one-pixel-wide vertical stripe at
        // column 0 covers 1/1.905 of the first target column's cells.
        let src = [UInt8](repeating: 200, count: 210 * 160)
        let r = AreaResize(sourceHeight: 210, sourceWidth: 160, height: 84, width: 84)
        defer { r.deallocate() }
        var out = [Float](repeating: -1, count: 84 * 84)
        src.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { r.resize(s.baseAddress!, into: $0.baseAddress!) } }
        XCTAssertTrue(out.allSatisfy { $0 == 200 })
        var stripe = [UInt8](repeating: 0, count: 210 * 160)
        for y in 0..<210 { stripe[y * 160] = 255 }
        stripe.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { r.resize(s.baseAddress!, into: $0.baseAddress!) } }
        XCTAssertEqual(out[0], (255 * 84.0 / 160).rounded())
        XCTAssertEqual(out[1], 0)
    }

    func testSpacesAndRegistry() throws {
        let env = try EnvironmentRegistry.make("atari/beam_rider", count: 2)
        XCTAssertEqual(env.observationShape, [84, 84, 4])
        XCTAssertEqual(env.actionSpace, .discrete(9))
        XCTAssertEqual(try EnvironmentRegistry.make("atari/pong", count: 1).actionSpace, .discrete(6))
        // Any game ALE ships works by name, not only the listed ones.
        XCTAssertEqual(try EnvironmentRegistry.make("atari/ms_pacman", count: 1).actionSpace, .discrete(9))
        let full = try AtariVector(game: "beam_rider", count: 1, options: AtariOptions(fullActionSpace: true))
        XCTAssertEqual(full.actionSpace, .discrete(18))
        // Action names as Gymnasium's get_action_meanings() gives them for ALE/BeamRider-v5 and
        // ALE/Pong-v5, read through the registry's wrappers (frame stack, statistics).
        XCTAssertEqual(env.actionNames, ["NOOP", "FIRE", "UP", "RIGHT", "LEFT", "UPRIGHT", "UPLEFT", "RIGHTFIRE", "LEFTFIRE"])
        XCTAssertEqual(try EnvironmentRegistry.make("atari/pong", count: 1).actionNames, ["NOOP", "FIRE", "RIGHT", "LEFT", "RIGHTFIRE", "LEFTFIRE"])
        XCTAssertEqual(full.actionNames?.count, 18)
        XCTAssertEqual(full.actionNames?.last, "DOWNLEFTFIRE")
    }

    func testSameSeedSameTrajectoryAndCopiesFollowTheirSeeds() throws {
        func run(count: Int, seed: UInt64) throws -> [[Float]] {
            let env = try AtariVector(game: "breakout", count: count)
            env.reset(seed: seed)
            var rng = SeededGenerator(seed: 3)
            var frames = [[Float]](repeating: [], count: count)
            for _ in 0..<150 {
                let a = (0..<count).map { _ in Int32(rng.next() % 4) }
                try a.withUnsafeBufferPointer { try env.step(discrete: $0) }
                for i in 0..<count { frames[i] += env.observations[(i * 7056)..<((i + 1) * 7056)] + [env.rewards[i]] }
            }
            return frames
        }
        let a = try run(count: 2, seed: 10), b = try run(count: 2, seed: 10)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a[0], a[1])
    }

    /// Restored batches continue exactly, also into a fresh batch whose emulators last played
    /// NOOP: ALE's own saved state forgets the action sticky frames repeat, which the shim adds
    /// (with it left out, this test fails: restored copies repeat NOOP where the originals move).
    func testSnapshotResumesBitForBitIncludingStickyActions() throws {
        let n = 8
        let env = try EnvironmentRegistry.make("atari/breakout", count: n) as! SnapshottingEnvironment
        env.reset(seed: 4)
        var rng = SeededGenerator(seed: 8)
        func actions(_ f: (Int) -> Int32) -> [Int32] { (0..<n).map(f) }
        for _ in 0..<200 { try actions { _ in Int32(rng.next() % 4) }.withUnsafeBufferPointer { try env.step(discrete: $0) } }
        // Every copy last pressed a direction, so a forgotten sticky action shows in the paddle.
        try actions { $0 % 2 == 0 ? 2 : 3 }.withUnsafeBufferPointer { try env.step(discrete: $0) }
        let saved = env.snapshot(), savedRng = rng
        /// One digest per step of everything the batch reports.
        func run(_ env: VectorEnvironment) throws -> [UInt64] {
            var digests = [UInt64]()
            for _ in 0..<100 {
                try actions { _ in Int32(rng.next() % 4) }.withUnsafeBufferPointer { try env.step(discrete: $0) }
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                func mix(_ v: UInt32) { h = (h ^ UInt64(v)) &* 0x100_0000_01b3 }
                for k in stride(from: 0, to: env.observations.count, by: 13) { mix(env.observations[k].bitPattern) }
                for k in stride(from: 0, to: env.finalObservations.count, by: 13) { mix(env.finalObservations[k].bitPattern) }
                for i in 0..<n {
                    mix(env.rewards[i].bitPattern); mix(env.terminated[i] ? 1 : 0); mix(UInt32(env.episodeLengths[i]))
                }
                digests.append(h)
            }
            return digests
        }
        let first = try run(env)
        try env.restore(snapshot: saved)
        rng = savedRng
        XCTAssertEqual(try run(env), first)
        let fresh = try EnvironmentRegistry.make("atari/breakout", count: n) as! SnapshottingEnvironment
        fresh.reset(seed: 99)
        try fresh.restore(snapshot: saved)
        rng = savedRng
        XCTAssertEqual(try run(fresh), first)
        XCTAssertThrowsError(try (EnvironmentRegistry.make("atari/breakout", count: 3) as! SnapshottingEnvironment).restore(snapshot: saved))
        XCTAssertThrowsError(try (EnvironmentRegistry.make("atari/pong", count: n) as! SnapshottingEnvironment).restore(snapshot: saved))
        XCTAssertThrowsError(try env.restore(snapshot: Array(saved.dropLast(9))))
    }

    func testLifeLossTerminatesOnlyWhenAsked() throws {
        func episodes(_ lifeLoss: Bool) throws -> (ends: Int, livesAtEnd: [Int]) {
            let env = try AtariVector(game: "breakout", count: 1, options: AtariOptions(terminalOnLifeLoss: lifeLoss))
            env.reset(seed: 1)
            var ends = 0, lives = [Int]()
            for t in 0..<1500 {
                try [Int32(t % 4)].withUnsafeBufferPointer { try env.step(discrete: $0) }
                if env.terminated[0] { ends += 1; lives.append(env.lives(copy: 0)) }
            }
            return (ends, lives)
        }
        let plain = try episodes(false), episodic = try episodes(true)
        XCTAssertGreaterThan(episodic.ends, 2 * max(plain.ends, 1))
        // After each ending the game restarts with all five lives.
        XCTAssertTrue(episodic.livesAtEnd.allSatisfy { $0 == 5 }, "\(episodic.livesAtEnd)")
    }

    func testBadInputIsRefusedWithWhatToDo() throws {
        let env = try AtariVector(game: "pong", count: 2)
        XCTAssertThrowsError(try [Int32(0), 0].withUnsafeBufferPointer { try env.step(discrete: $0) }) { XCTAssertEqual($0 as? EnvironmentError, .notReset) }
        env.reset(seed: 0)
        XCTAssertThrowsError(try [Int32(0), 6].withUnsafeBufferPointer { try env.step(discrete: $0) }) { XCTAssertTrue("\($0)".contains("outside the action space"), "\($0)") }
        XCTAssertThrowsError(try [Int32(0)].withUnsafeBufferPointer { try env.step(discrete: $0) }) { XCTAssertEqual($0 as? EnvironmentError, .wrongBatchSize(expected: 2, got: 1)) }
        XCTAssertThrowsError(try [Float(0), 0].withUnsafeBufferPointer { try env.step(continuous: $0) })
        XCTAssertThrowsError(try AtariVector(game: "pong", count: 1, options: AtariOptions(frameSkip: 0))) { XCTAssertTrue("\($0)".contains("frameSkip"), "\($0)") }
        XCTAssertThrowsError(try AtariVector(game: "pong", count: 1, options: AtariOptions(stickyActionProbability: 1.5)))
        XCTAssertThrowsError(try EnvironmentRegistry.make("atari/not_a_game", count: 1)) {
            let text = "\($0)"
            XCTAssertTrue(text.contains("atari/not_a_game") && text.contains("atari/beam_rider"), text)
        }
        XCTAssertThrowsError(try EnvironmentRegistry.make("atari/../etc", count: 1))
    }

    func testMissingLibrarySaysWhatToDo() {
        XCTAssertThrowsError(try ALELibrary(directory: "/nonexistent/ale")) {
            let text = "\($0)"
            for part in ["/nonexistent/ale/lib/libale_c.so", "scripts/setup.sh", "STACKELBERG_ALE"] { XCTAssertTrue(text.contains(part), text) }
        }
        XCTAssertEqual(ALELibrary.installDirectory(environment: ["HOME": "/h"]).path, "/h/.local/share/stackelberg/ale")
        XCTAssertEqual(ALELibrary.installDirectory(environment: ["STACKELBERG_ALE": "/a"]).path, "/a")
    }
}
