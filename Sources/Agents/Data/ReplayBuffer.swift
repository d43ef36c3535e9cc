import Autodiff
import CKernels
import Environments
import Seeding

/// Transitions (s, a, r, s', terminated, truncated) from a batch of environments, for any action
/// space, kept in a ring of `capacity` and sampled uniformly with replacement. Allocated once.
///
/// - s' is the episode's true last observation when the step ended it (the environment has already
///   auto-reset, so its `observations` hold the next episode's start; `finalObservations` the end).
/// - `terminated` (the task ended: no bootstrap) is stored apart from `truncated` (a time limit cut
///   the episode: bootstrap from s'), so a truncated episode still bootstraps.
/// - Actions: `Int32` indices for a discrete space, `Float` vectors (`actionSize` each) for a box.
/// - Observations that are whole numbers 0…255 (MinAtar, Atari) are stored as bytes, a quarter of the
///   memory, exactly.
///
/// Errors: zero sizes throw `AgentError.badConfig`; a checkpoint saved with another capacity,
/// observation size or action space throws `StateError.mismatch` on `load`.
public final class ReplayBuffer {
    public let capacity: Int
    public let observationSize: Int
    public let encoding: ObservationEncoding
    public let actionSpace: Space
    /// Floats per action (1 for a discrete space).
    public let actionSize: Int
    public private(set) var count = 0
    /// The slot the next transition goes to.
    public private(set) var position = 0

    private let observations: UnsafeMutableRawPointer
    private let nextObservations: UnsafeMutableRawPointer
    /// Int32 indices (discrete) or Float vectors (box), 4 bytes per action component.
    private let actions: UnsafeMutableRawPointer
    private let rewards: UnsafeMutablePointer<Float>
    private let terminals: UnsafeMutablePointer<Float>
    private let truncations: UnsafeMutablePointer<Float>
    private let isDiscrete: Bool
    private var bytesPerObservation: Int { observationSize * (encoding == .byte ? 1 : 4) }

    public init(capacity: Int, observationSize: Int, encoding: ObservationEncoding, actionSpace: Space = .discrete(1)) throws {
        guard capacity >= 1, observationSize >= 1, actionSpace.size >= 1 else {
            throw AgentError.badConfig("replay buffer: capacity (\(capacity)), observation size (\(observationSize)) and action size (\(actionSpace.size)) must be positive")
        }
        self.capacity = capacity
        self.observationSize = observationSize
        self.encoding = encoding
        self.actionSpace = actionSpace
        actionSize = actionSpace.size
        if case .discrete = actionSpace { isDiscrete = true } else { isDiscrete = false }
        let bytes = capacity * observationSize * (encoding == .byte ? 1 : 4)
        observations = .allocate(byteCount: bytes, alignment: 16)
        nextObservations = .allocate(byteCount: bytes, alignment: 16)
        observations.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        nextObservations.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        actions = .allocate(byteCount: capacity * actionSize * 4, alignment: 16)
        actions.initializeMemory(as: UInt8.self, repeating: 0, count: capacity * actionSize * 4)
        rewards = .allocate(capacity: capacity); rewards.initialize(repeating: 0, count: capacity)
        terminals = .allocate(capacity: capacity); terminals.initialize(repeating: 0, count: capacity)
        truncations = .allocate(capacity: capacity); truncations.initialize(repeating: 0, count: capacity)
    }

    deinit {
        observations.deallocate(); nextObservations.deallocate()
        actions.deallocate(); rewards.deallocate(); terminals.deallocate(); truncations.deallocate()
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
    /// with `actions` (a batch of the buffer's action space).
    /// `truncationEnds`: a truncation is stored as a termination (no bootstrap from its final observation).
    public func add(observations before: UnsafePointer<Float>, actions chosen: ActionBatch, after environment: VectorEnvironment,
                    truncationEnds: Bool = false) {
        let n = observationSize, k = actionSize
        let next = environment.observations.baseAddress!, final = environment.finalObservations.baseAddress!
        for i in 0..<environment.count {
            let ended = environment.terminated[i] || environment.truncated[i]
            store(before + i * n, into: observations, slot: position)
            store((ended ? final : next) + i * n, into: nextObservations, slot: position)
            if isDiscrete {
                actions.assumingMemoryBound(to: Int32.self)[position] = chosen.discrete[i]
            } else {
                (actions.assumingMemoryBound(to: Float.self) + position * k).update(from: chosen.continuous + i * k, count: k)
            }
            rewards[position] = environment.rewards[i]
            terminals[position] = environment.terminated[i] || (truncationEnds && environment.truncated[i]) ? 1 : 0
            truncations[position] = environment.truncated[i] ? 1 : 0
            position = (position + 1) % capacity
            count = Swift.min(count + 1, capacity)
        }
    }

    /// Fills `batch` with `batch.size` transitions drawn uniformly (with replacement). The batch
    /// must have been made for this buffer's observation size and action space.
    public func sample(into batch: TransitionBatch, using rng: inout SeededGenerator) {
        if _slowPath(count == 0 || batch.observationSize != observationSize || batch.actionSize != actionSize) {
            fatalError("replay buffer: sampling \(count == 0 ? "from an empty buffer" : "into a batch made for another observation or action size")")
        }
        let k = actionSize
        for j in 0..<batch.size {
            let slot = Int(rng.next() % UInt64(count))
            batch.slots[j] = slot
            if isDiscrete {
                batch.actions[j] = actions.assumingMemoryBound(to: Int32.self)[slot]
            } else {
                (batch.continuousActions + j * k).update(from: actions.assumingMemoryBound(to: Float.self) + slot * k, count: k)
            }
            batch.rewards[j] = rewards[slot]
            batch.terminals[j] = terminals[slot]
            batch.truncations[j] = truncations[slot]
        }
        gather(observations, batch, into: batch.observations)
        gather(nextObservations, batch, into: batch.nextObservations)
    }

    /// The buffer's arrays: name, base address and bytes per slot.
    private var parts: [(name: String, base: UnsafeMutableRawPointer, bytesPerSlot: Int)] {
        [("observations", observations, bytesPerObservation), ("next_observations", nextObservations, bytesPerObservation),
         ("actions", actions, actionSize * 4), ("rewards", UnsafeMutableRawPointer(rewards), 4),
         ("terminals", UnsafeMutableRawPointer(terminals), 4), ("truncations", UnsafeMutableRawPointer(truncations), 4)]
    }

    /// Writes the filled slots only. Until the ring wraps, the transitions are slots 0..<count (the
    /// next one goes to `position == count`), so a checkpoint early in a 1e6-slot run holds what was
    /// stored rather than the whole allocation (a SAC Hopper checkpoint at 50k steps: 6 MB, not 115).
    public func save(into state: inout StateDictionary, prefix: String) {
        state[prefix + "capacity"] = .integer(Int64(capacity))
        state[prefix + "count"] = .integer(Int64(count))
        state[prefix + "position"] = .integer(Int64(position))
        for (name, base, perSlot) in parts {
            state[prefix + name] = .bytes(Array(UnsafeRawBufferPointer(start: base, count: count * perSlot)))
        }
    }

    /// Reads what `save` wrote, and the checkpoints written before it, which held every slot (no
    /// `capacity` entry). Slots past `count` are zeroed, so a loaded buffer is the saved one exactly.
    public func load(from state: StateDictionary, prefix: String) throws {
        let savedCount = Int(try state.integer(prefix + "count")), savedPosition = Int(try state.integer(prefix + "position"))
        // Written by `save` since it stores the filled slots only; before that, every slot.
        let partial = state[prefix + "capacity"] != nil
        if partial {
            let savedCapacity = Int(try state.integer(prefix + "capacity"))
            guard savedCapacity == capacity else {
                throw StateError.mismatch("the checkpoint's replay buffer holds \(savedCapacity) transitions and this run's holds \(capacity): "
                                          + "resume with the run's own buffer_size (--set buffer_size=\(savedCapacity))")
            }
        }
        guard (0...capacity).contains(savedCount), (0..<capacity).contains(savedPosition),
              savedCount == capacity || savedPosition == savedCount % capacity else {
            throw StateError.mismatch("the checkpoint's replay buffer has \(savedCount) transitions (next slot \(savedPosition)), which do not fit "
                                      + "this run's buffer of \(capacity): was it saved with another buffer_size?")
        }
        let slots = partial ? savedCount : capacity
        // Checkpoints written before truncation flags were kept have none; the value-based agents
        // never read them, so such a run resumes with them all 0.
        let hasTruncations = state[prefix + "truncations"] != nil
        var loaded = [(UnsafeMutableRawPointer, [UInt8])]()
        for (name, base, perSlot) in parts where name != "truncations" || hasTruncations {
            let b = try state.bytes(prefix + name)
            guard b.count == slots * perSlot else {
                throw StateError.mismatch("the checkpoint's replay \(name) take \(b.count) bytes where \(slots) transitions of this run take \(slots * perSlot): "
                                          + "was it saved with another buffer_size, environment or action space?")
            }
            loaded.append((base, b))
        }
        for part in parts {
            (part.base + slots * part.bytesPerSlot).initializeMemory(as: UInt8.self, repeating: 0, count: (capacity - slots) * part.bytesPerSlot)
        }
        for (base, b) in loaded { b.withUnsafeBytes { if $0.count > 0 { base.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } } }
        if !hasTruncations { truncations.update(repeating: 0, count: capacity) }
        (count, position) = (savedCount, savedPosition)
    }
}
