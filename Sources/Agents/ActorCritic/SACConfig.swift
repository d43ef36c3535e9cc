import Neural

/// Settings of SAC and its Stackelberg variants (STSAC-AL, -CL). Defaults are the STAC paper's and its
/// public code's (SpinningUp's SAC; arXiv 2109.12286, App. E): (256, 256) ReLU, twin Q, Adam 1e-3 for
/// both players, fixed α = 0.2, minibatch 100, replay 1e6, 10,000 random steps, updates from step
/// 1,000, 50 updates every 50 steps, Polyak 0.995, log σ clamped to [−20, 2].
public struct SACConfig: Sendable {
    /// `IndividualSpec(leader: .actor)`: SAC; `TotalDerivativeSpec(leader: .actor | .critic)`: STSAC-AL/-CL.
    public var coupling: any CouplingSpec = IndividualSpec(leader: .actor)
    public var actorWidths = [256, 256]
    public var criticWidths = [256, 256]
    public var totalSteps = 400_000
    public var bufferSize = 1_000_000
    public var batchSize = 100
    public var randomSteps = 10_000
    public var updateAfter = 1_000
    public var updateEvery = 50
    public var gamma: Float = 0.99
    public var polyak: Float = 0.995
    /// The entropy temperature α (fixed unless `tuneAlpha`; then its initial value).
    public var alpha: Float = 0.2
    /// Tune α toward the target entropy −dim(A) (Haarnoja et al. 2018b; CleanRL), optimizing log α.
    public var tuneAlpha = false
    public var alphaLearningRate: Float = 1e-3
    public var actorLearningRate: Float = 1e-3
    public var criticLearningRate: Float = 1e-3
    /// Bounds of the policy's log σ and how they are kept: SpinningUp clamps to [−20, 2] (the
    /// default); CleanRL maps smoothly into [−5, 2] (`log_std_bound = smooth`, `log_std_min = -5`).
    public var logStdMin: Float = -20
    public var logStdMax: Float = 2
    public var logStdBound: SquashedGaussianPolicy.LogStdBound = .clamp
    public var maxGradientNorm: Float = 0

    public init() {}

    /// Throws `AgentError.badConfig` naming the first setting out of range.
    public func validate() throws {
        func check(_ ok: Bool, _ why: String) throws { if !ok { throw AgentError.badConfig(why) } }
        try check(totalSteps > 0, "total_steps must be positive, got \(totalSteps)")
        try check(bufferSize >= batchSize && batchSize >= 1, "buffer_size (\(bufferSize)) must be at least batch_size (\(batchSize)) ≥ 1")
        try check(randomSteps >= 0 && updateAfter >= 1, "random_steps must be ≥ 0 and update_after ≥ 1, got \(randomSteps) and \(updateAfter)")
        try check(updateEvery >= 1, "update_every must be ≥ 1, got \(updateEvery)")
        try check((0...1).contains(gamma), "gamma must be in [0, 1], got \(gamma)")
        try check((0..<1).contains(polyak), "polyak must be in [0, 1), got \(polyak)")
        try check(alpha > 0 && alpha.isFinite, "alpha must be positive, got \(alpha)")
        try check(actorLearningRate > 0 && criticLearningRate > 0 && alphaLearningRate > 0,
                  "actor_lr, critic_lr and alpha_lr must be positive, got \(actorLearningRate), \(criticLearningRate), \(alphaLearningRate)")
        try check(logStdMin.isFinite && logStdMax.isFinite && logStdMin < logStdMax, "log_std_min (\(logStdMin)) must be below log_std_max (\(logStdMax))")
        try check(maxGradientNorm >= 0, "max_grad_norm must be ≥ 0 (0: no clipping), got \(maxGradientNorm)")
        try check(!actorWidths.isEmpty && !criticWidths.isEmpty, "network.actor_widths and network.critic_widths need at least one layer")
    }
}
