import Agents
import Environments

/// The settings every run has, whatever its algorithm: how many copies, how often to evaluate,
/// log and checkpoint, and the environment overrides. Declared once in `table`.
public struct RunOptions: Sendable {
    public var numEnvs = 4
    public var evalInterval = 10_000
    public var evalEpisodes = 10
    /// Greedy evaluation episodes are cut here (a stalled greedy policy on MinAtar never ends);
    /// 27,000 agent steps is Atari's 108,000-frame limit.
    public var evalMaxEpisodeSteps = 27_000
    public var checkpointInterval = 20_000
    public var logInterval = 1_000
    /// −1 keeps the environment's own sticky actions (MinAtar 0.1, Atari 0.25); 0 matches gymnax.
    public var envStickyActions: Double = -1
    /// −1 keeps the environment's own episode limit (MinAtar: gymnax cuts at 1,000, Freeway 2,500; classic control: CartPole-v0 is 200).
    public var envMaxEpisodeSteps: Double = -1
    /// 0 keeps the environment's own frame stack (Atari 4, MinAtar none); k stacks the last k.
    public var envFrameStack = 0
    /// Atari: Stable-Baselines3's EpisodicLifeEnv (a lost life terminates the learner's episode,
    /// the game goes on; logged returns are whole games). On in PPO's Atari preset (CleanRL).
    public var envEpisodicLife = false
    /// Atari: Stable-Baselines3's FireResetEnv (FIRE then action 2 after every reset). On in PPO's
    /// Atari preset (CleanRL).
    public var envFireReset = false
    /// TensorBoard event files under seedN/tensorboard, mirroring the CSV logs.
    public var tensorboard = true
    /// Every finished training episode as a row of episodes.csv; false keeps the header only (a
    /// one-step bandit ends thousands of episodes per update: 150 MB per toy run).
    public var logEpisodes = true

    public init() {}

    /// Classic control and MuJoCo: small, frequent; MinAtar and Atari: 128 copies, sparser logs.
    public static func preset(for family: EnvironmentFamily) -> RunOptions {
        var o = RunOptions()
        if family == .minAtar || family == .atari {
            o.numEnvs = 128; o.evalInterval = 250_000; o.checkpointInterval = 500_000; o.logInterval = 10_000
        }
        return o
    }

    public static let table = SettingTable<RunOptions>([
        .int("num_envs", \.numEnvs, "environment copies stepped together", .positive),
        .int("eval_interval", \.evalInterval, "environment steps between deterministic evaluations", .positive),
        .int("eval_episodes", \.evalEpisodes, "episodes per evaluation", .positive),
        .int("eval_max_episode_steps", \.evalMaxEpisodeSteps, "an evaluation episode is cut after this many steps", .positive),
        .int("checkpoint_interval", \.checkpointInterval, "environment steps between checkpoints", .positive),
        .int("log_interval", \.logInterval, "environment steps between updates.csv rows", .positive),
        .double("env_sticky_actions", \.envStickyActions, "sticky-action probability; −1 keeps the environment's own (MinAtar, Atari only)"),
        .double("env_max_episode_steps", \.envMaxEpisodeSteps, "episode time limit; −1 keeps the environment's own (MinAtar, classic control; CartPole-v0 is 200)"),
        .int("env_frame_stack", \.envFrameStack, "frames stacked per observation; 0 keeps the environment's own (Atari 4, MinAtar 1; MinAtar and Atari only)"),
        .bool("env_episodic_life", \.envEpisodicLife, "a lost life ends the learner's episode but not the game (SB3's EpisodicLifeEnv; episodes are logged and evaluated as whole games; Atari only)"),
        .bool("env_fire_reset", \.envFireReset, "press FIRE then action 2 after every reset, a lost life's under env_episodic_life too (SB3's FireResetEnv; Atari only)"),
        .bool("tensorboard", \.tensorboard, "write TensorBoard event files mirroring the CSV logs"),
        .bool("log_episodes", \.logEpisodes, "write each finished training episode to episodes.csv (false: its header only; compare then has no training scores)"),
    ])

    /// Throws naming the first value out of range.
    public func validate() throws {
        for (key, v) in [("num_envs", numEnvs), ("eval_interval", evalInterval), ("eval_episodes", evalEpisodes),
                         ("eval_max_episode_steps", evalMaxEpisodeSteps), ("checkpoint_interval", checkpointInterval), ("log_interval", logInterval)]
        where v < 1 {
            throw SettingsError.type(key, "a whole number ≥ 1", String(v))
        }
        _ = try environmentOverrides()
    }

    /// The environment overrides asked for; −1 keeps the environment's own value.
    public func environmentOverrides() throws -> EnvironmentOverrides {
        var o = EnvironmentOverrides()
        if envStickyActions != -1 {
            guard (0...1).contains(envStickyActions) else {
                throw SettingsError.type("env_sticky_actions", "−1 (the environment's default) or a probability in [0, 1]", Settings.format(envStickyActions))
            }
            o.stickyActionProbability = envStickyActions
        }
        if envMaxEpisodeSteps != -1 {
            let limit = envMaxEpisodeSteps
            guard limit >= 1, limit == limit.rounded(), limit <= 1e9 else {
                throw SettingsError.type("env_max_episode_steps", "−1 (the environment's own limit) or a whole number of steps ≥ 1", Settings.format(limit))
            }
            o.maxEpisodeSteps = Int(limit)
        }
        if envFrameStack != 0 {
            guard (1...64).contains(envFrameStack) else {
                throw SettingsError.type("env_frame_stack", "0 (the environment's own) or a number of frames in 1…64", String(envFrameStack))
            }
            o.frameStack = envFrameStack
        }
        // Off is every environment's own behaviour, so only "on" is passed (and refused off Atari).
        if envEpisodicLife { o.episodicLife = true }
        if envFireReset { o.fireReset = true }
        return o
    }
}

/// Environment families, which set defaults (an algorithm's preset differs between CartPole and MinAtar).
public enum EnvironmentFamily: String, Sendable, CaseIterable {
    case classic, minAtar = "minatar", atari, muJoCo = "mujoco"

    public init(environment name: String) {
        if name.hasPrefix("minatar/") { self = .minAtar }
        else if name.hasPrefix("atari/") { self = .atari }
        else if name.hasPrefix("mujoco/") { self = .muJoCo }
        else { self = .classic }
    }

    /// A representative environment of the family, for listing defaults.
    public var example: String {
        switch self {
        case .classic: return "cartpole"
        case .minAtar: return "minatar/breakout"
        case .atari: return "atari/breakout"
        case .muJoCo: return "mujoco/hopper"
        }
    }
}
