/// A fixed random projection S of the joint parameter space onto `rows` coordinates, with entries
/// ±1/√rows (a Rademacher Johnson–Lindenstrauss sketch; Achlioptas, "Database-friendly random
/// projections", JCSS 2003): inner products and distances between sketched vectors approximate the
/// originals, so principal components of a sketched parameter path approximate the path's own, and a
/// field sketched with the same S is drawn in the same plane. Column j's signs are the bits of a
/// hash of (seed, j): nothing is stored, and any parameter count works.
struct ParameterSketch {
    let rows: Int
    let seed: UInt64
    private let scale: Double

    init(rows: Int, seed: UInt64) {
        precondition((1...64).contains(rows), "ParameterSketch: 1…64 rows, got \(rows)")
        self.rows = rows
        self.seed = seed
        scale = 1 / Double(rows).squareRoot()
    }

    /// out[i] += Σ_j S[i, offset + j]·v[j] over the n coordinates of v (a block of the joint vector
    /// starting at `offset`), `out` holding `rows` Doubles.
    func accumulate(_ v: UnsafePointer<Float>, count n: Int, offset: Int, into out: UnsafeMutablePointer<Double>) {
        for j in 0..<n {
            let bits = Self.mix(seed &+ UInt64(offset + j) &* 0x9E37_79B9_7F4A_7C15)
            let x = Double(v[j]) * scale
            for i in 0..<rows { out[i] += (bits >> UInt64(i)) & 1 == 0 ? x : -x }
        }
    }

    /// SplitMix64's finalizer: a bijective mix of 64 bits.
    @inline(__always) static func mix(_ z0: UInt64) -> UInt64 {
        var z = z0
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
