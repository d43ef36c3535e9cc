import Agents
import Autodiff
import Environments
import Seeding
import XCTest

/// A replay checkpoint holds the filled slots only, and still reads the checkpoints written before,
/// which held every slot.
final class ReplayBufferCheckpointTests: XCTestCase {
    /// `steps` steps of 2 MinAtar copies into a byte-encoded buffer of `capacity` slots.
    private func filled(capacity: Int, steps: Int) throws -> ReplayBuffer {
        let env = try EnvironmentRegistry.make("minatar/breakout", count: 2)
        let replay = try ReplayBuffer(capacity: capacity, observationSize: 400, encoding: .byte, actionSpace: env.actionSpace)
        let actions = ActionBatch(space: env.actionSpace, count: 2)
        env.reset(seed: 3)
        var before = Array(env.observations)
        for t in 0..<steps {
            actions.discrete[0] = Int32(t % 3); actions.discrete[1] = Int32((t / 2) % 3)
            try actions.step(env)
            replay.add(observations: before, actions: actions, after: env)
            before = Array(env.observations)
        }
        return replay
    }

    private func samples(_ replay: ReplayBuffer) throws -> [[Float]] {
        let batch = try TransitionBatch(size: 256, observationSize: 400, actionSpace: .discrete(3))
        var rng = SeededGenerator(seed: 11)
        replay.sample(into: batch, using: &rng)
        return [Array(UnsafeBufferPointer(start: batch.observations, count: 256 * 400)),
                Array(UnsafeBufferPointer(start: batch.nextObservations, count: 256 * 400)),
                UnsafeBufferPointer(start: batch.slots, count: 256).map(Float.init), Array(UnsafeBufferPointer(start: batch.rewards, count: 256)),
                Array(UnsafeBufferPointer(start: batch.terminals, count: 256))]
    }

    func testACheckpointHoldsTheFilledSlotsAndRestoresThemExactly() throws {
        let replay = try filled(capacity: 100, steps: 15)   // 30 of 100 slots
        XCTAssertEqual(replay.count, 30)
        var state = StateDictionary()
        replay.save(into: &state, prefix: "r.")
        XCTAssertEqual(try state.bytes("r.observations").count, 30 * 400)
        XCTAssertEqual(try state.bytes("r.rewards").count, 30 * 4)
        let copy = try ReplayBuffer(capacity: 100, observationSize: 400, encoding: .byte, actionSpace: .discrete(3))
        try copy.load(from: state, prefix: "r.")
        XCTAssertEqual(copy.count, 30); XCTAssertEqual(copy.position, 30)
        XCTAssertEqual(try samples(copy), try samples(replay))
        var again = StateDictionary()
        copy.save(into: &again, prefix: "r.")
        XCTAssertEqual(again, state)
        // Once the ring has wrapped every slot is written.
        let full = try filled(capacity: 20, steps: 15)
        var fullState = StateDictionary()
        full.save(into: &fullState, prefix: "r.")
        XCTAssertEqual(try fullState.bytes("r.observations").count, 20 * 400)
    }

    func testACheckpointOfEverySlotFromBeforeStillLoads() throws {
        let replay = try filled(capacity: 100, steps: 15)
        var state = StateDictionary()
        replay.save(into: &state, prefix: "r.")
        // The earlier layout: no capacity entry, every array padded to the whole capacity.
        var old = StateDictionary()
        for name in ["count", "position"] { old["r." + name] = state["r." + name] }
        for (name, perSlot) in [("observations", 400), ("next_observations", 400), ("actions", 4), ("rewards", 4), ("terminals", 4), ("truncations", 4)] {
            old["r." + name] = .bytes(try state.bytes("r." + name) + [UInt8](repeating: 0, count: 70 * perSlot))
        }
        let copy = try ReplayBuffer(capacity: 100, observationSize: 400, encoding: .byte, actionSpace: .discrete(3))
        try copy.load(from: old, prefix: "r.")
        XCTAssertEqual(try samples(copy), try samples(replay))
        var resaved = StateDictionary()
        copy.save(into: &resaved, prefix: "r.")
        XCTAssertEqual(resaved, state)
    }

    func testAnotherCapacityIsRefusedByName() throws {
        let replay = try filled(capacity: 100, steps: 15)
        var state = StateDictionary()
        replay.save(into: &state, prefix: "r.")
        let other = try ReplayBuffer(capacity: 200, observationSize: 400, encoding: .byte, actionSpace: .discrete(3))
        XCTAssertThrowsError(try other.load(from: state, prefix: "r.")) { error in
            XCTAssertTrue("\(error)".contains("holds 100 transitions") && "\(error)".contains("--set buffer_size=100"), "\(error)")
        }
        // Another observation size is refused by the arrays' lengths.
        let wider = try ReplayBuffer(capacity: 100, observationSize: 401, encoding: .byte, actionSpace: .discrete(3))
        XCTAssertThrowsError(try wider.load(from: state, prefix: "r."))
    }
}
