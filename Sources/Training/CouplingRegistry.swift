import Agents

/// Couplings by name, each with its option keys declared once. An algorithm's registry entry lists
/// the ones it accepts; a new coupling is one file in Agents/Couplings plus one entry here.
public enum CouplingRegistry {
    /// The most follower steps per leader step a coupling takes (the papers use 1–80): each step is an
    /// update on its own, so a larger count is a typo that would run for hours without a checkpoint.
    public static let maximumFollowerSteps: Double = 10_000
    /// The most Hessian-vector products one solve may take (CG's k, Neumann's terms, a diagnostic's
    /// Lanczos or Arnoldi steps; the papers use 5–20): a solve runs inside one update, so a typo of
    /// 1e8 ran for hours without a log row, and Ctrl-C waits for the update to end.
    public static let maximumSolverProducts: Double = 10_000

    public struct Entry: Sendable {
        public let name: String
        public let summary: String
        /// SCORER forms its losses from TD errors: only value-based models with an encoder play it.
        public let needsTDErrorModel: Bool
        /// The option keys with their help, in order.
        public let settings: [(key: String, help: String)]
        /// The option keys at their defaults.
        public let defaults: Settings
        /// The coupling's choice from resolved settings.
        let makeSpec: @Sendable (Settings) throws -> any CouplingSpec

        init<O: Sendable>(name: String, summary: String, needsTDErrorModel: Bool = false, options: SettingTable<O>, preset: O,
                make: @escaping @Sendable (O) throws -> any CouplingSpec) {
            self.name = name
            self.summary = summary
            self.needsTDErrorModel = needsTDErrorModel
            settings = options.declarations.map { (key: $0.key, help: $0.help) }
            var d = Settings()
            options.write(preset, into: &d)
            defaults = d
            makeSpec = { s in try make(try options.read(s, into: preset)) }
        }
    }

    /// SCORER's option keys, under `scorer.`.
    static let scorerTable = SettingTable<ScorerOptions>([
        .choice("scorer.follower_objective", \.followerObjective, "the follower's loss: Var δ (paper) or mean δ² (ablation)"),
        .choice("scorer.order", \.order, "which player steps first in an update"),
        .choice("scorer.decay", \.decay, "learning-rate schedules of the two players"),
        .int("scorer.follower_steps", \.followerSteps, "follower steps per leader step", .positiveAtMost(CouplingRegistry.maximumFollowerSteps)),
        .bool("scorer.separate_batches", \.separateBatches, "each player step draws its own minibatch (the paper)"),
    ])

    /// Individual play's key: the follower's unroll, as STAC compares AC with m ∈ {1, 80}.
    static let individualTable = SettingTable<IndividualSpec>([
        .int("individual.unroll", \.unroll, "follower steps per leader step (m; the critic's unroll of AC)", .positiveAtMost(CouplingRegistry.maximumFollowerSteps)),
    ])

    /// A hypergradient's keys under `prefix` (`stackelberg.` or `nested.`).
    static func hypergradientTable(_ prefix: String) -> [SettingDeclaration<HypergradientOptions>] {
        [
            .choice(prefix + "solver", \.solver, "how (∇²f₂ + λI)⁻¹ is applied"),
            .int(prefix + "cg_iterations", \.cgIterations, "CG: Hessian-vector products at most (k)", .positiveAtMost(CouplingRegistry.maximumSolverProducts)),
            .real(prefix + "cg_tolerance", \.cgTolerance, "CG: stop at this relative residual; 0 runs every iteration"),
            .real(prefix + "cg_absolute_tolerance", \.cgAbsoluteTolerance, "CG: stop once ‖r‖ ≤ this (with cg_tolerance: at the larger); the STAC code's rᵀr < 1e-18 is 1e-9; 0: no absolute rule"),
            .int(prefix + "nystrom_rank", \.nystromRank, "Nyström: sampled Hessian columns"),
            .real(prefix + "nystrom_rho", \.nystromRho, "Nyström: its own ρ > 0, apart from λ"),
            .int(prefix + "nystrom_seed", \.nystromSeed, "Nyström: seed of the column sampling"),
            .choice(prefix + "nystrom_columns", \.nystromColumns, "Nyström: fresh columns each solve, or the seed's first draw for the whole run (BLPO's code)"),
            .real(prefix + "nystrom_core_shift", \.nystromCoreShift, "Nyström: s in the sketch's core W + sI (0 textbook; BLPO's code 1)"),
            .int(prefix + "neumann_terms", \.neumannTerms, "Neumann: terms of the series", .positiveAtMost(CouplingRegistry.maximumSolverProducts)),
            .real(prefix + "neumann_alpha", \.neumannAlpha, "Neumann: step α < 2/λ_max"),
            .real(prefix + "lambda", \.lambda, "λ ≥ 0 regularizing the follower Hessian"),
            .double(prefix + "lambda_time_constant", \.lambdaTimeConstant, "τ of λ·exp(−t/τ) in environment steps; 0: constant λ"),
            .bool(prefix + "measure_residual", \.measureResidual, "measure non-CG solvers' residual with one more product"),
            .bool(prefix + "cg_warm_start", \.cgWarmStart, "CG starts from the previous update's solution (fewer products with a tolerance)"),
            .choice(prefix + "cg_negative_curvature", \.cgNegativeCurvature, "CG on a direction of negative curvature: stop there (truncated CG) or step through it as the STAC and BLPO code's plain CG does (solver = cg; nystrom_cg always stops)"),
        ]
    }

    static let totalDerivativeTable = SettingTable<TotalDerivativeOptions>([
        .int("stackelberg.unroll", \.unroll, "follower steps per leader step (m)", .positiveAtMost(CouplingRegistry.maximumFollowerSteps)),
        .choice("stackelberg.order", \.order, "both gradients at one point, or the leader first then the follower"),
        .bool("stackelberg.fresh_follower_batches", \.freshFollowerBatches, "unrolled follower steps draw fresh minibatches (paper) or reuse the leader's (code)"),
        .choice("stackelberg.leader_step", \.leaderStep, "the leader steps along its total derivative, or along its own gradient scaled to the same component (the step-size ablation)"),
    ] + hypergradientTable("stackelberg.").map { $0.nested(in: \TotalDerivativeOptions.hypergradient) })

    /// PPO-Nested's key: K. BLPO shares it.
    static let nestedTable = SettingTable<NestedOptions>([
        .int("nested.follower_steps", \.followerSteps, "follower (critic) steps before each leader step, on the same minibatch (K)", .positiveAtMost(CouplingRegistry.maximumFollowerSteps)),
    ])

    static let blpoTable = SettingTable<NestedOptions>(nestedTable.declarations + [
        .real("blpo.correction_clip", \.correctionClip, "β: the correction is clipped to β‖∇_leader f₁‖ (the code's IHVP_BOUND); 0: no clip", .nonNegative),
        .choice("blpo.linearized_sign", \.linearized.sign, "σ of the linearized critic objective f̃₂: code (−1, BLPO's code) or implicit (+1, the implicit function theorem's)"),
        .choice("blpo.linearized_reduction", \.linearized.reduction, "f̃₂ over the minibatch: sum (the code) or mean"),
        .real("blpo.linearized_ratio_clip", \.linearized.ratioClip, "ε_F of the ratio clip in f̃₂ (the code's CLIP_F); 0: the unclipped ratio", .nonNegative),
    ] + hypergradientTable("blpo.").map { $0.nested(in: \NestedOptions.hypergradient) })

    /// SPRIG's keys, under `sprig.`.
    static let sprigTable = SettingTable<SprigOptions>([
        .real("sprig.cooperation", \.cooperation, "α_coop: the leader's weight on −λ_c·C_θ against its policy term (paper ≈ 0.7)", .unit),
        .real("sprig.cost_weight", \.costWeight, "λ_c: the attention cost's weight in the leader's utility and the follower's loss (paper ≈ 1e-4)", .nonNegative),
        .choice("sprig.attention_cost", \.attentionCost, "C_θ: L1 of the cell gates (default), normalized attention entropy, or its complement"),
        .choice("sprig.leader_policy_term", \.leaderPolicyTerm, "u_policy: PPO's clipped surrogate (default; the paper's term's gradient at r = 1, with PPO's trust region) or the paper's literal mean log π·Â"),
        .bool("sprig.follower_reaches_perception", \.followerReachesPerception, "the follower stage also steps θ on PPO's loss + λ_c·C_θ (false: the heads φ only)"),
        .real("sprig.leader_lr", \.leaderLearningRate, "the leader's (perception θ) Adam learning rate", .positive),
        .real("sprig.follower_lr", \.followerLearningRate, "the follower's (heads φ) Adam learning rate", .positive),
        .int("sprig.cosine_interval", \.cosineInterval, "log cos(∇_θ u_L, −∇_θ PPO loss) on the run's first minibatch and every k-th after it (one more backward pass each time); 0: never", .nonNegative),
    ])

    static func totalDerivative(_ leader: ModelPart) -> Entry {
        Entry(name: "\(leader.rawValue)-leader",
              summary: "Stackelberg: the \(leader.rawValue) leads along its total derivative (implicit function theorem, λ-regularized; STAC, arXiv 2109.12286)",
              options: totalDerivativeTable, preset: TotalDerivativeOptions(), make: { TotalDerivativeSpec(leader: leader, options: $0) })
    }

    public static let entries: [Entry] = [
        Entry(name: "monolithic", summary: "one network, one optimizer on the joint loss (the baselines)",
              options: SettingTable<Int>([]), preset: 0, make: { _ in MonolithicSpec() }),
        Entry(name: "individual", summary: "each player on its own gradient at the same point, no implicit term",
              options: individualTable, preset: IndividualSpec(), make: { $0 }),
        Entry(name: "scorer", summary: "SCORER: encoder follower on Var δ, Q-head leader on the MSBE, two timescales (arXiv 2508.07452)",
              needsTDErrorModel: true, options: scorerTable, preset: ScorerOptions(), make: { ScorerSpec($0) }),
    // The encoder could lead a value-based model too (`TotalDerivativeSpec(leader: .encoder)`, checked
    // against finite differences in LeaderGradientTests), but no algorithm offers it: SCORER's encoder
    // follows. A registry name no algorithm takes would only appear in notes and `algo list`.
    ] + [ModelPart.actor, .critic, .head].map(totalDerivative) + [
        Entry(name: "nested", summary: "PPO-Nested (BLPO's ablation): K critic steps per minibatch, then the actor's own gradient (arXiv 2505.11714)",
              options: nestedTable, preset: { var o = NestedOptions(); o.implicitTerm = false; return o }(),
              make: { var o = $0; o.implicitTerm = false; return NestedSpec(leader: .actor, options: o) }),
        Entry(name: "sprig", summary: "SPRIG: the perception module leads (attention cost, cooperation weight), the policy and value heads follow, per PPO minibatch (arXiv 2502.14264)",
              options: sprigTable, preset: SprigOptions(), make: { SprigSpec($0) }),
        Entry(name: "blpo", summary: "BLPO: K critic steps per minibatch, then the actor's hypergradient (Nyström by default; arXiv 2505.11714)",
              options: blpoTable, preset: NestedOptions(), make: { NestedSpec(leader: .actor, options: $0) }),
    ]

    public static var names: [String] { entries.map(\.name) }

    /// Couplings the registry once listed: runs trained with them still read (`compare`, `windows`).
    /// `encoder-leader` was offered to no algorithm and left the registry on 2026-12-04.
    public static let retiredNames: Set<String> = ["encoder-leader"]

    /// The option keys of couplings other than `coupling` that it does not share: present in
    /// every run's settings (one config serves all of an algorithm's couplings) but without effect
    /// on a run of `coupling`.
    public static func keysWithoutEffect(under coupling: String) -> Set<String> {
        let own = Set(entries.first { $0.name == coupling }?.settings.map(\.key) ?? [])
        return Set(entries.filter { $0.name != coupling }.flatMap { $0.settings.map(\.key) }).subtracting(own)
    }

    /// The solvers that read each solver-specific key of a hypergradient table (the key without its
    /// `stackelberg.` or `blpo.` prefix), from `TotalDerivative.solve`: CG's budget and stops are read
    /// by `cg` and `nystrom_cg`, the plain curvature rule by `cg` alone (`nystrom_cg` always stops),
    /// the sketch's keys by the two Nyström solvers, the series' by `neumann`, and `measure_residual`
    /// by the solvers that do not track their residual. λ and its schedule are read by every solver.
    static let solverKeyReaders: [String: Set<HypergradientOptions.Solver>] = {
        typealias S = HypergradientOptions.Solver
        var readers = [String: Set<S>]()
        for k in ["cg_iterations", "cg_tolerance", "cg_absolute_tolerance", "cg_warm_start"] { readers[k] = [.cg, .nystromCG] }
        readers["cg_negative_curvature"] = [.cg]
        for k in ["nystrom_rank", "nystrom_rho", "nystrom_seed", "nystrom_columns", "nystrom_core_shift"] { readers[k] = [.nystrom, .nystromCG] }
        for k in ["neumann_terms", "neumann_alpha"] { readers[k] = [.neumann] }
        readers["measure_residual"] = [.nystrom, .neumann, .exact]
        return readers
    }()

    /// The hypergradient keys `settings`' chosen solver does not read (`stackelberg.cg_iterations`
    /// with `stackelberg.solver = neumann`), for each hypergradient prefix the run's coupling
    /// declares, each with a note naming the solvers that read it.
    public static func solverKeysWithoutEffect(in settings: Settings) -> [String: String] {
        guard let coupling = (try? settings.string("coupling")) ?? nil,
              let declared = entries.first(where: { $0.name == coupling })?.settings.map(\.key) else { return [:] }
        var notes = [String: String]()
        for prefix in ["stackelberg.", "blpo."] where declared.contains(prefix + "solver") {
            guard let name = (try? settings.string(prefix + "solver")) ?? nil, let solver = HypergradientOptions.Solver(rawValue: name) else { continue }
            for (key, readers) in solverKeyReaders where !readers.contains(solver) {
                let by = HypergradientOptions.Solver.allCases.filter(readers.contains).map(\.rawValue)
                notes[prefix + key] = "\(prefix + key) is read by \(prefix)solver = \(by.joined(separator: " or ")); it has no effect with \(prefix)solver = \(name)"
            }
        }
        return notes
    }

    /// The registry's spelling of a coupling named in any case (`Actor-Leader` → `actor-leader`); nil for none.
    public static func spelling(of name: String) -> String? { names.first { $0.lowercased() == name.lowercased() } }

    public static func entry(_ name: String) throws -> Entry {
        guard let e = entries.first(where: { $0.name == name }) else {
            throw SettingsError.type("coupling", "one of \(names.joined(separator: ", "))", name)
        }
        return e
    }
}
