/// The settings every off-policy actor–critic shares (DDPG, SAC). Defaults are the STAC paper's and
/// its public code's (SpinningUp; arXiv 2109.12286, App. E): (256, 256) ReLU networks, Adam 1e-3 for
/// both players, minibatch 100, replay 1e6, 10,000 uniformly random steps first, updates from step
/// 1,000, 50 updates every 50 steps, γ 0.99, Polyak 0.995, no gradient clipping.
public struct OffPolicySettings: Sendable {
    public var actorWidths = [256, 256]
    public var criticWidths = [256, 256]
    public var totalSteps = 400_000
    public var bufferSize = 1_000_000
    public var batchSize = 100
    /// Environment steps taken with uniformly random actions before the actor acts.
    public var randomSteps = 10_000
    /// Environment steps before the first update.
    public var updateAfter = 1_000
    /// Every `updateEvery` environment steps, `updateEvery` updates (one per step on average).
    public var updateEvery = 50
    /// How many updates the first round does, once `updateAfter` steps are taken.
    public enum FirstUpdates: String, Sendable, CaseIterable {
        /// `updateEvery`, on SpinningUp's clock (updates at the steps that are multiples of
        /// `updateEvery`): SpinningUp's and the STAC code's `t >= update_after and t % update_every == 0`.
        case cadence
        /// One per step taken so far (`updateAfter` of them at once, on the random-action data):
        /// what this toolkit did before the key existed, kept to reproduce those runs.
        case catchUp = "catch_up"
    }
    public var firstUpdates: FirstUpdates = .cadence
    public var gamma: Float = 0.99
    /// p̄ ← ρ p̄ + (1 − ρ) p after each update.
    public var polyak: Float = 0.995
    public var actorLearningRate: Float = 1e-3
    public var criticLearningRate: Float = 1e-3
    /// Global-norm clipping of each player's gradient; 0: none (the paper clips nothing).
    public var maxGradientNorm: Float = 0

    public init() {}

    /// Pendulum and the other classic-control boxes are solved by smaller networks in a shorter run:
    /// (64, 64), 20,000 steps, 2,000 random ones (greedy −130 at 20k for DDPG and SAC in all three
    /// couplings, one seed, where DDPG's (256, 256) over 30k steps went from −127 at 10k back to −185).
    public static func classicControl() -> OffPolicySettings {
        var c = OffPolicySettings()
        c.totalSteps = 20_000
        c.bufferSize = 100_000
        c.randomSteps = 2_000
        c.actorWidths = [64, 64]
        c.criticWidths = [64, 64]
        return c
    }

    /// Throws `AgentError.badConfig` naming every setting out of range (``ConfigChecks``).
    public func validate() throws {
        var checks = ConfigChecks()
        checks.require(totalSteps > 0, "total_steps must be positive, got \(totalSteps)")
        checks.require(bufferSize >= batchSize && batchSize >= 1, "buffer_size (\(bufferSize)) must be at least batch_size (\(batchSize)) ≥ 1")
        checks.require(randomSteps >= 0 && updateAfter >= 1, "random_steps must be ≥ 0 and update_after ≥ 1, got \(randomSteps) and \(updateAfter)")
        checks.require(updateEvery >= 1, "update_every must be ≥ 1, got \(updateEvery)")
        checks.require((0...1).contains(gamma), "gamma must be in [0, 1], got \(gamma)")
        checks.require((0..<1).contains(polyak), "polyak must be in [0, 1), got \(polyak)")
        checks.require(actorLearningRate > 0 && criticLearningRate > 0, "actor_lr and critic_lr must be positive, got \(actorLearningRate) and \(criticLearningRate)")
        checks.require(maxGradientNorm >= 0, "max_grad_norm must be ≥ 0 (0: no clipping), got \(maxGradientNorm)")
        checks.require(!actorWidths.isEmpty && !criticWidths.isEmpty, "network.actor_widths and network.critic_widths need at least one layer")
        try checks.finish()
    }
}
