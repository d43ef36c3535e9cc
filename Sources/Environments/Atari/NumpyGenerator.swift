/// NumPy's default generator, as Gymnasium seeds it: `SeedSequence(entropy)` expanded to PCG64's
/// 128-bit state and increment, and `Generator.integers` with its bounded 32-bit draws (Lemire's
/// method with rejection). Only what the Atari no-op starts and seeding need, reproduced exactly, so
/// `atari/*` copies draw the same no-op counts as `gymnasium.make("ALE/…")` under the same seed.
public struct NumpyGenerator: Equatable, Sendable {
    private var state: UInt128 = 0
    private var increment: UInt128 = 0
    /// `next32` hands out the two halves of one 64-bit draw, low half first.
    private var hasHalf = false
    private var half: UInt32 = 0

    private static let multiplier = UInt128(2_549_297_995_355_413_924) << 64 | UInt128(4_865_540_595_714_422_341)

    /// `np.random.default_rng(entropy)`: PCG64 seeded from SeedSequence(entropy).
    public init(seed entropy: UInt64) {
        let w = NumpyGenerator.seedSequenceState(entropy: entropy, words: 8)
        func word64(_ i: Int) -> UInt128 { UInt128(UInt64(w[2 * i]) | UInt64(w[2 * i + 1]) << 32) }
        let initState = word64(0) << 64 | word64(1)
        let sequence = word64(2) << 64 | word64(3)
        increment = sequence << 1 | 1
        state = 0
        advance()
        state &+= initState
        advance()
    }

    @inline(__always) private mutating func advance() { state = state &* NumpyGenerator.multiplier &+ increment }

    /// PCG64's XSL-RR output.
    public mutating func next64() -> UInt64 {
        advance()
        let x = UInt64(truncatingIfNeeded: state >> 64) ^ UInt64(truncatingIfNeeded: state)
        let rotation = UInt64(truncatingIfNeeded: state >> 122)
        return x.rotateRight(by: rotation)
    }

    public mutating func next32() -> UInt32 {
        if hasHalf { hasHalf = false; return half }
        let n = next64()
        hasHalf = true
        half = UInt32(truncatingIfNeeded: n >> 32)
        return UInt32(truncatingIfNeeded: n)
    }

    /// `Generator.integers(low, high)` for a range narrower than 2³²: an integer in low..<high.
    public mutating func integers(_ low: Int, _ high: Int) -> Int {
        precondition(high > low && high - low <= 1 << 32, "integers(\(low), \(high)): need low < high, width ≤ 2³²")
        let width = UInt64(high - 1 - low)
        if width == 0 { return low }
        let excluded = UInt32(truncatingIfNeeded: width &+ 1)
        var m = UInt64(next32()) &* UInt64(excluded)
        var left = UInt32(truncatingIfNeeded: m)
        if left < excluded {
            let threshold = (UInt32.max &- UInt32(truncatingIfNeeded: width)) % excluded
            while left < threshold {
                m = UInt64(next32()) &* UInt64(excluded)
                left = UInt32(truncatingIfNeeded: m)
            }
        }
        return low + Int(m >> 32)
    }

    /// `SeedSequence(entropy).generate_state(words)` (uint32 words) for a non-negative integer
    /// entropy, which NumPy splits into little-endian 32-bit words (zero is one word).
    public static func seedSequenceState(entropy: UInt64, words: Int) -> [UInt32] {
        let (initA, multA, initB, multB): (UInt32, UInt32, UInt32, UInt32) = (0x43b0_d7e5, 0x931e_8875, 0x8b51_f9dd, 0x58f3_8ded)
        let (mixLeft, mixRight): (UInt32, UInt32) = (0xca01_f9dd, 0x4973_f715)
        let poolSize = 4
        var ent: [UInt32] = [UInt32(truncatingIfNeeded: entropy)]
        if entropy >> 32 != 0 { ent.append(UInt32(truncatingIfNeeded: entropy >> 32)) }
        var hashConstant = initA
        func hashmix(_ value: UInt32) -> UInt32 {
            var v = value ^ hashConstant
            hashConstant &*= multA
            v &*= hashConstant
            return v ^ (v >> 16)
        }
        func mix(_ x: UInt32, _ y: UInt32) -> UInt32 {
            let r = mixLeft &* x &- mixRight &* y
            return r ^ (r >> 16)
        }
        var pool = (0..<poolSize).map { hashmix($0 < ent.count ? ent[$0] : 0) }
        for s in 0..<poolSize { for d in 0..<poolSize where s != d { pool[d] = mix(pool[d], hashmix(pool[s])) } }
        for s in poolSize..<max(poolSize, ent.count) { for d in 0..<poolSize { pool[d] = mix(pool[d], hashmix(ent[s])) } }
        var hashB = initB
        return (0..<words).map { i in
            var v = pool[i % poolSize] ^ hashB
            hashB &*= multB
            v &*= hashB
            return v ^ (v >> 16)
        }
    }
}

extension UInt64 {
    @inline(__always) fileprivate func rotateRight(by r: UInt64) -> UInt64 {
        let k = r & 63
        return k == 0 ? self : (self >> k) | (self << (64 - k))
    }
}
