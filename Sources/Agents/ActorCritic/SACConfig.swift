/// Settings of SAC and its Stackelberg variants (STSAC-AL, -CL): the shared off-policy settings (the
/// STAC paper's, see ``OffPolicySettings``) and SAC's own: twin Q, fixed α = 0.2, log σ clamped to
/// [−20, 2] (SpinningUp, the STAC code).
public struct SACConfig: Sendable {
    /// `IndividualSpec(leader: .actor)`: SAC; `TotalDerivativeSpec(leader: .actor | .critic)`: STSAC-AL/-CL.
    public var coupling: any CouplingSpec = IndividualSpec(leader: .actor)
    public var common = OffPolicySettings()
    /// The entropy temperature α (fixed unless `tuneAlpha`; then its initial value).
    public var alpha: Float = 0.2
    /// Tune α toward the target entropy −dim(A) (Haarnoja et al. 2018b; CleanRL), optimizing log α.
    public var tuneAlpha = false
    public var alphaLearningRate: Float = 1e-3
    /// Bounds of the policy's log σ and how they are kept: SpinningUp clamps to [−20, 2] (the
    /// default); CleanRL maps smoothly into [−5, 2] (`log_std_bound = smooth`, `log_std_min = -5`).
    public var logStdMin: Float = -20
    public var logStdMax: Float = 2
    public var logStdBound: SquashedGaussianPolicy.LogStdBound = .clamp

    public init() {}

    /// Throws `AgentError.badConfig` naming every setting out of range (``ConfigChecks``).
    public func validate() throws {
        var checks = ConfigChecks()
        try checks.include { try common.validate() }
        checks.require(alpha > 0 && alpha.isFinite, "alpha must be positive, got \(alpha)")
        checks.require(alphaLearningRate > 0, "alpha_lr must be positive, got \(alphaLearningRate)")
        checks.require(logStdMin.isFinite && logStdMax.isFinite && logStdMin < logStdMax, "log_std_min (\(logStdMin)) must be below log_std_max (\(logStdMax))")
        try checks.finish()
    }
}
