import Autodiff
import Environments
import Neural
import Seeding

/// Settings of PQN (Gallici et al. 2024): Q-learning without a replay buffer or target network, on
/// λ-returns from short rollouts of many environments, with a LayerNorm encoder. Defaults follow
/// REFERENCE.md §2 (128 environments × 32 steps, λ 0.65, RAdam).
public struct PQNConfig: Sendable {
    /// How the encoder and the Q head are trained (`MonolithicSpec()`, `ScorerSpec(options)`, …).
    public var coupling: any CouplingSpec = MonolithicSpec()
    public var network = QNetworkSpec(normalization: .layerNorm, headWidths: [])
    public var totalSteps = 5_000_000
    /// Steps each copy takes per rollout.
    public var rolloutLength = 32
    public var epochs = 4
    public var minibatches = 16
    public var gamma: Float = 0.99
    public var lambda: Float = 0.65
    /// A truncated episode bootstraps from max Q(final observation) (default), or ends like a
    /// termination (gymnax's MinAtar at its 1,000-step cut: `no_bootstrap`).
    public var truncation: RolloutBuffer.TruncationRule = .bootstrap
    public var epsilonStart: Float = 1
    public var epsilonEnd: Float = 0.05
    /// Fraction of training over which ε decays linearly.
    public var epsilonFraction: Float = 0.2
    public var learningRate: Float = 1e-4
    public var leaderLearningRate: Float = 1e-4
    public var followerLearningRate: Float = 5e-4
    public var decayLearningRate = true
    public var maxGradientNorm: Float = 10
    public var optimizer = "radam"

    public init() {}

    public func validate(copies: Int) throws {
        var checks = ConfigChecks()
        try checks.include { try network.validate() }
        checks.require(totalSteps > 0 && rolloutLength >= 1 && epochs >= 1, "total_steps, rollout_length and epochs must be positive")
        checks.require(minibatches >= 1 && (copies * rolloutLength) % minibatches == 0,
                       "minibatches (\(minibatches)) must divide num_envs × rollout_length (\(copies * rolloutLength))")
        checks.require((0...1).contains(gamma) && (0...1).contains(lambda), "gamma and lambda must be in [0, 1]")
        checks.require((0...1).contains(epsilonStart) && (0...1).contains(epsilonEnd) && epsilonFraction > 0, "epsilon_start/end must be in [0, 1], epsilon_fraction positive")
        for (name, lr) in [("lr", learningRate), ("leader_lr", leaderLearningRate), ("follower_lr", followerLearningRate)] {
            checks.require(lr > 0 && lr.isFinite, "\(name) must be positive, got \(lr)")
        }
        checks.require(maxGradientNorm > 0, "max_grad_norm must be positive")
        try checks.finish()
    }

    public func plannedUpdates(copies: Int) -> Int {
        Swift.max(1, totalSteps / Swift.max(1, copies * rolloutLength) * epochs * minibatches)
    }
}

