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
public final class MinAtarVector<Game: MinAtarGame>: SnapshottingEnvironment, BufferedEnvironment {
    public let count: Int
    public let options: MinAtarOptions
    public let actionSet: [MinAtarAction]
    public var name: String { "minatar/\(Game.name)" + (options.minimalActionSet ? "-minimal" : "") }
    public let observationSpace: Space
    public var actionSpace: Space { .discrete(actionSet.count) }
    public var actionNames: [String]? { actionSet.map { "\($0)" } }
    public var observationShape: [Int] { [10, 10, Game.channels.count] }
    public var observationEncoding: ObservationEncoding { .byte }
    public let buffers: StepBuffers

    /// Games live in a raw buffer, not an Array: an Array element read for a non-mutating call
    /// (observe) copied the whole game struct (kilobytes for Seaquest) every step.
    private let games: UnsafeMutablePointer<Game>
    private var randoms: [NumpyRandomState]
    /// Full-set action each copy played last; like the original, it carries over across episodes.
    private var lastActions: [MinAtarAction]
    private var started = false
    private let observationSize: Int
    /// Cached: reading the static channel list per step would retain and release an array.
    private let channelCount: Int
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
        buffers = StepBuffers(count: count, observationSize: observationSize)
        marks = .allocate(capacity: count * observationSize); marks.initialize(repeating: 0, count: count * observationSize)
        markCounts = .allocate(capacity: count); markCounts.initialize(repeating: 0, count: count)
    }

    deinit {
        marks.deallocate(); markCounts.deallocate(); buffers.deallocate()
        games.deinitialize(count: count); games.deallocate()
    }

    private func observe(_ i: Int) {
        let grid = ObservationGrid(base: buffers.observation(i), channelCount: channelCount,
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
            buffers.startEpisode(i)
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
        try actionSpace.validate(discrete: actions, copies: count)
        guard started else { throw EnvironmentError.notReset }
        let sticky = options.stickyActionProbability
        let limit = options.maxEpisodeSteps ?? Int.max
        let b = buffers
        for i in 0..<count {
            let random = randoms[i]
            // The original draws the sticky coin on every step, whatever the probability.
            var action = actionSet[Int(actions[i])]
            if random.uniform() < sticky { action = lastActions[i] }
            lastActions[i] = action
            let (reward, end) = games[i].act(action, random)
            observe(i)
            if b.record(i, reward: Double(reward), terminated: end == .terminated, truncated: end == .timeLimit, limit: limit) {
                b.finishEpisode(i)
                games[i].reset(random)
                observe(i)
            }
        }
    }

    /// Stands where the earlier format had the games' count, before their raw memory: the games
    /// follow field by field (`MinAtarSnapshotCodable`). Raw memory held the structs' padding bytes,
    /// whatever the memory held before, so identical runs could write different checkpoints.
    /// Snapshots of the earlier format still restore: their count (at least 1) and their exact
    /// length tell them apart.
    static var fieldByFieldGames: Int { -2 }

    public func snapshot() -> [UInt8] {
        var w = SnapshotWriter(header: name, count: count)
        w.value(Self.fieldByFieldGames)
        for i in 0..<count { games[i].write(to: &w) }
        writeState(to: &w)
        return w.bytes
    }

    /// Everything after the games, the same in both formats.
    private func writeState(to w: inout SnapshotWriter) {
        w.array(lastActions.map(\.rawValue)); w.value(started)
        for r in randoms { r.write(to: &w) }
        buffers.write(to: &w)
        w.buffer(marks, count: count * observationSize); w.buffer(markCounts, count: count)
    }

    private func readState(from r: inout SnapshotReader) throws {
        lastActions = try (r.array(count: count) as [Int32]).map { MinAtarAction(rawValue: $0) ?? .noop }
        started = try r.value()
        for g in randoms { try g.read(from: &r) }
        try buffers.read(from: &r)
        try r.buffer(marks, count: count * observationSize); try r.buffer(markCounts, count: count)
        try r.finish()
    }

    /// Restores a snapshot of either format; one that fails to restore leaves the batch as it was.
    public func restore(snapshot: [UInt8]) throws {
        let before = self.snapshot()
        do {
            try load(snapshot, length: before.count)
        } catch {
            try? load(before, length: before.count)
            throw error
        }
    }

    /// `length`: that of a snapshot of this batch in the current format.
    private func load(_ snapshot: [UInt8], length: Int) throws {
        var probe = try SnapshotReader(snapshot, owner: name, count: count)
        let tag: Int = try probe.value()
        if tag == Self.fieldByFieldGames {
            var r = try SnapshotReader(snapshot, owner: name, count: count, expectedLength: length)
            _ = try r.value() as Int
            let restored = try (0..<count).map { _ in try Game.read(from: &r) }
            try readState(from: &r)
            games.update(from: restored, count: count)
        } else {
            // The earlier format, read the earlier way: the games' memory copied back raw.
            var one = SnapshotWriter(header: "", count: 0)
            let start = one.bytes.count
            Game(ramping: options.difficultyRamping).write(to: &one)
            let rawLength = length + count * (MemoryLayout<Game>.stride - (one.bytes.count - start))
            var r = try SnapshotReader(snapshot, owner: name, count: count, expectedLength: rawLength)
            try r.buffer(games, count: count)
            try readState(from: &r)
        }
    }
}
