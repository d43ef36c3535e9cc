import Autodiff
import Environments

/// What the training runner drives: an algorithm bound to its batch of environments. The runner
/// resets the environments, calls `iterate()` until the step budget is spent, evaluates with
/// `greedyActions`, and checkpoints with `save`/`load` (the environments' own snapshot travels
/// alongside).
public protocol TrainingAlgorithm: AnyObject {
    var environment: VectorEnvironment { get }
    /// Environment steps taken so far, over all copies.
    var environmentSteps: Int { get }
    /// Gradient updates so far (leader updates under SCORER).
    var updates: Int { get }
    /// One batched step and whatever learning follows it. Returns the losses and statistics of the
    /// updates made (empty before learning starts). Throws `AgentError.diverged` on a non-finite loss.
    func iterate() throws -> [String: Float]
    /// Greedy actions for `count` observations laid out like the environment's.
    func greedyActions(for observations: UnsafePointer<Float>, count: Int, into actions: UnsafeMutablePointer<Int32>)
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
    /// Appends the episodes that ended at this step, stamped with `step`.
    func collectFinishedEpisodes(at step: Int, into out: inout [FinishedEpisode]) {
        for i in 0..<count where terminated[i] || truncated[i] {
            out.append(FinishedEpisode(step: step, copy: i, episodeReturn: episodeReturns[i], length: episodeLengths[i]))
        }
    }
}
