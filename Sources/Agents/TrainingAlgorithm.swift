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
    /// One batched step and whatever learning follows it. Returns the losses and statistics of the
    /// updates made (empty before learning starts). Throws `AgentError.diverged` on a non-finite loss.
    func iterate() throws -> [String: Float]
    /// Greedy actions for `count` observations laid out like the environment's.
    func greedyActions(for observations: UnsafePointer<Float>, count: Int, into actions: UnsafeMutablePointer<Int32>)
    func save(into state: inout StateDictionary)
    func load(from state: StateDictionary) throws
}
