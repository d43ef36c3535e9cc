import Foundation

/// Bump allocator for the values a graph computes in one step.
///
/// `reset()` rewinds to the start without freeing, so a training step that builds the same graph
/// as the step before it takes chunks of the same sizes and allocates nothing. Each chunk a step
/// starts is the smallest unused one that fits; where none fits, the smallest unused chunk is
/// replaced (only chunks not yet used in the current step are ever moved or replaced, so no live
/// pointer dangles). `rewind(to:)` goes back to a position within the step (`Graph.rewind(to:)`).
final class Arena {
    private var chunks: [UnsafeMutableRawPointer] = []
    private var capacities: [Int] = []
    private var current = 0
    private var offset = 0
    /// Bytes of fresh chunks allocated since creation: a steady-state step leaves it unchanged.
    private(set) var bytesAllocated = 0

    static let alignment = 64
    static let defaultChunkBytes = 4 << 20

    deinit { for c in chunks { free(c) } }

    func reset() { current = 0; offset = 0 }

    /// Where the next allocation goes, to come back to with `rewind(to:)`.
    struct Position { let chunk: Int, offset: Int }
    var position: Position { Position(chunk: current, offset: offset) }

    /// Frees everything allocated since `p` for reuse (the graph's `rewind(to:)`); `p` must be a
    /// position of this step at or before the current one. The chunks stay.
    func rewind(to p: Position) { current = p.chunk; offset = p.offset }

    func allocate(bytes requested: Int) -> UnsafeMutableRawPointer {
        let bytes = max(Arena.alignment, (requested + Arena.alignment - 1) / Arena.alignment * Arena.alignment)
        if offset > 0, offset + bytes <= capacities[current] {
            defer { offset += bytes }
            return chunks[current] + offset
        }
        // Start a chunk: the one after the current, unless nothing has been taken from it yet.
        if offset > 0 { current += 1 }
        if current == chunks.count { append(capacity: max(bytes, Arena.defaultChunkBytes)) } else { bringFittingChunk(bytes) }
        offset = bytes
        return chunks[current]
    }

    /// Puts at `current` the smallest unused chunk of at least `bytes`, swapped into place; where
    /// none is that large, the smallest unused chunk is replaced by one of `bytes`.
    ///
    /// Why the smallest that fits, and not the next in line: steps of different shapes (a
    /// rollout's forward pass, an update, a diagnostic's rewound second-order passes) reach their
    /// large allocations at different chunks, and taking the next chunk (growing it when too small)
    /// let small allocations use up large chunks and grew every chunk towards the largest
    /// allocation: PPO with game diagnostics on the attention perception grew past 6 GB for steps
    /// of about 2.5 GB. Chunks from `current` on are unused in this step, so their order is free,
    /// and the choice depends only on their sizes: a step that repeats an earlier one chooses the
    /// same sizes, so a steady state still allocates nothing.
    private func bringFittingChunk(_ bytes: Int) {
        var best = -1, smallest = current
        for i in current..<chunks.count {
            if capacities[i] >= bytes, best < 0 || capacities[i] < capacities[best] { best = i }
            if capacities[i] < capacities[smallest] { smallest = i }
        }
        if best < 0 {
            let cap = max(bytes, Arena.defaultChunkBytes)
            free(chunks[smallest])
            chunks[smallest] = Self.chunk(cap)
            capacities[smallest] = cap
            bytesAllocated += cap
            best = smallest
        }
        chunks.swapAt(current, best)
        capacities.swapAt(current, best)
    }

    /// Bytes taken in this step: the chunks before the current one whole (a skipped chunk end
    /// counts as used) and the current one up to its offset.
    var bytesInUse: Int {
        var used = offset
        for i in 0..<Swift.min(current, capacities.count) { used += capacities[i] }
        return used
    }

    /// A chunk of `bytes`; when the system has no more, the process ends with a message that says
    /// how much the step wanted and which settings shrink it (exit status 1, no crash report: an
    /// allocation deep inside an op has no caller to hand an error to).
    private static func chunk(_ bytes: Int) -> UnsafeMutableRawPointer {
        var p: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&p, alignment, bytes) == 0, let chunk = p else {
            try? FileHandle.standardError.write(contentsOf: Data(("error: out of memory: a graph step needed \(bytes >> 20) MB more for its values. "
                + "Make the step smaller: raise minibatches (PPO: more, smaller minibatches) or lower batch_size (DQN, DDPG, SAC), "
                + "lower num_envs, or use a smaller network (SPRIG's attention module: fewer perception.spatial_blocks, "
                + "perception.temporal_blocks or perception.heads, a smaller perception.dim). Game diagnostics take about 2.5 times a training step's memory: "
                + "turn them off (diagnostics.enabled = false) or raise minibatches. A changed setting needs a new --out; "
                + "--resume continues only with the settings a run began with\n").utf8))
            exit(1)
        }
        return chunk
    }

    private func append(capacity: Int) {
        chunks.append(Self.chunk(capacity))
        capacities.append(capacity)
        bytesAllocated += capacity
    }

    func floats(_ n: Int) -> UnsafeMutablePointer<Float> {
        allocate(bytes: n * MemoryLayout<Float>.stride).bindMemory(to: Float.self, capacity: n)
    }

    func indices(_ n: Int) -> UnsafeMutablePointer<Int32> {
        allocate(bytes: n * MemoryLayout<Int32>.stride).bindMemory(to: Int32.self, capacity: n)
    }
}
