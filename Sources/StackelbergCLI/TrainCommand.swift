import ArgumentParser
import Agents
import Autodiff
import Environments
import Foundation
import Training

/// `stackelberg train`: seeds of one algorithm on one environment, run concurrently, each in its
/// own directory with its config, logs and checkpoints.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an agent over several seeds, with logs, checkpoints, resume and evaluation.",
        discussion: """
            Settings come from the algorithm's defaults for the environment, then --config (TOML), then \
            each --set key=value, then the flags below. Every seed writes its resolved config (with the \
            seed and commit), episodes.csv, updates.csv, eval.csv and checkpoint.state under \
            OUT/ENV/ALGO-COUPLING/seedN. Ctrl-C checkpoints and stops; the same command with --resume \
            continues to exactly the result of an uninterrupted run, under the same GEMM kernels.

            Environment: STACKELBERG_GEMM=auto|openblas|libxsmm|mixed chooses who multiplies matrices \
            (mixed: libxsmm for products whose right operand has at most 16,384 floats, OpenBLAS above; \
            auto: libxsmm where the CPU has AVX-512, mixed where it has AVX2 only, else OpenBLAS); \
            STACKELBERG_BLAS_THREADS sets OpenBLAS's \
            threads (default 1; above 1, auto chooses OpenBLAS); LIBXSMM_TARGET and OPENBLAS_CORETYPE pick \
            their kernels. A run records its kernels (config.toml, summary.json, the checkpoint); a resume \
            under other kernels continues correctly, says its bits may then differ, and is recorded in \
            config.toml.
            """)

    @Option(help: "Algorithm: \(AlgorithmRegistry.names.joined(separator: ", ")) (default dqn; see `stackelberg algo list`).") var algo: String?
    @Option(help: "Coupling: \(CouplingRegistry.names.filter { c in AlgorithmRegistry.entries.contains { $0.couplings.contains(c) } }.joined(separator: ", ")) (default: the algorithm's first, its baseline); each algorithm takes some (see `stackelberg algo list`).") var coupling: String?
    @Option(help: "Environment name (see `stackelberg env list`).") var env: String?
    @Option(parsing: .unconditional, help: "Seeds: a range 0..4, a list 0,3,7, or one number.") var seeds: String = "0"
    // `.unconditional`: a negative value reaches our check (and its message) instead of reading as a flag.
    @Option(parsing: .unconditional, help: "Total environment steps per seed (e.g. 5e6).") var steps: String?
    @Option(help: "A TOML config file.") var config: String?
    @Option(name: .customLong("set"), help: "Override one setting, key=value (repeatable). `stackelberg algo list` lists every key with its default, choices and meaning.") var overrides: [String] = []
    @Option(help: "Directory the runs go under.") var out: String = "runs"
    @Flag(help: "Continue the runs from their checkpoints.") var resume = false
    @Flag(help: "No progress line (for logs); errors and the final summary are still printed.") var quiet = false
    @Option(parsing: .unconditional, help: "Seeds trained at once (default: one per core, at most the number of seeds).") var jobs: Int?
    @Flag(name: .customLong("dry-run"), help: "Check everything train checks before it trains (settings, --out, each seed's directory, --resume against config.toml), print the resolved settings as a config with what each seed would do, and write nothing. Exit status as train's would be before training.") var dryRun = false

    /// The key of a `--set key=value` (what `Settings.apply(override:)` sets).
    static func overrideKey(_ override: String) -> String {
        String(override.split(separator: "=", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces)
    }

    /// A refusal naming the `--config` file when every key it is about came from that file (and no `--set`
    /// replaced it), so that the user knows which file to fix: a setting's type or range, unknown keys, or an
    /// agent's refusal of a combination (`minibatches (5) must divide the rollout's 21 steps`) whose keys
    /// the file gave.
    static func namingConfig(_ error: Error, config: String?, fileKeys: Set<String>, setKeys: Set<String>) -> Error {
        guard let config else { return error }
        let fromFile: (String) -> Bool = { fileKeys.contains($0) && !setKeys.contains($0) }
        switch error {
        case SettingsError.type(let key, _, _) where fromFile(key): return SettingsError.syntax(config, "\(error)")
        case SettingsError.unknownKeys(let keys, _, _) where keys.allSatisfy(fromFile): return SettingsError.syntax(config, "\(error)")
        case let agent as AgentError:
            // Per reason of a combined refusal: those whose keys all came from the file name it.
            let reasons = agent.reasons
            let fileOnly = reasons.map { r in
                let named = fileKeys.union(setKeys).filter { Settings.mentions($0, in: r) }
                return !named.isEmpty && named.allSatisfy(fromFile)
            }
            if !reasons.isEmpty, fileOnly.allSatisfy({ $0 }) { return SettingsError.syntax(config, "\(error)") }
            guard fileOnly.contains(true) else { return error }
            return AgentError.badConfig(zip(reasons, fileOnly).map { $1 ? "\(config): \($0)" : $0 }.joined(separator: "\n"))
        default: return error
        }
    }

    /// The keys given on the command line, which replace the `--config` file's: each `--set`'s, and those the
    /// flags set (`--steps` is `total_steps`: a refused `--steps 100` was blamed on a file's `total_steps`).
    var commandLineKeys: Set<String> {
        var keys = Set(overrides.map(Self.overrideKey))
        if algo != nil { keys.insert("algo") }
        if coupling != nil { keys.insert("coupling") }
        if env != nil { keys.insert("env") }
        if steps != nil { keys.insert("total_steps") }
        return keys
    }

    /// Every refused setting, not only the first (`AlgorithmRegistry.everyRefusal`), each naming the
    /// `--config` file where the keys it is about came from there.
    private func refusals(after first: Error, given: Settings, workers: Int, fileKeys: Set<String>) -> [Error] {
        let setKeys = commandLineKeys
        return AlgorithmRegistry.everyRefusal(after: first, given: given) {
            _ = try AlgorithmRegistry.resolveProbing($0, concurrentRuns: workers)
        }.map { Self.namingConfig($0, config: config, fileKeys: fileKeys, setKeys: setKeys) }
    }

    func run() throws {
        try reportingErrors {
            do { try train() } catch let e where SettingsRefused.covers(e) { throw SettingsRefused(e) }
        }
    }

    private func train() throws {
        // From the start, so that a stop signal during the checks (a sweep's pool stopping as it launches this
        // run) stops it with a stop's exit status, not the signal's default death ("killed by signal 15").
        if !dryRun { installStopHandlers() }
        // A bad --seeds is refused before any note about the settings is printed.
        let seedList = try parseSeeds(seeds)
        if let config { try checkReadableFile(config, what: "--config") }
        var given = try config.map { try Settings(contentsOf: $0) } ?? Settings()
        let fileKeys = Set(given.keys)
        // A key set twice takes its last value, which lets a script override its own base arguments;
        // said, since it took effect without a word.
        var seen = [String: String]()
        for o in overrides {
            let key = Self.overrideKey(o)
            if let first = seen[key], first != o {
                try? FileHandle.standardError.write(contentsOf: Data("note: --set \(key) is given more than once (\(first), then \(o)); the last is used\n".utf8))
            }
            seen[key] = o
        }
        for o in overrides { try given.apply(override: o) }
        if let algo { given["algo"] = .string(algo) }
        if let coupling { given["coupling"] = .string(coupling) }
        if let env { given["env"] = .string(env) }
        if let steps {
            guard let x = Settings.number(steps), x >= 1 else { throw UsageError("--steps must be a positive number, got \(steps)") }
            guard x == x.rounded() else { throw UsageError("--steps must be a whole number of environment steps, got \(steps)") }
            // Steps are counted in 64-bit integers; far beyond any run, and the check keeps the message about --steps.
            guard x <= SettingBound.maxTotalSteps else { throw UsageError("--steps \(steps) is too large: give at most 1e15 environment steps") }
            given["total_steps"] = .number(x.rounded())
        }
        let settings: Settings, shapes: ShapeOnlyEnvironment
        // The seeds trained at once share the machine's memory (--jobs 0 is refused below).
        let workers = Swift.max(1, Swift.min(jobs ?? ProcessInfo.processInfo.activeProcessorCount, seedList.count))
        do { (settings, shapes) = try AlgorithmRegistry.resolveProbing(given, concurrentRuns: workers) } catch let error where error is SettingsError || error is AgentError {
            throw SettingsRefused(refusals(after: error, given: given, workers: workers, fileKeys: fileKeys))
        }
        // Accepted (one config serves every coupling of an algorithm) but without effect here.
        let inert = AlgorithmRegistry.keysWithoutEffect(in: settings)
        // A key at its default in a config file changes nothing either way: a run's own config.toml,
        // which lists every coupling's keys, given back as --config, notes only what differs. A key
        // given with --set was set by hand, so it is noted at any value.
        let defaults = try? AlgorithmRegistry.defaults(algo: try settings.string("algo")!, coupling: try settings.string("coupling")!,
                                                       env: try settings.string("env")!)
        let setByHand = Set(overrides.map(Self.overrideKey))
        for k in given.keys.sorted() where setByHand.contains(k) || given[k] != defaults?[k] {
            if let note = inert[k] { try? FileHandle.standardError.write(contentsOf: Data("note: \(note)\n".utf8)) }
            // One number is one layer (`Settings.ints`), which a user meaning "this width, default depth" does not expect.
            if k.hasPrefix("network."), k.hasSuffix("_widths"), case .number(let w)? = given[k],
               case .numbers(let d)? = defaults?[k], d.count > 1 {
                let width = Int(w), depth = d.count
                try? FileHandle.standardError.write(contentsOf: Data("note: \(k) = \(width) is one hidden layer of \(width); the default has \(depth) (\(Settings.Value.numbers(d).description)): give [\(Array(repeating: String(width), count: depth).joined(separator: ", "))] for \(depth) layers of \(width)\n".utf8))
            }
            // A learning rate above 1 is legal (a sweep may probe one) but is nearly always an exponent's sign
            // lost (`1e3` for `1e-3`), and a run with such steps diverges, hours later, silently.
            // Not for a key already noted as without effect; a default of 0 ("the follower's own rate") is no rate to cite.
            if inert[k] == nil, Settings.isLearningRate(k), case .number(let x)? = settings[k], x > 1 {
                var usual = ""
                if case .number(let d)? = defaults?[k], d > 0 { usual = " (the default is \(Settings.Value.number(d).description))" }
                let decades = log10(x)
                let meant = abs(decades - decades.rounded()) < 1e-9 ? " Was 1e-\(Int(decades.rounded())) meant?" : ""
                try? FileHandle.standardError.write(contentsOf: Data("note: \(k) = \(Settings.Value.number(x).description) is a learning rate above 1\(usual): runs with steps that large usually diverge.\(meant)\n".utf8))
            }
        }
        for note in try AlgorithmRegistry.entry(try settings.string("algo")!).notes(settings) {
            try? FileHandle.standardError.write(contentsOf: Data("note: \(note)\n".utf8))
        }
        _ = try prepareOutputDirectory(out, option: "--out", create: false)
        // Steps come in batches of num_envs: say what a period that is not a multiple becomes.
        if let period = try settings.int("target_update_interval"), let copies = try settings.int("num_envs"), period % copies != 0 {
            let effective = AlgorithmRegistry.wholeBatches(period, of: copies)
            try? FileHandle.standardError.write(contentsOf: Data("note: target_update_interval = \(period) acts every \(effective) environment steps (the first batch of num_envs = \(copies) at or past it)\n".utf8))
        }
        // Steps come in whole batches (num_envs copies; PPO's rollouts of rollout_length × num_envs;
        // AC's batch_steps): say what a total that is not a multiple becomes.
        // What the progress line counts to: the steps each seed will have trained.
        let total = try settings.int("total_steps")!
        var trainedSteps = total
        if try settings.int("num_envs") != nil, let (trained, batch) = try AlgorithmRegistry.stepsTrained(settings) {
            if batch > 1, total % batch != 0 {
                trainedSteps = trained
                try? FileHandle.standardError.write(contentsOf: Data("note: total_steps = \(total) trains \(trained) steps (whole batches of \(batch) environment steps)\n".utf8))
            }
            // DQN's family, DDPG and SAC learn only from learning_starts/update_after on: a shorter
            // run would end untrained, silently.
            var noted = false
            for key in ["update_after", "learning_starts"] {
                if let after = try settings.int(key), total < after {
                    try? FileHandle.standardError.write(contentsOf: Data("note: total_steps = \(total) is below \(key) = \(after): this run collects data and never updates\n".utf8))
                    noted = true
                }
            }
            // DDPG's and SAC's updates come every update_every steps from update_after on (SpinningUp's
            // t % update_every == 0): the first at the first multiple of update_every at or past update_after.
            if !noted, let every = try settings.int("update_every"), let after = try settings.int("update_after"), every >= 1 {
                let first = Swift.max(1, (Swift.max(after, 1) + every - 1) / every) * every
                if trainedSteps < first {
                    try? FileHandle.standardError.write(contentsOf: Data("note: the first update comes at step \(first) (update_every = \(every), from update_after = \(after)), past total_steps = \(total): this run collects data and never updates\n".utf8))
                }
            }
        }
        let envName = try settings.string("env")!, algoName = try settings.string("algo")!, couplingName = try settings.string("coupling")!
        let base = "\(out)/\(envName.replacingOccurrences(of: "/", with: "_"))/\(algoName)-\(couplingName)"
        let commit = gitCommit()
        let command = CommandLine.arguments.joined(separator: " ")
        let runs = seedList.map { seed in
            TrainingRun(settings: settings, seed: seed, directory: "\(base)/seed\(seed)",
                        header: ["stackelberg train, resolved settings", "seed = \(seed)", "commit = \(commit)", "gemm = \(BLAS.gemmKernels)",
                                 "command = \(command)", "started = \(ISO8601DateFormatter().string(from: Date()))"])
        }
        // Seeds added to a resumed command (--seeds 0..2 after 0..1) have nothing to resume: they
        // start, as long as some other seed does resume (a --resume that resumes nothing is
        // refused, in case of a mistyped --out or seed).
        let nothingYet = runs.map { r in resume && !r.hasCheckpoint && !r.isFinished }
        if resume && nothingYet.contains(false) {
            for (r, fresh) in zip(runs, nothingYet) where fresh {
                try? FileHandle.standardError.write(contentsOf: Data("note: \(r.directory) has no checkpoint: this seed starts from the beginning\n".utf8))
            }
        }
        // A file in the way of one seed's directory is refused before any seed trains (not after the
        // others, hours later).
        if !dryRun { try refusingEach(runs) { try TrainingRun.checkRunPath($0.directory); try TrainingRun.checkWritable($0.directory) } }
        let resumes = runs.indices.map { resume && (!nothingYet[$0] || !nothingYet.contains(false)) }
        guard jobs.map({ $0 >= 1 }) ?? true else { throw UsageError("--jobs must be at least 1, got \(jobs!)") }
        if dryRun {
            // What train refuses only as it builds the agent, refused here too (exit 78, as train's).
            try AlgorithmRegistry.checkBuilds(settings, shapes: shapes)
            return try reportDryRun(runs, resumes: resumes, settings: settings, commit: commit, command: command)
        }
        try refusingEach(zip(runs, resumes).filter(\.1).map(\.0), checkSameSettings)
        if let signal = pendingStopSignal {
            try? FileHandle.standardError.write(contentsOf: Data("stopped before training started: nothing was written\n".utf8))
            throw ExitCode(128 + signal)
        }
        let board = ProgressBoard(labels: seedList.map { "seed\($0)" }, totals: Array(repeating: trainedSteps, count: runs.count), quiet: quiet)
        // A finished seed is left as it is: resuming a job whose other seeds were interrupted
        // must not evaluate it again or rewrite its summary.
        let finished = runs.indices.map { resumes[$0] && runs[$0].isFinished }
        for (i, done) in finished.enumerated() where done { board.begin(i, steps: trainedSteps) }
        let results = runConcurrently(runs.count, workers: workers) { i in
            finished[i] ? try runs[i].finishedScore() : try runs[i].run(resume: resumes[i], progress: board, progressIndex: i)
        }
        board.finish()
        var failed = false
        for (i, (run, result)) in zip(runs, results).enumerated() {
            switch result {
            case .success(let score):
                let note = finished[i] ? "already finished, left as it is; " : ""
                print("\(run.directory): \(note)final greedy evaluation \(String(format: "%.2f", score))")
            case .failure(let error):
                failed = true
                // Most run errors name the directory themselves.
                let text = "\(error)"
                try? FileHandle.standardError.write(contentsOf: Data("error: \(text.hasPrefix(run.directory) ? "" : run.directory + ": ")\(text)\n".utf8))
            }
        }
        // Stopped by a signal: the command that continues, written out (each interrupted seed's line says to
        // add --resume; a probe looked for the command), then the shell's convention, 128 + the signal (130 for Ctrl-C).
        if failed, let signal = stopSignal {
            let interrupted = results.contains { if case .failure(TrainingError.interrupted) = $0 { return true }; return false }
            if interrupted {
                var words = CommandLine.arguments.map(shellQuoted)
                if !words.contains("--resume") { words.append("--resume") }
                try? FileHandle.standardError.write(contentsOf: Data("to resume: \(words.joined(separator: " "))\n".utf8))
            }
            throw ExitCode(128 + signal)
        }
        // Settings some agent refused as it was built (blpo.solver = exact on a large network): every
        // seed fails the same way, and the fix is in the settings.
        let refusals = results.compactMap { r -> Error? in if case .failure(let e) = r { return e }; return nil }
        if failed && refusals.allSatisfy(SettingsRefused.covers) { throw ExitCode(78) }
        if failed { throw ExitCode(1) }
    }

    /// A resumed run must have the settings it started with.
    /// Makes `check` of every seed before any trains and refuses them all at once: each refusal but the last
    /// is printed, the last thrown (one line for a refusal every seed shares). Stopping at the first hid the
    /// others until it was fixed.
    private func refusingEach<T>(_ items: [T], _ check: (T) throws -> Void) throws {
        var refusals = [Error](), said = Set<String>()
        for item in items {
            do { try check(item) } catch where !(error is ExitCode) {
                if said.insert("\(error)").inserted { refusals.append(error) }
            }
        }
        guard let last = refusals.last else { return }
        for e in refusals.dropLast() { try? FileHandle.standardError.write(contentsOf: Data("error: \(e)\n".utf8)) }
        throw last
    }

    func checkSameSettings(_ run: TrainingRun) throws {
        let path = run.directory + "/config.toml"
        guard FileManager.default.fileExists(atPath: path) else {
            // A checkpoint without its config: the run is there, but what it trained with is not.
            if FileManager.default.fileExists(atPath: run.directory + "/checkpoint.state") {
                throw InputError("--resume: \(path) is missing, beside the run's checkpoint: it holds the settings the run trains with; restore it (a copy of the run's config.toml), or remove the run directory to train it again")
            }
            throw TrainingError.nothingToResume(run.directory)
        }
        // Nothing to resume (a run that diverged before its first checkpoint): said as such, not as settings
        // to restore, which would only repeat the divergence.
        // (One another process trains has none yet either: that is said as it takes the lock.)
        guard run.hasCheckpoint || run.isBeingTrained else { throw TrainingError.nothingToResume(run.directory) }
        // A run's own config.toml that does not read is a damaged run directory (1), not a refused setting (78).
        let saved: Settings
        do { saved = try Settings(contentsOf: path) } catch let e as SettingsError {
            throw InputError("--resume: \(e); it states what the run trains with: restore it (a copy of the run's config.toml), or remove the run directory to train it again")
        }
        // Emptied (a full disk, an editor's crash): said as such, not as every setting changed.
        guard !saved.keys.isEmpty else {
            throw InputError("--resume: \(path) holds no settings: it states what the run trains with; restore it (a copy of the run's config.toml), or remove the run directory to train it again")
        }
        let defaults = try AlgorithmRegistry.defaults(algo: try run.settings.string("algo")!, coupling: try run.settings.string("coupling")!,
                                                      env: try run.settings.string("env")!)
        // A key the toolkit no longer has: the run cannot continue as it started.
        let retired = saved.keys.filter { defaults[$0] == nil }
        guard retired.isEmpty else {
            throw InputError("--resume: \(path) has settings this build no longer knows (\(retired.joined(separator: ", "))): they were renamed or removed since the run started; resume it with the build that started it (its commit is in the config's header)")
        }
        // A key added to the toolkit after the run started is absent from its config and reads as
        // the value the run had (its default, or what runs before the key did): that changes nothing.
        let asRan = AlgorithmRegistry.completing(saved)
        let differing = asRan.keys.filter { asRan[$0] != run.settings[$0] } + run.settings.keys.filter { asRan[$0] == nil }
        guard differing.isEmpty else {
            // An edited config.toml is said as such: matched with --set as advised below, the resume would
            // meet the run's own check of config.toml against its checkpoint next. The checkpoint is read
            // here only on this way out (the run reads it again to resume).
            let checkpointPath = run.directory + "/checkpoint.state"
            if let state = try? StateDictionary(contentsOf: URL(fileURLWithPath: checkpointPath)) {
                let changed = try TrainingRun.settingsChanged(since: state, checkpointPath: checkpointPath, configPath: path)
                if !changed.isEmpty {
                    throw InputError("--resume: " + TrainingRun.checkpointDisagreement(configPath: path, changed: changed)
                                     + "; restore it, then resume with the settings config.toml names")
                }
            }
            let detail = differing.map { key in
                (saved[key] == nil && asRan[key] != nil ? "\(key): absent from the file (added to the toolkit later), so the run had "
                                                       : "\(key): saved ")
                    + "\(asRan[key]?.description ?? "unset"), now \(run.settings[key]?.description ?? "unset")"
            }
            // A value the command gives by its own flag is fixed there: --steps overrides --set total_steps.
            let fix = differing.compactMap { key in
                asRan[key].map { key == "total_steps" && steps != nil ? "--steps \($0.description)" : setArgument(key, $0) }
            }
            throw InputError("--resume: the settings differ from \(path) (\(detail.joined(separator: "; "))); resume with the original settings"
                             + (fix.isEmpty ? "" : ": " + fix.joined(separator: " ")))
        }
    }
}

/// `--set key=value` as a shell takes it back: a word value bare (`--set sprig.order=leader_first`),
/// anything else in its TOML form, single-quoted (`--set 'network.actor_widths=[256, 256]'`).
func setArgument(_ key: String, _ value: Settings.Value) -> String {
    var text = value.description
    if case .string(let s) = value, !s.isEmpty, s != "true", s != "false",
       s.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "_") }) { text = s }
    let argument = key + "=" + text
    return argument.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-./=".contains($0)) })
        ? "--set " + argument : "--set '" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// One `--seed` (game, attention, env): a whole number ≥ 0, refused as a usage error naming `--seed`.
/// Options take it as text with `parsing: .unconditional`, so a negative one reaches this check (the
/// parser read `--seed -1` as a missing value followed by an unknown flag).
func seedValue(_ text: String) throws -> UInt64 {
    do { return try SeedList.seed(text) } catch {
        throw UsageError(error.notANumber ? "--seed must be a whole number ≥ 0, got \(text)" : "--seed: " + error.reason)
    }
}

/// "0..4", "0,3,7" or "5" (``SeedList``), refused as a usage error naming `--seeds`.
func parseSeeds(_ text: String) throws -> [UInt64] {
    do { return try SeedList.parse(text) } catch { throw UsageError("--seeds \(text): \(error.reason)") }
}

/// The toolkit's commit, as built (with "+dirty" when its tracked files differed from it), or
/// "unknown" when it was built outside a git checkout: embedded by the BuildInfo plugin, so it does
/// not depend on the directory the binary runs from.
func gitCommit() -> String { buildCommit }

/// Runs `count` jobs on at most `workers` threads; each job's result or error, in order.
func runConcurrently<T>(_ count: Int, workers: Int, _ job: @escaping @Sendable (Int) throws -> T) -> [Result<T, Error>] {
    let box = JobResults<T>(count)
    let group = DispatchGroup()
    for _ in 0..<workers {
        group.enter()
        Thread.detachNewThread {
            while true {
                box.lock.lock()
                let i = box.next
                box.next += 1
                box.lock.unlock()
                guard i < count else { break }
                let r = Result { try job(i) }
                box.lock.lock(); box.results[i] = r; box.lock.unlock()
            }
            group.leave()
        }
    }
    group.wait()
    return box.results.map { $0! }
}

/// Results of `runConcurrently`, filled under the lock by the worker threads.
private final class JobResults<T>: @unchecked Sendable {
    var results: [Result<T, Error>?]
    let lock = NSLock()
    var next = 0
    init(_ n: Int) { results = Array(repeating: nil, count: n) }
}

/// A bad value on the command line: printed as one line with the fix, exit status 1 (no usage text,
/// which ArgumentParser's ValidationError would add after the run has already started checking).
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Settings refused by their own checks (an unknown key, a value out of range, a combination the
/// agent cannot build), given by `--set`, `--config` or a sweep plan: exit 78 (EX_CONFIG), so that a
/// script tells a configuration to fix from a run that failed (1).
struct SettingsRefused: Error, CustomStringConvertible {
    /// Every refusal found, each printed as its own `error:` line.
    let errors: [Error]
    var description: String { errors.map { "\($0)" }.joined(separator: "\nerror: ") }
    init(_ error: Error) { errors = [error] }
    init(_ errors: [Error]) { self.errors = errors }

    /// Whether `error` is a refusal of settings: `SettingsError`, or an agent's `badConfig`.
    static func covers(_ error: Error) -> Bool {
        if error is SettingsError { return true }
        if case .badConfig? = error as? AgentError { return true }
        return false
    }
}

/// Refuses, as a usage error (64), a file argument that is not there to read: a missing path, a
/// directory, or one without read permission. Settings in a file that reads are the settings' refusal (78).
func checkReadableFile(_ path: String, what: String) throws {
    switch FileUnreadable(path: path) {
    case nil: return
    case .missing: throw UsageError("\(what) \(path) does not exist: check the path")
    case .directory: throw UsageError("\(what) \(path) is a directory: give a TOML file")
    case .noPermission: throw UsageError("\(what) \(path) cannot be read (no permission): check the path")
    }
}

/// A command-line option value the command refuses (`--steps abc`, `--seeds 3..1`): exit 64, as
/// ArgumentParser's own usage errors.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
