import Agents
import Environments

/// The registry entry of PPO and BLPO's couplings on it.
enum PolicyGradientEntries {
    static let ppoTable = SettingTable<PPOConfig>([
        .int("total_steps", \.totalSteps, "environment steps over all copies", .totalSteps),
        .int("rollout_length", \.rolloutLength, "T: steps of each copy per rollout", .positive),
        .int("epochs", \.epochs, "passes over each rollout", .positive),
        .int("minibatches", \.minibatches, "minibatches per epoch", .positive),
        .choice("minibatch_layout", \.minibatchLayout, "rows shuffled (CleanRL) or whole copies' trajectories (BLPO's code)"),
        .choice("advantages", \.advantages, "GAE once per rollout (CleanRL) or recomputed per minibatch with the current critic, differentiable (BLPO's code)"),
        .real("gamma", \.gamma, "discount γ", .unit),
        .real("gae_lambda", \.gaeLambda, "GAE's λ", .unit),
        .real("clip", \.clip, "ε of the clipped surrogate and of value clipping", .positive),
        .bool("clip_value_loss", \.clipValueLoss, "clip V around the rollout's values in the critic's loss"),
        .real("ent_coef", \.entropyCoefficient, "entropy bonus c_ent in the actor's loss", .nonNegative),
        .real("vf_coef", \.valueCoefficient, "c_v of the value loss in the joint loss (monolithic)", .nonNegative),
        .real("max_grad_norm", \.maxGradientNorm, "global-norm clipping of each optimizer's gradient; 0: none", .nonNegative),
        .real("lr", \.learningRate, "Adam learning rate of the joint loss (monolithic)", .positive),
        .real("actor_lr", \.actorLearningRate, "the actor's Adam learning rate under a two-player coupling", .positive),
        .real("critic_lr", \.criticLearningRate, "the critic's Adam learning rate under a two-player coupling", .positive),
        .bool("anneal_lr", \.annealLearningRate, "decay every learning rate linearly to 0 over the run (over anneal_steps when set)"),
        .int("anneal_steps", \.annealSteps, "with anneal_lr: environment steps over which the rates reach 0 (0: total_steps; more: this run follows the start of a longer run's schedule)", .nonNegative),
        .real("adam_epsilon", \.adamEpsilon, "Adam's ε", .positive),
        .bool("normalize_advantages", \.normalizeAdvantages, "normalize Â over each minibatch"),
        .choice("network.layout", \.network, "separate actor and critic MLPs, one shared dense body, the shared Nature CNN (pixels), MinAtar's CNN (grids), or SPRIG's attention perception module"),
        .ints("network.actor_widths", \.actorWidths, "the actor's hidden widths (tanh); the shared body's under shared_mlp"),
        .ints("network.critic_widths", \.criticWidths, "the critic's hidden widths (tanh)"),
        .int("perception.dim", \.perception.dimension, "attention perception: token width d of the spatial and temporal attention (a multiple of the heads)", .positive),
        .int("perception.heads", \.perception.heads, "attention perception: heads of each attention block", .positive),
        .int("perception.features", \.perception.features, "attention perception: width of the features f_θ(s) the heads read", .positive),
        .bool("perception.cell_gate", \.perception.cellGate, "attention perception: a sigmoid gate on each cell before the frame summary (the gate_l1 cost needs it)"),
        .choice("perception.stem", \.perception.stem, "attention perception: the convolutional stem whose cells the spatial attention reads: auto (nature2 on 36×36 pixels or more, minatar on smaller grids), the Nature CNN's first two or all three convolutions (81 or 49 cells on 84×84), or MinAtar's one 3×3"),
        .int("perception.spatial_blocks", \.perception.spatialBlocks, "attention perception: residual self-attention blocks over each frame's cells (depth of the spatial level)", .positive),
        .int("perception.temporal_blocks", \.perception.temporalBlocks, "attention perception: residual self-attention blocks across the stacked frames (0: none; none run over one frame)", .nonNegative),
        .real("initial_log_std", \.initialLogStd, "the state-independent log σ at the start (box actions)"),
        .bool("normalize_observations", \.normalizeObservations, "normalize observations by running statistics (frozen for evaluation)"),
        .real("observation_clip", \.observationClip, "clip normalized observations to ±this", .positive),
        .bool("normalize_rewards", \.normalizeRewards, "divide rewards by the running std of the discounted return"),
        .real("reward_clip", \.rewardClip, "clip scaled rewards to ±this", .positive),
        .bool("clip_rewards_sign", \.clipRewardsToSign, "learn from sign(r) (CleanRL's Atari reward clipping); logged returns stay raw"),
        .choice("truncation", \.truncation, "a truncated episode bootstraps from V(final observation), or ends like a termination (CleanRL, PureJaxRL, BLPO)"),
    ])

    /// CleanRL's `ppo.py` on classic control (and MinAtar, untuned: separate MLPs on the flattened
    /// grid), `ppo_continuous_action.py` on MuJoCo (one copy of 2,048 steps, 10 epochs of 32
    /// minibatches, Adam 3e-4, no entropy, normalized observations and rewards, 1e6 steps),
    /// `ppo_atari.py` on Atari (8 copies × 128 steps, the shared Nature CNN, clip 0.1, sign-clipped
    /// rewards, 1e7 steps; episodic life and fire reset are run keys, set in `ppoOverrides`).
    static let ppoPreset: @Sendable (String) -> PPOConfig = { env in
        var c = PPOConfig()
        if EnvironmentFamily(environment: env) == .minAtar {
            // MinAtar's network shared by both heads; 64 copies × 128 steps, 4 epochs of 8
            // minibatches, Adam 5e-4 (this toolkit's choice in PureJaxRL's style, untuned), 5e6 steps.
            c.totalSteps = 5_000_000
            c.network = .minAtarCNN
            c.minibatches = 8
            c.learningRate = 5e-4
            // A smaller attention module on 8×8-cell grids (d 16, 2 heads): at d 32, 4 heads it
            // ran 16× slower than MinAtar's network per sample on this CPU.
            c.perception.dimension = 16
            c.perception.features = 128
        }
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
        // Actor and critic are two players: separate networks (MinAtar's shared CNN is PPO's).
        c.network = .separate
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

    /// SPRIG's module (arXiv 2502.14264): the attention perception is the body, and it leads.
    static let sprigPreset: @Sendable (inout PPOConfig, String, String) -> Void = { c, coupling, _ in
        if coupling == "sprig" { c.network = .attention }
    }

    /// Run and coupling keys: PPO on MuJoCo runs one copy (CleanRL); BLPO's couplings one
    /// minibatch per copy (4 on classic control, 32 on MuJoCo) with the code's per-task K, β and
    /// ε_F (K = 5 on classic control, `run_dis.sh`).
    static let ppoOverrides: @Sendable (String, String) -> Settings = { env, coupling in
        var s = Settings()
        let family = EnvironmentFamily(environment: env)
        let bilevel = coupling == "nested" || coupling == "blpo"
        if family == .muJoCo { s["num_envs"] = .number(bilevel ? 32 : 1) }
        if family == .atari {
            // ppo_atari.py: 8 copies, and SB3's EpisodicLifeEnv and FireResetEnv around the game.
            s["num_envs"] = .number(8)
            s["env_episodic_life"] = .bool(true)
            s["env_fire_reset"] = .bool(true)
        }
        if family == .minAtar {
            s["num_envs"] = .number(64)
            // SPRIG's temporal attention needs frames: MinAtar stacks none of its own. Two, not
            // Atari's four: MinAtar's grids already carry motion trails, and each frame costs a
            // full spatial pass. Every coupling gets them, so SPRIG and its baselines see one input.
            s["env_frame_stack"] = .number(2)
            if coupling == "sprig" {
                s["sprig.leader_lr"] = .number(5e-4)
                s["sprig.follower_lr"] = .number(5e-4)
            }
        }
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
        name: "ppo", summary: "PPO (arXiv 1707.06347) as CleanRL/PureJaxRL run it; nested and blpo are BLPO's PPO-Nested and BLPO (arXiv 2505.11714); sprig is SPRIG's perception leader (arXiv 2502.14264)",
        couplings: ["monolithic", "nested", "blpo", "sprig"], actionSpaces: [.discrete, .box], table: ppoTable, preset: ppoPreset,
        couplingPreset: { c, coupling, env in blpoPreset(&c, coupling, env); sprigPreset(&c, coupling, env) }, familyOverrides: ppoOverrides,
        // Which optimizer settings each coupling reads: one joint Adam (monolithic), the actor's and
        // the critic's (nested, blpo: no joint loss, so no vf_coef), the leader's and follower's (sprig).
        inertKeys: { coupling in
            switch coupling {
            case "monolithic":
                let joint = "the one joint loss steps at lr"
                return ["actor_lr": joint, "critic_lr": joint]
            case "nested", "blpo":
                return ["lr": "the actor and the critic step at actor_lr and critic_lr",
                        "vf_coef": "the critic minimizes its own loss with its own optimizer"]
            case "sprig":
                let stages = "the leader and follower stages step at sprig.leader_lr and sprig.follower_lr"
                return ["lr": stages, "actor_lr": stages, "critic_lr": stages]
            default:
                return [:]
            }
        },
        notes: { s in
            // One-row minibatches: Â − mean(Â) is 0, so normalized advantages are all 0 and the policy's loss
            // (SPRIG's leader policy term too) carries no gradient; a new user's tiny trial ran so without a word.
            var notes = [String]()
            if ((try? s.bool("normalize_advantages")) ?? nil) == true, let copies = (try? s.int("num_envs")) ?? nil,
               let length = (try? s.int("rollout_length")) ?? nil, let minibatches = (try? s.int("minibatches")) ?? nil,
               copies * length == minibatches {
                notes.append("num_envs × rollout_length = \(copies * length) rows in \(minibatches) minibatches is one row each: normalize_advantages = true makes every advantage 0 there, so the policy loss moves nothing; use fewer minibatches or set normalize_advantages = false")
            }
            // SPRIG settings under which a stage moves nothing: legal (ablations), but said, since a run that
            // never trains its perception module reads like one whose module learned nothing.
            guard (try? s.string("coupling")) == "sprig", let alpha = (try? s.double("sprig.cooperation")) ?? nil,
                  let weight = (try? s.double("sprig.cost_weight")) ?? nil, alpha == 1 || weight == 0 else { return notes }
            let reaches = ((try? s.bool("sprig.follower_reaches_perception")) ?? nil) ?? true
            guard alpha == 1 && weight == 0 else {
                return notes + (weight == 0 && !reaches ? ["sprig.cost_weight = 0: the attention cost enters neither stage, and the follower stage does not reach θ (sprig.follower_reaches_perception = false), so θ moves on the leader's policy term alone"] : [])
            }
            return notes + [reaches
                ? "sprig.cooperation = 1 with sprig.cost_weight = 0: the leader's utility α_coop·(−λ_c·C_θ) + (1 − α_coop)·u_policy is 0, so the leader stage never moves θ; only the follower stage's PPO loss trains it"
                : "sprig.cooperation = 1 with sprig.cost_weight = 0 and sprig.follower_reaches_perception = false: the leader's utility is 0 and the follower stage does not reach θ, so the perception module stays at its initialization"]
        },
        // SPRIG's module attends over the cells of image frames (PPOAgent refuses flat observations).
        families: { coupling in coupling == "sprig" ? [.minAtar, .atari] : EnvironmentFamily.allCases },
        validate: { c, copies in try c.validate(copies: copies) },
        validateWithCoupling: { c, spec, copies, shape, environment in
            var c = c
            c.coupling = spec
            var checks = ConfigChecks()
            try checks.include { try c.validate(copies: copies) }
            try checks.include { try c.checkObservations(shape: shape, environment: environment) }
            try checks.finish()
        },
        make: { c, spec, env, seed in
            var c = c
            c.coupling = spec
            return try PPOAgent(config: c, environment: env, seed: seed)
        })
}
