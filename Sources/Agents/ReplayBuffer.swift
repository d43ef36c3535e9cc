import Autodiff
import CKernels
import Environments
import Seeding

/// Transitions (s, a, r, s', terminated) from a batch of environments, kept in a ring of
/// `capacity` and sampled uniformly with replacement. s' is the episode's last observation when the
/// step ended it (the environment has already auto-reset), and `terminated` excludes time-limit
/// truncations, so truncated episodes still bootstrap. Observations that are whole numbers 0…255
/// (MinAtar, Atari) are stored as bytes, a quarter of the memory, exactly. Allocated once.
public final class ReplayBuffer {
    public let capacity: Int
    public let observationSize: Int
    public let encoding: ObservationEncoding
    public private(set) var count = 0
    /// The slot the next transition goes to.
    public private(set) var position = 0

    private let observations: UnsafeMutableRawPointer
    private let nextObservations: UnsafeMutableRawPointer
    private let actions: UnsafeMutablePointer<Int32>
    private let rewards: UnsafeMutablePointer<Float>
    private let terminals: UnsafeMutablePointer<Float>
    private var bytesPerObservation: Int { observationSize * (encoding == .byte ? 1 : 4) }

    public init(capacity: Int, observationSize: Int, encoding: ObservationEncoding) {
        precondition(capacity >= 1 && observationSize >= 1, "replay buffer: capacity and observation size must be positive")
        self.capacity = capacity
        self.observationSize = observationSize
        self.encoding = encoding
        let bytes = capacity * observationSize * (encoding == .byte ? 1 : 4)
        observations = .allocate(byteCount: bytes, alignment: 16)
        nextObservations = .allocate(byteCount: bytes, alignment: 16)
        observations.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        nextObservations.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        actions = .allocate(capacity: capacity); actions.initialize(repeating: 0, count: capacity)
        rewards = .allocate(capacity: capacity); rewards.initialize(repeating: 0, count: capacity)
        terminals = .allocate(capacity: capacity); terminals.initialize(repeating: 0, count: capacity)
    }

    deinit {
        observations.deallocate(); nextObservations.deallocate()
        actions.deallocate(); rewards.deallocate(); terminals.deallocate()
    }

    private func store(_ source: UnsafePointer<Float>, into base: UnsafeMutableRawPointer, slot: Int) {
        let n = observationSize
        if encoding == .byte {
            stk_floats_to_bytes(source, n, (base + slot * n).assumingMemoryBound(to: UInt8.self))
        } else {
            (base + slot * n * 4).assumingMemoryBound(to: Float.self).update(from: source, count: n)
        }
    }

    /// Copies the rows `batch.slots` of `base` into `out`, as floats.
    private func gather(_ base: UnsafeMutableRawPointer, _ batch: TransitionBatch, into out: UnsafeMutablePointer<Float>) {
        let n = observationSize
        if encoding == .byte {
            stk_gather_byte_rows(base.assumingMemoryBound(to: UInt8.self), batch.slots, batch.size, n, out)
        } else {
            let rows = base.assumingMemoryBound(to: Float.self)
            for k in 0..<batch.size { (out + k * n).update(from: rows + batch.slots[k] * n, count: n) }
        }
    }

    /// Adds one transition per copy of `environment`, which has just stepped from `observations`
    /// with `actions`.
    public func add(observations before: UnsafePointer<Float>, actions chosen: UnsafePointer<Int32>, after environment: VectorEnvironment) {
        let n = observationSize
        let next = environment.observations.baseAddress!, final = environment.finalObservations.baseAddress!
        for i in 0..<environment.count {
            let ended = environment.terminated[i] || environment.truncated[i]
            store(before + i * n, into: observations, slot: position)
            store((ended ? final : next) + i * n, into: nextObservations, slot: position)
            actions[position] = chosen[i]
            rewards[position] = environment.rewards[i]
            terminals[position] = environment.terminated[i] ? 1 : 0
            position = (position + 1) % capacity
            count = Swift.min(count + 1, capacity)
        }
    }

    /// Fills `batch` with `batch.size` transitions drawn uniformly (with replacement).
    public func sample(into batch: TransitionBatch, using rng: inout SeededGenerator) {
        precondition(count > 0, "sampling from an empty replay buffer")
        precondition(batch.observationSize == observationSize)
        for k in 0..<batch.size {
            let slot = Int(rng.next() % UInt64(count))
            batch.slots[k] = slot
            batch.actions[k] = actions[slot]
            batch.rewards[k] = rewards[slot]
            batch.terminals[k] = terminals[slot]
        }
        gather(observations, batch, into: batch.observations)
        gather(nextObservations, batch, into: batch.nextObservations)
    }

    public func save(into state: inout StateDictionary, prefix: String) {
        let bytes = capacity * bytesPerObservation
        state[prefix + "count"] = .integer(Int64(count))
        state[prefix + "position"] = .integer(Int64(position))
        state[prefix + "observations"] = .bytes(Array(UnsafeRawBufferPointer(start: observations, count: bytes)))
        state[prefix + "next_observations"] = .bytes(Array(UnsafeRawBufferPointer(start: nextObservations, count: bytes)))
        state[prefix + "actions"] = .bytes(Array(UnsafeRawBufferPointer(start: actions, count: capacity * 4)))
        state[prefix + "rewards"] = .bytes(Array(UnsafeRawBufferPointer(start: rewards, count: capacity * 4)))
        state[prefix + "terminals"] = .bytes(Array(UnsafeRawBufferPointer(start: terminals, count: capacity * 4)))
    }

    public func load(from state: StateDictionary, prefix: String) throws {
        let bytes = capacity * bytesPerObservation
        let parts: [(String, UnsafeMutableRawPointer, Int)] = [
            ("observations", observations, bytes), ("next_observations", nextObservations, bytes),
            ("actions", UnsafeMutableRawPointer(actions), capacity * 4), ("rewards", UnsafeMutableRawPointer(rewards), capacity * 4),
            ("terminals", UnsafeMutableRawPointer(terminals), capacity * 4)]
        let savedCount = Int(try state.integer(prefix + "count")), savedPosition = Int(try state.integer(prefix + "position"))
        guard (0...capacity).contains(savedCount), (0..<capacity).contains(savedPosition) else {
            throw StateError.mismatch("\(prefix): count \(savedCount) / position \(savedPosition) do not fit capacity \(capacity)")
        }
        var loaded = [[UInt8]]()
        for (name, _, size) in parts {
            let b = try state.bytes(prefix + name)
            guard b.count == size else {
                throw StateError.mismatch("\(prefix)\(name) has \(b.count) bytes where a buffer of capacity \(capacity) holds \(size): was it saved with another replay size or environment?")
            }
            loaded.append(b)
        }
        for ((_, base, size), b) in zip(parts, loaded) { b.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: size) } }
        (count, position) = (savedCount, savedPosition)
    }
}

/// A sampled minibatch, allocated once and refilled, with room for its TD targets. `rows(_:)`
/// views a block of rows without copying, so that several minibatches can be sampled into one
/// batch and share one target-network pass.
public final class TransitionBatch {
    public let size: Int
    public let observationSize: Int
    public let observations, nextObservations: UnsafeMutablePointer<Float>
    public let actions: UnsafeMutablePointer<Int32>
    public let rewards, terminals: UnsafeMutablePointer<Float>
    /// The replay slots the rows came from.
    public let slots: UnsafeMutablePointer<Int>
    /// Y_j, written by the agent.
    public let targets: UnsafeMutablePointer<Float>
    /// The batch whose storage a view borrows (nil: this batch owns its storage).
    private let owner: TransitionBatch?

    public init(size: Int, observationSize: Int) {
        precondition(size >= 1 && observationSize >= 1, "transition batch: size and observation size must be positive")
        self.size = size
        self.observationSize = observationSize
        observations = .allocate(capacity: size * observationSize); observations.initialize(repeating: 0, count: size * observationSize)
        nextObservations = .allocate(capacity: size * observationSize); nextObservations.initialize(repeating: 0, count: size * observationSize)
        actions = .allocate(capacity: size); actions.initialize(repeating: 0, count: size)
        rewards = .allocate(capacity: size); rewards.initialize(repeating: 0, count: size)
        terminals = .allocate(capacity: size); terminals.initialize(repeating: 0, count: size)
        slots = .allocate(capacity: size); slots.initialize(repeating: 0, count: size)
        targets = .allocate(capacity: size); targets.initialize(repeating: 0, count: size)
        owner = nil
    }

    private init(viewing parent: TransitionBatch, rows: Range<Int>) {
        size = rows.count
        observationSize = parent.observationSize
        observations = parent.observations + rows.lowerBound * observationSize
        nextObservations = parent.nextObservations + rows.lowerBound * observationSize
        actions = parent.actions + rows.lowerBound
        rewards = parent.rewards + rows.lowerBound
        terminals = parent.terminals + rows.lowerBound
        slots = parent.slots + rows.lowerBound
        targets = parent.targets + rows.lowerBound
        owner = parent.owner ?? parent
    }

    /// The rows `rows` of this batch, sharing its storage.
    public func rows(_ rows: Range<Int>) -> TransitionBatch {
        precondition(!rows.isEmpty && rows.lowerBound >= 0 && rows.upperBound <= size, "transition batch: rows \(rows) outside 0..<\(size)")
        return TransitionBatch(viewing: self, rows: rows)
    }

    deinit {
        guard owner == nil else { return }
        observations.deallocate(); nextObservations.deallocate(); actions.deallocate(); rewards.deallocate(); terminals.deallocate()
        slots.deallocate(); targets.deallocate()
    }
}
