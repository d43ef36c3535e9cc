/// MT19937 with NumPy's legacy `RandomState` draws: `rand()` and `randint(low, high)` give the same
/// numbers as `numpy.random.RandomState(seed)`. MinAtar draws every random event (sticky actions,
/// spawns, ball start, car speeds) from one such generator per environment, so matching it draw for
/// draw lets a copy here replay a `minatar` episode frame for frame from the same seed.
///
/// The facts followed are MT19937's published recurrence and tempering, NumPy's integer seeding
/// (`init_genrand`), its 53-bit doubles from two 32-bit words, and its masked rejection sampling for
/// bounded integers (no draw at all when the range holds one value).
public final class NumpyRandomState {
    private static let n = 624
    private static let m = 397
    private let key: UnsafeMutablePointer<UInt32>
    private var position: Int

    public init(seed: UInt32) {
        key = .allocate(capacity: Self.n)
        position = Self.n
        reseed(seed)
    }

    deinit { key.deallocate() }

    /// Same as `RandomState(seed)` for an integer seed.
    public func reseed(_ seed: UInt32) {
        var s = seed
        for i in 0..<Self.n {
            key[i] = s
            s = 1_812_433_253 &* (s ^ (s >> 30)) &+ UInt32(i + 1)
        }
        position = Self.n
    }

    func write(to w: inout SnapshotWriter) {
        w.buffer(key, count: Self.n)
        w.value(position)
    }

    func read(from r: inout SnapshotReader) throws {
        try r.buffer(key, count: Self.n)
        position = try r.value()
        guard (0...Self.n).contains(position) else { throw EnvironmentError.badState("generator position \(position) out of range") }
    }

    private func twist() {
        let n = Self.n, m = Self.m
        for i in 0..<n {
            let y = (key[i] & 0x8000_0000) | (key[(i + 1) % n] & 0x7FFF_FFFF)
            var v = key[(i + m) % n] ^ (y >> 1)
            if y & 1 != 0 { v ^= 0x9908_B0DF }
            key[i] = v
        }
        position = 0
    }

    /// The next 32-bit word.
    @inline(__always)
    public func nextUInt32() -> UInt32 {
        if position >= Self.n { twist() }
        var y = key[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// `rand()`: uniform on [0, 1) with 53 random bits.
    public func uniform() -> Double {
        let a = Double(nextUInt32() >> 5), b = Double(nextUInt32() >> 6)
        return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `randint(low, high)`: uniform on low..<high. Draws 32-bit words masked to the range's bit
    /// width and rejects those past it; a range of one value consumes no draw.
    public func integer(in range: Range<Int>) -> Int {
        precondition(!range.isEmpty, "integer(in:) needs a non-empty range")
        let span = UInt32(range.count - 1)
        if span == 0 { return range.lowerBound }
        var mask = span
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4; mask |= mask >> 8; mask |= mask >> 16
        while true {
            let v = nextUInt32() & mask
            if v <= span { return range.lowerBound + Int(v) }
        }
    }
}
