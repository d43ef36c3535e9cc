import Seeding

/// N copies of a classic-control task in one batch, with Gymnasium's time limit as truncation and
/// same-step auto-reset. Buffers are allocated once; `step` allocates nothing.
public final class ClassicVector<Dynamics: ClassicDynamics>: SnapshottingEnvironment {
    public let count: Int
    public let outOfBounds: OutOfBoundsActions
    public var name: String { Dynamics.name }
    public var observationSpace: Space { Dynamics.observationSpace }
    public var actionSpace: Space { Dynamics.actionSpace }

    private var copies: [Dynamics]
    private var generators: [SeededGenerator]
    private var elapsed: [Int]
    private var started = false
    private let observationSize: Int
    private let obs, finalObs, rew, ret: UnsafeMutablePointer<Float>
    private let term, trunc: UnsafeMutablePointer<Bool>
    private let len: UnsafeMutablePointer<Int32>
    private let runningReturn: UnsafeMutablePointer<Double>
    private let action: UnsafeMutablePointer<Float>

    public init(count: Int, outOfBounds: OutOfBoundsActions = .reject) {
        precondition(count >= 1, "\(Dynamics.name): need at least one copy, got \(count)")
        self.count = count
        self.outOfBounds = outOfBounds
        observationSize = Dynamics.observationSpace.size
        copies = Array(repeating: Dynamics(), count: count)
        generators = (0..<count).map { copyGenerator(seed: 0, index: $0) }
        elapsed = Array(repeating: 0, count: count)
        obs = .allocate(capacity: count * observationSize); finalObs = .allocate(capacity: count * observationSize)
        rew = .allocate(capacity: count); ret = .allocate(capacity: count)
        term = .allocate(capacity: count); trunc = .allocate(capacity: count)
        len = .allocate(capacity: count); runningReturn = .allocate(capacity: count)
        action = .allocate(capacity: max(1, Dynamics.actionSpace.size))
        for p in [obs, finalObs] { p.initialize(repeating: 0, count: count * observationSize) }
        for p in [rew, ret] { p.initialize(repeating: 0, count: count) }
        term.initialize(repeating: false, count: count); trunc.initialize(repeating: false, count: count)
        len.initialize(repeating: 0, count: count); runningReturn.initialize(repeating: 0, count: count)
    }

    deinit {
        obs.deallocate(); finalObs.deallocate(); rew.deallocate(); ret.deallocate()
        term.deallocate(); trunc.deallocate(); len.deallocate(); runningReturn.deallocate(); action.deallocate()
    }

    public func reset(seed: UInt64) {
        for i in 0..<count {
            generators[i] = copyGenerator(seed: seed, index: i)
            copies[i].reset(&generators[i])
            copies[i].observe(into: obs + i * observationSize)
            elapsed[i] = 0
            runningReturn[i] = 0
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
        copies[index].observe(into: obs + index * observationSize)
    }

    public func state(copy index: Int) -> [Double] { copies[index].state }

    public func step(discrete actions: UnsafeBufferPointer<Int32>) throws {
        guard case .discrete(let n) = Dynamics.actionSpace else { throw EnvironmentError.wrongActionKind(expected: "continuous") }
        guard actions.count == count else { throw EnvironmentError.wrongBatchSize(expected: count, got: actions.count) }
        for i in 0..<count where actions[i] < 0 || Int(actions[i]) >= n {
            throw EnvironmentError.actionOutOfRange(copy: i, value: Float(actions[i]), space: Dynamics.actionSpace.description)
        }
        try advance { i in self.action[0] = Float(actions[i]) }
    }

    public func step(continuous actions: UnsafeBufferPointer<Float>) throws {
        guard case .box(let low, let high) = Dynamics.actionSpace else { throw EnvironmentError.wrongActionKind(expected: "discrete") }
        let k = low.count
        guard actions.count == count * k else { throw EnvironmentError.wrongBatchSize(expected: count * k, got: actions.count) }
        for i in 0..<(count * k) {
            let v = actions[i]
            guard v.isFinite else { throw EnvironmentError.nonFiniteAction(copy: i / k, value: v) }
            if outOfBounds == .reject, v < low[i % k] || v > high[i % k] {
                throw EnvironmentError.actionOutOfRange(copy: i / k, value: v, space: Dynamics.actionSpace.description)
            }
        }
        try advance { i in
            for j in 0..<k { self.action[j] = min(max(actions[i * k + j], low[j]), high[j]) }
        }
    }

    private func advance(_ loadAction: (Int) -> Void) throws {
        guard started else { throw EnvironmentError.notReset }
        for i in 0..<count {
            loadAction(i)
            let (reward, done) = copies[i].step(action)
            elapsed[i] += 1
            runningReturn[i] += reward
            rew[i] = Float(reward)
            term[i] = done
            trunc[i] = !done && elapsed[i] >= Dynamics.timeLimit
            let o = obs + i * observationSize
            copies[i].observe(into: o)
            if done || trunc[i] {
                (finalObs + i * observationSize).update(from: o, count: observationSize)
                ret[i] = Float(runningReturn[i])
                len[i] = Int32(elapsed[i])
                copies[i].reset(&generators[i])
                copies[i].observe(into: o)
                elapsed[i] = 0
                runningReturn[i] = 0
            }
        }
    }

    public func snapshot() -> [UInt8] {
        var w = SnapshotWriter(header: name, count: count)
        w.array(copies); w.array(generators); w.array(elapsed); w.value(started)
        let n = count * observationSize
        w.buffer(obs, count: n); w.buffer(finalObs, count: n); w.buffer(rew, count: count); w.buffer(ret, count: count)
        w.buffer(term, count: count); w.buffer(trunc, count: count); w.buffer(len, count: count); w.buffer(runningReturn, count: count)
        return w.bytes
    }

    public func restore(snapshot: [UInt8]) throws {
        var r = try SnapshotReader(snapshot, owner: name, count: count)
        copies = try r.array(count: count); generators = try r.array(count: count); elapsed = try r.array(count: count); started = try r.value()
        let n = count * observationSize
        try r.buffer(obs, count: n); try r.buffer(finalObs, count: n); try r.buffer(rew, count: count); try r.buffer(ret, count: count)
        try r.buffer(term, count: count); try r.buffer(trunc, count: count); try r.buffer(len, count: count); try r.buffer(runningReturn, count: count)
        try r.finish()
    }

    public var observations: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: obs, count: count * observationSize) }
    public var finalObservations: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: finalObs, count: count * observationSize) }
    public var rewards: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: rew, count: count) }
    public var terminated: UnsafeBufferPointer<Bool> { UnsafeBufferPointer(start: term, count: count) }
    public var truncated: UnsafeBufferPointer<Bool> { UnsafeBufferPointer(start: trunc, count: count) }
    public var episodeReturns: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: ret, count: count) }
    public var episodeLengths: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(start: len, count: count) }
}
