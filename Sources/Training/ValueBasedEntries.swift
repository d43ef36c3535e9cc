import Agents
import Environments

/// The registry entries of the value-based family: the DQN variants and PQN, with their setting
/// tables and presets (the SCORER public code's MinAtar settings for MinAtar and Atari, small ones
/// for classic control).
enum ValueBasedEntries {
    /// Classic-control run lengths: 100k steps, 150k for Acrobot, whose −1-per-step reward gives
    /// nothing to learn from until random exploration first reaches the goal.
    static func classicSteps(_ env: String) -> Int { env == "acrobot" ? 150_000 : 100_000 }

    static func network(dueling: Bool) -> [SettingDeclaration<QNetworkSpec>] {
        var d: [SettingDeclaration<QNetworkSpec>] = [
            .choice("network.encoder", \.encoder, "the encoder's first layer"),
            .ints("network.encoder_widths", \.encoderWidths, "the encoder's dense widths"),
            .choice("network.normalization", \.normalization, "what the encoder does besides ReLU"),
            .ints("network.head_widths", \.headWidths, "the Q head's hidden widths"),
        ]
        if dueling { d.append(.int("network.dueling_width", \.duelingWidth, "hidden width of the value and advantage streams")) }
        return d
    }

    static let dqnTable = SettingTable<DQNConfig>([
        .int("total_steps", \.totalSteps, "environment steps over all copies", .totalSteps),
        .int("buffer_size", \.bufferSize, "replay capacity in transitions", .positive),
        .int("batch_size", \.batchSize, "minibatch size of each player step", .positive),
        .int("learning_starts", \.learningStarts, "environment steps before the first update", .nonNegative),
        .real("gamma", \.gamma, "discount γ", .unit),
        .real("epsilon_start", \.epsilonStart, "ε-greedy exploration at the start", .unit),
        .real("epsilon_end", \.epsilonEnd, "ε at the end of its decay", .unit),
        .int("epsilon_steps", \.epsilonSteps, "environment steps over which ε decays linearly", .positive),
        .int("target_update_interval", \.targetUpdateInterval, "environment steps between target-network updates, counted in batches of num_envs (the update comes at the first batch at or past it: 1,000 with 128 copies acts as 1,024; train prints the effective period)", .positive),
        .real("tau", \.tau, "1: hard target copy; below 1: Polyak averaging", .positiveUnit),
        .int("updates_per_step", \.updatesPerStep, "updates per batched environment step", .positive),
        .real("lr", \.learningRate, "the monolithic learning rate", .positive),
        .bool("lr_decay", \.decayLearningRate, "linear decay to 0 of the monolithic rate (else constant)"),
        .optionalInt("lr_decay_steps", \.decaySteps, "environment steps over which rates decay; 0: total_steps"),
        .real("leader_lr", \.leaderLearningRate, "the leader's learning rate (Q head under SCORER)", .positive),
        .real("follower_lr", \.followerLearningRate, "the follower's learning rate (encoder under SCORER)", .positive),
        .real("max_grad_norm", \.maxGradientNorm, "global-norm clipping of each player's gradient", .positive),
        .real("adam_epsilon", \.adamEpsilon, "Adam's ε", .positive),
        .choice("truncation", \.truncation, "a truncated episode bootstraps from Q(final observation), or ends like a termination (gymnax's MinAtar at its cut)"),
    ] + network(dueling: true).map { $0.nested(in: \DQNConfig.network) })

    static func dqnPreset(_ variant: DQNVariant) -> @Sendable (String) -> DQNConfig {
        { env in
            let classic = EnvironmentFamily(environment: env) == .classic
            var c = classic ? DQNConfig.classicControl() : DQNConfig()
            if classic { c.totalSteps = classicSteps(env) }
            c.variant = variant
            return c
        }
    }

    /// The learning rates a coupling does not read: the monolithic network steps at `lr` alone, the two
    /// players of SCORER and head-leader at `leader_lr` and `follower_lr`.
    static func learningRatesWithoutEffect(_ coupling: String) -> [String: String] {
        coupling == "monolithic"
            ? ["leader_lr": "the one network steps at lr", "follower_lr": "the one network steps at lr"]
            : ["lr": "the leader and the follower step at leader_lr and follower_lr"]
    }

    static func dqn(_ variant: DQNVariant) -> AlgorithmRegistry.Entry {
        let summary: String
        switch variant {
        case .dqn: summary = "DQN (Mnih et al. 2015)"
        case .ddqn: summary = "Double DQN (van Hasselt et al. 2016)"
        case .dueling: summary = "Dueling DQN (Wang et al. 2016)"
        case .duelingDDQN: summary = "Dueling Double DQN"
        }
        return .init(name: variant.rawValue, summary: summary + ", replay and a target network", couplings: ["monolithic", "scorer", "head-leader"],
                     actionSpaces: [.discrete], table: dqnTable, preset: dqnPreset(variant),
                     // One table serves the four variants; only the dueling ones build the streams it sizes.
                     inertKeys: { coupling in
                         learningRatesWithoutEffect(coupling).merging(
                             variant == .dueling || variant == .duelingDDQN ? [:]
                                 : ["network.dueling_width": "only dueling and dueling_ddqn have the value and advantage streams it sizes"]) { a, _ in a }
                     },
                     validate: { c, _ in try c.validate() },
                     make: { c, spec, env, seed in
                         var c = c
                         c.coupling = spec
                         return try DQNAgent(config: c, environment: env, seed: seed)
                     })
    }

    static let pqnTable = SettingTable<PQNConfig>([
        .int("total_steps", \.totalSteps, "environment steps over all copies", .totalSteps),
        .int("rollout_length", \.rolloutLength, "steps each copy takes per rollout", .positive),
        .int("epochs", \.epochs, "passes over each rollout", .positive),
        .int("minibatches", \.minibatches, "minibatches per pass", .positive),
        .real("gamma", \.gamma, "discount γ", .unit),
        .real("lambda", \.lambda, "λ of the λ-returns", .unit),
        .real("epsilon_start", \.epsilonStart, "ε-greedy exploration at the start", .unit),
        .real("epsilon_end", \.epsilonEnd, "ε at the end of its decay", .unit),
        .real("epsilon_fraction", \.epsilonFraction, "fraction of training over which ε decays", .unit),
        .real("lr", \.learningRate, "the monolithic learning rate", .positive),
        .bool("lr_decay", \.decayLearningRate, "linear decay to 0 of the learning rates (else constant)"),
        .real("leader_lr", \.leaderLearningRate, "the leader's learning rate (Q head under SCORER)", .positive),
        .real("follower_lr", \.followerLearningRate, "the follower's learning rate (encoder under SCORER)", .positive),
        .real("max_grad_norm", \.maxGradientNorm, "global-norm clipping of each player's gradient", .positive),
        .name("optimizer", \.optimizer, among: ["sgd", "adam", "adamw", "radam"], "the optimizer of every player"),
        .choice("truncation", \.truncation, "a truncated episode bootstraps from max Q(final observation), or ends like a termination (gymnax's MinAtar at its cut)"),
    ] + network(dueling: false).map { $0.nested(in: \PQNConfig.network) })

    /// PQN's defaults: Gallici et al.'s MinAtar settings, a smaller batch for classic control.
    static let pqnPreset: @Sendable (String) -> PQNConfig = { env in
        var c = PQNConfig()
        if EnvironmentFamily(environment: env) == .classic {
            c.totalSteps = classicSteps(env)
            c.network = QNetworkSpec(encoderWidths: [64, 64], normalization: .layerNorm, headWidths: [])
            c.minibatches = 4
            // Eight passes over each rollout: with four passes PQN had not reached Acrobot's goal
            // (mean −100) within 150k steps in either coupling.
            c.epochs = 8
            c.learningRate = 1e-3; c.leaderLearningRate = 1e-3; c.followerLearningRate = 2e-3
        }
        return c
    }

    /// PQN does not take `head-leader`: with its defaults (LayerNorm encoder, a linear head) it stayed
    /// at −500 on Acrobot for three seeds of 150k steps, where DQN's head-leader reaches −100.
    static let pqn = AlgorithmRegistry.Entry(
        name: "pqn", summary: "PQN: Q(λ) on parallel rollouts, no replay or target network (arXiv 2407.04811)",
        couplings: ["monolithic", "scorer"], actionSpaces: [.discrete], table: pqnTable, preset: pqnPreset,
        inertKeys: learningRatesWithoutEffect,
        validate: { c, copies in try c.validate(copies: copies) },
        make: { c, spec, env, seed in
            var c = c
            c.coupling = spec
            return try PQNAgent(config: c, environment: env, seed: seed)
        })
}
