import Seeding

/// N copies of one environment stepped together. After `step`, the buffers hold, per copy:
/// the observation to act on next, the reward, `terminated` (the task ended) and `truncated` (a
/// time limit or other cut-off, not an end of the task) kept apart. A copy that ended is reset in
/// the same step (same-step auto-reset): `observations` then holds the new episode's first
/// observation and `finalObservations` the last one of the episode that ended, with its return and
/// length in `episodeReturns`/`episodeLengths`.
///
/// Episode statistics count whole episodes as `gameOver(copy:)` says, which is `terminated ||
/// truncated` everywhere except under Atari's episodic life (Stable-Baselines3's
/// `EpisodicLifeEnv`): there a lost life terminates the learner's episode while the game, and the
/// return and length the statistics report, go on to the game over.
public protocol VectorEnvironment: AnyObject {
    var name: String { get }
    var count: Int { get }
    var observationSpace: Space { get }
    /// How one copy's observation is laid out (e.g. [10, 10, C] for MinAtar, row-major, last
    /// fastest); its product is `observationSpace.size`.
    var observationShape: [Int] { get }
    var actionSpace: Space { get }
    /// How observation values can be stored without loss (replay buffers keep bytes when they can).
    var observationEncoding: ObservationEncoding { get }

    /// Starts every copy; copy i draws from its own generator derived from (seed, i).
    func reset(seed: UInt64)
    func step(discrete actions: UnsafeBufferPointer<Int32>) throws
    func step(continuous actions: UnsafeBufferPointer<Float>) throws

    var observations: UnsafeBufferPointer<Float> { get }
    var finalObservations: UnsafeBufferPointer<Float> { get }
    var rewards: UnsafeBufferPointer<Float> { get }
    var terminated: UnsafeBufferPointer<Bool> { get }
    var truncated: UnsafeBufferPointer<Bool> { get }
    var episodeReturns: UnsafeBufferPointer<Float> { get }
    var episodeLengths: UnsafeBufferPointer<Int32> { get }
    /// Whether copy `index`'s last step ended the episode the statistics count (a whole game):
    /// `episodeReturns[index]` and `episodeLengths[index]` then hold it. Read it instead of
    /// `terminated || truncated` wherever returns are logged or evaluated.
    func gameOver(copy index: Int) -> Bool
    /// How many consecutive frames one observation stacks along its last axis (``FrameStack``'s
    /// depth; 1 without one): a model that attends across time splits the channels by it.
    var stackedFrames: Int { get }
    /// What each discrete action stands for, indexed by action (Atari: ALE's names, e.g. "FIRE";
    /// MinAtar: "left", "fire"); nil where the actions have no names worth printing (a box, or a
    /// classic-control task). Read by reports of what a policy did (`stackelberg attention`).
    var actionNames: [String]? { get }
}

extension VectorEnvironment {
    public var stackedFrames: Int { 1 }
    public var actionNames: [String]? { nil }
    public var observationShape: [Int] { [observationSpace.size] }
    public var observationEncoding: ObservationEncoding { .float32 }
    public func gameOver(copy index: Int) -> Bool { terminated[index] || truncated[index] }
}

/// What values an environment's observations take.
public enum ObservationEncoding: Sendable, Equatable {
    /// Any Float32.
    case float32
    /// Whole numbers 0…255 only (MinAtar's 0/1 channels, Atari pixels): a byte holds each exactly.
    case byte
}

/// The generator of copy `index` for a reset with `seed`: SplitMix-style mixing so neighbouring
/// copies and seeds give unrelated streams.
public func copyGenerator(seed: UInt64, index: Int) -> SeededGenerator {
    var z = seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(index + 1)
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return SeededGenerator(seed: z ^ (z >> 31))
}
