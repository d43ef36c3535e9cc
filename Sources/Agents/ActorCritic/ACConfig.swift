/// Settings of on-policy actor–critic (AC) and its Stackelberg version STAC with the actor leading
/// (arXiv 2109.12286, Sec. 4.2, 5 and App. E). Defaults are the paper's: (64, 32) tanh networks for
/// π and V, 4,000 environment steps per batch, GAE(0.99, 0.97) advantages normalized over the batch,
/// a Monte-Carlo V critic (discounted rewards-to-go), plain gradient descent with the public code's
/// rates (π 0.1, V 0.01), one actor step per batch and m critic steps (the coupling's unroll),
/// 8e5 steps (200 batches, the paper's CartPole run).
public struct ACConfig: Sendable {
    /// How the mixed term ∇_θ∇_w L of the critic's loss is formed (the θ-dependence of L that the
    /// implicit function theorem needs; the critic's loss on fixed returns has none).
    public enum MixedTerm: String, Sendable, CaseIterable {
        /// Prop. 1 over every episode segment of the batch: each segment's first state s₀ (an
        /// episode start, or where the batch cut into an episode) with its return-to-go R₀, and
        /// Σ_t γ^(t−t₀) ∇log π(a_t|s_t) Â_t over the segment; summed over segments and divided by
        /// the batch's steps N: the per-step units of the actor's own gradient (mean_t ∇log π Â).
        case episodes
        /// The same sums averaged over segments (÷ their number, not N): Prop. 1's expectation over
        /// trajectories taken literally. It is about the mean episode length times `episodes`, in
        /// units the actor's per-step gradient does not share.
        case episodesPerTrajectory = "episodes_per_trajectory"
        /// The public code's surrogate S = 2·J(θ)·(R₁ − V_w(s₁)), s₁ the batch's first transition:
        /// rank one, so STAC's step is AC's scaled by a number (see ``ACAgent``).
        case firstTransition = "first_transition"
    }

    /// What the critic (the follower) is.
    public enum CriticKind: String, Sendable, CaseIterable {
        /// V_w(s): a tanh network of `criticWidths` on the observation, fit to the Monte-Carlo
        /// returns (the paper's on-policy AC and STAC, Sec. 4.2).
        case value
        /// Q_w(a) = wᵀa, linear in the (unclipped) action, no bias, no observation: the STAC toy
        /// game's critic (Sec. 3.2, App. A) on a one-step bandit (`toy/stac_bandit`). Box actions
        /// only. The critic fits the returns-to-go R_t (the reward, on a one-step bandit) with
        /// L = mean_t (Q_w(a_t) − R_t)²; the actor maximizes E[Q_w(a)] by the score function (see
        /// ``ACAgent``). Nothing bootstraps: a truncation's R_t is its rewards so far.
        case linearAction = "linear_action"
    }

    public enum OptimizerKind: String, Sendable, CaseIterable {
        /// Plain gradient descent, as in the paper.
        case sgd
        case adam
    }

    /// `IndividualSpec(leader: .actor, unroll: m)`: AC; `TotalDerivativeSpec(leader: .actor)`: STAC.
    public var coupling: any CouplingSpec = IndividualSpec(leader: .actor)
    public var totalSteps = 800_000
    /// Environment steps per batch, over all copies (a multiple of the number of copies).
    public var batchSteps = 4_000
    public var gamma: Float = 0.99
    public var gaeLambda: Float = 0.97
    public var actorLearningRate: Float = 0.1
    public var criticLearningRate: Float = 0.01
    public var optimizer: OptimizerKind = .sgd
    /// σ of Gaussian noise added to each player's gradient before its step (the public code's
    /// published grid uses 0.05; the paper does not mention it). 0: none.
    public var gradientNoise: Float = 0
    /// The actor's hidden widths (tanh). Empty: a linear policy without bias, mean (or logits)
    /// θᵀs; on `toy/stac_bandit` (s = [1]) the Gaussian mean is the one weight θ.
    public var actorWidths = [64, 32]
    /// The value critic's hidden widths (tanh); not used by `CriticKind.linearAction`.
    public var criticWidths = [64, 32]
    public var critic: CriticKind = .value
    /// log σ at the start, for box actions (SpinningUp's −0.5).
    public var initialLogStd: Float = -0.5
    /// Whether the actor learns log σ (box actions). false: σ = exp(`initialLogStd`) throughout,
    /// as the STAC toy game's actor has no σ to learn (its mean θ is its only parameter).
    public var learnLogStd = true
    /// With `actorWidths` empty, every weight of the linear actor starts here (θ₀ of the STAC toy
    /// game: 0.8); ignored with hidden layers. Its bias is fixed at 0.
    public var initialTheta: Float = 0
    /// With `critic = linear_action`, every entry of w starts here (w₀ of the STAC toy game: 0.6).
    public var initialW: Float = 0
    public var normalizeAdvantages = true
    public var mixedTerm: MixedTerm = .episodes
    /// Global-norm clipping of each player's gradient; 0: none (the paper clips nothing).
    public var maxGradientNorm: Float = 0

    public init() {}

    /// Throws `AgentError.badConfig` naming every setting out of range (``ConfigChecks``).
    public func validate(copies: Int) throws {
        var checks = ConfigChecks()
        checks.require(totalSteps > 0, "total_steps must be positive, got \(totalSteps)")
        checks.require(batchSteps >= copies && batchSteps % copies == 0,
                       "batch_steps (\(batchSteps)) must be a positive multiple of num_envs (\(copies)); e.g. \(Swift.max(1, batchSteps / Swift.max(copies, 1)) * copies)")
        checks.require((0...1).contains(gamma) && (0...1).contains(gaeLambda), "gamma and gae_lambda must be in [0, 1], got \(gamma) and \(gaeLambda)")
        checks.require(actorLearningRate > 0 && actorLearningRate.isFinite && criticLearningRate > 0 && criticLearningRate.isFinite,
                       "actor_lr and critic_lr must be positive, got \(actorLearningRate) and \(criticLearningRate)")
        checks.require(gradientNoise >= 0 && gradientNoise.isFinite, "gradient_noise must be ≥ 0 (0: none), got \(gradientNoise)")
        checks.require(maxGradientNorm >= 0, "max_grad_norm must be ≥ 0 (0: no clipping), got \(maxGradientNorm)")
        checks.require(critic == .linearAction || !criticWidths.isEmpty,
                       "network.critic_widths needs at least one layer for critic = value (critic = linear_action has none)")
        checks.require(initialLogStd.isFinite, "initial_log_std must be finite, got \(initialLogStd)")
        checks.require(initialTheta.isFinite && initialW.isFinite, "toy.initial_theta and toy.initial_w must be finite, got \(initialTheta) and \(initialW)")
        try checks.finish()
    }
}
