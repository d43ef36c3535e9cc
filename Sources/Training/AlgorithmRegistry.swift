import Agents
import Environments
import Foundation

/// The kinds of action space an algorithm can act in.
public enum ActionSpaceKind: String, Sendable, CaseIterable {
    case discrete, box

    public init(_ space: Space) {
        if case .discrete = space { self = .discrete } else { self = .box }
    }
}

/// Algorithms by name, like the environment registry: what each accepts (couplings, action spaces),
/// its settings with their defaults per environment family (each key declared once, in a
/// ``SettingTable``, so the default and the reading come from one line), and how to build it.
/// `train`'s choices and help, `algo list` and the all-pairs learning test all read this table.
public enum AlgorithmRegistry {
    public struct Entry: Sendable {
        public let name: String
        public let summary: String
        public let couplings: [String]
        public let actionSpaces: [ActionSpaceKind]
        /// The algorithm's own keys with their help, in order (run keys and coupling keys apart).
        public let settings: [(key: String, help: String)]
        /// The algorithm's keys at their defaults for an environment and coupling.
        let defaults: @Sendable (_ env: String, _ coupling: String) -> Settings
        /// Run and coupling keys whose default differs for this algorithm (e.g. STAC's λ = 500 for
        /// DDPG; PPO's one copy on MuJoCo), on an environment under a coupling.
        public let overrides: @Sendable (_ env: String, _ coupling: String) -> Settings
        /// The algorithm's own keys that a coupling does not read, each with what it reads instead.
        public let inertKeys: @Sendable (_ coupling: String) -> [String: String]
        /// Notes on values that run but are likely a slip (AC's Adam at plain descent's rates), given
        /// resolved settings; `train` prints them before the run starts.
        public let notes: @Sendable (Settings) -> [String]
        /// The environment families a coupling runs on (all of them unless the entry says otherwise:
        /// SPRIG's perception module needs image observations). `algo list` lists defaults only there.
        public let families: @Sendable (_ coupling: String) -> [EnvironmentFamily]
        /// Checks every value against `copies` environment copies and the environment's observation
        /// shape, before anything runs (`train --dry-run` included).
        let validate: @Sendable (Settings, _ copies: Int, _ observationShape: [Int], _ environment: String) throws -> Void
        let make: @Sendable (Settings, any CouplingSpec, VectorEnvironment, UInt64) throws -> Agent

        /// `preset`: the algorithm's settings for an environment; `couplingPreset`, where given,
        /// adjusts them for a coupling (BLPO's code under PPO's `nested` and `blpo`). `validateWithCoupling`,
        /// where given, replaces `validate` before a run: it sees the coupling and the observations too, and
        /// makes the plain checks itself.
        init<C>(name: String, summary: String, couplings: [String], actionSpaces: [ActionSpaceKind], table: SettingTable<C>,
                preset: @escaping @Sendable (String) -> C, couplingPreset: (@Sendable (inout C, _ coupling: String, _ env: String) -> Void)? = nil,
                overrides: Settings = Settings(), familyOverrides: (@Sendable (_ env: String, _ coupling: String) -> Settings)? = nil,
                inertKeys: @escaping @Sendable (_ coupling: String) -> [String: String] = { _ in [:] },
                notes: @escaping @Sendable (Settings) -> [String] = { _ in [] },
                families: @escaping @Sendable (_ coupling: String) -> [EnvironmentFamily] = { _ in EnvironmentFamily.allCases },
                validate: @escaping @Sendable (C, Int) throws -> Void,
                validateWithCoupling: (@Sendable (C, any CouplingSpec, _ copies: Int, _ observationShape: [Int], _ environment: String) throws -> Void)? = nil,
                make: @escaping @Sendable (C, any CouplingSpec, VectorEnvironment, UInt64) throws -> Agent) {
            self.name = name
            self.summary = summary
            self.couplings = couplings
            self.actionSpaces = actionSpaces
            self.overrides = familyOverrides ?? { _, _ in overrides }
            self.inertKeys = inertKeys
            self.notes = notes
            self.families = families
            settings = table.declarations.map { (key: $0.key, help: $0.help) }
            let first = couplings[0]
            let presetFor: @Sendable (String, String) -> C = { env, coupling in
                var c = preset(env)
                couplingPreset?(&c, coupling, env)
                return c
            }
            defaults = { env, coupling in var s = Settings(); table.write(presetFor(env, coupling), into: &s); return s }
            self.validate = { s, copies, shape, environment in
                let c = try table.read(s, into: presetFor(try s.string("env") ?? "", try s.string("coupling") ?? first))
                // Checks that need the coupling (a layout one coupling cannot train), before anything runs; they
                // include the plain ones, so that one refusal lists every problem.
                if let validateWithCoupling {
                    try validateWithCoupling(c, try CouplingRegistry.entry(try s.string("coupling") ?? first).makeSpec(s), copies, shape, environment)
                } else {
                    try validate(c, copies)
                }
            }
            self.make = { s, spec, env, seed in
                try make(try table.read(s, into: presetFor(try s.string("env") ?? "", try s.string("coupling") ?? first)), spec, env, seed)
            }
        }
    }

    public static let entries: [Entry] = DQNVariant.allCases.map(ValueBasedEntries.dqn) + [ValueBasedEntries.pqn, ActorCriticEntries.ac, ActorCriticEntries.ddpg, ActorCriticEntries.sac, PolicyGradientEntries.ppo]

    public static var names: [String] { entries.map(\.name) }

    /// Keys accepted (one config serves every coupling of an algorithm) but read by no part of a run
    /// of `algo` under `coupling`, each with a note for the user: other couplings' options, and the
    /// algorithm's own keys the coupling replaces (PPO's `lr` under BLPO's two optimizers).
    public static func keysWithoutEffect(algo: String, coupling: String) -> [String: String] {
        var keys = [String: String]()
        for k in CouplingRegistry.keysWithoutEffect(under: coupling) {
            let owners = CouplingRegistry.entries.filter { $0.settings.contains { $0.key == k } }.map(\.name)
            keys[k] = "\(k) is an option of \(owners.joined(separator: ", ")); it has no effect with --coupling \(coupling)"
        }
        if let entry = entries.first(where: { $0.name == algo }) {
            for (k, instead) in entry.inertKeys(coupling) {
                keys[k] = "\(k) has no effect with --algo \(algo) --coupling \(coupling); \(instead)"
            }
        }
        return keys
    }

    /// `keysWithoutEffect(algo:coupling:)` for one run's settings, with the keys its values leave
    /// unread too: a hypergradient's options of solvers other than the one chosen. `train` notes
    /// these, `sweep plan` refuses variants that differ only in them, and `compare` does not split
    /// groups on them.
    public static func keysWithoutEffect(in settings: Settings) -> [String: String] {
        guard let algo = (try? settings.string("algo")) ?? nil, let coupling = (try? settings.string("coupling")) ?? nil else { return [:] }
        var keys = keysWithoutEffect(algo: algo, coupling: coupling)
        for (k, note) in CouplingRegistry.solverKeysWithoutEffect(in: settings) where keys[k] == nil { keys[k] = note }
        // SPRIG's module's sizes are read only where the network is that module, its temporal blocks only over
        // stacked frames (env_frame_stack 0: the environment's own, EnvironmentRegistry.Entry.ownFrameStack).
        if let layout = (try? settings.string("network.layout")) ?? nil {
            if layout != "attention" {
                for k in settings.keys where k.hasPrefix("perception.") && keys[k] == nil {
                    keys[k] = "\(k) shapes SPRIG's attention module, which network.layout = \(layout) does not build; it has no effect (network.layout = attention builds it)"
                }
            } else if settings["perception.temporal_blocks"] != nil, keys["perception.temporal_blocks"] == nil,
                      let stack = (try? settings.int("env_frame_stack")) ?? nil, let env = (try? settings.string("env")) ?? nil,
                      EnvironmentRegistry.framesStacked(env, override: stack) == 1 {
                let stacking = stack > 0 ? "env_frame_stack = \(stack) stacks" : "env_frame_stack = 0 (the environment's own) stacks"
                keys["perception.temporal_blocks"] = "perception.temporal_blocks attends across stacked frames, and \(stacking) none on \(env); it has no effect (env_frame_stack = 2 or more gives the temporal level frames)"
            }
        }
        // The game diagnostics' options are read only when they are on.
        if (try? settings.bool("diagnostics.enabled")) == false {
            for k in settings.keys where k.hasPrefix("diagnostics.") && k != "diagnostics.enabled" && keys[k] == nil {
                keys[k] = "\(k) is read only with diagnostics.enabled = true; it has no effect here (add --set diagnostics.enabled=true to measure the game)"
            }
        }
        return keys
    }

    /// `settings` with each value that names the same run as another written its one way: `perception.stem
    /// = auto` as the stem it picks on these observations (`minatar` on MinAtar's grids). `sweep plan`
    /// compares runs by it, so that `auto` and `minatar` on MinAtar are one run, not two trained twice.
    public static func identity(of settings: Settings, observationShape: [Int]) -> Settings {
        var s = settings
        if observationShape.count == 3, let stem = ((try? s.string("perception.stem")) ?? nil).flatMap(AttentionPerception.Stem.init(rawValue:)) {
            s["perception.stem"] = .string(stem.resolved(height: observationShape[0], width: observationShape[1]).rawValue)
        }
        return s
    }

    /// The registry's spelling of an algorithm named in any case (`DQN` → `dqn`); nil for none.
    public static func spelling(of name: String) -> String? { names.first { $0.lowercased() == name.lowercased() } }

    public static func entry(_ name: String) throws -> Entry {
        guard let e = entries.first(where: { $0.name == name }) else {
            throw SettingsError.type("algo", "one of \(names.joined(separator: ", "))", name)
        }
        return e
    }

    /// Keys added with a default other than what the runs before them did, with the value those runs
    /// had. A saved config without such a key ran with this value, not the key's default.
    public static let valuesBeforeKeys: [String: Settings.Value] = [
        // SPRIG's leader stepped on the paper's mean log π·Â until the clipped surrogate became the default.
        "sprig.leader_policy_term": .string("log_prob"),
        // DDPG and SAC did one update per step collected so far at the first round (1,000 at once).
        "first_updates": .string("catch_up"),
    ]

    /// A saved run's settings as this build reads them: a key the toolkit added after the run was
    /// written reads as what the run used (its default, or its entry in `valuesBeforeKeys` when the
    /// run's coupling reads the key; to the others a coupling's option is inert, so its default). With
    /// `droppingRetired`, a key the toolkit no longer has is left out (it cannot tell runs apart).
    /// Settings naming no known algorithm, coupling or environment come back as they are.
    public static func completing(_ saved: Settings, droppingRetired: Bool = false) -> Settings {
        var config = saved
        guard let algo = try? config.string("algo"), let coupling = try? config.string("coupling"), let env = try? config.string("env"),
              let defaults = try? AlgorithmRegistry.defaults(algo: algo, coupling: coupling, env: env) else { return config }
        for k in defaults.keys where config[k] == nil {
            let before = valuesBeforeKeys[k].flatMap { key(k, changes: coupling) ? $0 : nil }
            config[k] = before ?? defaults[k]
        }
        if droppingRetired { for k in config.keys where defaults[k] == nil { config[k] = nil } }
        return config
    }

    /// Whether `key` can change what a run with `coupling` computes: a coupling's option (`sprig.*`
    /// for `sprig`; the `stackelberg.*` options for every coupling that declares them) only for the
    /// couplings that declare it; every other key for all. A config lists every coupling's options
    /// of its algorithm (one file serves a baseline and its Stackelberg variant), so a PPO baseline's
    /// config carries `sprig.*` keys that nothing reads.
    public static func key(_ key: String, changes coupling: String) -> Bool {
        let declaring = CouplingRegistry.entries.filter { $0.defaults[key] != nil }.map(\.name)
        return declaring.isEmpty || declaring.contains(coupling)
    }

    /// Every key a run of `algo` with `coupling` on `env` reads, at its default: the run's keys,
    /// the algorithm's, and the options of every coupling the algorithm accepts (so one config
    /// file serves a baseline and its Stackelberg variant). Anything else in a config is refused.
    public static func defaults(algo: String, coupling: String, env: String) throws -> Settings {
        let entry = try self.entry(algo)
        guard entry.couplings.contains(coupling) else {
            // An unknown name: the choices are this algorithm's couplings, not every registered one.
            guard CouplingRegistry.names.contains(coupling) else {
                throw SettingsError.type("coupling", "one of \(entry.couplings.joined(separator: ", ")) (the couplings \(algo) takes)", coupling)
            }
            throw SettingsError.refusedPair("\(algo) does not take the coupling \(coupling); \(algo) takes \(entry.couplings.joined(separator: ", "))")
        }
        var s = Settings()
        s["algo"] = .string(algo)
        s["coupling"] = .string(coupling)
        s["env"] = .string(env)
        RunOptions.table.write(RunOptions.preset(for: EnvironmentFamily(environment: env)), into: &s)
        DiagnosticsSettings.table.write(DiagnosticsSettings.preset(algo: algo, env: env), into: &s)
        let own = entry.defaults(env, coupling)
        for k in own.keys { s[k] = own[k] }
        for name in entry.couplings {
            let c = try CouplingRegistry.entry(name).defaults
            for k in c.keys { s[k] = c[k] }
        }
        let overrides = entry.overrides(env, coupling)
        for k in overrides.keys where s[k] != nil { s[k] = overrides[k] }
        return s
    }

    /// The environment's refusal of the settings (`env`, `env_*`) as a refusal of settings, so that it
    /// is reported (and exits) as one.
    static func settingEnvironment<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as EnvironmentError {
            if case .badState(let why) = e { throw SettingsError.environment(why) }
            throw SettingsError.environment("\(e)")
        }
    }

    /// The defaults for the run's algorithm, coupling and environment, overlaid with `given`;
    /// unknown keys are refused with the list of known ones, a refused pair (an algorithm on an
    /// action space it cannot act in, a coupling it does not take) with the valid choices, and
    /// every value is checked, all before anything is written.
    /// `concurrentRuns`: the seeds `train` trains at once (`--jobs`), each holding its own copies,
    /// networks and replay buffer, which the memory check multiplies by it.
    public static func resolve(_ given: Settings, concurrentRuns: Int = 1) throws -> Settings {
        try resolveProbing(given, concurrentRuns: concurrentRuns).settings
    }

    /// ``resolve(_:concurrentRuns:)``, with the shapes of the one environment copy it loaded to check the
    /// settings against: ``checkBuilds(_:shapes:)`` builds on them instead of loading the environment again
    /// (an Atari ROM took about a second).
    /// `memory`: what a run may take where it will train (a plan's `[slurm] mem`); nil: this process's
    /// ``MemoryLimit/current``.
    static func resolveProbing(_ given: Settings, concurrentRuns: Int = 1, memory: MemoryLimit?) throws -> (settings: Settings, shapes: ShapeOnlyEnvironment) {
        try $memoryLimit.withValue(memory) { try resolveProbing(given, concurrentRuns: concurrentRuns) }
    }

    /// The limit ``resolveProbing(_:concurrentRuns:memory:)`` judges against, for `checkMemory`.
    @TaskLocal static var memoryLimit: MemoryLimit?

    public static func resolveProbing(_ given: Settings, concurrentRuns: Int = 1) throws -> (settings: Settings, shapes: ShapeOnlyEnvironment) {
        // Names in any case (`DQN`, `Actor-Leader`), as environments are: written in the registry's spelling,
        // which names the run's directory.
        var given = given
        if let a = try given.string("algo"), let name = spelling(of: a) { given["algo"] = .string(name) }
        let algo = try given.string("algo") ?? "dqn"
        if let c = try given.string("coupling"), let name = CouplingRegistry.spelling(of: c) { given["coupling"] = .string(name) }
        // No coupling given: the algorithm's first (its baseline: monolithic, or individual play).
        let coupling = try given.string("coupling") ?? entry(algo).couplings[0]
        guard let givenEnv = try given.string("env") else { throw SettingsError.type("env", "an environment name (see `stackelberg env list`)", "nothing") }
        // The registry's own spelling, once, here: `MinAtar/Breakout` gets MinAtar's defaults and
        // writes under the same run directory as `minatar/breakout`.
        let env = try Self.settingEnvironment { try EnvironmentRegistry.entry(givenEnv).name }
        var s = try defaults(algo: algo, coupling: coupling, env: env)
        let unknown = given.keys.filter { s[$0] == nil }
        guard unknown.isEmpty else {
            // A key of another algorithm (`blpo.lambda` given to sac) says whose it is.
            var elsewhere = [String: [String]]()
            for e in entries where e.name != algo {
                guard let other = try? defaults(algo: e.name, coupling: e.couplings[0], env: env) else { continue }
                for k in unknown where other[k] != nil { elsewhere[k, default: []].append(e.name) }
            }
            throw SettingsError.unknownKeys(unknown, known: s.keys, elsewhere: elsewhere)
        }
        for k in given.keys where k != "env" {
            // One whole number for a list of widths is a one-element list (`Settings.ints`): stored as the list, so
            // config.toml says what was built and `compare` does not tell `128` from `[128]`.
            if case .numbers? = s[k], case .number(let x)? = given[k], x == x.rounded(), x >= 1 { s[k] = .numbers([x]) } else { s[k] = given[k] }
        }
        let run = try runOptions(s)
        try run.validate()
        let overrides = try run.environmentOverrides()
        // Each override on its own, so that a refusal names its key (the registry says it in prose) and the
        // keys it names can be set aside to find the next.
        let environmentEntry = try Self.settingEnvironment { try EnvironmentRegistry.entry(env) }
        for (key, one) in [("env_sticky_actions", EnvironmentOverrides(stickyActionProbability: overrides.stickyActionProbability)),
                           ("env_max_episode_steps", EnvironmentOverrides(maxEpisodeSteps: overrides.maxEpisodeSteps)),
                           ("env_frame_stack", EnvironmentOverrides(frameStack: overrides.frameStack)),
                           ("env_episodic_life", EnvironmentOverrides(episodicLife: overrides.episodicLife)),
                           ("env_fire_reset", EnvironmentOverrides(fireReset: overrides.fireReset))] where one != EnvironmentOverrides() {
            do { try EnvironmentRegistry.check(one, for: environmentEntry) } catch let EnvironmentError.badState(why) {
                // The registry's advice ("leave the … setting unset") is what "must be left unset" says.
                let reason = why.replacingOccurrences(of: #"; leave the [a-z-]+ setting unset"#, with: "", options: .regularExpression)
                throw SettingsError.type(key, "left unset on \(env) (\(reason))", s[key]?.description ?? "?")
            }
        }
        try Self.settingEnvironment { try EnvironmentRegistry.check(overrides, for: environmentEntry) }
        let entry = try self.entry(algo)
        // `atari/<game>` names any ROM: one ALE does not ship is unknown only when loaded (78, as any unknown environment).
        let probe = try Self.settingEnvironment { try EnvironmentRegistry.make(env, count: 1, overrides: overrides) }
        let space = probe.actionSpace
        try checkMemory(s, copies: run.numEnvs, observationSize: probe.observationSpace.size, actionSize: space.size,
                        observationShape: probe.observationShape, stackedFrames: probe.stackedFrames, concurrentRuns: concurrentRuns)
        guard entry.actionSpaces.contains(ActionSpaceKind(space)) else {
            let fitting = entries.filter { $0.actionSpaces.contains(ActionSpaceKind(space)) }.map(\.name)
            throw SettingsError.refusedPair("\(algo) acts in \(entry.actionSpaces.map(\.rawValue).joined(separator: " or ")) action spaces; \(env) has \(space). "
                + (fitting.isEmpty ? "No algorithm for \(ActionSpaceKind(space).rawValue) actions is registered yet" : "Algorithms for it: \(fitting.joined(separator: ", "))"))
        }
        // Every accepted coupling's options are in the settings (one config serves a baseline and
        // its Stackelberg variants), so each is checked, not only the chosen one's.
        for name in entry.couplings { try CouplingRegistry.entry(name).makeSpec(s).validate() }
        // The diagnostics' keys are checked even when they are off, so that turning them on later works.
        try DiagnosticsSettings.options(s).validate()
        try entry.validate(s, run.numEnvs, probe.observationShape, probe.name)
        return (s, ShapeOnlyEnvironment(like: probe, count: 1))
    }

    /// The environment steps a run of `s` trains and the batch they come in: `total_steps` rounded
    /// up to whole batches (AC's `batch_steps`; else `num_envs` copies times PPO's and PQN's
    /// `rollout_length`, or one step each). What `train` counts to and what a finished run's
    /// summary.json records as `env_steps`; nil without `total_steps`.
    public static func stepsTrained(_ s: Settings) throws -> (steps: Int, batch: Int)? {
        guard let total = try s.int("total_steps") else { return nil }
        guard let copies = try s.int("num_envs") else { return (total, 1) }
        let batch = max(1, ((try? s.int("batch_steps")) ?? nil) ?? copies * ((try? s.int("rollout_length")) ?? nil ?? 1))
        return (wholeBatches(total, of: batch), batch)
    }

    /// `steps` rounded up to whole batches of `batch` environment steps: where a run of
    /// `total_steps = steps` stops (it steps its copies a batch at a time).
    public static func wholeBatches(_ steps: Int, of batch: Int) -> Int { (steps + batch - 1) / batch * batch }

    /// The run options of resolved settings.
    /// The bytes `copies` environment copies hold in their arrays: observations and final
    /// observations, and the per-copy flags and counters, at 4 bytes a value.
    public static func environmentBytes(copies: Int, observationSize: Int) -> Double {
        Double(copies) * 4.0 * Double(2 * observationSize + 16)
    }

    /// Refuses, before anything is allocated, sizes whose arrays alone exceed this machine's memory:
    /// the environment copies (their observations, final observations and flags), the networks'
    /// dense layers (`network.*_widths`), the activations of acting on every copy and an on-policy
    /// rollout (`num_envs` × `rollout_length`), and a replay buffer (`buffer_size` rows of two
    /// observations, an action and the scalars), at 4 bytes a value. The message gives what they
    /// would need, what the machine has, and the key to lower.
    static func checkMemory(_ s: Settings, copies: Int, observationSize: Int, actionSize: Int,
                            observationShape: [Int] = [], stackedFrames: Int = 1, concurrentRuns: Int = 1) throws {
        // Seeds trained at once each hold all of it: the machine is shared among them.
        let runs = Double(max(1, concurrentRuns))
        let limit = memoryLimit ?? MemoryLimit.current
        let available = limit.bytes / runs
        func gigabytes(_ bytes: Double) -> String { String(format: "%.1f GB", bytes / 1e9) }
        let machine = concurrentRuns > 1
            ? "and the \(concurrentRuns) seeds trained at once share \(limit.holder)'s \(gigabytes(available * runs))\(limit.source), \(gigabytes(available)) each: train fewer at once with --jobs, or lower it"
            : "\(limit.holder) has \(gigabytes(available))\(limit.source)"
        let environments = environmentBytes(copies: copies, observationSize: observationSize)
        guard environments < available else {
            throw SettingsError.type("num_envs", "a number of copies whose arrays fit in memory (\(gigabytes(environments)) needed for \(copies) copies, \(machine))", String(copies))
        }
        // Each network's dense layers, from the observation to the actions: a weight is held four
        // times over (the weight, its gradient, Adam's two moments), at 4 bytes. A rough floor on what
        // training needs (activations and target networks come on top), enough to refuse a width that
        // could never be allocated before it traps or takes the machine's memory from other jobs.
        // A stack's last layer feeds whatever follows it (an encoder its Q head, a trunk its heads), so
        // each is closed with the widest layer of the others, not the action count: an encoder ending
        // in 3e8 units before a 64-wide head needs 3e8 × 64 weights, which the action count hid.
        let stacks = try s.keys.filter { $0.hasPrefix("network.") && ($0.hasSuffix("_widths") || $0.hasSuffix("_width")) }
            .compactMap { key in try s.ints(key).flatMap { $0.isEmpty ? nil : (key: key, widths: $0) } }
        var networks = [(key: String, bytes: Double)]()
        for (key, widths) in stacks {
            let next = stacks.filter { $0.key != key }.flatMap(\.widths).max() ?? 0
            let chain = [Double(observationSize)] + widths.map(Double.init) + [Double(max(actionSize, next, 1))]
            let weights = zip(chain, chain.dropFirst()).reduce(0.0) { $0 + $1.0 * $1.1 + $1.1 }
            networks.append((key, 16 * weights))
        }
        let rolloutLength = (try? s.int("rollout_length")) ?? nil
        // SPRIG's attention module (network.layout = attention): its weights and activations, each part named
        // by the key that drives it (AttentionMemory).
        var attention: AttentionMemory?
        if (try? s.string("network.layout")) ?? nil == "attention", observationShape.count == 3,
           let d = try? s.int("perception.dim"), let heads = try? s.int("perception.heads"), let features = try? s.int("perception.features"),
           d >= 1, heads >= 1, features >= 1 {
            var sizes = AttentionPerception.Settings()
            sizes.dimension = d; sizes.heads = heads; sizes.features = features
            sizes.cellGate = ((try? s.bool("perception.cell_gate")) ?? nil) ?? true
            sizes.spatialBlocks = max(((try? s.int("perception.spatial_blocks")) ?? nil) ?? 1, 1)
            sizes.temporalBlocks = max(((try? s.int("perception.temporal_blocks")) ?? nil) ?? 1, 0)
            sizes.stem = ((try? s.string("perception.stem")) ?? nil).flatMap(AttentionPerception.Stem.init(rawValue:)) ?? .auto
            // The largest batch it sees: acting on every copy, or a PPO minibatch.
            let rollout = Double(rolloutLength ?? 1), minibatches = Double(max(((try? s.int("minibatches")) ?? nil) ?? 1, 1))
            let memory = AttentionMemory(sizes: sizes, observationShape: observationShape, frames: stackedFrames,
                                         rows: max(Double(copies), Double(copies) * rollout / minibatches),
                                         leads: ((try? s.string("coupling")) ?? nil) == "sprig")
            attention = memory
            networks.append((memory.weightKey, memory.weights))
        }
        let networkBytes = networks.reduce(0) { $0 + $1.bytes }
        // How many blocks would fit, for a refusal that names a block count.
        func fitting(_ key: String) -> String {
            guard let m = attention, let n = m.blocksThatFit(key, budget: available, others: networkBytes - m.weights + environments) else { return "" }
            let other = key == "perception.spatial_blocks" ? "perception.temporal_blocks" : "perception.spatial_blocks"
            return n == 0 ? "; not one fits beside the rest of the module as set: lower \(other), perception.dim, or the rows of a minibatch (num_envs × rollout_length ÷ minibatches)"
                : "; by this check's measured estimate at most \(n) fit with the other settings as given"
        }
        if let largest = networks.max(by: { $0.bytes < $1.bytes }), networkBytes + environments >= available {
            let what = largest.key.hasSuffix("_blocks") ? "a block count whose weights and activations fit in memory" : "widths whose weights fit in memory"
            throw SettingsError.type(largest.key, "\(what) (\(gigabytes(networkBytes)) needed for the networks' weights, gradients and Adam moments, \(machine)\(fitting(largest.key)))",
                                     s[largest.key]?.description ?? "?")
        }
        // After the weights' check: a d too wide for its weights is said as such. 4,096 heads on Atari passed
        // the weights' check and grew past 16 GB in a dry run; 1e6 temporal blocks passed both and trapped.
        if let m = attention, m.activations + networkBytes + environments >= available {
            let key = m.activationKey
            let p = Int(m.cells), f = Int(m.frames)
            var what = "\(Int(m.rows)) rows of \(f) frames of \(p) cells: \(m.sizes.spatialBlocks == 1 ? "" : "\(m.sizes.spatialBlocks) spatial blocks of ")\(m.sizes.heads) heads' \(p)×\(p) attention maps and d = \(m.sizes.dimension) tokens"
            if m.temporalBlocks > 1 { what += ", and \(m.temporalBlocks) temporal blocks over them" }
            let kind: String, advice: String
            switch key {
            case "perception.stem":
                kind = "a stem whose cells' attention fits in memory"
                let smaller = m.smallerStems(height: observationShape[0], width: observationShape[1])
                advice = smaller.isEmpty ? "" : "; stems with fewer cells: \(smaller)"
            case "perception.spatial_blocks", "perception.temporal_blocks":
                kind = "a block count whose attention activations fit in memory"
                advice = fitting(key)
            default:
                kind = "sizes whose attention activations fit in memory"
                advice = "; the rows are the lever as much as the sizes: fewer rows per minibatch (num_envs × rollout_length ÷ minibatches, or num_envs where it acts on more), or a smaller perception.dim or perception.heads"
            }
            throw SettingsError.type(key, "\(kind) (\(gigabytes(m.activations)) needed for \(what), beside \(gigabytes(networkBytes + environments)) for the networks' weights, gradients and Adam moments and the copies' arrays; \(machine)\(advice))",
                                     s[key]?.description ?? "?")
        }
        // Per copy, beside its environment arrays: the networks' activations as they act on every copy at
        // once (each dense width, the actions), the per-copy episode statistics, and an on-policy rollout
        // (rollout_length steps of each copy: an observation, the action, six scalars). num_envs = 1e8 on
        // CartPole passed the environment arrays alone (9.6 GB) and aborted allocating its activations.
        // After the weights' check, so that a width too large for its weights is named by its key.
        let widthSum = Double(stacks.filter { $0.key.hasSuffix("_widths") }.flatMap(\.widths).reduce(0, +))
        let rolloutSteps = Double(rolloutLength ?? 0)
        let perCopy = 4.0 * (widthSum + Double(actionSize)) + 16 + rolloutSteps * 4.0 * Double(observationSize + actionSize + 6)
        let copiesBytes = environments + Double(copies) * perCopy
        guard copiesBytes + networkBytes < available else {
            throw SettingsError.type("num_envs", "a number of copies whose arrays fit in memory (\(gigabytes(copiesBytes)) needed for \(copies) copies: their observations, the networks' activations on them\(rolloutSteps > 0 ? " and their rollout of rollout_length = \(Int(rolloutSteps)) steps each" : ""); \(machine))", String(copies))
        }
        var buffer = 0.0
        if let rows = try s.int("buffer_size") {
            buffer = Double(rows) * 4.0 * Double(2 * observationSize + actionSize + 4)
            guard buffer + copiesBytes + networkBytes < available else {
                throw SettingsError.type("buffer_size", "a replay size whose rows fit in memory (\(gigabytes(buffer)) needed for \(rows) rows, \(machine))", String(rows))
            }
        }
        // A batch a step learns from (a replay minibatch, AC's on-policy batch): its rows (observations, next
        // observations, actions, scalars) and the networks' activations on them, forward and backward.
        // batch_size = 5e7 on Pendulum passed the replay's check and aborted allocating its minibatch;
        // AC's batch_steps = 1e11 passed every check and aborted allocating its batch.
        for key in ["batch_size", "batch_steps"] {
            guard let rows = (try? s.int(key)) ?? nil, rows > 0 else { continue }
            let batch = Double(rows) * 4.0 * (Double(2 * observationSize + actionSize + 6) + 3 * (widthSum + Double(actionSize)))
            guard batch + buffer + copiesBytes + networkBytes < available else {
                throw SettingsError.type(key, "a batch whose rows fit in memory (\(gigabytes(batch)) needed for \(rows) rows: their observations and the networks' activations on them, forward and backward; \(machine))", String(rows))
            }
        }
    }

    public static func runOptions(_ s: Settings) throws -> RunOptions {
        try RunOptions.table.read(s, into: RunOptions())
    }

    /// The coupling resolved settings ask for.
    public static func couplingSpec(_ s: Settings) throws -> any CouplingSpec {
        let name = try s.string("coupling") ?? "monolithic"
        return try DiagnosticsSettings.wrap(CouplingRegistry.entry(name).makeSpec(s), s)
    }

    /// Builds the agent resolved settings describe, on a shape-only stand-in for its environment copies
    /// (one real copy says the shapes; N Atari emulators took seconds to load), and drops it: some
    /// refusals come only as an agent is built (a network its observations cannot feed, a model part
    /// `diagnostics.leader` names that the model does not have), and `train --dry-run`, which trains
    /// nothing, must exit as `train` would. The replay buffer is built at batch_size rows (its size
    /// against batch_size is checked with the settings: at a million Atari frames it took 40 s and 6 GB),
    /// the networks at widths of at most 64.
    /// `shapes`: the environment's shapes as ``resolveProbing(_:concurrentRuns:)`` gave them for these
    /// settings; without them one copy is loaded here.
    /// - Throws: the agent's `AgentError.badConfig`, the environment's errors.
    public static func checkBuilds(_ settings: Settings, shapes: ShapeOnlyEnvironment? = nil) throws {
        var s = settings
        if let rows = try s.int("buffer_size"), let batch = try s.int("batch_size"), batch >= 1, rows > batch {
            s["buffer_size"] = .number(Double(batch))
        }
        // Widths at most 64: what the agent refuses as it is built depends on the observations, the
        // actions and the model's parts, not on its sizes, and a dry run of two 30,000-wide layers spent
        // minutes initializing weights it would drop (the memory check has judged the real sizes).
        let cap = 64
        for key in s.keys where key.hasPrefix("network.") && key.hasSuffix("_widths") {
            if let widths = try s.ints(key) { s[key] = .numbers(widths.map { Double(min($0, cap)) }) }
        }
        for key in ["network.dueling_width", "perception.features"] {
            if let width = try s.int(key) { s[key] = .number(Double(min(width, cap))) }
        }
        // Heads too: d = heads × (d / heads) with 4,096 heads stayed 4,096 wide. A d that is not a multiple
        // of the heads is left as given, for the build to refuse.
        if let d = try s.int("perception.dim"), let heads = try s.int("perception.heads"), heads >= 1, d > cap, d % heads == 0 {
            let h = min(heads, 4)
            s["perception.heads"] = .number(Double(h))
            s["perception.dim"] = .number(Double(h * max(1, min(d / heads, cap / h))))
        }
        // Depth too: the blocks' weights and activations were judged above.
        for key in ["perception.spatial_blocks", "perception.temporal_blocks"] {
            if let blocks = try s.int(key) { s[key] = .number(Double(min(blocks, 2))) }
        }
        let options = try runOptions(s)
        let probe: VectorEnvironment = try shapes ?? EnvironmentRegistry.make(try s.string("env") ?? "", count: 1, overrides: try options.environmentOverrides())
        _ = try makeAgent(s, environment: ShapeOnlyEnvironment(like: probe, count: options.numEnvs), seed: 0)
    }

    /// The agent the resolved settings describe, bound to `environment`.
    public static func makeAgent(_ s: Settings, environment: VectorEnvironment, seed: UInt64) throws -> Agent {
        let entry = try self.entry(try s.string("algo") ?? "dqn")
        return try entry.make(s, try couplingSpec(s), environment, seed)
    }
}
