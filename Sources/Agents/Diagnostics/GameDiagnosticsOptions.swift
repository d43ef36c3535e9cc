/// What the game diagnostics measure and how often: the toy game's quantities (the leader's own
/// gradient against its total derivative, the follower's distance to its best response, the
/// follower Hessian's extreme eigenvalues, the game Jacobian's leading eigenvalues and the parameter
/// path in a plane) measured inside a deep-RL run, on the minibatch of the update they precede.
///
/// Cost: one diagnostic takes about `cgIterations + lanczosSteps + 2·arnoldiSteps` Hessian-vector
/// products and `followerSteps + 3` forward–backward passes; `interval` spaces them so that a run
/// with diagnostics stays within about 10% of the wall time of one without (docs/diagnostics.md
/// has the measured overheads per algorithm).
public struct GameDiagnosticsOptions: Sendable, Equatable {
    /// Who leads in the measured game where the coupling names no leader (monolithic): `auto` takes
    /// the Q head of a value-based model, else the actor, else the model's first part.
    public enum Leader: String, Sendable, CaseIterable {
        case auto, encoder, head, actor, critic
        var part: ModelPart? { self == .auto ? nil : ModelPart(rawValue: rawValue) }
    }

    /// Off by default: a run measures the game only when asked (`diagnostics.enabled = true`).
    public var enabled = false
    /// Updates between diagnostics (the first is at update 0).
    public var interval = 1_000
    public var leader: Leader = .auto
    /// λ of the diagnostic total derivative, the same for every coupling so that their numbers compare.
    public var lambda: Float = 0.1
    /// CG's Hessian-vector products for the diagnostic total derivative (STAC's k).
    public var cgIterations = 10
    /// Lanczos steps on the follower Hessian (its extreme eigenvalues).
    public var lanczosSteps = 16
    /// Arnoldi steps on the game Jacobian (two Hessian-vector products each).
    public var arnoldiSteps = 16
    /// K: extra follower steps (Adam, on the held minibatch, discarded afterwards) whose loss drop
    /// measures how far the follower is from its best response.
    public var followerSteps = 5
    /// The rate of those steps; 0: the follower's own learning rate.
    public var followerLearningRate: Float = 0
    /// Leading Jacobian eigenvalues logged (by modulus).
    public var eigenvalues = 4
    /// Rows of the random sketch the parameter path and the fields are logged through.
    public var sketchDimension = 8
    /// Seed of the sketch and of the Krylov start vectors.
    public var seed = 0
    /// Also the leading eigenvalues of the Jacobian of the Stackelberg field (Df₁, ∇₂f₂), the
    /// dynamic a total-derivative coupling follows, by Arnoldi on central differences of that field
    /// (each a CG solve): about 2·(cg_iterations + 2) Hessian-vector products per Arnoldi step,
    /// several times the rest of a diagnostic.
    public var stackelbergSpectrum = false
    /// The relative step of those differences: x ± h·v with h = `finiteDifferenceStep`·max(1, ‖x‖/√n).
    public var finiteDifferenceStep: Float = 1e-3

    public init() {}

    /// Throws `AgentError.badConfig` naming every key out of range (``ConfigChecks``).
    public func validate() throws {
        var checks = ConfigChecks()
        checks.require(interval >= 1, "diagnostics.interval must be ≥ 1 update, got \(interval)")
        checks.require(lambda >= 0 && lambda.isFinite, "diagnostics.lambda must be finite and ≥ 0, got \(lambda)")
        checks.require((1...200).contains(cgIterations), "diagnostics.cg_iterations must be in 1…200, got \(cgIterations)")
        checks.require((2...200).contains(lanczosSteps), "diagnostics.lanczos_steps must be in 2…200, got \(lanczosSteps)")
        checks.require((2...200).contains(arnoldiSteps), "diagnostics.arnoldi_steps must be in 2…200, got \(arnoldiSteps)")
        checks.require((0...1_000).contains(followerSteps), "diagnostics.follower_steps must be in 0…1000, got \(followerSteps)")
        checks.require(followerLearningRate >= 0 && followerLearningRate.isFinite, "diagnostics.follower_lr must be ≥ 0 (0: the follower's own), got \(followerLearningRate)")
        checks.require((1...8).contains(eigenvalues) && eigenvalues <= arnoldiSteps,
                       "diagnostics.eigenvalues must be in 1…8 and at most diagnostics.arnoldi_steps (\(arnoldiSteps)), got \(eigenvalues)")
        checks.require((2...64).contains(sketchDimension), "diagnostics.sketch_dimension must be in 2…64, got \(sketchDimension)")
        checks.require(seed >= 0, "diagnostics.seed must be ≥ 0, got \(seed)")
        checks.require(finiteDifferenceStep > 0 && finiteDifferenceStep < 1, "diagnostics.finite_difference_step must be in (0, 1), got \(finiteDifferenceStep)")
        try checks.finish()
    }

    /// The metric columns, in order (see ``GameProbe`` for each one's meaning).
    public var metricNames: [String] {
        ["game_leader_gradient_norm", "game_total_derivative_norm", "game_correction_norm", "game_total_derivative_cosine", "game_lambda",
         "game_follower_gradient_norm", "game_follower_loss", "game_follower_loss_drop",
         "game_hessian_max", "game_hessian_min", "game_hessian_condition", "game_hessian_indefinite"]
        + (1...eigenvalues).flatMap { ["game_eig\($0)_re", "game_eig\($0)_im"] }
        + ["game_rotation", "game_rotation_max"]
        + (stackelbergSpectrum ? (1...eigenvalues).flatMap { ["game_stackelberg_eig\($0)_re", "game_stackelberg_eig\($0)_im"] }
            + ["game_stackelberg_rotation", "game_stackelberg_rotation_max"] : [])
        + (1...sketchDimension).map { "game_path_\($0)" }
        + (1...sketchDimension).map { "game_field_\($0)" }
        + (1...sketchDimension).map { "game_stackelberg_field_\($0)" }
    }
}
