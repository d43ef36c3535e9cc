/// Settings of PPO (Schulman et al. 2017, arXiv 1707.06347) as CleanRL and PureJaxRL implement it,
/// and of BLPO's variants of it (arXiv 2505.11714, its public code). Defaults are CleanRL's
/// `ppo.py` (classic control): 4 copies × 128 steps, 4 epochs of 4 shuffled minibatches, Adam 2.5e-4
/// (ε 1e-5) annealed to 0, GAE(0.99, 0.95), clip 0.2 with value clipping, entropy 0.01, value
/// 0.5, global gradient clip 0.5, separate (64, 64) tanh networks with orthogonal initialization,
/// 5e5 steps. The registry's presets change them per environment family (CleanRL's
/// `ppo_continuous_action.py` on MuJoCo) and per coupling (BLPO's code under `nested` and `blpo`).
public struct PPOConfig: Sendable {
    /// How an epoch cuts the rollout into minibatches.
    public enum MinibatchLayout: String, Sendable, CaseIterable {
        /// Rows drawn at random (CleanRL, PureJaxRL).
        case shuffled
        /// Whole trajectories of copies, the copies shuffled: with as many minibatches as copies,
        /// one copy's T steps each (BLPO's code). Needed to recompute advantages per minibatch.
        case trajectories
    }

    /// The networks: separate actor and critic MLPs, or one body shared by a policy head and a value
    /// head (a dense body, the Nature CNN on pixel observations: CleanRL's `ppo_atari.py`, MinAtar's
    /// network on its grids, or SPRIG's attention perception module, which can lead).
    public enum NetworkLayout: String, Sendable, CaseIterable {
        case separate
        case sharedMLP = "shared_mlp"
        case natureCNN = "nature_cnn"
        case minAtarCNN = "minatar_cnn"
        case attention
    }

    /// Where each minibatch's advantages come from.
    public enum Advantages: String, Sendable, CaseIterable {
        /// GAE once per rollout, with the critic that collected it (CleanRL).
        case rollout
        /// GAE recomputed on each minibatch's trajectories with the current critic, differentiable
        /// in its parameters, so the actor's loss depends on the critic (BLPO's code). The value
        /// targets stay the rollout's.
        case recomputed
    }

    /// `MonolithicSpec()`: PPO; `NestedSpec` without the implicit term: PPO-Nested; with it: BLPO.
    public var coupling: any CouplingSpec = MonolithicSpec()
    public var totalSteps = 500_000
    /// T: steps of each copy per rollout (a rollout is T × num_envs environment steps).
    public var rolloutLength = 128
    public var epochs = 4
    public var minibatches = 4
    public var minibatchLayout: MinibatchLayout = .shuffled
    public var advantages: Advantages = .rollout
    public var gamma: Float = 0.99
    public var gaeLambda: Float = 0.95
    /// ε of the clipped surrogate (and of value clipping).
    public var clip: Float = 0.2
    public var clipValueLoss = true
    public var entropyCoefficient: Float = 0.01
    /// c_v of the joint loss (monolithic); a two-player coupling steps the critic on its own loss.
    public var valueCoefficient: Float = 0.5
    /// Global-norm clipping of each optimizer's gradient; 0: none.
    public var maxGradientNorm: Float = 0.5
    /// The monolithic optimizer's learning rate.
    public var learningRate: Float = 2.5e-4
    /// A two-player coupling's actor and critic rates (BLPO's discrete runs: 2.5e-4 and 1e-3).
    public var actorLearningRate: Float = 2.5e-4
    public var criticLearningRate: Float = 1e-3
    /// Linear decay of every learning rate to 0 over the run (over `annealSteps` when set).
    public var annealLearningRate = true
    /// Environment steps over which `annealLearningRate` takes the rates to 0; 0: `totalSteps`. A
    /// horizon past `totalSteps` runs the first part of a longer run's schedule, so a short run
    /// matches the start of a long one (SPRIG's early-learning comparison over the first 2M steps of
    /// 10M, arXiv 2502.14264 Sec. 5; CleanRL's `ppo_atari.py` anneals over its 10M).
    public var annealSteps = 0
    public var adamEpsilon: Float = 1e-5
    /// Â ← (Â − mean)/(std + 1e-8) over each minibatch.
    public var normalizeAdvantages = true
    public var network: NetworkLayout = .separate
    /// The attention perception module's sizes (`network.layout = attention`).
    public var perception = AttentionPerception.Settings()
    /// The actor's hidden widths (separate), or the shared dense body's (shared_mlp).
    public var actorWidths = [64, 64]
    /// Empty: a linear V (the linear critic BLPO's analysis assumes).
    public var criticWidths = [64, 64]
    /// log σ at the start, for box actions (state-independent; CleanRL: 0).
    public var initialLogStd: Float = 0
    /// Observations ← clip((x − mean)/√(var + 1e-8), ±observation_clip), running statistics over
    /// every observation acted on, frozen for evaluation (CleanRL's MuJoCo wrappers).
    public var normalizeObservations = false
    public var observationClip: Float = 10
    /// Rewards ÷ the running std of each copy's discounted return, then clipped to ±reward_clip.
    public var normalizeRewards = false
    public var rewardClip: Float = 10
    /// Rewards ← sign(r) for learning (CleanRL's Atari `ClipRewardEnv`); the logged returns stay raw.
    public var clipRewardsToSign = false
    /// A truncated episode bootstraps from V(final observation) (default), or ends like a
    /// termination (CleanRL, PureJaxRL and BLPO: set it to reproduce them).
    public var truncation: RolloutBuffer.TruncationRule = .bootstrap

    public init() {}

    /// The most rows (T × copies) a rollout may hold: 16.8M rows, about 1 GB before observations.
    public static let maxRolloutRows = 1 << 24

    static func gigabytes(_ t: Int, _ n: Int) -> String {
        String(format: "%.0f", Double(t) * Double(n) * 14 * 4 / 1e9)
    }

    /// Updates over the annealing horizon (`annealSteps`, else the run): one per minibatch.
    public func plannedUpdates(copies: Int) -> Int {
        let rollout = Swift.max(1, rolloutLength * copies)
        let horizon = annealSteps > 0 ? annealSteps : totalSteps
        return Swift.max(1, (horizon + rollout - 1) / rollout) * epochs * minibatches
    }

    /// Throws `AgentError.badConfig` naming every setting out of range (``ConfigChecks``) and the fix.
    /// Refuses a network the observations cannot feed: SPRIG's module and the convolutional layouts read
    /// [height, width, channels] frames. Called by `PPOAgent`'s initializer and, before anything runs, by
    /// `train`'s checks (with `--dry-run` too), which pass the environment's observation shape.
    public func checkObservations(shape: [Int], environment: String) throws {
        if coupling.base is SprigSpec, shape.count != 3 {
            throw AgentError.badConfig("the sprig coupling needs image observations (MinAtar, Atari): its perception module attends over the cells of [height, width, channels] frames, and \(environment) has \(shape)")
        }
        if [NetworkLayout.natureCNN, .minAtarCNN, .attention].contains(network), shape.count != 3 {
            throw AgentError.badConfig("network.layout = \(network.rawValue) needs [height, width, channels] observations; \(environment) has \(shape): use separate or shared_mlp")
        }
        if network == .attention, shape.count == 3 { try perception.stem.check(height: shape[0], width: shape[1]) }
    }

    public func validate(copies: Int) throws {
        var checks = ConfigChecks()
        checks.require(totalSteps > 0, "total_steps must be positive, got \(totalSteps)")
        checks.require(rolloutLength >= 1, "rollout_length (T, steps per copy per rollout) must be ≥ 1, got \(rolloutLength)")
        // Sizes before anything is allocated: a rollout holds about 14 floats per row besides the
        // observations (which double that at least).
        let rows = rolloutLength.multipliedReportingOverflow(by: copies)
        checks.require(!rows.overflow && rows.partialValue <= Self.maxRolloutRows,
                       "rollout_length × num_envs = \(rolloutLength) × \(copies) rows would need more than \(Self.gigabytes(rolloutLength, copies)) GB for the rollout alone; keep it under \(Self.maxRolloutRows) rows")
        checks.require(rows.overflow || totalSteps >= rows.partialValue,
                       "total_steps (\(totalSteps)) is less than one rollout (rollout_length × num_envs = \(rows.partialValue)): lower rollout_length or raise total_steps (--steps)")
        checks.require(!annealLearningRate || annealSteps == 0 || annealSteps >= totalSteps,
                       "anneal_steps (\(annealSteps)) is less than total_steps (\(totalSteps)): the learning rates would stay at 0 after step \(annealSteps); set anneal_steps ≥ total_steps (a longer run's schedule), or 0 to anneal over this run")
        checks.require(epochs >= 1 && minibatches >= 1, "epochs and minibatches must be ≥ 1, got \(epochs) and \(minibatches)")
        // Remainders only by a count of at least 1 (the check above names a 0).
        switch minibatchLayout {
        case .shuffled:
            checks.require(minibatches < 1 || rows.overflow || rows.partialValue % minibatches == 0,
                           "minibatches (\(minibatches)) must divide the rollout's \(rows.partialValue) steps (rollout_length × num_envs)")
        case .trajectories:
            checks.require(minibatches < 1 || copies % minibatches == 0,
                           "with minibatch_layout = trajectories, minibatches (\(minibatches)) must divide num_envs (\(copies)): each minibatch holds whole trajectories of copies")
        }
        checks.require(advantages == .rollout || minibatchLayout == .trajectories,
                       "advantages = recomputed needs minibatch_layout = trajectories (GAE runs along each copy's trajectory)")
        checks.require((0...1).contains(gamma) && (0...1).contains(gaeLambda), "gamma and gae_lambda must be in [0, 1], got \(gamma) and \(gaeLambda)")
        checks.require(clip > 0 && clip.isFinite, "clip (ε) must be positive, got \(clip)")
        checks.require(entropyCoefficient >= 0 && entropyCoefficient.isFinite && valueCoefficient >= 0 && valueCoefficient.isFinite,
                       "ent_coef and vf_coef must be ≥ 0, got \(entropyCoefficient) and \(valueCoefficient)")
        checks.require(maxGradientNorm >= 0 && maxGradientNorm.isFinite, "max_grad_norm must be ≥ 0 (0: no clipping), got \(maxGradientNorm)")
        for (key, rate) in [("lr", learningRate), ("actor_lr", actorLearningRate), ("critic_lr", criticLearningRate)] {
            checks.require(rate > 0 && rate.isFinite, "\(key) must be positive, got \(rate)")
        }
        checks.require(adamEpsilon > 0 && adamEpsilon.isFinite, "adam_epsilon must be positive, got \(adamEpsilon)")
        checks.require(!actorWidths.isEmpty, "network.actor_widths needs at least one layer")
        checks.require(network == .separate || advantages == .rollout,
                       "advantages = recomputed needs network.layout = separate (the critic's values along each trajectory, apart from the policy)")
        if let nested = coupling.base as? NestedSpec, nested.options.implicitTerm {
            checks.require(advantages == .recomputed,
                           "the blpo coupling's correction needs advantages = recomputed: with the rollout's advantages the actor's loss does not depend on the critic and the correction is 0 (use --coupling nested for PPO-Nested)")
        }
        checks.require(network == .attention || !(coupling.base is SprigSpec),
                       "the sprig coupling makes the perception module the leader: it needs network.layout = attention, not \(network.rawValue)")
        if network == .attention {
            checks.require(perception.heads >= 1 && perception.dimension >= 1 && perception.dimension % perception.heads == 0,
                           "perception.dim (\(perception.dimension)) must be a positive multiple of perception.heads (\(perception.heads))")
            checks.require(perception.features >= 1, "perception.features must be ≥ 1, got \(perception.features)")
        }
        if let sprig = coupling.base as? SprigSpec {
            checks.require(sprig.options.attentionCost != .gateL1 || perception.cellGate,
                           "sprig.attention_cost = gate_l1 reads the cell gates: set perception.cell_gate = true, or choose the entropy or focus cost")
        }
        checks.require(network == .separate || !(coupling.base is NestedSpec),
                       "the \(coupling.name) coupling makes the actor and the critic two players: it needs network.layout = separate, not \(network.rawValue)")
        checks.require(initialLogStd.isFinite, "initial_log_std must be finite, got \(initialLogStd)")
        checks.require(observationClip > 0 && rewardClip > 0, "observation_clip and reward_clip must be positive, got \(observationClip) and \(rewardClip)")
        try checks.finish()
    }
}
