/// Settings of a MinAtar batch; the defaults are the original's (`minatar.Environment`).
public struct MinAtarOptions: Sendable, Equatable {
    /// With this probability a step repeats the previous step's action instead of the chosen one.
    public var stickyActionProbability: Double = 0.1
    /// Asterix, Seaquest and Space Invaders speed up as the episode goes on.
    public var difficultyRamping = true
    /// Act over the game's minimal action set instead of all six actions.
    public var minimalActionSet = false
    /// An optional time limit, reported as truncation (the original has none but Freeway's clock).
    public var maxEpisodeSteps: Int?

    public init(stickyActionProbability: Double = 0.1, difficultyRamping: Bool = true, minimalActionSet: Bool = false, maxEpisodeSteps: Int? = nil) {
        self.stickyActionProbability = stickyActionProbability
        self.difficultyRamping = difficultyRamping
        self.minimalActionSet = minimalActionSet
        self.maxEpisodeSteps = maxEpisodeSteps
    }
}

/// N copies of a MinAtar game. Copy i of `reset(seed: s)` draws from NumPy's `RandomState(s + i)`
/// (mod 2³²), so it replays `minatar.Environment(game)` seeded with `s + i` frame for frame under
/// the same actions. Observations are 10×10×C, row, column, channel, as 0/1 floats.
public final class MinAtarVector<Game: MinAtarGame>: SnapshottingEnvironment {
    public let count: Int
    public let options: MinAtarOptions
    public let actionSet: [MinAtarAction]
    public var name: String { "minatar/\(Game.name)" + (options.minimalActionSet ? "-minimal" : "") }
    public let observationSpace: Space
    public var actionSpace: Space { .discrete(actionSet.count) }
    public var observationShape: [Int] { [10, 10, Game.channels.count] }

    /// Games live in a raw buffer, not an Array: an Array element read for a non-mutating call
    /// (observe) copied the whole game struct (kilobytes for Seaquest) every step.
    private let games: UnsafeMutablePointer<Game>
    private var randoms: [NumpyRandomState]
    /// Full-set action each copy played last; like the original, it carries over across episodes.
    private var lastActions: [MinAtarAction]
    private var elapsed: [Int]
    private var runningReturn: [Int]
    private var started = false
    private let observationSize: Int
    /// Cached: reading the static channel list per step would retain and release an array.
    private let channelCount: Int
    private let obs, finalObs, rew, ret: UnsafeMutablePointer<Float>
    private let term, trunc: UnsafeMutablePointer<Bool>
    private let len: UnsafeMutablePointer<Int32>
    /// Per copy: the cells its current observation has set (at most all of them), and how many.
    private let marks: UnsafeMutablePointer<Int32>
    private let markCounts: UnsafeMutablePointer<Int>

    public init(count: Int, options: MinAtarOptions = MinAtarOptions()) {
        precondition(count >= 1, "minatar/\(Game.name): need at least one copy, got \(count)")
        self.count = count
        self.options = options
        actionSet = options.minimalActionSet ? Game.minimalActions : MinAtarAction.allCases
        channelCount = Game.channels.count
        observationSize = 100 * channelCount
        observationSpace = .box(low: Array(repeating: 0, count: observationSize), high: Array(repeating: 1, count: observationSize))
        games = .allocate(capacity: count)
        games.initialize(repeating: Game(ramping: options.difficultyRamping), count: count)
        randoms = (0..<count).map { NumpyRandomState(seed: UInt32($0)) }
        lastActions = Array(repeating: .noop, count: count)
        elapsed = Array(repeating: 0, count: count)
        runningReturn = Array(repeating: 0, count: count)
        obs = .allocate(capacity: count * observationSize); finalObs = .allocate(capacity: count * observationSize)
        rew = .allocate(capacity: count); ret = .allocate(capacity: count)
        term = .allocate(capacity: count); trunc = .allocate(capacity: count)
        len = .allocate(capacity: count)
        for p in [obs, finalObs] { p.initialize(repeating: 0, count: count * observationSize) }
        for p in [rew, ret] { p.initialize(repeating: 0, count: count) }
        term.initialize(repeating: false, count: count); trunc.initialize(repeating: false, count: count)
        len.initialize(repeating: 0, count: count)
        marks = .allocate(capacity: count * observationSize); marks.initialize(repeating: 0, count: count * observationSize)
        markCounts = .allocate(capacity: count); markCounts.initialize(repeating: 0, count: count)
    }

    deinit {
        obs.deallocate(); finalObs.deallocate(); rew.deallocate(); ret.deallocate()
        term.deallocate(); trunc.deallocate(); len.deallocate(); marks.deallocate(); markCounts.deallocate()
        games.deinitialize(count: count); games.deallocate()
    }

    private func observe(_ i: Int) {
        let grid = ObservationGrid(base: obs + i * observationSize, channelCount: channelCount,
                                   marks: marks + i * observationSize, markCount: markCounts + i)
        grid.clear()
        games[i].observe(into: grid)
    }

    public func reset(seed: UInt64) {
        for i in 0..<count {
            randoms[i].reseed(UInt32(truncatingIfNeeded: seed &+ UInt64(i)))
            lastActions[i] = .noop
            games[i].reset(randoms[i])
            observe(i)
            elapsed[i] = 0
            runningReturn[i] = 0
        }
        started = true
    }

    /// The difficulty level copy `index` has reached.
    public func rampLevel(copy index: Int) -> Int { games[index].rampLevel }

    /// Copy `index`'s game state (for rule tests and inspection).
    public func game(copy index: Int) -> Game { games[index] }

    public func step(continuous actions: UnsafeBufferPointer<Float>) throws {
        throw EnvironmentError.wrongActionKind(expected: "discrete")
    }

    // A generic class's methods run unspecialized when called through the protocol, paying a
    // runtime metadata lookup per copy and step; these give each game a specialized body.
    @_specialize(where Game == MinAtarBreakout)
    @_specialize(where Game == MinAtarAsterix)
    @_specialize(where Game == MinAtarFreeway)
    @_specialize(where Game == MinAtarSeaquest)
    @_specialize(where Game == MinAtarSpaceInvaders)
    public func step(discrete actions: UnsafeBufferPointer<Int32>) throws {
        guard actions.count == count else { throw EnvironmentError.wrongBatchSize(expected: count, got: actions.count) }
        let n = Int32(actionSet.count)
        for i in 0..<count where actions[i] < 0 || actions[i] >= n {
            throw EnvironmentError.actionOutOfRange(copy: i, value: Float(actions[i]), space: actionSpace.description)
        }
        guard started else { throw EnvironmentError.notReset }
        let sticky = options.stickyActionProbability
        let limit = options.maxEpisodeSteps ?? Int.max
        for i in 0..<count {
            let random = randoms[i]
            // The original draws the sticky coin on every step, whatever the probability.
            var action = actionSet[Int(actions[i])]
            if random.uniform() < sticky { action = lastActions[i] }
            lastActions[i] = action
            let (reward, end) = games[i].act(action, random)
            elapsed[i] += 1
            runningReturn[i] += reward
            rew[i] = Float(reward)
            term[i] = end == .terminated
            trunc[i] = !term[i] && (end == .timeLimit || elapsed[i] >= limit)
            observe(i)
            if term[i] || trunc[i] {
                let o = obs + i * observationSize
                (finalObs + i * observationSize).update(from: o, count: observationSize)
                ret[i] = Float(runningReturn[i])
                len[i] = Int32(elapsed[i])
                games[i].reset(random)
                observe(i)
                elapsed[i] = 0
                runningReturn[i] = 0
            }
        }
    }

    public func snapshot() -> [UInt8] {
        var w = SnapshotWriter(header: name, count: count)
        w.buffer(games, count: count); w.array(lastActions.map(\.rawValue)); w.array(elapsed); w.array(runningReturn); w.value(started)
        for r in randoms { r.write(to: &w) }
        let n = count * observationSize
        w.buffer(obs, count: n); w.buffer(finalObs, count: n); w.buffer(rew, count: count); w.buffer(ret, count: count)
        w.buffer(term, count: count); w.buffer(trunc, count: count); w.buffer(len, count: count)
        w.buffer(marks, count: count * observationSize); w.buffer(markCounts, count: count)
        return w.bytes
    }

    public func restore(snapshot: [UInt8]) throws {
        var r = try SnapshotReader(snapshot, owner: name, count: count)
        try r.buffer(games, count: count)
        lastActions = try (r.array(count: count) as [Int32]).map { MinAtarAction(rawValue: $0) ?? .noop }
        elapsed = try r.array(count: count); runningReturn = try r.array(count: count); started = try r.value()
        for g in randoms { try g.read(from: &r) }
        let n = count * observationSize
        try r.buffer(obs, count: n); try r.buffer(finalObs, count: n); try r.buffer(rew, count: count); try r.buffer(ret, count: count)
        try r.buffer(term, count: count); try r.buffer(trunc, count: count); try r.buffer(len, count: count)
        try r.buffer(marks, count: count * observationSize); try r.buffer(markCounts, count: count)
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
