import Autodiff
import Environments

/// What the training runner drives: an algorithm bound to its batch of environments, with its
/// coupling inside. The runner resets the environments, calls `iterate()` until the step budget is
/// spent, logs `metrics` after iterations that updated, evaluates with `act(…, deterministic: true)`,
/// and checkpoints with `save`/`load` (the environments' own snapshot travels alongside).
///
/// An algorithm file implements this protocol once for every coupling and every action space it
/// accepts; the couplings (``Coupling``) decide who is leader, how the leader's gradient is formed
/// and in what order the players step.
public protocol Agent: AnyObject {
    var environment: VectorEnvironment { get }
    /// Environment steps taken so far, over all copies.
    var environmentSteps: Int { get }
    /// Updates so far (one per minibatch update, whatever the number of player steps inside it).
    var updates: Int { get }
    /// The values the last update reported, under names fixed when the agent was built (the
    /// coupling's, then the algorithm's own). Written in place: reporting allocates nothing.
    var metrics: UpdateMetrics { get }
    /// One batched step (or one rollout) and whatever learning follows it. Returns whether it made
    /// updates (then `metrics` holds their values). Throws `AgentError.diverged` on a non-finite
    /// loss or gradient, and a coupling's error (e.g. a graph misuse) as it comes.
    func iterate() throws -> Bool
    /// Actions for `count` observations laid out like the environment's, into `actions` (which
    /// must be sized for `count` copies of the environment's action space). `deterministic`: the
    /// greedy action (value-based), the mode (categorical), the mean (Gaussian), tanh of the mean
    /// (squashed Gaussian) or μ(s) without noise (deterministic policies).
    func act(_ observations: UnsafePointer<Float>, count: Int, deterministic: Bool, into actions: ActionBatch)
    func save(into state: inout StateDictionary)
    func load(from state: StateDictionary) throws
    /// Training episodes that ended during the last `iterate()` (an iteration may hold many steps).
    var finishedEpisodes: [FinishedEpisode] { get }
}

/// A training episode as the runner logs it.
public struct FinishedEpisode: Sendable, Equatable {
    /// Environment steps taken (all copies) when it ended.
    public var step: Int
    public var copy: Int
    public var episodeReturn: Float
    public var length: Int32
}

extension VectorEnvironment {
    /// Appends the episodes that ended at this step, stamped with `step`: whole games (see
    /// `gameOver(copy:)`), not the lives Atari's episodic life ends the learner's episodes at.
    public func collectFinishedEpisodes(at step: Int, into out: inout [FinishedEpisode]) {
        for i in 0..<count where gameOver(copy: i) {
            out.append(FinishedEpisode(step: step, copy: i, episodeReturn: episodeReturns[i], length: episodeLengths[i]))
        }
    }
}
