import Agents
import Environments

/// The settings every run has, and each algorithm's, with their defaults: the SCORER public code's
/// MinAtar settings for MinAtar and Atari, small ones for classic control (`DQNConfig`, `PQNConfig`).
public enum AlgorithmSettings {
    public static let algorithms = DQNVariant.allCases.map(\.rawValue) + ["pqn"]

    static func isClassic(_ env: String) -> Bool { !(env.hasPrefix("minatar/") || env.hasPrefix("atari/")) }

    /// Classic-control run lengths: 100k steps, 150k for Acrobot, whose −1-per-step reward gives
    /// nothing to learn from until random exploration first reaches the goal.
    static func classicSteps(_ env: String) -> Int { env == "acrobot" ? 150_000 : 100_000 }

    /// Defaults for `algo` on `env` with every key a run reads; anything else in a config is refused.
    public static func defaults(algo: String, coupling: String, env: String) throws -> Settings {
        guard Coupling(rawValue: coupling) != nil else {
            throw SettingsError.type("coupling", "one of \(Coupling.allCases.map(\.rawValue).joined(separator: ", "))", coupling)
        }
        if algo == "pqn" { return pqnDefaults(coupling: coupling, env: env) }
        guard let variant = DQNVariant(rawValue: algo) else {
            throw SettingsError.type("algo", "one of \(algorithms.joined(separator: ", "))", algo)
        }
        return dqnDefaults(variant: variant, coupling: coupling, env: env)
    }

    /// The defaults for the run's algorithm and environment, overlaid with `given`; unknown keys
    /// are refused with the list of known ones.
    public static func resolve(_ given: Settings) throws -> Settings {
        let algo = try given.string("algo") ?? "dqn", coupling = try given.string("coupling") ?? "monolithic"
        guard let env = try given.string("env") else { throw SettingsError.type("env", "an environment name (see `stackelberg env list`)", "nothing") }
        var s = try defaults(algo: algo, coupling: coupling, env: env)
        let unknown = given.keys.filter { s[$0] == nil }
        guard unknown.isEmpty else { throw SettingsError.unknownKeys(unknown, known: s.keys) }
        for k in given.keys { s[k] = given[k] }
        try EnvironmentRegistry.check(environmentOverrides(s), for: EnvironmentRegistry.entry(env))
        try validate(s)
        return s
    }

    /// The algorithm the resolved settings describe, bound to `environment`.
    public static func makeAlgorithm(_ s: Settings, environment: VectorEnvironment, seed: UInt64) throws -> TrainingAlgorithm {
        if try s.string("algo") == "pqn" { return try PQNAgent(config: pqnConfig(s), environment: environment, seed: seed) }
        return try DQNAgent(config: dqnConfig(s), environment: environment, seed: seed)
    }

    /// Checks every value, including the ones only the algorithm sees, before anything runs.
    static func validate(_ s: Settings) throws {
        if try s.string("algo") == "pqn" {
            try pqnConfig(s).validate(copies: try s.int("num_envs") ?? 1)
        } else {
            try dqnConfig(s).validate()
        }
    }

    /// The environment overrides the settings ask for; −1 keeps the environment's own value.
    public static func environmentOverrides(_ s: Settings) throws -> EnvironmentOverrides {
        var o = EnvironmentOverrides()
        if let sticky = try s.double("env_sticky_actions"), sticky != -1 {
            guard (0...1).contains(sticky) else { throw SettingsError.type("env_sticky_actions", "−1 (the environment's default) or a probability in [0, 1]", Settings.format(sticky)) }
            o.stickyActionProbability = sticky
        }
        if let limit = try s.double("env_max_episode_steps"), limit != -1 {
            guard limit >= 1, limit == limit.rounded(), limit <= 1e9 else {
                throw SettingsError.type("env_max_episode_steps", "−1 (the environment's own limit) or a whole number of steps ≥ 1", Settings.format(limit))
            }
            o.maxEpisodeSteps = Int(limit)
        }
        return o
    }

    // MARK: DQN family

    static func dqnDefaults(variant: DQNVariant, coupling: String, env: String) -> Settings {
        let classic = isClassic(env)
        var c = classic ? DQNConfig.classicControl() : DQNConfig()
        if classic { c.totalSteps = classicSteps(env) }
        c.variant = variant
        var s = runDefaults(algo: variant.rawValue, coupling: coupling, env: env, totalSteps: c.totalSteps)
        s["buffer_size"] = .number(Double(c.bufferSize))
        s["batch_size"] = .number(Double(c.batchSize))
        s["learning_starts"] = .number(Double(c.learningStarts))
        s["gamma"] = real(c.gamma)
        s["epsilon_start"] = real(c.epsilonStart)
        s["epsilon_end"] = real(c.epsilonEnd)
        s["epsilon_steps"] = .number(Double(c.epsilonSteps))
        s["target_update_interval"] = .number(Double(c.targetUpdateInterval))
        s["tau"] = real(c.tau)
        s["updates_per_step"] = .number(Double(c.updatesPerStep))
        s["lr"] = real(c.learningRate)
        s["lr_decay"] = .bool(c.decayLearningRate)
        s["lr_decay_steps"] = .number(0)
        s["leader_lr"] = real(c.leaderLearningRate)
        s["follower_lr"] = real(c.followerLearningRate)
        s["max_grad_norm"] = real(c.maxGradientNorm)
        s["adam_epsilon"] = real(c.adamEpsilon)
        writeScorer(c.scorer, into: &s)
        writeNetwork(c.network, dueling: true, into: &s)
        return s
    }

    /// The agent's configuration from resolved settings.
    public static func dqnConfig(_ s: Settings) throws -> DQNConfig {
        var c = DQNConfig()
        c.variant = try s.required("algo", DQNVariant.self)
        c.coupling = try s.required("coupling", Coupling.self)
        c.totalSteps = try s.required("total_steps", s.int)
        c.bufferSize = try s.required("buffer_size", s.int)
        c.batchSize = try s.required("batch_size", s.int)
        c.learningStarts = try s.required("learning_starts", s.int)
        c.gamma = try s.requiredFloat("gamma")
        c.epsilonStart = try s.requiredFloat("epsilon_start")
        c.epsilonEnd = try s.requiredFloat("epsilon_end")
        c.epsilonSteps = try s.required("epsilon_steps", s.int)
        c.targetUpdateInterval = try s.required("target_update_interval", s.int)
        c.tau = try s.requiredFloat("tau")
        c.updatesPerStep = try s.required("updates_per_step", s.int)
        c.learningRate = try s.requiredFloat("lr")
        c.decayLearningRate = try s.required("lr_decay", s.bool)
        c.leaderLearningRate = try s.requiredFloat("leader_lr")
        c.followerLearningRate = try s.requiredFloat("follower_lr")
        c.maxGradientNorm = try s.requiredFloat("max_grad_norm")
        let decay = try s.required("lr_decay_steps", s.int)
        c.decaySteps = decay > 0 ? decay : nil
        c.adamEpsilon = try s.requiredFloat("adam_epsilon")
        c.scorer = try readScorer(s)
        c.network = try readNetwork(s, dueling: true)
        try checkRunKeys(s)
        return c
    }

    // MARK: PQN

    /// PQN's defaults: REFERENCE.md §2 for MinAtar, a smaller batch for classic control.
    static func pqnDefaults(coupling: String, env: String) -> Settings {
        var c = PQNConfig()
        if isClassic(env) {
            c.totalSteps = classicSteps(env)
            c.network = QNetworkSpec(encoderWidths: [64, 64], normalization: .layerNorm, headWidths: [])
            c.minibatches = 4
            // Eight passes over each rollout: with four passes PQN had not reached Acrobot's goal
            // (mean −100) within 150k steps in either coupling.
            c.epochs = 8
            c.learningRate = 1e-3; c.leaderLearningRate = 1e-3; c.followerLearningRate = 2e-3
        }
        var s = runDefaults(algo: "pqn", coupling: coupling, env: env, totalSteps: c.totalSteps)
        s["rollout_length"] = .number(Double(c.rolloutLength))
        s["epochs"] = .number(Double(c.epochs))
        s["minibatches"] = .number(Double(c.minibatches))
        s["gamma"] = real(c.gamma)
        s["lambda"] = real(c.lambda)
        s["epsilon_start"] = real(c.epsilonStart)
        s["epsilon_end"] = real(c.epsilonEnd)
        s["epsilon_fraction"] = real(c.epsilonFraction)
        s["lr"] = real(c.learningRate)
        s["lr_decay"] = .bool(c.decayLearningRate)
        s["leader_lr"] = real(c.leaderLearningRate)
        s["follower_lr"] = real(c.followerLearningRate)
        s["max_grad_norm"] = real(c.maxGradientNorm)
        s["optimizer"] = .string(c.optimizer)
        writeScorer(c.scorer, into: &s)
        writeNetwork(c.network, dueling: false, into: &s)
        return s
    }

    static func pqnConfig(_ s: Settings) throws -> PQNConfig {
        var c = PQNConfig()
        c.coupling = try s.required("coupling", Coupling.self)
        c.totalSteps = try s.required("total_steps", s.int)
        c.rolloutLength = try s.required("rollout_length", s.int)
        c.epochs = try s.required("epochs", s.int)
        c.minibatches = try s.required("minibatches", s.int)
        c.gamma = try s.requiredFloat("gamma")
        c.lambda = try s.requiredFloat("lambda")
        c.epsilonStart = try s.requiredFloat("epsilon_start")
        c.epsilonEnd = try s.requiredFloat("epsilon_end")
        c.epsilonFraction = try s.requiredFloat("epsilon_fraction")
        c.learningRate = try s.requiredFloat("lr")
        c.decayLearningRate = try s.required("lr_decay", s.bool)
        c.leaderLearningRate = try s.requiredFloat("leader_lr")
        c.followerLearningRate = try s.requiredFloat("follower_lr")
        c.maxGradientNorm = try s.requiredFloat("max_grad_norm")
        c.optimizer = try s.required("optimizer") { try s.choice($0, ["sgd", "adam", "adamw", "radam"]) }
        c.scorer = try readScorer(s)
        c.network = try readNetwork(s, dueling: false)
        try checkRunKeys(s)
        return c
    }

    // MARK: Shared blocks

    /// Float settings are written as their shortest decimal (0.99, not 0.9900000095367432).
    static func real(_ x: Float) -> Settings.Value { .number(Double("\(x)")!) }

    /// The keys of the run itself, the same for every algorithm.
    static func runDefaults(algo: String, coupling: String, env: String, totalSteps: Int) -> Settings {
        let classic = isClassic(env)
        var s = Settings()
        s["algo"] = .string(algo)
        s["coupling"] = .string(coupling)
        s["env"] = .string(env)
        s["total_steps"] = .number(Double(totalSteps))
        s["num_envs"] = .number(classic ? 4 : 128)
        s["eval_interval"] = .number(classic ? 10_000 : 250_000)
        s["eval_episodes"] = .number(10)
        // Greedy evaluation episodes are cut here (a stalled greedy policy on MinAtar never ends);
        // 27,000 agent steps is Atari's 108,000-frame limit.
        s["eval_max_episode_steps"] = .number(27_000)
        s["checkpoint_interval"] = .number(classic ? 20_000 : 500_000)
        s["log_interval"] = .number(classic ? 1_000 : 10_000)
        // −1 keeps the environment's own sticky actions (MinAtar 0.1, Atari 0.25); 0 matches gymnax.
        s["env_sticky_actions"] = .number(-1)
        // −1 keeps the environment's own episode limit; MinAtar only: gymnax cuts at 1,000 (Freeway 2,500).
        s["env_max_episode_steps"] = .number(-1)
        // TensorBoard event files under seedN/tensorboard, mirroring the CSV logs.
        s["tensorboard"] = .bool(true)
        return s
    }

    static func checkRunKeys(_ s: Settings) throws {
        _ = try s.required("tensorboard", s.bool)
        for key in ["num_envs", "eval_interval", "eval_episodes", "eval_max_episode_steps", "checkpoint_interval", "log_interval"] {
            guard let v = try s.int(key), v >= 1 else { throw SettingsError.type(key, "a whole number ≥ 1", s[key]?.description ?? "nothing") }
        }
    }

    static func writeScorer(_ o: ScorerOptions, into s: inout Settings) {
        s["scorer.follower_objective"] = .string(o.followerObjective.rawValue)
        s["scorer.order"] = .string(o.order.rawValue)
        s["scorer.decay"] = .string(o.decay.rawValue)
        s["scorer.follower_steps"] = .number(Double(o.followerSteps))
        s["scorer.separate_batches"] = .bool(o.separateBatches)
    }

    static func readScorer(_ s: Settings) throws -> ScorerOptions {
        var o = ScorerOptions()
        o.followerObjective = try s.required("scorer.follower_objective", ScorerOptions.FollowerObjective.self)
        o.order = try s.required("scorer.order", ScorerOptions.Order.self)
        o.decay = try s.required("scorer.decay", ScorerOptions.Decay.self)
        o.followerSteps = try s.required("scorer.follower_steps", s.int)
        o.separateBatches = try s.required("scorer.separate_batches", s.bool)
        return o
    }

    /// The network keys; `dueling` adds the dueling streams' width (the DQN family's).
    static func writeNetwork(_ n: QNetworkSpec, dueling: Bool, into s: inout Settings) {
        s["network.encoder"] = .string(n.encoder.rawValue)
        s["network.encoder_widths"] = .numbers(n.encoderWidths.map(Double.init))
        s["network.normalization"] = .string(n.normalization.rawValue)
        s["network.head_widths"] = .numbers(n.headWidths.map(Double.init))
        if dueling { s["network.dueling_width"] = .number(Double(n.duelingWidth)) }
    }

    static func readNetwork(_ s: Settings, dueling: Bool) throws -> QNetworkSpec {
        var n = QNetworkSpec()
        n.encoder = try s.required("network.encoder", QNetworkSpec.Encoder.self)
        n.encoderWidths = try s.required("network.encoder_widths", s.ints)
        n.normalization = try s.required("network.normalization", QNetworkSpec.Normalization.self)
        n.headWidths = try s.ints("network.head_widths") ?? []
        if dueling { n.duelingWidth = try s.required("network.dueling_width", s.int) }
        return n
    }
}

extension Settings {
    /// A value that must be set, read with `read` (e.g. `s.int`).
    func required<T>(_ key: String, _ read: (String) throws -> T?) throws -> T {
        guard let v = try read(key) else { throw SettingsError.type(key, "set", "nothing") }
        return v
    }

    func requiredFloat(_ key: String) throws -> Float { Float(try required(key, double)) }

    /// A string key naming one case of `E`.
    func required<E: RawRepresentable & CaseIterable>(_ key: String, _: E.Type) throws -> E where E.RawValue == String {
        E(rawValue: try required(key) { try choice($0, E.allCases.map(\.rawValue)) })!
    }
}
