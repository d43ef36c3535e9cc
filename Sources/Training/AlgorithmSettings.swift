import Agents
import Environments

/// The settings every run has, and the DQN family's, with their defaults: the SCORER public code's
/// MinAtar settings for MinAtar and Atari, small ones for classic control (`DQNConfig`).
public enum AlgorithmSettings {
    public static let algorithms = DQNVariant.allCases.map(\.rawValue) + ["pqn"]

    static func isClassic(_ env: String) -> Bool { !(env.hasPrefix("minatar/") || env.hasPrefix("atari/")) }

    /// PQN's defaults: REFERENCE.md §2 for MinAtar, a smaller batch for classic control.
    static func pqnDefaults(coupling: String, env: String) -> Settings {
        let classic = isClassic(env)
        var c = PQNConfig()
        if classic {
            c.totalSteps = 100_000
            c.network = QNetworkSpec(encoderWidths: [64, 64], normalization: .layerNorm, headWidths: [])
            c.minibatches = 4
            c.learningRate = 1e-3; c.leaderLearningRate = 1e-3; c.followerLearningRate = 2e-3
        }
        func real(_ x: Float) -> Settings.Value { .number(Double("\(x)")!) }
        var s = Settings()
        s["algo"] = .string("pqn")
        s["coupling"] = .string(coupling)
        s["env"] = .string(env)
        s["total_steps"] = .number(Double(c.totalSteps))
        s["num_envs"] = .number(classic ? 4 : 128)
        s["eval_interval"] = .number(classic ? 10_000 : 250_000)
        s["eval_episodes"] = .number(10)
        s["checkpoint_interval"] = .number(classic ? 20_000 : 500_000)
        s["log_interval"] = .number(classic ? 1_000 : 10_000)
        // −1 keeps the environment's own sticky actions (MinAtar 0.1, Atari 0.25); 0 matches gymnax.
        s["env_sticky_actions"] = .number(-1)
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
        s["scorer.follower_objective"] = .string(c.scorer.followerObjective.rawValue)
        s["scorer.order"] = .string(c.scorer.order.rawValue)
        s["scorer.decay"] = .string(c.scorer.decay.rawValue)
        s["scorer.follower_steps"] = .number(Double(c.scorer.followerSteps))
        s["scorer.separate_batches"] = .bool(c.scorer.separateBatches)
        s["network.encoder"] = .string(c.network.encoder.rawValue)
        s["network.encoder_widths"] = .numbers(c.network.encoderWidths.map(Double.init))
        s["network.normalization"] = .string(c.network.normalization.rawValue)
        s["network.head_widths"] = .numbers(c.network.headWidths.map(Double.init))
        return s
    }

    static func pqnConfig(_ s: Settings) throws -> PQNConfig {
        var c = PQNConfig()
        func need<T>(_ v: T?, _ key: String) throws -> T {
            guard let v else { throw SettingsError.type(key, "set", "nothing") }
            return v
        }
        c.coupling = Coupling(rawValue: try need(s.choice("coupling", Coupling.allCases.map(\.rawValue)), "coupling"))!
        c.totalSteps = try need(s.int("total_steps"), "total_steps")
        c.rolloutLength = try need(s.int("rollout_length"), "rollout_length")
        c.epochs = try need(s.int("epochs"), "epochs")
        c.minibatches = try need(s.int("minibatches"), "minibatches")
        c.gamma = Float(try need(s.double("gamma"), "gamma"))
        c.lambda = Float(try need(s.double("lambda"), "lambda"))
        c.epsilonStart = Float(try need(s.double("epsilon_start"), "epsilon_start"))
        c.epsilonEnd = Float(try need(s.double("epsilon_end"), "epsilon_end"))
        c.epsilonFraction = Float(try need(s.double("epsilon_fraction"), "epsilon_fraction"))
        c.learningRate = Float(try need(s.double("lr"), "lr"))
        c.decayLearningRate = try need(s.bool("lr_decay"), "lr_decay")
        c.leaderLearningRate = Float(try need(s.double("leader_lr"), "leader_lr"))
        c.followerLearningRate = Float(try need(s.double("follower_lr"), "follower_lr"))
        c.maxGradientNorm = Float(try need(s.double("max_grad_norm"), "max_grad_norm"))
        c.optimizer = try need(s.choice("optimizer", ["sgd", "adam", "adamw", "radam"]), "optimizer")
        c.scorer.followerObjective = .init(rawValue: try need(s.choice("scorer.follower_objective", ScorerOptions.FollowerObjective.allCases.map(\.rawValue)), "scorer.follower_objective"))!
        c.scorer.order = .init(rawValue: try need(s.choice("scorer.order", ScorerOptions.Order.allCases.map(\.rawValue)), "scorer.order"))!
        c.scorer.decay = .init(rawValue: try need(s.choice("scorer.decay", ScorerOptions.Decay.allCases.map(\.rawValue)), "scorer.decay"))!
        c.scorer.followerSteps = try need(s.int("scorer.follower_steps"), "scorer.follower_steps")
        c.scorer.separateBatches = try need(s.bool("scorer.separate_batches"), "scorer.separate_batches")
        c.network.encoder = .init(rawValue: try need(s.choice("network.encoder", QNetworkSpec.Encoder.allCases.map(\.rawValue)), "network.encoder"))!
        c.network.encoderWidths = try need(s.ints("network.encoder_widths"), "network.encoder_widths")
        c.network.normalization = .init(rawValue: try need(s.choice("network.normalization", QNetworkSpec.Normalization.allCases.map(\.rawValue)), "network.normalization"))!
        c.network.headWidths = try s.ints("network.head_widths") ?? []
        try runKeys(s)
        return c
    }

    static func runKeys(_ s: Settings) throws {
        for key in ["num_envs", "eval_interval", "eval_episodes", "checkpoint_interval", "log_interval"] {
            guard let v = try s.int(key), v >= 1 else { throw SettingsError.type(key, "a whole number ≥ 1", s[key]?.description ?? "nothing") }
        }
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

    /// Defaults for `algo` on `env` with every key a run reads; anything else in a config is refused.
    public static func defaults(algo: String, coupling: String, env: String) throws -> Settings {
        if algo == "pqn" {
            guard Coupling(rawValue: coupling) != nil else {
                throw SettingsError.type("coupling", "one of \(Coupling.allCases.map(\.rawValue).joined(separator: ", "))", coupling)
            }
            return pqnDefaults(coupling: coupling, env: env)
        }
        guard let variant = DQNVariant(rawValue: algo) else {
            throw SettingsError.type("algo", "one of \(algorithms.joined(separator: ", "))", algo)
        }
        guard Coupling(rawValue: coupling) != nil else {
            throw SettingsError.type("coupling", "one of \(Coupling.allCases.map(\.rawValue).joined(separator: ", "))", coupling)
        }
        let classic = !(env.hasPrefix("minatar/") || env.hasPrefix("atari/"))
        var c = classic ? DQNConfig.classicControl() : DQNConfig()
        c.variant = variant
        // Float settings are written as their shortest decimal (0.99, not 0.9900000095367432).
        func real(_ x: Float) -> Settings.Value { .number(Double("\(x)")!) }
        var s = Settings()
        s["algo"] = .string(algo)
        s["coupling"] = .string(coupling)
        s["env"] = .string(env)
        s["total_steps"] = .number(Double(c.totalSteps))
        s["num_envs"] = .number(classic ? 4 : 128)
        s["eval_interval"] = .number(classic ? 10_000 : 250_000)
        s["eval_episodes"] = .number(10)
        s["checkpoint_interval"] = .number(classic ? 20_000 : 500_000)
        s["log_interval"] = .number(classic ? 1_000 : 10_000)
        // −1 keeps the environment's own sticky actions (MinAtar 0.1, Atari 0.25); 0 matches gymnax.
        s["env_sticky_actions"] = .number(-1)
        s["buffer_size"] = .number(Double(c.bufferSize))
        s["batch_size"] = .number(Double(c.batchSize))
        s["learning_starts"] = .number(Double(c.learningStarts))
        s["gamma"] = real(Float(c.gamma))
        s["epsilon_start"] = real(Float(c.epsilonStart))
        s["epsilon_end"] = real(Float(c.epsilonEnd))
        s["epsilon_steps"] = .number(Double(c.epsilonSteps))
        s["target_update_interval"] = .number(Double(c.targetUpdateInterval))
        s["tau"] = real(Float(c.tau))
        s["updates_per_step"] = .number(Double(c.updatesPerStep))
        s["lr"] = real(Float(c.learningRate))
        s["lr_decay"] = .bool(c.decayLearningRate)
        s["lr_decay_steps"] = .number(0)
        s["leader_lr"] = real(Float(c.leaderLearningRate))
        s["follower_lr"] = real(Float(c.followerLearningRate))
        s["max_grad_norm"] = real(Float(c.maxGradientNorm))
        s["adam_epsilon"] = real(Float(c.adamEpsilon))
        s["scorer.follower_objective"] = .string(c.scorer.followerObjective.rawValue)
        s["scorer.order"] = .string(c.scorer.order.rawValue)
        s["scorer.decay"] = .string(c.scorer.decay.rawValue)
        s["scorer.follower_steps"] = .number(Double(c.scorer.followerSteps))
        s["scorer.separate_batches"] = .bool(c.scorer.separateBatches)
        s["network.encoder"] = .string(c.network.encoder.rawValue)
        s["network.encoder_widths"] = .numbers(c.network.encoderWidths.map(Double.init))
        s["network.normalization"] = .string(c.network.normalization.rawValue)
        s["network.head_widths"] = .numbers(c.network.headWidths.map(Double.init))
        s["network.dueling_width"] = .number(Double(c.network.duelingWidth))
        return s
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
        _ = try EnvironmentRegistry.entry(env)
        _ = try environmentOverrides(s)
        try validate(s)
        return s
    }

    /// The agent's configuration from resolved settings.
    public static func dqnConfig(_ s: Settings) throws -> DQNConfig {
        var c = DQNConfig()
        func need<T>(_ v: T?, _ key: String) throws -> T {
            guard let v else { throw SettingsError.type(key, "set", "nothing") }
            return v
        }
        c.variant = DQNVariant(rawValue: try need(s.choice("algo", DQNVariant.allCases.map(\.rawValue)), "algo"))!
        c.coupling = Coupling(rawValue: try need(s.choice("coupling", Coupling.allCases.map(\.rawValue)), "coupling"))!
        c.totalSteps = try need(s.int("total_steps"), "total_steps")
        c.bufferSize = try need(s.int("buffer_size"), "buffer_size")
        c.batchSize = try need(s.int("batch_size"), "batch_size")
        c.learningStarts = try need(s.int("learning_starts"), "learning_starts")
        c.gamma = Float(try need(s.double("gamma"), "gamma"))
        c.epsilonStart = Float(try need(s.double("epsilon_start"), "epsilon_start"))
        c.epsilonEnd = Float(try need(s.double("epsilon_end"), "epsilon_end"))
        c.epsilonSteps = try need(s.int("epsilon_steps"), "epsilon_steps")
        c.targetUpdateInterval = try need(s.int("target_update_interval"), "target_update_interval")
        c.tau = Float(try need(s.double("tau"), "tau"))
        c.updatesPerStep = try need(s.int("updates_per_step"), "updates_per_step")
        c.learningRate = Float(try need(s.double("lr"), "lr"))
        c.decayLearningRate = try need(s.bool("lr_decay"), "lr_decay")
        c.leaderLearningRate = Float(try need(s.double("leader_lr"), "leader_lr"))
        c.followerLearningRate = Float(try need(s.double("follower_lr"), "follower_lr"))
        c.maxGradientNorm = Float(try need(s.double("max_grad_norm"), "max_grad_norm"))
        let decay = try need(s.int("lr_decay_steps"), "lr_decay_steps")
        c.decaySteps = decay > 0 ? decay : nil
        c.adamEpsilon = Float(try need(s.double("adam_epsilon"), "adam_epsilon"))
        c.scorer.followerObjective = .init(rawValue: try need(s.choice("scorer.follower_objective", ScorerOptions.FollowerObjective.allCases.map(\.rawValue)), "scorer.follower_objective"))!
        c.scorer.order = .init(rawValue: try need(s.choice("scorer.order", ScorerOptions.Order.allCases.map(\.rawValue)), "scorer.order"))!
        c.scorer.decay = .init(rawValue: try need(s.choice("scorer.decay", ScorerOptions.Decay.allCases.map(\.rawValue)), "scorer.decay"))!
        c.scorer.followerSteps = try need(s.int("scorer.follower_steps"), "scorer.follower_steps")
        c.scorer.separateBatches = try need(s.bool("scorer.separate_batches"), "scorer.separate_batches")
        c.network.encoder = .init(rawValue: try need(s.choice("network.encoder", QNetworkSpec.Encoder.allCases.map(\.rawValue)), "network.encoder"))!
        c.network.encoderWidths = try need(s.ints("network.encoder_widths"), "network.encoder_widths")
        c.network.normalization = .init(rawValue: try need(s.choice("network.normalization", QNetworkSpec.Normalization.allCases.map(\.rawValue)), "network.normalization"))!
        c.network.headWidths = try s.ints("network.head_widths") ?? []
        c.network.duelingWidth = try need(s.int("network.dueling_width"), "network.dueling_width")
        try runKeys(s)
        return c
    }
}

extension AlgorithmSettings {
    /// The environment overrides the settings ask for.
    public static func environmentOverrides(_ s: Settings) throws -> EnvironmentOverrides {
        guard let sticky = try s.double("env_sticky_actions") else { return EnvironmentOverrides() }
        if sticky == -1 { return EnvironmentOverrides() }
        guard (0...1).contains(sticky) else { throw SettingsError.type("env_sticky_actions", "−1 (the environment's default) or a probability in [0, 1]", Settings.format(sticky)) }
        return EnvironmentOverrides(stickyActionProbability: sticky)
    }
}
