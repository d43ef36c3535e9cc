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
    /// updates made (nil before learning starts). Throws `AgentError.diverged` on a non-finite loss.
    func iterate() throws -> UpdateReport?
    /// Greedy actions for `count` observations laid out like the environment's.
    func greedyActions(for observations: UnsafePointer<Float>, count: Int, into actions: UnsafeMutablePointer<Int32>)
    func save(into state: inout StateDictionary)
    func load(from state: StateDictionary) throws
    /// Training episodes that ended during the last `iterate()` (an iteration may hold many steps).
    var finishedEpisodes: [FinishedEpisode] { get }
}

/// What one iteration's updates report: a value type of floats, so reporting allocates nothing.
/// Monolithic agents fill `loss` and `learningRate`; SCORER fills the leader's and the follower's.
public struct UpdateReport: Sendable {
    public var loss: Float = .nan
    public var learningRate: Float = .nan
    public var leaderLoss: Float = .nan
    public var followerLoss: Float = .nan
    public var leaderLearningRate: Float = .nan
    public var followerLearningRate: Float = .nan
    public var epsilon: Float = .nan

    public init() {}

    /// The updates.csv columns of a coupling, in order.
    public static func columns(scorer: Bool) -> [String] {
        scorer ? ["leader_loss", "follower_loss", "leader_lr", "follower_lr", "epsilon"] : ["loss", "lr", "epsilon"]
    }

    /// The value of a column; nil for a value this report does not carry or an unknown column.
    public subscript(column: String) -> Float? {
        let v: Float
        switch column {
        case "loss": v = loss
        case "lr": v = learningRate
        case "leader_loss": v = leaderLoss
        case "follower_loss": v = followerLoss
        case "leader_lr": v = leaderLearningRate
        case "follower_lr": v = followerLearningRate
        case "epsilon": v = epsilon
        default: return nil
        }
        return v.isNaN ? nil : v
    }
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
