import Neural

/// The DQN family: the four classic variants in either coupling.
public enum DQNVariant: String, Sendable, CaseIterable {
    case dqn, ddqn, dueling, duelingDDQN = "dueling_ddqn"
    /// Double DQN: the online network picks the next action, the target network values it.
    public var isDouble: Bool { self == .ddqn || self == .duelingDDQN }
    public var isDueling: Bool { self == .dueling || self == .duelingDDQN }
}

/// Everything a DQN-family run needs besides its environment. Defaults are the SCORER public
/// code's MinAtar settings (REFERENCE.md §2); `classicControl()` gives small settings for the
/// classic-control tasks.
public struct DQNConfig: Sendable {
    public var variant: DQNVariant = .dqn
    /// How the encoder (follower) and the Q head (leader) are trained: `MonolithicSpec()` (one
    /// network, the baseline) or `ScorerSpec(options)`, or any coupling a TD-error model can play.
    public var coupling: any CouplingSpec = MonolithicSpec()
    public var network = QNetworkSpec()
    public var totalSteps = 5_000_000
    public var bufferSize = 100_000
    public var batchSize = 64
    public var learningStarts = 10_000
    public var gamma: Float = 0.99
    public var epsilonStart: Float = 1
    public var epsilonEnd: Float = 0.01
    /// Environment steps over which ε goes linearly from start to end.
    public var epsilonSteps = 250_000
    /// Environment steps between target-network updates.
    public var targetUpdateInterval = 1_000
    /// 1: hard copy; below 1: Polyak averaging at every target update.
    public var tau: Float = 1
    /// A truncated episode bootstraps from Q(final observation) (default), or ends like a
    /// termination: gymnax's MinAtar ends its episodes at the 1,000-step cut (`no_bootstrap`).
    public var truncation: RolloutBuffer.TruncationRule = .bootstrap
    /// Gradient updates (leader updates under SCORER) per batched environment step.
    public var updatesPerStep = 1
    /// The monolithic network's learning rate.
    public var learningRate: Float = 1e-4
    public var leaderLearningRate: Float = 1e-4
    public var followerLearningRate: Float = 5e-4
    /// Learning-rate decay of the monolithic optimizer (linear or constant; SCORER has its own `decay`).
    public var decayLearningRate = true
    /// Environment steps over which the learning rates decay to 0 (nil: `totalSteps`). The paper
    /// decays over 1e8 steps; setting that here reproduces its early-training schedule in a shorter run.
    public var decaySteps: Int?
    public var maxGradientNorm: Float = 0.5
    public var adamEpsilon: Float = 1e-8

    public init() {}

    /// Small settings under which CartPole and Acrobot are solved in tens of thousands of steps.
    public static func classicControl() -> DQNConfig {
        var c = DQNConfig()
        c.network = QNetworkSpec(encoderWidths: [64, 64], normalization: .none, headWidths: [64], duelingWidth: 32)
        c.totalSteps = 100_000
        c.bufferSize = 20_000
        // 128 rather than 64: SCORER's two players each estimate their loss on their own
        // minibatch, and on Acrobot batches of 64 left 4 of 8 SCORER seeds short of the goal
        // within 100k steps where 128 solved 8 of 8.
        c.batchSize = 128
        c.learningStarts = 1_000
        c.epsilonEnd = 0.05
        c.epsilonSteps = 15_000
        c.targetUpdateInterval = 500
        c.learningRate = 1e-3
        c.leaderLearningRate = 1e-3
        c.followerLearningRate = 2e-3
        c.maxGradientNorm = 10
        return c
    }

    /// Gradient updates over the whole run, for the decaying schedules.
    public func plannedUpdates(copies: Int) -> Int {
        Swift.max(1, ((decaySteps ?? totalSteps) - learningStarts) / Swift.max(copies, 1) * updatesPerStep)
    }

    /// Throws `AgentError.badConfig` naming every setting out of range (``ConfigChecks``).
    public func validate() throws {
        var checks = ConfigChecks()
        try checks.include { try network.validate() }
        checks.require(totalSteps > 0, "total_steps must be positive, got \(totalSteps)")
        checks.require(bufferSize >= batchSize && batchSize >= 1, "buffer_size (\(bufferSize)) must be at least batch_size (\(batchSize)) ≥ 1")
        checks.require(learningStarts >= 0, "learning_starts must be ≥ 0, got \(learningStarts)")
        checks.require((0...1).contains(gamma), "gamma must be in [0, 1], got \(gamma)")
        checks.require((0...1).contains(epsilonStart) && (0...1).contains(epsilonEnd), "epsilon_start and epsilon_end must be in [0, 1]")
        checks.require(epsilonSteps >= 1, "epsilon_steps must be ≥ 1, got \(epsilonSteps)")
        checks.require(targetUpdateInterval >= 1, "target_update_interval must be ≥ 1, got \(targetUpdateInterval)")
        checks.require(tau > 0 && tau <= 1, "tau must be in (0, 1], got \(tau)")
        checks.require(updatesPerStep >= 1, "updates_per_step must be ≥ 1, got \(updatesPerStep)")
        for (name, lr) in [("lr", learningRate), ("leader_lr", leaderLearningRate), ("follower_lr", followerLearningRate)] {
            checks.require(lr > 0 && lr.isFinite, "\(name) must be positive, got \(lr)")
        }
        checks.require(maxGradientNorm > 0, "max_grad_norm must be positive, got \(maxGradientNorm)")
        checks.require(decaySteps.map { $0 > learningStarts } ?? true, "lr_decay_steps must exceed learning_starts (\(learningStarts)), or be 0 for total_steps")
        try checks.finish()
    }
}
