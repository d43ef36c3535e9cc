import Seeding

/// N copies of a classic-control task in one batch, with Gymnasium's time limit as truncation and
/// same-step auto-reset. Buffers are allocated once; `step` allocates nothing.
///
/// `timeLimit` defaults to the task's Gymnasium limit (CartPole-v1: 500); CartPole-v0's 200 steps,
/// the STAC paper's CartPole (arXiv 2109.12286, App. E), is `timeLimit: 200`.
public final class ClassicVector<Dynamics: ClassicDynamics>: SnapshottingEnvironment, BufferedEnvironment {
    public let count: Int
    public let outOfBounds: OutOfBoundsActions
    public var name: String { Dynamics.name }
    public var observationSpace: Space { Dynamics.observationSpace }
    public var actionSpace: Space { Dynamics.actionSpace }
    public let buffers: StepBuffers

    private var copies: [Dynamics]
    private var generators: [SeededGenerator]
    private var started = false
    private let action: UnsafeMutablePointer<Float>
    /// Steps after which an episode is truncated.
    public let timeLimit: Int

    /// `timeLimit` nil: the task's own (Gymnasium's TimeLimit).
    public init(count: Int, outOfBounds: OutOfBoundsActions = .reject, timeLimit: Int? = nil) {
        precondition(count >= 1, "\(Dynamics.name): need at least one copy, got \(count)")
        precondition(timeLimit.map { $0 >= 1 } ?? true, "\(Dynamics.name): the time limit must be at least 1 step")
        self.timeLimit = timeLimit ?? Dynamics.timeLimit
        self.count = count
        self.outOfBounds = outOfBounds
        buffers = StepBuffers(count: count, observationSize: Dynamics.observationSpace.size)
        copies = Array(repeating: Dynamics(), count: count)
        generators = (0..<count).map { copyGenerator(seed: 0, index: $0) }
        action = .allocate(capacity: max(1, Dynamics.actionSpace.size))
    }

    deinit { action.deallocate(); buffers.deallocate() }

    public func reset(seed: UInt64) {
        for i in 0..<count {
            generators[i] = copyGenerator(seed: seed, index: i)
            copies[i].reset(&generators[i])
            copies[i].observe(into: buffers.observation(i))
            buffers.startEpisode(i)
        }
        started = true
    }

    /// Puts copy `index` in a given state (for comparisons from identical states).
    public func setState(_ state: [Double], copy index: Int) throws {
        guard state.count == Dynamics.stateNames.count, state.allSatisfy(\.isFinite) else {
            throw EnvironmentError.badState("\(Dynamics.name) takes \(Dynamics.stateNames.count) finite values (\(Dynamics.stateNames.joined(separator: ", "))), got \(state)")
        }
        if !started { reset(seed: 0) }
        copies[index].state = state
        copies[index].observe(into: buffers.observation(index))
    }

    public func state(copy index: Int) -> [Double] { copies[index].state }

    public func step(discrete actions: UnsafeBufferPointer<Int32>) throws {
        try actionSpace.validate(discrete: actions, copies: count)
        try advance { i in self.action[0] = Float(actions[i]) }
    }

    public func step(continuous actions: UnsafeBufferPointer<Float>) throws {
        try actionSpace.validate(continuous: actions, copies: count, outOfBounds: outOfBounds)
        guard case .box(let low, let high) = Dynamics.actionSpace else { return }
        let k = low.count
        try advance { i in
            for j in 0..<k { self.action[j] = min(max(actions[i * k + j], low[j]), high[j]) }
        }
    }

    private func advance(_ loadAction: (Int) -> Void) throws {
        guard started else { throw EnvironmentError.notReset }
        let b = buffers
        for i in 0..<count {
            loadAction(i)
            let (reward, done) = copies[i].step(action)
            let o = b.observation(i)
            copies[i].observe(into: o)
            if b.record(i, reward: reward, terminated: done, truncated: false, limit: timeLimit) {
                b.finishEpisode(i)
                copies[i].reset(&generators[i])
                copies[i].observe(into: o)
            }
        }
    }

    public func snapshot() -> [UInt8] {
        var w = SnapshotWriter(header: name, count: count)
        w.array(copies); w.array(generators); w.value(started)
        buffers.write(to: &w)
        return w.bytes
    }

    public func restore(snapshot: [UInt8]) throws {
        var r = try SnapshotReader(snapshot, owner: name, count: count, expectedLength: self.snapshot().count)
        copies = try r.array(count: count); generators = try r.array(count: count); started = try r.value()
        try buffers.read(from: &r)
        try r.finish()
    }
}
