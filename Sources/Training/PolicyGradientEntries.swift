import Agents
import Environments

/// The registry entry of PPO and BLPO's couplings on it.
enum PolicyGradientEntries {
    static let ppoTable = SettingTable<PPOConfig>([
        .int("total_steps", \.totalSteps, "environment steps over all copies"),
        .int("rollout_length", \.rolloutLength, "T: steps of each copy per rollout"),
        .int("epochs", \.epochs, "passes over each rollout"),
        .int("minibatches", \.minibatches, "minibatches per epoch"),
        .choice("minibatch_layout", \.minibatchLayout, "rows shuffled (CleanRL) or whole copies' trajectories (BLPO's code)"),
        .choice("advantages", \.advantages, "GAE once per rollout (CleanRL) or recomputed per minibatch with the current critic, differentiable (BLPO's code)"),
        .real("gamma", \.gamma, "discount γ"),
        .real("gae_lambda", \.gaeLambda, "GAE's λ"),
        .real("clip", \.clip, "ε of the clipped surrogate and of value clipping"),
        .bool("clip_value_loss", \.clipValueLoss, "clip V around the rollout's values in the critic's loss"),
        .real("ent_coef", \.entropyCoefficient, "entropy bonus c_ent in the actor's loss"),
        .real("vf_coef", \.valueCoefficient, "c_v of the value loss in the joint loss (monolithic)"),
        .real("max_grad_norm", \.maxGradientNorm, "global-norm clipping of each optimizer's gradient; 0: none"),
        .real("lr", \.learningRate, "Adam learning rate of the joint loss (monolithic)"),
        .real("actor_lr", \.actorLearningRate, "the actor's Adam learning rate under a two-player coupling"),
        .real("critic_lr", \.criticLearningRate, "the critic's Adam learning rate under a two-player coupling"),
        .bool("anneal_lr", \.annealLearningRate, "decay every learning rate linearly to 0 over the run"),
        .real("adam_epsilon", \.adamEpsilon, "Adam's ε"),
        .bool("normalize_advantages", \.normalizeAdvantages, "normalize Â over each minibatch"),
        .choice("network.layout", \.network, "separate actor and critic MLPs, one shared dense body, or the shared Nature CNN (pixels)"),
        .ints("network.actor_widths", \.actorWidths, "the actor's hidden widths (tanh); the shared body's under shared_mlp"),
        .ints("network.critic_widths", \.criticWidths, "the critic's hidden widths (tanh)"),
        .real("initial_log_std", \.initialLogStd, "the state-independent log σ at the start (box actions)"),
        .bool("normalize_observations", \.normalizeObservations, "normalize observations by running statistics (frozen for evaluation)"),
        .real("observation_clip", \.observationClip, "clip normalized observations to ±this"),
        .bool("normalize_rewards", \.normalizeRewards, "divide rewards by the running std of the discounted return"),
        .real("reward_clip", \.rewardClip, "clip scaled rewards to ±this"),
        .bool("clip_rewards_sign", \.clipRewardsToSign, "learn from sign(r) (CleanRL's Atari reward clipping); logged returns stay raw"),
        .choice("truncation", \.truncation, "a truncated episode bootstraps from V(final observation), or ends like a termination (CleanRL, PureJaxRL, BLPO)"),
    ])

    /// CleanRL's `ppo.py` on classic control (and MinAtar, untuned: separate MLPs on the flattened
    /// grid), `ppo_continuous_action.py` on MuJoCo (one copy of 2,048 steps, 10 epochs of 32
    /// minibatches, Adam 3e-4, no entropy, normalized observations and rewards, 1e6 steps),
    /// `ppo_atari.py` on Atari (8 copies × 128 steps, the shared Nature CNN, clip 0.1, sign-clipped
    /// rewards, 1e7 steps).
    static let ppoPreset: @Sendable (String) -> PPOConfig = { env in
        var c = PPOConfig()
        if EnvironmentFamily(environment: env) == .atari {
            c.totalSteps = 10_000_000
            c.network = .natureCNN
            c.clip = 0.1
            c.clipRewardsToSign = true
        }
        if EnvironmentFamily(environment: env) == .muJoCo {
            c.totalSteps = 1_000_000
            c.rolloutLength = 2048
            c.epochs = 10
            c.minibatches = 32
            c.learningRate = 3e-4
            c.entropyCoefficient = 0
            c.normalizeObservations = true
            c.normalizeRewards = true
        }
        return c
    }

    /// BLPO's code under `nested` and `blpo` (arXiv 2505.11714; `dis_nystrom_ppo.py`,
    /// `nystrom_ppo.py`): one trajectory per minibatch, advantages recomputed with the current
    /// critic, no advantage normalization, value clipping, entropy, gradient clipping or
    /// annealing, truncation as termination, actor and critic on their own Adam (discrete 2.5e-4 /
    /// 1e-3, continuous 3e-4 / 1.2e-3). On MuJoCo the code's Brax layout: 32 copies × 640 steps,
    /// 4 epochs of 32 one-trajectory minibatches (49 rollouts in 1e6 steps). A layout at CleanRL's
    /// sample budget (32 × 64, 10 epochs of 64-step minibatches) was tried first and made the
    /// policy drift (approximate KL above 2, entropy collapsing) on HalfCheetah.
    static let blpoPreset: @Sendable (inout PPOConfig, String, String) -> Void = { c, coupling, env in
        guard coupling == "nested" || coupling == "blpo" else { return }
        c.minibatchLayout = .trajectories
        c.advantages = .recomputed
        c.normalizeAdvantages = false
        c.clipValueLoss = false
        c.entropyCoefficient = 0
        c.maxGradientNorm = 0
        c.annealLearningRate = false
        c.truncation = .noBootstrap
        if EnvironmentFamily(environment: env) == .muJoCo {
            c.actorLearningRate = 3e-4
            c.criticLearningRate = 1.2e-3
            c.rolloutLength = 640
            c.epochs = 4
            c.minibatches = 32
        }
    }

    /// Run and coupling keys: PPO on MuJoCo runs one copy (CleanRL); BLPO's couplings one
    /// minibatch per copy (4 on classic control, 32 on MuJoCo) with the code's per-task K, β and
    /// ε_F (K = 5 on classic control, `run_dis.sh`).
    static let ppoOverrides: @Sendable (String, String) -> Settings = { env, coupling in
        var s = Settings()
        let family = EnvironmentFamily(environment: env)
        let bilevel = coupling == "nested" || coupling == "blpo"
        if family == .muJoCo { s["num_envs"] = .number(bilevel ? 32 : 1) }
        if family == .atari { s["num_envs"] = .number(8) }
        if bilevel {
            switch family {
            case .muJoCo:
                let task = env.split(separator: "/").last.map(String.init) ?? ""
                let (k, beta, clipF): (Double, Double, Double) = task == "halfcheetah" ? (7, 1.4, 0.7) : (3, 0.8, 0.84)
                s["nested.follower_steps"] = .number(k)
                s["blpo.correction_clip"] = .number(beta)
                s["blpo.linearized_ratio_clip"] = .number(clipF)
            default:
                s["nested.follower_steps"] = .number(5)
            }
        }
        return s
    }

    static let ppo = AlgorithmRegistry.Entry(
        name: "ppo", summary: "PPO (arXiv 1707.06347) as CleanRL/PureJaxRL run it; nested and blpo are BLPO's PPO-Nested and BLPO (arXiv 2505.11714)",
        couplings: ["monolithic", "nested", "blpo"], actionSpaces: [.discrete, .box], table: ppoTable, preset: ppoPreset,
        couplingPreset: blpoPreset, familyOverrides: ppoOverrides,
        validate: { c, copies in try c.validate(copies: copies) },
        validateWithCoupling: { c, spec, copies in
            var c = c
            c.coupling = spec
            try c.validate(copies: copies)
        },
        make: { c, spec, env, seed in
            var c = c
            c.coupling = spec
            return try PPOAgent(config: c, environment: env, seed: seed)
        })
}
