import Autodiff
import Environments

/// The agent's side of CleanRL's MuJoCo wrappers (`NormalizeObservation` + clip, `NormalizeReward`
/// + clip): kept in the agent, not around the environment, so that evaluation on its own batch of
/// environments sees the training statistics, frozen, and the episode returns logged stay raw.
///
/// Observations: z = clip((x − mean)/√(var + 1e-8), ±clip), the statistics merged with every
/// batch of observations acted on during rollouts (`update: true`), never during evaluation.
final class ObservationNormalizer {
    var statistics: RunningMeanVariance
    let size: Int
    let clip: Float

    init(size: Int, clip: Float) {
        self.size = size
        self.clip = clip
        statistics = RunningMeanVariance(size: size)
    }

    /// Normalizes `rows` observations of `x` into `out` (which may be `x`), merging them into the
    /// statistics first when `update`.
    func normalize(_ x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>, update: Bool) {
        if update { statistics.update(UnsafeBufferPointer(start: x, count: rows * size), rows: rows) }
        statistics.mean.withUnsafeBufferPointer { mean in
            statistics.variance.withUnsafeBufferPointer { variance in
                for r in 0..<rows {
                    for j in 0..<size {
                        let k = r * size + j
                        let z = Float((Double(x[k]) - mean[j]) / (variance[j] + 1e-8).squareRoot())
                        out[k] = Swift.min(Swift.max(z, -clip), clip)
                    }
                }
            }
        }
    }

    func save(into state: inout StateDictionary, prefix: String) {
        // Float32 tensors would round the statistics; keep the exact doubles' bits as integers.
        state[prefix + "mean_bits"] = .integers(statistics.mean.map { Int64(bitPattern: $0.bitPattern) })
        state[prefix + "variance_bits"] = .integers(statistics.variance.map { Int64(bitPattern: $0.bitPattern) })
        state[prefix + "count_bits"] = .integer(Int64(bitPattern: statistics.count.bitPattern))
    }

    func load(from state: StateDictionary, prefix: String) throws {
        statistics = try RunningMeanVariance.load(from: state, prefix: prefix, size: size)
    }
}

/// Rewards ÷ √(var + 1e-8) of each copy's discounted return G ← γG + r (zeroed when an episode
/// ends), then clipped to ±clip: Gymnasium's `NormalizeReward` as the environment wrapper
/// ``RewardScaling`` computes it, plus CleanRL's clip.
final class RewardScaler {
    var statistics = RunningMeanVariance(size: 1)
    var discounted: [Double]
    let gamma: Double
    let clip: Float
    private let scratch: UnsafeMutablePointer<Float>

    init(copies: Int, gamma: Float, clip: Float) {
        discounted = Array(repeating: 0, count: copies)
        scratch = .allocate(capacity: copies)
        scratch.initialize(repeating: 0, count: copies)
        self.gamma = Double(gamma)
        self.clip = clip
    }

    deinit { scratch.deallocate() }

    /// Scales the rewards of one batched step in place; `ended[i]` resets copy i's return after.
    func scale(_ rewards: UnsafeMutablePointer<Float>, ended: (Int) -> Bool) {
        let n = discounted.count
        for i in 0..<n {
            discounted[i] = discounted[i] * gamma + Double(rewards[i])
            scratch[i] = Float(discounted[i])
        }
        statistics.update(UnsafeBufferPointer(start: scratch, count: n), rows: n)
        let by = 1 / (statistics.variance[0] + 1e-8).squareRoot()
        for i in 0..<n {
            rewards[i] = Swift.min(Swift.max(Float(Double(rewards[i]) * by), -clip), clip)
            if ended(i) { discounted[i] = 0 }
        }
    }

    func save(into state: inout StateDictionary, prefix: String) {
        state[prefix + "mean_bits"] = .integers(statistics.mean.map { Int64(bitPattern: $0.bitPattern) })
        state[prefix + "variance_bits"] = .integers(statistics.variance.map { Int64(bitPattern: $0.bitPattern) })
        state[prefix + "count_bits"] = .integer(Int64(bitPattern: statistics.count.bitPattern))
        state[prefix + "discounted_bits"] = .integers(discounted.map { Int64(bitPattern: $0.bitPattern) })
    }

    func load(from state: StateDictionary, prefix: String) throws {
        statistics = try RunningMeanVariance.load(from: state, prefix: prefix, size: 1)
        let d = try state.integers(prefix + "discounted_bits", count: discounted.count)
        discounted = d.map { Double(bitPattern: UInt64(bitPattern: $0)) }
    }
}

extension RunningMeanVariance {
    /// The statistics saved under `prefix` as exact bit patterns.
    static func load(from state: StateDictionary, prefix: String, size: Int) throws -> RunningMeanVariance {
        func doubles(_ key: String) throws -> [Double] {
            try state.integers(prefix + key, count: size).map { Double(bitPattern: UInt64(bitPattern: $0)) }
        }
        let count = Double(bitPattern: UInt64(bitPattern: try state.integer(prefix + "count_bits")))
        guard count > 0 else { throw StateError.mismatch("\(prefix)count_bits is not a positive count") }
        return RunningMeanVariance(mean: try doubles("mean_bits"), variance: try doubles("variance_bits"), count: count)
    }
}
