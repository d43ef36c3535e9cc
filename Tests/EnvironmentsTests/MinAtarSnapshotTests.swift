@testable import Environments
import Seeding
import XCTest

/// MinAtar checkpoints (issue 18, item 11): a snapshot is a deterministic function of the batch's
/// state (no struct padding), resumes exactly, and snapshots of the earlier raw format still restore.
final class MinAtarSnapshotTests: XCTestCase {
    static let copies = 4

    func randomSteps(_ env: VectorEnvironment, _ steps: Int, _ rng: inout SeededGenerator) throws {
        guard case .discrete(let n) = env.actionSpace else { return XCTFail("discrete expected") }
        for _ in 0..<steps {
            let a = (0..<env.count).map { _ in Int32(rng.next() % UInt64(n)) }
            try a.withUnsafeBufferPointer { try env.step(discrete: $0) }
        }
    }

    /// Leaves `garbage` in memory the next allocations and calls are likely to get: freed heap
    /// blocks of the batch's sizes and the stack below this frame. Padding bytes copied or left in
    /// place then differ between two batches made after different garbage.
    @inline(never)
    func dirtyMemory<G: MinAtarGame>(_: G.Type, _ garbage: UInt8) {
        for size in [MemoryLayout<G>.stride, MemoryLayout<G>.stride * Self.copies, 4096, 65536] {
            let p = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            p.initializeMemory(as: UInt8.self, repeating: garbage, count: size)
            p.deallocate()
        }
        withUnsafeTemporaryAllocation(byteCount: 32768, alignment: 16) { stack in
            stack.initializeMemory(as: UInt8.self, repeating: garbage)
            _ = stack.withMemoryRebound(to: UInt8.self) { $0.reduce(0, &+) }
        }
    }

    /// A batch of `G` after a fixed history, made after `garbage` was left in memory.
    func batch<G: MinAtarGame>(_: G.Type, garbage: UInt8, steps: Int = 300) throws -> MinAtarVector<G> {
        dirtyMemory(G.self, garbage)
        let env = MinAtarVector<G>(count: Self.copies)
        env.reset(seed: 3)
        var rng = SeededGenerator(seed: 11)
        try randomSteps(env, steps, &rng)
        return env
    }

    func assertDeterministic<G: MinAtarGame>(_: G.Type, file: StaticString = #filePath, line: UInt = #line) throws {
        for steps in [0, 1, 57, 300] {
            let a = try batch(G.self, garbage: 0xA5, steps: steps).snapshot()
            let b = try batch(G.self, garbage: 0x5A, steps: steps).snapshot()
            XCTAssertEqual(a.count, b.count, "\(G.name) after \(steps) steps", file: file, line: line)
            let differing = zip(a, b).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
            XCTAssertTrue(differing.isEmpty, "\(G.name) after \(steps) steps: identical runs give snapshots differing at \(differing.count) bytes, first \(differing.prefix(8))", file: file, line: line)
        }
    }

    func testIdenticalRunsGiveIdenticalSnapshots() throws {
        try assertDeterministic(MinAtarBreakout.self)
        try assertDeterministic(MinAtarAsterix.self)
        try assertDeterministic(MinAtarFreeway.self)
        try assertDeterministic(MinAtarSeaquest.self)
        try assertDeterministic(MinAtarSpaceInvaders.self)
    }

    /// Steps every copy with actions from `rng`, recording everything the batch reports.
    func play(_ env: VectorEnvironment, _ steps: Int, _ rng: inout SeededGenerator) throws -> [UInt32] {
        guard case .discrete(let n) = env.actionSpace else { XCTFail("discrete expected"); return [] }
        var bits = [UInt32]()
        for _ in 0..<steps {
            let a = (0..<env.count).map { _ in Int32(rng.next() % UInt64(n)) }
            try a.withUnsafeBufferPointer { try env.step(discrete: $0) }
            bits += env.observations.map(\.bitPattern) + env.rewards.map(\.bitPattern) + env.finalObservations.map(\.bitPattern)
            bits += env.terminated.map { $0 ? 1 : 0 } + env.truncated.map { $0 ? 1 : 0 }
            bits += env.episodeReturns.map(\.bitPattern) + env.episodeLengths.map { UInt32(bitPattern: $0) }
        }
        return bits
    }

    /// Restores `saved` into a batch of `G` with another history, checks it then snapshots as
    /// `expected` and steps exactly as `original` does from there.
    func assertResumes<G: MinAtarGame>(_: G.Type, from saved: [UInt8], like original: MinAtarVector<G>, expected: [UInt8],
                                       file: StaticString = #filePath, line: UInt = #line) throws {
        let other = MinAtarVector<G>(count: Self.copies)
        other.reset(seed: 1234)
        var elsewhere = SeededGenerator(seed: 99)
        try randomSteps(other, 211, &elsewhere)
        try other.restore(snapshot: saved)
        XCTAssertEqual(other.snapshot(), expected, "\(G.name): restored batch snapshots differently", file: file, line: line)
        var rng = SeededGenerator(seed: 5)
        let first = try play(original, 200, &rng)
        rng = SeededGenerator(seed: 5)
        XCTAssertEqual(try play(other, 200, &rng), first, "\(G.name): restored batch steps differently", file: file, line: line)
    }

    func testSnapshotRestoreStepsExactlyAsTheOriginal() throws {
        func check<G: MinAtarGame>(_: G.Type) throws {
            for steps in [0, 137, 600] {
                let env = try batch(G.self, garbage: 0, steps: steps)
                let saved = env.snapshot()
                try assertResumes(G.self, from: saved, like: env, expected: saved)
            }
        }
        try check(MinAtarBreakout.self)
        try check(MinAtarAsterix.self)
        try check(MinAtarFreeway.self)
        try check(MinAtarSeaquest.self)
        try check(MinAtarSpaceInvaders.self)
    }

    /// A snapshot in the format before field-by-field games, built as that code wrote it: the
    /// header, the games' count and raw memory (`SnapshotWriter.buffer`), then the rest, unchanged.
    func rawFormatSnapshot<G: MinAtarGame>(_ env: MinAtarVector<G>) -> [UInt8] {
        let current = env.snapshot()
        var w = SnapshotWriter(header: env.name, count: env.count)
        let headerLength = w.bytes.count
        XCTAssertEqual(Array(current[headerLength..<headerLength + 8]), withUnsafeBytes(of: -2) { Array($0) }, "the field-by-field tag")
        var encoded = SnapshotWriter(header: "", count: 0)
        let start = encoded.bytes.count
        for i in 0..<env.count { env.game(copy: i).write(to: &encoded) }
        let gamesEnd = headerLength + 8 + encoded.bytes.count - start
        let raw = UnsafeMutablePointer<G>.allocate(capacity: env.count)
        defer { raw.deinitialize(count: env.count); raw.deallocate() }
        for i in 0..<env.count { (raw + i).initialize(to: env.game(copy: i)) }
        w.buffer(raw, count: env.count)
        return w.bytes + current[gamesEnd...]
    }

    func testRawFormatSnapshotsStillRestore() throws {
        func check<G: MinAtarGame>(_: G.Type) throws {
            for steps in [0, 137, 600] {
                let env = try batch(G.self, garbage: 0xC3, steps: steps)
                let saved = env.snapshot()
                let old = rawFormatSnapshot(env)
                try assertResumes(G.self, from: old, like: env, expected: saved)
            }
        }
        try check(MinAtarBreakout.self)
        try check(MinAtarAsterix.self)
        try check(MinAtarFreeway.self)
        try check(MinAtarSeaquest.self)
        try check(MinAtarSpaceInvaders.self)
    }

    func testABadSnapshotIsRefusedAndLeavesTheBatchAsItWas() throws {
        let env = try batch(MinAtarAsterix.self, garbage: 0, steps: 50)
        let saved = env.snapshot()
        let other = try batch(MinAtarAsterix.self, garbage: 0, steps: 90)
        let before = other.snapshot()
        // The first game's `ramping` flag is the byte after the header and tag.
        let flag = SnapshotWriter(header: env.name, count: env.count).bytes.count + 8
        var corrupt = saved
        corrupt[flag] = 7
        XCTAssertThrowsError(try other.restore(snapshot: corrupt)) { XCTAssertTrue("\($0)".contains("flag"), "\($0)") }
        XCTAssertEqual(other.snapshot(), before)
        // A generator position out of range fails after the games were read: still nothing changes.
        var one = SnapshotWriter(header: "", count: 0)
        let start = one.bytes.count
        env.game(copy: 0).write(to: &one)
        let gamesEnd = flag + Self.copies * (one.bytes.count - start)
        // The last actions (count, Int32 each), `started`, then generator 0: its key (count, 624
        // UInt32) and its position.
        let position = gamesEnd + 8 + 4 * Self.copies + 1 + 8 + 4 * 624
        XCTAssertTrue((0...624).contains(saved.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: position, as: Int.self) }), "offset of generator 0's position")
        corrupt = saved
        corrupt[position + 2] = 1
        XCTAssertThrowsError(try other.restore(snapshot: corrupt)) { XCTAssertTrue("\($0)".contains("generator position"), "\($0)") }
        XCTAssertEqual(other.snapshot(), before)
        try other.restore(snapshot: saved)
        XCTAssertEqual(other.snapshot(), saved)
    }
}
