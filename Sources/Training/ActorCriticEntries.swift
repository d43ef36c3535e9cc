import Agents
import Environments

/// The registry entries of the off-policy actor–critic family: DDPG and SAC with STAC's couplings.
enum ActorCriticEntries {
    /// The keys every off-policy actor–critic has.
    static let common: [SettingDeclaration<OffPolicySettings>] = [
        .int("total_steps", \.totalSteps, "environment steps over all copies", .totalSteps),
        .int("buffer_size", \.bufferSize, "replay capacity in transitions", .positive),
        .int("batch_size", \.batchSize, "minibatch size of each player step", .positive),
        .int("random_steps", \.randomSteps, "environment steps with uniformly random actions first", .nonNegative),
        .int("update_after", \.updateAfter, "environment steps before the first update", .nonNegative),
        .int("update_every", \.updateEvery, "every N environment steps, N updates", .positive),
        .choice("first_updates", \.firstUpdates, "the first round of updates: update_every of them (SpinningUp, STAC code) or one per step so far (catch_up: what runs made before this key existed did)"),
        .real("gamma", \.gamma, "discount γ", .unit),
        .real("polyak", \.polyak, "target networks: p̄ ← ρ p̄ + (1 − ρ) p after each update", .unit),
        .real("actor_lr", \.actorLearningRate, "the actor's Adam learning rate", .positive),
        .real("critic_lr", \.criticLearningRate, "the critic's Adam learning rate", .positive),
        .real("max_grad_norm", \.maxGradientNorm, "global-norm clipping of each player's gradient; 0: none", .nonNegative),
        .ints("network.actor_widths", \.actorWidths, "the actor's hidden widths (ReLU)"),
        .ints("network.critic_widths", \.criticWidths, "the critic's (each critic's) hidden widths (ReLU)"),
    ]

    /// The paper's settings for MuJoCo, smaller ones for classic control (Pendulum).
    static func commonPreset(_ env: String) -> OffPolicySettings {
        EnvironmentFamily(environment: env) == .classic ? .classicControl() : OffPolicySettings()
    }

    static let ddpgTable = SettingTable<DDPGConfig>(common.map { $0.nested(in: \DDPGConfig.common) } + [
        .real("action_noise", \.actionNoise, "exploration noise σ in units of the action box's half-width", .nonNegative),
        .choice("target_actor", \.targetActor, "the actor in the critic's target: current (STAC code) or target (Lillicrap; CleanRL)"),
    ])

    static let ddpgPreset: @Sendable (String) -> DDPGConfig = { env in
        var c = DDPGConfig()
        c.common = commonPreset(env)
        return c
    }

    /// STAC's off-policy code: λ = 500 decaying as exp(−t/1e5) over environment steps; one copy.
    static let stacOverrides: Settings = {
        var s = Settings()
        s["stackelberg.lambda"] = .number(500)
        s["stackelberg.lambda_time_constant"] = .number(100_000)
        s["num_envs"] = .number(1)
        return s
    }()

    static let ddpg = AlgorithmRegistry.Entry(
        name: "ddpg", summary: "DDPG (arXiv 1509.02971) as SpinningUp and STAC run it; actor-leader/critic-leader are STDDPG-AL/-CL (arXiv 2109.12286)",
        couplings: ["individual", "actor-leader", "critic-leader"], actionSpaces: [.box], table: ddpgTable, preset: ddpgPreset,
        overrides: stacOverrides,
        validate: { c, _ in try c.validate() },
        make: { c, spec, env, seed in
            var c = c
            c.coupling = spec
            return try DDPGAgent(config: c, environment: env, seed: seed)
        })
}

extension ActorCriticEntries {
    static let sacTable = SettingTable<SACConfig>(common.map { $0.nested(in: \SACConfig.common) } + [
        .real("alpha", \.alpha, "entropy temperature α (its start when tuned)", .positive),
        .bool("tune_alpha", \.tuneAlpha, "tune α toward the target entropy −dim(A)"),
        .real("alpha_lr", \.alphaLearningRate, "Adam learning rate of log α when tuned", .positive),
        .real("log_std_min", \.logStdMin, "lower bound of the policy's log σ"),
        .real("log_std_max", \.logStdMax, "upper bound of the policy's log σ"),
        .choice("log_std_bound", \.logStdBound, "clamp the raw log σ (SpinningUp, STAC) or map it smoothly (CleanRL)"),
    ])

    static let sacPreset: @Sendable (String) -> SACConfig = { env in
        var c = SACConfig()
        c.common = commonPreset(env)
        return c
    }

    static let sac = AlgorithmRegistry.Entry(
        name: "sac", summary: "SAC (arXiv 1801.01290) with twin Q and fixed α = 0.2 as SpinningUp and STAC run it; actor-leader/critic-leader are STSAC-AL/-CL",
        couplings: ["individual", "actor-leader", "critic-leader"], actionSpaces: [.box], table: sacTable, preset: sacPreset,
        overrides: stacOverrides,
        validate: { c, _ in try c.validate() },
        make: { c, spec, env, seed in
            var c = c
            c.coupling = spec
            return try SACAgent(config: c, environment: env, seed: seed)
        })
}

extension ActorCriticEntries {
    static let acTable = SettingTable<ACConfig>([
        .int("total_steps", \.totalSteps, "environment steps over all copies", .totalSteps),
        .int("batch_steps", \.batchSteps, "environment steps per batch (one actor step), over all copies", .positive),
        .real("gamma", \.gamma, "discount γ", .unit),
        .real("gae_lambda", \.gaeLambda, "GAE's λ for the actor's advantages", .unit),
        .real("actor_lr", \.actorLearningRate, "the actor's learning rate (0.1 is for plain GD; with Adam use e.g. 3e-4)", .positive),
        .real("critic_lr", \.criticLearningRate, "the critic's learning rate (0.01 is for plain GD; with Adam use e.g. 1e-3)", .positive),
        .choice("optimizer", \.optimizer, "plain gradient descent (the paper) or Adam; the rates are not changed with it"),
        .real("gradient_noise", \.gradientNoise, "σ of Gaussian noise added to both players' gradients (the public grid: 0.05)", .nonNegative),
        .ints("network.actor_widths", \.actorWidths, "the actor's hidden widths (tanh); [] a linear policy without bias (toy/stac_bandit: mean θ)"),
        .ints("network.critic_widths", \.criticWidths, "the value critic's hidden widths (tanh)"),
        .choice("critic", \.critic, "the critic: V_w(s) on Monte-Carlo returns, or Q_w(a) = w·a, the STAC toy game's (box actions; toy/stac_bandit)"),
        .real("initial_log_std", \.initialLogStd, "log σ at the start (box actions)"),
        .bool("learn_log_std", \.learnLogStd, "the actor learns log σ (false: σ = exp(initial_log_std) throughout, as in the toy game)"),
        .real("toy.initial_theta", \.initialTheta, "with network.actor_widths = []: every weight of the linear actor starts here (the toy's θ₀ = 0.8 on toy/stac_bandit)"),
        .real("toy.initial_w", \.initialW, "with critic = linear_action: every entry of w starts here (the toy's w₀ = 0.6 on toy/stac_bandit)"),
        .bool("normalize_advantages", \.normalizeAdvantages, "normalize Â over the batch"),
        .choice("mixed_term", \.mixedTerm, "STAC's ∇_θ∇_w L: Prop. 1 over every episode segment per step (episodes) or per trajectory, or the public code's first-transition surrogate"),
        .real("max_grad_norm", \.maxGradientNorm, "global-norm clipping of each player's gradient; 0: none", .nonNegative),
    ])

    /// The STAC toy game on `toy/stac_bandit` (arXiv 2109.12286, Sec. 3.2, App. A): a Gaussian actor
    /// of mean θ (linear, no hidden layer) with σ = e^−1.5 ≈ 0.223 fixed, the linear critic
    /// Q_w(a) = w·a, plain gradient descent at rate 0.01 for both players from (θ, w) = (0.8, 0.6),
    /// 4,096 one-step episodes per update, 1,000 updates.
    static func stacToyPreset() -> ACConfig {
        var c = ACConfig()
        c.actorWidths = []
        c.critic = .linearAction
        c.learnLogStd = false
        c.initialLogStd = -1.5
        c.initialTheta = 0.8
        c.initialW = 0.6
        c.actorLearningRate = 0.01
        c.criticLearningRate = 0.01
        c.optimizer = .sgd
        c.batchSteps = 4_096
        c.totalSteps = 1_000 * 4_096
        c.normalizeAdvantages = false
        return c
    }

    /// The toy's run keys and λ: one copy per sample (every copy's episode is one step, so a batch
    /// is one step of `batch_steps` copies), one `updates.csv` row per update (the path), and the
    /// symbolic module's λ = 0.04, constant.
    static func stacToyOverrides() -> Settings {
        let batch = Double(stacToyPreset().batchSteps)
        var s = Settings()
        s["num_envs"] = .number(batch)
        s["log_interval"] = .number(batch)
        s["eval_interval"] = .number(batch * 100)
        s["eval_episodes"] = .number(1)
        s["checkpoint_interval"] = .number(batch * 500)
        // Every sample is an episode: episodes.csv and TensorBoard would get 4,096 rows per update.
        s["tensorboard"] = .bool(false)
        s["log_episodes"] = .bool(false)
        s["stackelberg.lambda"] = .number(0.04)
        s["stackelberg.lambda_time_constant"] = .number(0)
        return s
    }

    /// The paper's settings; 2e6 steps on MuJoCo (its Fig. 3b–d), 8e5 elsewhere (CartPole, Fig. 3a).
    /// MinAtar and Atari run 128 copies, so a batch is 4,096 steps (32 per copy) there. The STAC toy
    /// bandit gets the toy game's settings (``stacToyPreset()``).
    static let acPreset: @Sendable (String) -> ACConfig = { env in
        if env == StacBandit.name { return stacToyPreset() }
        var c = ACConfig()
        switch EnvironmentFamily(environment: env) {
        case .muJoCo: c.totalSteps = 2_000_000
        case .minAtar, .atari: c.batchSteps = 4_096
        case .classic: break
        }
        return c
    }

    static let ac = AlgorithmRegistry.Entry(
        name: "ac", summary: "on-policy actor–critic (GAE, Monte-Carlo V critic, plain GD or Adam); actor-leader is STAC (arXiv 2109.12286, Sec. 4.2)",
        couplings: ["individual", "actor-leader"], actionSpaces: [.discrete, .box], table: acTable, preset: acPreset,
        familyOverrides: { env, _ in env == StacBandit.name ? stacToyOverrides() : Settings() },
        inertKeys: { coupling in
            switch coupling {
            // S(θ, w) has no w-gradient: it reaches only the actor's total derivative.
            case "individual": return ["mixed_term": "Prop. 1's mixed term enters only the actor's total derivative (--coupling actor-leader)"]
            // The critic's loss on the batch's fixed returns does not depend on the actor: its first
            // step is the same before or after the actor's.
            case "actor-leader": return ["stackelberg.fresh_follower_batches": "every critic step of AC takes the whole batch",
                                         "stackelberg.order": "the critic's loss on the batch's fixed returns does not depend on the actor, so its first step is the same either way"]
            default: return [:]
            }
        },
        notes: { s in
            // The optimizer does not change the rates: Adam at plain descent's 0.1 takes steps of about
            // 0.1 per weight from the first update on.
            guard (try? s.string("optimizer")) == "adam", let env = (try? s.string("env")) ?? nil else { return [] }
            let plain = acPreset(env)
            guard plain.optimizer == .sgd else { return [] }
            let atPlain = [("actor_lr", plain.actorLearningRate, "3e-4"), ("critic_lr", plain.criticLearningRate, "1e-3")].compactMap { key, rate, adam in
                ((try? s.double(key)) ?? nil).flatMap { Float($0) == rate ? (key, Settings.format($0), adam) : nil }
            }
            guard !atPlain.isEmpty else { return [] }
            let values = atPlain.map { "\($0.0) = \($0.1)" }.joined(separator: " and ")
            let fix = atPlain.map { "--set \($0.0)=\($0.2)" }.joined(separator: " ")
            return ["optimizer = adam runs at \(values), plain descent's default (the optimizer does not change the rates); an Adam step moves each weight by about the rate, so give Adam's, e.g. \(fix)"]
        },
        validate: { c, copies in try c.validate(copies: copies) },
        make: { c, spec, env, seed in
            var c = c
            c.coupling = spec
            return try ACAgent(config: c, environment: env, seed: seed)
        })
}
