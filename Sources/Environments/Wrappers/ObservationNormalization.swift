/// Observations shifted and scaled by running statistics, (x − mean) / √(var + ε), then clipped to
/// ±clip. The statistics update on every step and reset while `isUpdating` (training); set it to
/// false to evaluate with frozen statistics. They belong in checkpoints: they are part of the
/// snapshot, and `statistics` can be read and set.
public final class ObservationNormalization: VectorWrapper {
    public override var observationEncoding: ObservationEncoding { .float32 }
    public var statistics: RunningMeanVariance
    public var isUpdating = true
    public let epsilon: Double
    public let clip: Float
    private let size: Int
    private let obs, finalObs: UnsafeMutablePointer<Float>

    public init(_ inner: VectorEnvironment, epsilon: Double = 1e-8, clip: Float = 10) {
        size = inner.observationSpace.size
        statistics = RunningMeanVariance(size: size)
        self.epsilon = epsilon
        self.clip = clip
        obs = .allocate(capacity: inner.count * size); obs.initialize(repeating: 0, count: inner.count * size)
        finalObs = .allocate(capacity: inner.count * size); finalObs.initialize(repeating: 0, count: inner.count * size)
        super.init(inner)
    }

    deinit { obs.deallocate(); finalObs.deallocate() }

    public override var observationSpace: Space {
        .box(low: Array(repeating: -clip, count: size), high: Array(repeating: clip, count: size))
    }

    public override func didReset() {
        refresh(final: false)
    }

    public override func didStep() { refresh(final: true) }

    private func refresh(final: Bool) {
        if isUpdating { statistics.update(inner.observations, rows: count) }
        normalize(inner.observations, into: obs)
        if final {
            for i in 0..<count where inner.terminated[i] || inner.truncated[i] {
                normalize(UnsafeBufferPointer(rebasing: inner.finalObservations[(i * size)..<((i + 1) * size)]), into: finalObs + i * size)
            }
        }
    }

    private func normalize(_ x: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<Float>) {
        statistics.mean.withUnsafeBufferPointer { mean in
            statistics.variance.withUnsafeBufferPointer { variance in
                for k in 0..<x.count {
                    let j = k % size
                    let z = Float((Double(x[k]) - mean[j]) / (variance[j] + epsilon).squareRoot())
                    out[k] = min(max(z, -clip), clip)
                }
            }
        }
    }

    public override var observations: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: obs, count: count * size) }
    public override var finalObservations: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: finalObs, count: count * size) }

    public override func writeState(to w: inout SnapshotWriter) {
        statistics.write(to: &w)
        w.value(isUpdating)
        w.buffer(obs, count: count * size); w.buffer(finalObs, count: count * size)
    }

    public override func readState(from r: inout SnapshotReader) throws {
        try statistics.read(from: &r)
        isUpdating = try r.value()
        try r.buffer(obs, count: count * size); try r.buffer(finalObs, count: count * size)
    }
}
