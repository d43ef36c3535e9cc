import Agents

/// The game diagnostics' keys (`diagnostics.`), accepted by every algorithm and coupling: when
/// `diagnostics.enabled`, the run's coupling is wrapped in a ``DiagnosedSpec`` and the game it
/// plays is measured every `diagnostics.interval` updates (``GameProbe``).
public enum DiagnosticsSettings {
    public static let table = SettingTable<GameDiagnosticsOptions>([
        .bool("diagnostics.enabled", \.enabled, "measure the game every diagnostics.interval updates: gradient vs total derivative, best-response gap, follower-Hessian and game-Jacobian spectra, parameter path (`stackelberg diagnose` draws them)"),
        .int("diagnostics.interval", \.interval, "updates between diagnostics, the first at update 0 (the defaults keep a run's wall time within about 10%)", .positive),
        .choice("diagnostics.leader", \.leader, "the measured game's leader where the coupling names none (monolithic): auto takes the Q head, else the actor"),
        .real("diagnostics.lambda", \.lambda, "λ of the diagnostic total derivative (one value for every coupling, so that they compare)", .nonNegative),
        .int("diagnostics.cg_iterations", \.cgIterations, "CG's Hessian-vector products for the diagnostic total derivative", .within(1...200)),
        .int("diagnostics.lanczos_steps", \.lanczosSteps, "Lanczos steps on the follower Hessian (its extreme eigenvalues)", .within(2...200)),
        .int("diagnostics.arnoldi_steps", \.arnoldiSteps, "Arnoldi steps on the game Jacobian (two Hessian-vector products each)", .within(2...200)),
        .int("diagnostics.follower_steps", \.followerSteps, "K extra follower steps (discarded) whose loss drop is the best-response gap", .within(0...1000)),
        .real("diagnostics.follower_lr", \.followerLearningRate, "the rate of those steps (Adam); 0: the follower's own", .nonNegative),
        .int("diagnostics.eigenvalues", \.eigenvalues, "leading game-Jacobian eigenvalues logged (by modulus)", .within(1...8)),
        .int("diagnostics.sketch_dimension", \.sketchDimension, "rows of the random sketch of the parameter path and fields", .within(2...64)),
        .int("diagnostics.seed", \.seed, "seed of the sketch and of the Krylov start vectors", .nonNegative),
        .bool("diagnostics.stackelberg_spectrum", \.stackelbergSpectrum, "also the Stackelberg field (Df₁, ∇₂f₂)'s leading Jacobian eigenvalues, by central differences (several times a diagnostic's cost)"),
        .real("diagnostics.finite_difference_step", \.finiteDifferenceStep, "relative step h of those differences, x ± h·max(1, rms x)·v", .positive),
    ])

    /// Updates between diagnostics by algorithm and environment family, from the measured cost of
    /// one diagnostic against one update (`Benchmarks/run_diagnostics_overhead.sh`;
    /// docs/diagnostics.md), so that a run with diagnostics takes at most about 10% longer than one
    /// without. A diagnostic costs about 60 Hessian-vector products: ~85 ms on a MinAtar DQN (whose
    /// updates are cheap: 1e6 steps take 7 s), ~0.65 s on a MinAtar PPO minibatch, ~0.6 s on a
    /// 4,000-step AC batch, ~1.2 s on SAC's (256, 256) networks at minibatch 100. Classic-control
    /// PPO and PQN updates take well under a millisecond, so they are measured more rarely there.
    public static func defaultInterval(algo: String, family: EnvironmentFamily) -> Int {
        let image = family == .minAtar || family == .atari
        switch algo {
        case "ppo": return image ? 512 : 2_000
        case "pqn": return image ? 1_024 : 4_000
        case "ac": return 200
        case "ddpg", "sac": return 2_000
        default: return 1_000   // the DQN family
        }
    }

    /// The defaults for `algo` on `env`.
    public static func preset(algo: String, env: String) -> GameDiagnosticsOptions {
        var o = GameDiagnosticsOptions()
        o.interval = defaultInterval(algo: algo, family: EnvironmentFamily(environment: env))
        return o
    }

    /// `spec` with the diagnostics attached when the settings enable them.
    static func wrap(_ spec: any CouplingSpec, _ s: Settings) throws -> any CouplingSpec {
        let options = try self.options(s)
        return options.enabled ? DiagnosedSpec(spec, options: options) : spec
    }

    /// The diagnostics' options in resolved settings.
    static func options(_ s: Settings) throws -> GameDiagnosticsOptions {
        try table.read(s, into: preset(algo: try s.string("algo") ?? "dqn", env: try s.string("env") ?? ""))
    }
}
