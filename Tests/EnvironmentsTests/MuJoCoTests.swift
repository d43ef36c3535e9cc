import Environments
import Foundation
import Seeding
import XCTest

/// These need Gymnasium's MJCF files (scripts/setup.sh copies them); without them every test that
/// makes an environment fails with the loader's message saying so.
final class MuJoCoTests: XCTestCase {
    func randomActions(_ env: VectorEnvironment, _ rng: inout SeededGenerator) -> [Float] {
        guard case .box(let lo, let hi) = env.actionSpace else { return [] }
        let k = lo.count
        return (0..<(env.count * k)).map { lo[$0 % k] + (hi[$0 % k] - lo[$0 % k]) * Float(rng.uniform()) }
    }

    func testEveryTaskLoadsWithGymnasiumSpaces() throws {
        let expected: [String: (obs: Int, act: Int, high: Float)] = [
            "mujoco/hopper": (11, 3, 1), "mujoco/walker2d": (17, 6, 1), "mujoco/halfcheetah": (17, 6, 1),
            "mujoco/swimmer": (8, 2, 1), "mujoco/reacher": (10, 2, 1), "mujoco/inverted_pendulum": (4, 1, 3),
            "mujoco/inverted_double_pendulum": (9, 1, 1),
        ]
        for (name, e) in expected {
            let env = try EnvironmentRegistry.make(name, count: 2)
            XCTAssertEqual(env.observationSpace.size, e.obs, name)
            XCTAssertEqual(env.actionSpace, .box(low: Array(repeating: -e.high, count: e.act), high: Array(repeating: e.high, count: e.act)), name)
            env.reset(seed: 1)
            XCTAssertTrue(env.observations.allSatisfy(\.isFinite), name)
            var rng = SeededGenerator(seed: 1)
            try randomActions(env, &rng).withUnsafeBufferPointer { try env.step(continuous: $0) }
            XCTAssertTrue(env.observations.allSatisfy(\.isFinite), name)
        }
    }

    func testSameSeedSameTrajectoryBitForBit() throws {
        for name in ["mujoco/hopper", "mujoco/halfcheetah", "mujoco/reacher", "mujoco/inverted_double_pendulum"] {
            func trajectory(seed: UInt64) throws -> [UInt32] {
                let env = try EnvironmentRegistry.make(name, count: 4)
                env.reset(seed: seed)
                var rng = SeededGenerator(seed: 99)
                var bits = [UInt32]()
                for _ in 0..<120 {
                    try randomActions(env, &rng).withUnsafeBufferPointer { try env.step(continuous: $0) }
                    bits += env.observations.map(\.bitPattern) + env.rewards.map(\.bitPattern)
                }
                return bits
            }
            XCTAssertEqual(try trajectory(seed: 3), try trajectory(seed: 3), name)
            XCTAssertNotEqual(try trajectory(seed: 3), try trajectory(seed: 4), name)
        }
    }

    func testCopiesAreIndependentOfBatchSize() throws {
        let one = try MuJoCoVector<HalfCheetah>(count: 1), many = try MuJoCoVector<HalfCheetah>(count: 8)
        one.reset(seed: 5); many.reset(seed: 5)
        XCTAssertEqual(Array(one.observations), Array(many.observations.prefix(HalfCheetah.observationSize)))
    }

    func testResetNoiseStaysInGymnasiumsRanges() throws {
        let env = try MuJoCoVector<Hopper>(count: 64)
        env.reset(seed: 2)
        for i in 0..<env.count {
            let s = env.state(copy: i)
            // qpos0 of hopper.xml is (0, 1.25, 0, 0, 0, 0); qvel starts at 0. Noise is uniform ±5e-3.
            let initial = [0, 1.25, 0, 0, 0, 0] + [Double](repeating: 0, count: 6)
            for (v, v0) in zip(s, initial) { XCTAssertLessThanOrEqual(Swift.abs(v - v0), 5e-3) }
        }
        let reacher = try MuJoCoVector<Reacher>(count: 64)
        reacher.reset(seed: 2)
        for i in 0..<reacher.count {
            let s = reacher.state(copy: i)
            XCTAssertLessThan((s[2] * s[2] + s[3] * s[3]).squareRoot(), 0.2, "the goal lies inside the disc")
            XCTAssertEqual(Array(s[6...7]), [0, 0], "the target starts at rest")
        }
    }

    func testTimeLimitIsTruncationNotTermination() throws {
        // Reacher never terminates; its episodes end by the 50-step limit.
        let env = try EnvironmentRegistry.make("mujoco/reacher", count: 2)
        env.reset(seed: 0)
        var rng = SeededGenerator(seed: 7)
        var sum = 0.0
        for t in 1...50 {
            try randomActions(env, &rng).withUnsafeBufferPointer { try env.step(continuous: $0) }
            sum += Double(env.rewards[0])
            XCTAssertFalse(env.terminated[0])
            XCTAssertEqual(env.truncated[0], t == 50)
        }
        XCTAssertEqual(env.episodeLengths[0], 50)
        XCTAssertEqual(Double(env.episodeReturns[0]), sum, accuracy: 1e-4)
        XCTAssertNotEqual(Array(env.finalObservations.prefix(10)), Array(env.observations.prefix(10)), "auto-reset in the same step")

        // A shorter limit given to the task is honoured the same way.
        var task = Hopper()
        task.timeLimit = 3
        let hopper = try MuJoCoVector<Hopper>(count: 1, task: task)
        hopper.reset(seed: 0)
        for t in 1...3 {
            try [Float](repeating: 0, count: 3).withUnsafeBufferPointer { try hopper.step(continuous: $0) }
            XCTAssertFalse(hopper.terminated[0])
            XCTAssertEqual(hopper.truncated[0], t == 3)
        }
        XCTAssertEqual(hopper.episodeLengths[0], 3)
    }

    func testTerminationAutoResetsAndKeepsTheFinalObservation() throws {
        let env = try MuJoCoVector<Hopper>(count: 2)
        env.reset(seed: 1)
        // Torso angle 0.19 turning at 5 rad/s: past the healthy bound 0.2 within one step (8 ms).
        try env.setState([0, 1.25, 0.19, 0, 0, 0, 0, 0, 5, 0, 0, 0], copy: 0)
        XCTAssertEqual(env.observations[1], 0.19)
        try [Float](repeating: 0, count: 6).withUnsafeBufferPointer { try env.step(continuous: $0) }
        XCTAssertTrue(env.terminated[0])
        XCTAssertFalse(env.truncated[0])
        XCTAssertFalse(env.terminated[1], "the other copy goes on")
        XCTAssertGreaterThan(env.finalObservations[1], 0.2, "the final observation shows the unhealthy angle")
        XCTAssertLessThanOrEqual(Swift.abs(env.observations[1]), 5e-3, "the copy was reset in the same step")
        XCTAssertEqual(env.episodeLengths[0], 1)
        XCTAssertLessThan(env.rewards[0], 0.5, "no healthy reward on the terminating step")
        XCTAssertEqual(env.episodeReturns[0], env.rewards[0])

        // Inverted pendulum: |angle| > 0.2 terminates with reward 0.
        let pendulum = try MuJoCoVector<InvertedPendulum>(count: 1)
        pendulum.reset(seed: 0)
        try pendulum.setState([0, 0.25, 0, 0], copy: 0)
        try [Float(0)].withUnsafeBufferPointer { try pendulum.step(continuous: $0) }
        XCTAssertTrue(pendulum.terminated[0])
        XCTAssertEqual(pendulum.rewards[0], 0)
    }

    func testStateRoundTripsThroughTheRegistry() throws {
        let entry = try EnvironmentRegistry.entry("mujoco/walker2d")
        XCTAssertEqual(entry.stateNames.count, 18)
        XCTAssertEqual(entry.stateNames.first, "qpos0")
        XCTAssertEqual(entry.stateNames.last, "qvel8")
        let env = try EnvironmentRegistry.make("mujoco/walker2d", count: 1)
        env.reset(seed: 0)
        let state = (0..<18).map { 0.01 * Double($0) + ($0 == 1 ? 1.25 : 0) }
        try entry.setState(env, state, 0)
        XCTAssertEqual(entry.getState(env, 0), state)
        XCTAssertThrowsError(try entry.setState(env, Array(state.prefix(17)), 0)) {
            guard case .badState(let why)? = $0 as? EnvironmentError else { return XCTFail("\($0)") }
            XCTAssertTrue(why.contains("18 finite values"), why)
        }
        XCTAssertThrowsError(try entry.setState(env, state.enumerated().map { $0.offset == 3 ? .nan : $0.element }, 0))
    }

    func testBadActionsAreRefused() throws {
        let env = try MuJoCoVector<Hopper>(count: 2)
        func step(_ a: [Float]) throws { try a.withUnsafeBufferPointer { try env.step(continuous: $0) } }
        XCTAssertThrowsError(try step([Float](repeating: 0, count: 6))) { XCTAssertEqual($0 as? EnvironmentError, .notReset) }
        env.reset(seed: 0)
        XCTAssertThrowsError(try step([0, 0, 0])) { XCTAssertEqual($0 as? EnvironmentError, .wrongBatchSize(expected: 6, got: 3)) }
        XCTAssertThrowsError(try step([0, 0, 0, 0, .nan, 0])) {
            guard case .nonFiniteAction(let copy, _)? = $0 as? EnvironmentError else { return XCTFail("\($0)") }
            XCTAssertEqual(copy, 1)
        }
        XCTAssertThrowsError(try step([0, 0, 0, 0, 0, .infinity]))
        XCTAssertThrowsError(try step([0, 1.5, 0, 0, 0, 0])) {
            guard case .actionOutOfRange(let copy, let value, _)? = $0 as? EnvironmentError else { return XCTFail("\($0)") }
            XCTAssertEqual(copy, 0); XCTAssertEqual(value, 1.5)
        }
        XCTAssertThrowsError(try [Int32](repeating: 0, count: 2).withUnsafeBufferPointer { try env.step(discrete: $0) }) {
            XCTAssertEqual($0 as? EnvironmentError, .wrongActionKind(expected: "continuous"))
        }
        let clipping = try MuJoCoVector<Hopper>(count: 1, outOfBounds: .clip)
        clipping.reset(seed: 0)
        XCTAssertNoThrow(try [Float(1.5), -7, 0].withUnsafeBufferPointer { try clipping.step(continuous: $0) })
        XCTAssertThrowsError(try [Float.nan, 0, 0].withUnsafeBufferPointer { try clipping.step(continuous: $0) }, "NaN is refused even when clipping")
    }

    func testSnapshotResumesBitForBit() throws {
        let env = try MuJoCoVector<Walker2d>(count: 3)
        env.reset(seed: 11)
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<40 { try randomActions(env, &rng).withUnsafeBufferPointer { try env.step(continuous: $0) } }
        let saved = env.snapshot(), savedRng = rng
        func run() throws -> [UInt32] {
            var bits = [UInt32]()
            for _ in 0..<60 {
                try randomActions(env, &rng).withUnsafeBufferPointer { try env.step(continuous: $0) }
                bits += env.observations.map(\.bitPattern) + env.rewards.map(\.bitPattern) + env.finalObservations.map(\.bitPattern)
            }
            return bits
        }
        let first = try run()
        try env.restore(snapshot: saved)
        rng = savedRng
        XCTAssertEqual(try run(), first)
        XCTAssertThrowsError(try MuJoCoVector<Walker2d>(count: 2).restore(snapshot: saved))
        XCTAssertThrowsError(try MuJoCoVector<Hopper>(count: 3).restore(snapshot: saved))
    }

    func testMissingAssetsSayWhatToDo() throws {
        XCTAssertThrowsError(try MuJoCoAssets.path(of: "hopper.xml", environment: ["STACKELBERG_MUJOCO_ASSETS": "/nonexistent/mujoco"])) {
            let text = "\($0)"
            for part in ["/nonexistent/mujoco", "scripts/setup.sh", "STACKELBERG_MUJOCO_ASSETS"] { XCTAssertTrue(text.contains(part), text) }
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("mujoco-empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        XCTAssertThrowsError(try MuJoCoAssets.path(of: "reacher.xml", environment: ["STACKELBERG_MUJOCO_ASSETS": empty])) {
            let text = "\($0)"
            XCTAssertTrue(text.contains("reacher.xml is missing from \(empty)"), text)
            XCTAssertTrue(text.contains("scripts/setup.sh"), text)
        }
        XCTAssertEqual(MuJoCoAssets.directory(environment: ["HOME": "/h"]).path, "/h/.local/share/stackelberg/mujoco-assets")
        XCTAssertEqual(MuJoCoAssets.directory(environment: ["HOME": "/h", "XDG_DATA_HOME": "/x"]).path, "/x/stackelberg/mujoco-assets")
        XCTAssertEqual(MuJoCoAssets.directory(environment: ["HOME": "/h", "XDG_DATA_HOME": ""]).path, "/h/.local/share/stackelberg/mujoco-assets")
    }

    func testABrokenModelIsAnErrorNamingTheFileAndLeavesNoLog() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mujoco-broken-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/broken.xml"
        try "<mujoco><worldbody><geom type=\"nonsense\"/></worldbody></mujoco>".write(toFile: file, atomically: true, encoding: .utf8)
        let cwd = FileManager.default.currentDirectoryPath
        _ = FileManager.default.changeCurrentDirectoryPath(dir)
        defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
        XCTAssertThrowsError(try MuJoCoModel(path: file)) {
            guard case .modelUnavailable(let why)? = $0 as? EnvironmentError else { return XCTFail("\($0)") }
            XCTAssertTrue(why.contains(file), why)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/MUJOCO_LOG.TXT"))
    }

    func testHopperMarginsFollowTheSumRule() throws {
        // Debian's MuJoCo 2.2.2 takes the larger of two geom margins where MuJoCo ≥ 3.5 (Gymnasium's)
        // adds them; Hopper's margins are all 0.001, so they are doubled to make max equal sum.
        let hopper = try MuJoCoModel(file: Hopper.modelFile)
        XCTAssertNotNil(hopper.compatibilityNote)
        XCTAssertTrue(hopper.compatibilityNote?.contains("0.002") ?? false, hopper.compatibilityNote ?? "")
        XCTAssertNil(try MuJoCoModel(file: Walker2d.modelFile).compatibilityNote, "zero margins need nothing")
    }
}
