/// Rewards divided by the running standard deviation of each copy's discounted return
/// (G ← γG + r, zeroed when an episode ends), the scaling PPO-style agents use on MuJoCo.
/// Episode returns stay raw. Statistics update while `isUpdating`.
public final class RewardScaling: VectorWrapper {
    public var statistics = RunningMeanVariance(size: 1)
    public var isUpdating = true
    public let gamma: Double
    public let epsilon: Double
    private var discounted: [Double]
    private let rew: UnsafeMutablePointer<Float>
    private let scratch: UnsafeMutablePointer<Float>

    public init(_ inner: VectorEnvironment, gamma: Double = 0.99, epsilon: Double = 1e-8) {
        self.gamma = gamma
        self.epsilon = epsilon
        discounted = Array(repeating: 0, count: inner.count)
        rew = .allocate(capacity: inner.count); rew.initialize(repeating: 0, count: inner.count)
        scratch = .allocate(capacity: inner.count); scratch.initialize(repeating: 0, count: inner.count)
        super.init(inner)
    }

    deinit { rew.deallocate(); scratch.deallocate() }

    public override func didReset() {
        for i in 0..<count { discounted[i] = 0 }
    }

    public override func didStep() { scale() }

    private func scale() {
        for i in 0..<count {
            discounted[i] = discounted[i] * gamma + Double(inner.rewards[i])
            scratch[i] = Float(discounted[i])
        }
        if isUpdating { statistics.update(UnsafeBufferPointer(start: scratch, count: count), rows: count) }
        let scaleBy = 1 / (statistics.variance[0] + epsilon).squareRoot()
        for i in 0..<count {
            rew[i] = Float(Double(inner.rewards[i]) * scaleBy)
            if inner.terminated[i] || inner.truncated[i] { discounted[i] = 0 }
        }
    }

    public override var rewards: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: rew, count: count) }

    public override func writeState(to w: inout SnapshotWriter) {
        statistics.write(to: &w); w.value(isUpdating); w.array(discounted); w.buffer(rew, count: count)
    }

    public override func readState(from r: inout SnapshotReader) throws {
        try statistics.read(from: &r); isUpdating = try r.value(); discounted = try r.array(count: count); try r.buffer(rew, count: count)
    }
}
