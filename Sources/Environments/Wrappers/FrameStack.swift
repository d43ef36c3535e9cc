/// The last k observations of each copy stacked along the last axis, oldest first: a [10, 10, C]
/// MinAtar frame becomes [10, 10, kC], an [84, 84, 1] Atari frame [84, 84, k], a vector of n
/// values one of kn. At a reset the stack is filled with k copies of the first observation, and
/// a copy's final observation is the stack that includes its last frame.
public final class FrameStack: VectorWrapper {
    public let depth: Int
    private let pixels, channels: Int
    private let obs, finalObs: UnsafeMutablePointer<Float>

    public init(_ inner: VectorEnvironment, depth: Int) {
        precondition(depth >= 1, "frame stack depth must be ≥ 1, got \(depth)")
        self.depth = depth
        let shape = inner.observationShape
        channels = shape.count >= 2 ? shape.last! : shape.reduce(1, *)
        pixels = inner.observationSpace.size / channels
        let n = inner.count * pixels * channels * depth
        obs = .allocate(capacity: n); obs.initialize(repeating: 0, count: n)
        finalObs = .allocate(capacity: n); finalObs.initialize(repeating: 0, count: n)
        super.init(inner)
    }

    deinit { obs.deallocate(); finalObs.deallocate() }

    private var frameSize: Int { pixels * channels }
    private var stackSize: Int { frameSize * depth }

    public override var stackedFrames: Int { depth * inner.stackedFrames }

    public override var observationShape: [Int] {
        let shape = inner.observationShape
        return shape.count >= 2 ? Array(shape.dropLast()) + [channels * depth] : [channels * depth]
    }

    public override var observationSpace: Space {
        guard case .box(let lo, let hi) = inner.observationSpace else { return inner.observationSpace }
        func stacked(_ v: [Float]) -> [Float] {
            (0..<stackSize).map { k in v[(k / (channels * depth)) * channels + k % channels] }
        }
        return .box(low: stacked(lo), high: stacked(hi))
    }

    /// Writes `frame` into slot `slot` of the stack at `stack`.
    private func place(_ frame: UnsafePointer<Float>, slot: Int, in stack: UnsafeMutablePointer<Float>) {
        for p in 0..<pixels {
            (stack + p * channels * depth + slot * channels).update(from: frame + p * channels, count: channels)
        }
    }

    /// Drops the oldest frame of the stack and appends `frame`.
    private func push(_ frame: UnsafePointer<Float>, into stack: UnsafeMutablePointer<Float>) {
        let width = channels * depth
        for p in 0..<pixels {
            let s = stack + p * width
            s.update(from: s + channels, count: width - channels)
            (s + width - channels).update(from: frame + p * channels, count: channels)
        }
    }

    private func fill(copy i: Int) {
        let frame = inner.observations.baseAddress! + i * frameSize
        for slot in 0..<depth { place(frame, slot: slot, in: obs + i * stackSize) }
    }

    public override func didReset() {
        for i in 0..<count { fill(copy: i) }
    }

    public override func didStep() { advance() }

    private func advance() {
        for i in 0..<count {
            let stack = obs + i * stackSize
            if inner.terminated[i] || inner.truncated[i] {
                push(inner.finalObservations.baseAddress! + i * frameSize, into: stack)
                (finalObs + i * stackSize).update(from: stack, count: stackSize)
                fill(copy: i)
            } else {
                push(inner.observations.baseAddress! + i * frameSize, into: stack)
            }
        }
    }

    public override var observations: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: obs, count: count * stackSize) }
    public override var finalObservations: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: finalObs, count: count * stackSize) }

    public override func writeState(to w: inout SnapshotWriter) {
        w.buffer(obs, count: count * stackSize); w.buffer(finalObs, count: count * stackSize)
    }

    public override func readState(from r: inout SnapshotReader) throws {
        try r.buffer(obs, count: count * stackSize); try r.buffer(finalObs, count: count * stackSize)
    }
}
