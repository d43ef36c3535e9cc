/// Bump allocator for the values a graph computes in one step.
///
/// `reset()` rewinds to the start without freeing, so a training step that builds the same graph
/// as the step before it takes the same chunks in the same order and allocates nothing. A chunk that
/// turns out too small is replaced (only chunks not yet used in the current step are ever replaced,
/// so no live pointer dangles).
final class Arena {
    private var chunks: [UnsafeMutableRawPointer] = []
    private var capacities: [Int] = []
    private var current = 0
    private var offset = 0
    /// Bytes of fresh chunks allocated since creation: a steady-state step leaves it unchanged.
    private(set) var bytesAllocated = 0

    static let alignment = 64
    static let defaultChunkBytes = 4 << 20

    deinit { for c in chunks { c.deallocate() } }

    func reset() { current = 0; offset = 0 }

    func allocate(bytes requested: Int) -> UnsafeMutableRawPointer {
        let bytes = max(Arena.alignment, (requested + Arena.alignment - 1) / Arena.alignment * Arena.alignment)
        if current < chunks.count, offset + bytes <= capacities[current] {
            defer { offset += bytes }
            return chunks[current] + offset
        }
        // Move to the next chunk (the current one, if nothing has been taken from it yet).
        if current < chunks.count, offset > 0 { current += 1 }
        offset = 0
        if current == chunks.count {
            append(capacity: max(bytes, Arena.defaultChunkBytes))
        } else if capacities[current] < bytes {
            chunks[current].deallocate()
            let cap = max(bytes, Arena.defaultChunkBytes)
            chunks[current] = UnsafeMutableRawPointer.allocate(byteCount: cap, alignment: Arena.alignment)
            capacities[current] = cap
            bytesAllocated += cap
        }
        offset = bytes
        return chunks[current]
    }

    /// Bytes taken in this step: the chunks before the current one whole (a skipped chunk end
    /// counts as used) and the current one up to its offset.
    var bytesInUse: Int {
        var used = offset
        for i in 0..<Swift.min(current, capacities.count) { used += capacities[i] }
        return used
    }

    /// Appends chunks until at least `bytes` plus one default chunk are free past the current
    /// offset. The extra chunk covers the ends a later allocation skips when it does not fit in
    /// what is left of a chunk (each skip wastes less than that allocation).
    func reserve(bytes: Int) {
        guard bytes > 0 else { return }
        var free = current < chunks.count ? capacities[current] - offset : 0
        for i in Swift.min(current + 1, chunks.count)..<chunks.count { free += capacities[i] }
        let needed = bytes + Arena.defaultChunkBytes
        if free < needed { append(capacity: Swift.max(needed - free, Arena.defaultChunkBytes)) }
    }

    private func append(capacity: Int) {
        chunks.append(UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: Arena.alignment))
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
