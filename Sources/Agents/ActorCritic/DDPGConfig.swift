/// Settings of DDPG and its Stackelberg variants (STDDPG-AL, -CL): the shared off-policy settings
/// (the STAC paper's, see ``OffPolicySettings``) and DDPG's own: exploration noise 0.1 of the action
/// scale and the current actor in the critic's target (the STAC code).
public struct DDPGConfig: Sendable {
    /// What makes the target action: the current actor (the STAC code, `targ_pi=False`) or the
    /// target actor (Lillicrap et al.; CleanRL).
    public enum TargetActor: String, Sendable, CaseIterable {
        case current, target
    }
    /// `IndividualSpec(leader: .actor)`: DDPG; `TotalDerivativeSpec(leader: .actor | .critic)`: STDDPG-AL/-CL.
    public var coupling: any CouplingSpec = IndividualSpec(leader: .actor)
    public var common = OffPolicySettings()
    /// Exploration noise σ, in units of the action box's half-width.
    public var actionNoise: Float = 0.1
    public var targetActor: TargetActor = .current

    public init() {}

    /// Throws `AgentError.badConfig` naming every setting out of range (``ConfigChecks``).
    public func validate() throws {
        var checks = ConfigChecks()
        try checks.include { try common.validate() }
        checks.require(actionNoise >= 0 && actionNoise.isFinite, "action_noise must be ≥ 0, got \(actionNoise)")
        try checks.finish()
    }
}
