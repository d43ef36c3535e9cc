/// A batch wrapped to change what the agent sees: everything is passed through unless a subclass
/// overrides it. Snapshots nest: the wrapper's own state follows the wrapped batch's.
open class VectorWrapper: SnapshottingEnvironment {
    public let inner: VectorEnvironment

    public init(_ inner: VectorEnvironment) { self.inner = inner }

    open var name: String { inner.name }
    public var count: Int { inner.count }
    open var observationSpace: Space { inner.observationSpace }
    open var observationShape: [Int] { inner.observationShape }
    open var observationEncoding: ObservationEncoding { inner.observationEncoding }
    public var actionSpace: Space { inner.actionSpace }
    open var stackedFrames: Int { inner.stackedFrames }
    open var actionNames: [String]? { inner.actionNames }

    public func reset(seed: UInt64) {
        inner.reset(seed: seed)
        didReset()
    }

    public func step(discrete actions: UnsafeBufferPointer<Int32>) throws {
        try inner.step(discrete: actions)
        didStep()
    }

    public func step(continuous actions: UnsafeBufferPointer<Float>) throws {
        try inner.step(continuous: actions)
        didStep()
    }

    /// Called after the wrapped batch reset or stepped; subclasses update what they show here.
    open func didReset() {}
    open func didStep() {}

    open var observations: UnsafeBufferPointer<Float> { inner.observations }
    open var finalObservations: UnsafeBufferPointer<Float> { inner.finalObservations }
    open var rewards: UnsafeBufferPointer<Float> { inner.rewards }
    public var terminated: UnsafeBufferPointer<Bool> { inner.terminated }
    public var truncated: UnsafeBufferPointer<Bool> { inner.truncated }
    /// Episode statistics stay those of the unwrapped task (raw return, true length).
    public var episodeReturns: UnsafeBufferPointer<Float> { inner.episodeReturns }
    public var episodeLengths: UnsafeBufferPointer<Int32> { inner.episodeLengths }
    public func gameOver(copy index: Int) -> Bool { inner.gameOver(copy: index) }

    /// The wrapper's own state; subclasses append theirs.
    open func writeState(to w: inout SnapshotWriter) {}
    open func readState(from r: inout SnapshotReader) throws {}

    public func snapshot() -> [UInt8] {
        var w = SnapshotWriter(header: "wrapper " + String(describing: Swift.type(of: self)), count: count)
        let innerBytes = (inner as? SnapshottingEnvironment)?.snapshot() ?? []
        w.array(innerBytes)
        writeState(to: &w)
        return w.bytes
    }

    public func restore(snapshot: [UInt8]) throws {
        var r = try SnapshotReader(snapshot, owner: "wrapper " + String(describing: Swift.type(of: self)), count: count)
        let innerBytes: [UInt8] = try r.array()
        guard let s = inner as? SnapshottingEnvironment else {
            throw EnvironmentError.badState("\(inner.name) cannot be restored from a snapshot")
        }
        try s.restore(snapshot: innerBytes)
        try readState(from: &r)
        try r.finish()
    }
}

/// Mean and variance of a stream of vectors, merged batch by batch (Chan et al.'s parallel
/// update), in Double. The count starts at a tiny ε as Gymnasium's and Stable-Baselines3's
/// running statistics do, so the first update is well defined.
public struct RunningMeanVariance: Equatable, Sendable {
    public private(set) var mean: [Double]
    public private(set) var variance: [Double]
    public private(set) var count: Double

    public init(size: Int, initialCount: Double = 1e-4) {
        mean = Array(repeating: 0, count: size)
        variance = Array(repeating: 1, count: size)
        count = initialCount
    }

    /// Statistics as saved (a checkpoint's): `mean` and `variance` of one size, `count` > 0.
    public init(mean: [Double], variance: [Double], count: Double) {
        precondition(mean.count == variance.count && count > 0, "RunningMeanVariance: mean and variance sizes differ or count ≤ 0")
        self.mean = mean
        self.variance = variance
        self.count = count
    }

    /// Merges `rows` vectors of `size` values stored one after another.
    public mutating func update(_ x: UnsafeBufferPointer<Float>, rows: Int) {
        let size = mean.count
        let n = Double(rows), total = count + n
        for j in 0..<size {
            var m = 0.0
            for i in 0..<rows { m += Double(x[i * size + j]) }
            m /= n
            var v = 0.0
            for i in 0..<rows { let d = Double(x[i * size + j]) - m; v += d * d }
            v /= n
            let delta = m - mean[j]
            mean[j] += delta * n / total
            variance[j] = (variance[j] * count + v * n + delta * delta * count * n / total) / total
        }
        count = total
    }

    func write(to w: inout SnapshotWriter) { w.array(mean); w.array(variance); w.value(count) }

    mutating func read(from r: inout SnapshotReader) throws {
        mean = try r.array(count: mean.count); variance = try r.array(count: variance.count); count = try r.value()
    }
}
