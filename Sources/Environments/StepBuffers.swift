/// What a batch fills in on every step (see `VectorEnvironment`) and the episode bookkeeping behind
/// it: steps and return of each copy's running episode, and the last observation, return and length
/// of the episode a step ended. Allocated once; nothing here allocates afterwards.
///
/// A struct of pointers, owned by the environment that made it (which calls `deallocate()` in its
/// deinit): a hot loop copies it into a local and its pointers stay in registers, where fields of a
/// class were reloaded after every store (about 100 instructions more per CartPole step).
public struct StepBuffers {
    public let count: Int
    public let observationSize: Int
    let obs, finalObs, rew, ret: UnsafeMutablePointer<Float>
    let term, trunc: UnsafeMutablePointer<Bool>
    let len: UnsafeMutablePointer<Int32>
    /// Steps and return (in Double) of each copy's running episode.
    let elapsed: UnsafeMutablePointer<Int>
    let runningReturn: UnsafeMutablePointer<Double>

    public init(count: Int, observationSize: Int) {
        self.count = count
        self.observationSize = observationSize
        let n = count * observationSize
        obs = .allocate(capacity: n); obs.initialize(repeating: 0, count: n)
        finalObs = .allocate(capacity: n); finalObs.initialize(repeating: 0, count: n)
        rew = .allocate(capacity: count); rew.initialize(repeating: 0, count: count)
        ret = .allocate(capacity: count); ret.initialize(repeating: 0, count: count)
        term = .allocate(capacity: count); term.initialize(repeating: false, count: count)
        trunc = .allocate(capacity: count); trunc.initialize(repeating: false, count: count)
        len = .allocate(capacity: count); len.initialize(repeating: 0, count: count)
        elapsed = .allocate(capacity: count); elapsed.initialize(repeating: 0, count: count)
        runningReturn = .allocate(capacity: count); runningReturn.initialize(repeating: 0, count: count)
    }

    func deallocate() {
        obs.deallocate(); finalObs.deallocate(); rew.deallocate(); ret.deallocate()
        term.deallocate(); trunc.deallocate(); len.deallocate(); elapsed.deallocate(); runningReturn.deallocate()
    }

    /// Copy `i`'s observation slot.
    @inline(__always) func observation(_ i: Int) -> UnsafeMutablePointer<Float> { obs + i * observationSize }

    /// Copy `i` starts a new episode.
    @inline(__always) func startEpisode(_ i: Int) {
        elapsed[i] = 0
        runningReturn[i] = 0
    }

    /// Records copy `i`'s step; a time limit (`limit` steps) truncates an episode that did not
    /// terminate. Returns whether the episode ended.
    @inline(__always) func record(_ i: Int, reward: Double, terminated: Bool, truncated: Bool, limit: Int) -> Bool {
        let steps = elapsed[i] + 1
        elapsed[i] = steps
        runningReturn[i] += reward
        rew[i] = Float(reward)
        let cut = !terminated && (truncated || steps >= limit)
        term[i] = terminated
        trunc[i] = cut
        return terminated || cut
    }

    /// Keeps the episode copy `i` just ended: its observation (already written), return and length.
    /// The caller then resets the copy and writes its first observation.
    @inline(__always) func finishEpisode(_ i: Int) {
        keepFinalObservation(i)
        closeEpisode(i)
    }

    /// Keeps copy `i`'s current observation as the final one of the learner's episode that just
    /// ended. Alone (without `closeEpisode`) when the episode the statistics count goes on: Atari's
    /// episodic life ends the learner's episode at a lost life, not the game.
    @inline(__always) func keepFinalObservation(_ i: Int) {
        (finalObs + i * observationSize).update(from: observation(i), count: observationSize)
    }

    /// Ends copy `i`'s counted episode: its return and length become `episodeReturns[i]` and
    /// `episodeLengths[i]`, and a new one starts.
    @inline(__always) func closeEpisode(_ i: Int) {
        ret[i] = Float(runningReturn[i])
        len[i] = Int32(elapsed[i])
        startEpisode(i)
    }

    /// A step the learner does not see (a reset's hidden steps, e.g. Atari's FIRE after a reset):
    /// it counts in the running episode's return and length, not in `rewards`.
    @inline(__always) func recordUnseen(_ i: Int, reward: Double) {
        elapsed[i] += 1
        runningReturn[i] += reward
    }

    func write(to w: inout SnapshotWriter) {
        let n = count * observationSize
        w.buffer(obs, count: n); w.buffer(finalObs, count: n); w.buffer(rew, count: count); w.buffer(ret, count: count)
        w.buffer(term, count: count); w.buffer(trunc, count: count); w.buffer(len, count: count)
        w.buffer(elapsed, count: count); w.buffer(runningReturn, count: count)
    }

    func read(from r: inout SnapshotReader) throws {
        let n = count * observationSize
        try r.buffer(obs, count: n); try r.buffer(finalObs, count: n); try r.buffer(rew, count: count); try r.buffer(ret, count: count)
        try r.buffer(term, count: count); try r.buffer(trunc, count: count); try r.buffer(len, count: count)
        try r.buffer(elapsed, count: count); try r.buffer(runningReturn, count: count)
    }

    /// Overwrites everything with `other`'s contents (same count and observation size).
    func update(from other: StepBuffers) {
        precondition(other.count == count && other.observationSize == observationSize, "step buffers of different shapes")
        let n = count * observationSize
        obs.update(from: other.obs, count: n); finalObs.update(from: other.finalObs, count: n)
        rew.update(from: other.rew, count: count); ret.update(from: other.ret, count: count)
        term.update(from: other.term, count: count); trunc.update(from: other.trunc, count: count)
        len.update(from: other.len, count: count); elapsed.update(from: other.elapsed, count: count)
        runningReturn.update(from: other.runningReturn, count: count)
    }

    public var observations: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: obs, count: count * observationSize) }
    public var finalObservations: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: finalObs, count: count * observationSize) }
    public var rewards: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: rew, count: count) }
    public var terminated: UnsafeBufferPointer<Bool> { UnsafeBufferPointer(start: term, count: count) }
    public var truncated: UnsafeBufferPointer<Bool> { UnsafeBufferPointer(start: trunc, count: count) }
    public var episodeReturns: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: ret, count: count) }
    public var episodeLengths: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(start: len, count: count) }
}

/// A batch whose step results live in a `StepBuffers`: the protocol's buffers come from it.
public protocol BufferedEnvironment: VectorEnvironment {
    var buffers: StepBuffers { get }
}

extension BufferedEnvironment {
    public var observations: UnsafeBufferPointer<Float> { buffers.observations }
    public var finalObservations: UnsafeBufferPointer<Float> { buffers.finalObservations }
    public var rewards: UnsafeBufferPointer<Float> { buffers.rewards }
    public var terminated: UnsafeBufferPointer<Bool> { buffers.terminated }
    public var truncated: UnsafeBufferPointer<Bool> { buffers.truncated }
    public var episodeReturns: UnsafeBufferPointer<Float> { buffers.episodeReturns }
    public var episodeLengths: UnsafeBufferPointer<Int32> { buffers.episodeLengths }
}
