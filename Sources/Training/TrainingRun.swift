import Agents
import Autodiff
import Environments
import Foundation

/// The signal (SIGINT or SIGTERM) that asked every running seed to checkpoint and stop at its next
/// step; 0 while none has.
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0
/// How many stop signals have arrived: `sweep` forwards each one to its runs once.
nonisolated(unsafe) var stopSignalsReceived: sig_atomic_t = 0
/// When the first stop signal arrived, in milliseconds of the monotonic clock (read only by the handler).
nonisolated(unsafe) var firstStopMilliseconds = 0
/// Whether a repeated stop signal ends the process at once (`train`) or only counts (`sweep`, whose
/// runs stop themselves).
nonisolated(unsafe) var stopAtOnceOnRepeat = true

/// The stop signal received, if any (the CLI exits 128 + it, as shells expect).
public var stopSignal: Int32? { stopRequested == 0 ? nil : Int32(stopRequested) }

/// How many stop signals the process has received.
public var stopSignalCount: Int { Int(stopSignalsReceived) }

/// How long after the first stop signal a second one counts as the user's again. A run started by
/// `sweep` gets the terminal's Ctrl-C and the sweep's forwarded copy of it a moment apart: that pair
/// is one request.
let repeatedStopMilliseconds = 1_000

/// Makes Ctrl-C and `kill` stop runs cleanly (checkpoint, then exit) instead of losing work. The
/// handler acknowledges at once on stderr (write(2), safe in a handler): the current update
/// finishes first, which can take seconds (minutes for a large solve). With `atOnceOnRepeat`, a
/// second signal a second or more later ends the process there (`_exit`, safe in a handler): the
/// checkpoint on disk is the last complete one (written atomically), `--resume` continues from it
/// and cuts the logs back to it, and a run's `run.lock` (an flock) goes with the process.
/// The stop signal received since `installStopHandlers` (SIGINT, SIGTERM or SIGHUP), or nil.
public var pendingStopSignal: Int32? { stopRequested == 0 ? nil : Int32(stopRequested) }

public func installStopHandlers(atOnceOnRepeat: Bool = true) {
    stopAtOnceOnRepeat = atOnceOnRepeat
    let handler: @convention(c) (Int32) -> Void = { signal in
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let ms = Int(now.tv_sec) * 1_000 + Int(now.tv_nsec) / 1_000_000
        if stopRequested == 0 {
            firstStopMilliseconds = ms
            let message: StaticString = stopAtOnceOnRepeat
                ? "\nstopping: each run checkpoints after its current update, or stops once its checkpoint is loaded (resume with --resume); Ctrl-C again stops at once, losing the steps since the last checkpoint\n"
                : "\nstopping: each run checkpoints after its current update, or stops once its checkpoint is loaded (resume with --resume)\n"
            _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
        } else if stopAtOnceOnRepeat && ms - firstStopMilliseconds >= repeatedStopMilliseconds {
            let message: StaticString = "\nstopped at once: --resume continues from the last checkpoint; the steps since it are lost\n"
            _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
            _exit(128 + signal)
        }
        stopRequested = sig_atomic_t(signal)
        stopSignalsReceived &+= 1
    }
    signal(SIGINT, handler)
    signal(SIGTERM, handler)
    // A closed terminal or ssh session (SIGHUP) stops the run as SIGTERM does, with a checkpoint, rather
    // than killing it between checkpoints (and a sweep's pool with its runs left unwatched). A process
    // started under `nohup` ignores SIGHUP on purpose: that is kept.
    let previous = signal(SIGHUP, handler)
    if unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { signal(SIGHUP, SIG_IGN) }
}

/// One seed of a training run, in its own directory:
///
/// - `config.toml`: the resolved settings with the seed, commit, GEMM kernels and command as a header,
///   and a `# resumed = …` line (date, commit, kernels) for each resume;
/// - `episodes.csv`: every finished training episode (environment step, copy, return, length);
/// - `updates.csv`: the agent's metrics by name (its coupling's losses, learning rates and solver
///   diagnostics, then its own) every `log_interval` environment steps;
/// - `eval.csv`: deterministic evaluation (greedy, or the policy's mean) every `eval_interval` steps and at the end, apart from training;
/// - `checkpoint.state`: everything a resumed run needs to continue bit for bit, and the settings it
///   trains with (so that a config.toml edited since is refused by `--resume` and `attention`), rewritten
///   every `checkpoint_interval` steps, on interruption and at the end (atomically, so a crash while
///   writing keeps the last good one);
/// - `tensorboard/events.out.tfevents.*`: the same logs as TensorBoard scalars (unless
///   `tensorboard = false`);
/// - `summary.json` when the run completes;
/// - `diverged.txt` (the reason) when training stops on a non-finite value.
public final class TrainingRun: Sendable {
    public let settings: Settings
    public let seed: UInt64
    public let directory: String
    public let header: [String]

    /// Builds the agent; the registry's by default (tests pass their own).
    let makeAgent: @Sendable (Settings, VectorEnvironment, UInt64) throws -> Agent
    /// Stop as an interruption does (checkpoint, `TrainingError.interrupted`) at the first
    /// iteration that starts at or past this many environment steps: a kill mid-run, for tests of
    /// the exact resume under the run's own total (learning-rate schedules follow the total).
    let stopAfterSteps: Int?
    /// Stop as an interruption does inside evaluation number k (0-based), mid-episode: a kill
    /// during a long evaluation, for tests.
    let stopInEvaluation: Int?

    public init(settings: Settings, seed: UInt64, directory: String, header: [String],
                makeAgent: @escaping @Sendable (Settings, VectorEnvironment, UInt64) throws -> Agent = AlgorithmRegistry.makeAgent,
                stopAfterSteps: Int? = nil, stopInEvaluation: Int? = nil) {
        self.settings = settings
        self.seed = seed
        self.directory = directory
        self.header = header
        self.makeAgent = makeAgent
        self.stopAfterSteps = stopAfterSteps
        self.stopInEvaluation = stopInEvaluation
    }

    var checkpointPath: String { directory + "/checkpoint.state" }
    var summaryPath: String { directory + "/summary.json" }
    /// Written when training stops on a non-finite value (`AgentError.diverged`), with the reason: the
    /// readers of runs (`compare`, `windows`) then say the run diverged, where without it the directory
    /// reads as a run interrupted or still training. Removed when the run trains again.
    public static let divergedFile = "diverged.txt"

    /// Why the run in `directory` diverged (the first line of its ``divergedFile``), or nil when it has not.
    /// Read alike by `compare`, `windows` and `sweep run`.
    public static func divergedReason(in directory: String) -> String? {
        (try? String(contentsOfFile: directory + "/" + divergedFile, encoding: .utf8))?.split(separator: "\n").first.map(String.init)
    }

    /// Whether this seed has run to its end (its summary is written and reads as JSON); a finished
    /// seed is left as it is by `--resume`. A summary cut short (a full disk, a copy gone wrong) does
    /// not count: `--resume` then rewrites it from the final checkpoint.
    public var isFinished: Bool { hasReadableSummary(directory) }

    /// The final evaluation's mean return recorded in a finished seed's summary.
    public func finishedScore() throws -> Double {
        guard let data = FileManager.default.contents(atPath: summaryPath),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let score = json["final_eval_mean_return"] as? Double else {
            throw TrainingError.io("cannot read \(summaryPath): is the run directory intact?")
        }
        return score
    }

    /// Trains to `total_steps`, or from the checkpoint with `resume`. Returns the final greedy
    /// evaluation's mean return.
    @discardableResult
    public func run(resume: Bool, progress: ProgressBoard? = nil, progressIndex: Int = 0) throws -> Double {
        // Warnings said inside an update name this run (seeds train concurrently).
        try RunMessages.$label.withValue(directory) {
            try train(resume: resume, progress: progress, progressIndex: progressIndex)
        }
    }

    private func train(resume: Bool, progress: ProgressBoard?, progressIndex: Int) throws -> Double {
        // The caller's thread gets its floating-point mode back when the run ends.
        let flushedBefore = BLAS.flushSubnormalsOnThisThread(true)
        defer { BLAS.flushSubnormalsOnThisThread(flushedBefore) }
        // Training again: an earlier divergence is no longer the run's state.
        try? FileManager.default.removeItem(atPath: directory + "/" + Self.divergedFile)
        let totalSteps = try settings.int("total_steps")!
        let envName = try settings.string("env")!
        let options = try AlgorithmRegistry.runOptions(settings)
        let copies = options.numEnvs, evalEpisodes = options.evalEpisodes
        let evalInterval = options.evalInterval, checkpointInterval = options.checkpointInterval
        let logInterval = options.logInterval
        let writeEvents = options.tensorboard, logEpisodes = options.logEpisodes
        let evalMaxSteps = options.evalMaxEpisodeSteps
        let fm = FileManager.default

        let overrides = try options.environmentOverrides()
        let env = try EnvironmentRegistry.make(envName, count: copies, overrides: overrides)
        guard let snapshotting = env as? SnapshottingEnvironment else { throw TrainingError.io("\(envName) cannot be checkpointed") }
        let evalEnv = try EnvironmentRegistry.make(envName, count: Swift.min(evalEpisodes, 10), overrides: overrides)
        let agent = try makeAgent(settings, env, seed)
        // One process per run directory: a second one (another terminal, a second worker of a
        // script) is refused before it writes anything. Taken once the agent is built, so a refused
        // configuration leaves no directory behind. The lock goes with the process.
        try Self.checkRunPath(directory)
        if !resume {
            do { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw TrainingError.io("cannot create the run directory \(directory): \(fileErrorReason(error, path: directory + "/x")); check --out (a writable directory, not a file)")
            }
        }
        guard fm.fileExists(atPath: directory) else { throw TrainingError.nothingToResume(directory) }
        let lock = open(directory + "/run.lock", O_RDWR | O_CREAT, 0o644)
        guard lock >= 0 else { throw TrainingError.io("cannot create \(directory)/run.lock: \(String(cString: strerror(errno))); is the directory writable?") }
        defer { close(lock) }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            throw TrainingError.io(beingTrainedText)
        }

        // Seeds far apart, because MinAtar copy i of seed s is RandomState(s + i).
        let envSeed = seed &* 10_000, evalSeedBase = seed &* 10_000 &+ 5_000

        var evaluations = 0, pendingEvaluation = false
        // Whether some resume of this run changed its GEMM kernels (its bits are then its own).
        var gemmChanged = false
        let episodes: RunLog, updates: RunLog, evals: RunLog
        // One column per metric the agent declared (its coupling's, then its own).
        let metrics = agent.metrics
        var columns = UpdateLogColumns(reported: metrics.names)
        if resume {
            // Builds before the atomic replace could be killed between removing the old checkpoint
            // and renaming the new one into place: a complete leftover (its checksum verifies) is it.
            let leftover = checkpointPath + ".tmp"
            if !fm.fileExists(atPath: checkpointPath), fm.fileExists(atPath: leftover),
               (try? StateDictionary(contentsOf: URL(fileURLWithPath: leftover))) != nil {
                try fm.moveItem(atPath: leftover, toPath: checkpointPath)
            }
            guard fm.fileExists(atPath: checkpointPath) else { throw TrainingError.nothingToResume(directory) }
            // All checked before anything is changed (a log cut back, a resume recorded in config.toml).
            let (state, sizes, checksums) = try readCheckpoint(at: checkpointPath)
            try agent.load(from: state)
            gemmChanged = noteGEMMChange(savedKernels: try? state.text("run.gemm"),
                                         changedBefore: (try? state.integer("run.gemm_changed")) == 1)
            try recordResume(in: directory + "/config.toml")
            try snapshotting.restore(snapshot: try state.bytes("run.environment"))
            evaluations = Int(try state.integer("run.evaluations"))
            // Checkpoints from before this key have none pending.
            pendingEvaluation = (try? state.integer("run.pending_evaluation")) == 1
            episodes = try RunLog(path: directory + "/episodes.csv", header: "", truncatingTo: sizes[0], checksum: checksums[0])
            let updatesPath = directory + "/updates.csv"
            columns = try UpdateLogColumns(header: try UpdateLogColumns.header(ofFileAt: updatesPath), reported: metrics.names, path: updatesPath)
            if !columns.omitted.isEmpty {
                try? FileHandle.standardError.write(contentsOf: Data("note: this build also reports \(columns.omitted.joined(separator: ", ")); \(updatesPath) keeps the columns the run started with\n".utf8))
            }
            updates = try RunLog(path: updatesPath, header: "", truncatingTo: sizes[1], checksum: checksums[1])
            evals = try RunLog(path: directory + "/eval.csv", header: "", truncatingTo: sizes[2], checksum: checksums[2])
            // Checkpoints from before metric windows have none: the window restarts empty.
            if let sums = try? state.reals("run.metric_window_sums") {
                try metrics.restoreWindow(sums: sums, counts: try state.integers("run.metric_window_counts"), savedColumns: columns.indices)
            }
        } else {
            // Logs without a checkpoint (a run stopped before its first checkpoint, or whose checkpoint
            // was lost with the machine) cannot be resumed; say that they are being replaced.
            if case .replacingLogs(let rows) = try start(resume: false) {
                try? FileHandle.standardError.write(contentsOf: Data("note: \(directory) \(Self.replacingLogsText(episodes: rows))\n".utf8))
            }
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try settings.rendered(header: header).write(toFile: directory + "/config.toml", atomically: true, encoding: .utf8)
            env.reset(seed: envSeed)
            episodes = try RunLog(path: directory + "/episodes.csv", header: "env_step,copy,return,length")
            updates = try RunLog(path: directory + "/updates.csv", header: (["env_step", "updates"] + columns.names).joined(separator: ","))
            evals = try RunLog(path: directory + "/eval.csv", header: "env_step,mean_return,returns")
        }
        let events = writeEvents ? try TensorBoardMirror(directory: directory + "/tensorboard") : nil
        if let events {
            episodes.mirror = events.episode
            let names = columns.names
            updates.mirror = { events.update($0, columns: names) }
            evals.mirror = events.evaluation
            if resume { for log in [episodes, updates, evals] { try log.mirrorWrittenLines() } }
        }
        func flushLogs() throws {
            try episodes.flush(); try updates.flush(); try evals.flush()
            try events?.flush()
        }

        func checkpoint(pendingEvaluation: Bool = false) throws {
            try flushLogs()
            var state = StateDictionary()
            agent.save(into: &state)
            state["run.environment"] = .bytes(snapshotting.snapshot())
            state["run.evaluations"] = .integer(Int64(evaluations))
            state["run.pending_evaluation"] = .integer(pendingEvaluation ? 1 : 0)
            state["run.log_sizes"] = .integers([episodes, updates, evals].map { Int64($0.bytesWritten) })
            state["run.log_checksums"] = .integers([episodes, updates, evals].map { Int64($0.checksum) })
            state["run.seed"] = .integer(Int64(bitPattern: seed))
            state["run.gemm"] = .text(BLAS.gemmKernels)
            // The settings the run trains with, as config.toml states them: a reader of the checkpoint
            // (`attention`) can tell a config.toml edited since from the one that trained it.
            state["run.settings"] = .text(settings.rendered())
            if gemmChanged { state["run.gemm_changed"] = .integer(1) }
            let window = metrics.windowState
            state["run.metric_window_sums"] = .reals(window.sums)
            state["run.metric_window_counts"] = .integers(window.counts)
            // Atomic: a kill while writing leaves the previous checkpoint in place.
            try state.write(to: URL(fileURLWithPath: checkpointPath))
        }

        // An evaluation interrupted by a stop request: the checkpoint marks it pending, and the resumed
        // run evaluates first (same seed: the count of evaluations has not moved), so its logs are
        // those of an uninterrupted run.
        func evaluate() throws -> Double {
            let returns: [Double]
            do {
                returns = try evaluateDeterministic(agent, on: evalEnv, episodes: evalEpisodes, seed: evalSeedBase &+ UInt64(evaluations) &* 10,
                                                    maxEpisodeSteps: evalMaxSteps,
                                                    shouldStop: { [stopInEvaluation] in stopRequested != 0 || stopInEvaluation == evaluations })
            } catch is CancellationError {
                try checkpoint(pendingEvaluation: true)
                throw TrainingError.interrupted(directory)
            }
            evaluations += 1
            let m = returns.reduce(0, +) / Double(returns.count)
            evals.append("\(agent.environmentSteps),\(m),\(returns.map { String($0) }.joined(separator: " "))")
            return m
        }

        // Each column's mean over the updates since the last row, at the current step.
        func logUpdateRow() {
            updates.append(([String(agent.environmentSteps), String(agent.updates)] + columns.indices.map { "\(metrics.windowMean(at: $0))" }).joined(separator: ","))
            metrics.resetWindow()
        }

        // A checkpoint written inside an evaluation: that evaluation comes first (the final one is
        // made after the loop anyway).
        if pendingEvaluation, agent.environmentSteps < totalSteps { _ = try evaluate() }
        // Whether any update has reported yet (before learning starts there is nothing to log).
        var reported = false
        var lastEpisodeReturn: Double?
        // Diagnostics taken more often than rows are written: a row keeps the last one (`keepLastValue`), so the
        // others cost their Hessian-vector products for nothing. Said once, at the first row that shows it.
        let diagnostics = try DiagnosticsSettings.options(settings)
        var diagnosticColumn = diagnostics.enabled ? metrics.names.firstIndex(of: "game_lambda") : nil
        let loopStart = Date(), stepsAtStart = agent.environmentSteps
        progress?.begin(progressIndex, steps: stepsAtStart)
        while agent.environmentSteps < totalSteps {
            if stopRequested != 0 || stopAfterSteps.map({ agent.environmentSteps >= $0 }) == true {
                try checkpoint()
                throw TrainingError.interrupted(directory)
            }
            let before = agent.environmentSteps, updatesBefore = agent.updates
            do {
                if try agent.iterate() { reported = true }
            } catch let AgentError.diverged(why) {
                try? flushLogs()
                let kept = fm.fileExists(atPath: checkpointPath)
                    ? "The last checkpoint, written at step ≤ \(before), is kept in \(checkpointPath)"
                    : "No checkpoint had been written yet (checkpoint_interval = \(checkpointInterval)): the run starts over once the settings are fixed"
                try? "diverged in the iteration from step \(before): \(why)\n".write(toFile: directory + "/" + Self.divergedFile, atomically: true, encoding: .utf8)
                throw TrainingError.diverged("\(why). \(kept)")
            }
            let now = agent.environmentSteps
            for e in agent.finishedEpisodes {
                if logEpisodes { episodes.append("\(e.step),\(e.copy),\(Double(e.episodeReturn)),\(e.length)") }
                lastEpisodeReturn = Double(e.episodeReturn)
            }
            if now / logInterval != before / logInterval, reported {
                if let i = diagnosticColumn, metrics.windowCount(at: i) > 1 {
                    let taken = metrics.windowCount(at: i), interval = diagnostics.interval
                    // A row comes at most once an iteration: where one iteration has more than `interval` updates
                    // (PPO's epochs × minibatches), a finer log_interval cannot help.
                    let perIteration = agent.updates - updatesBefore
                    let otherFix = perIteration > interval
                        ? " (a row comes at most once an iteration, and one iteration of \(now - before) steps has \(perIteration) updates)"
                        : ", or lower log_interval"
                    let text = "\(directory): diagnostics.interval = \(interval) took \(taken) diagnostics in one updates.csv row (log_interval = \(logInterval) steps); a row keeps the last, so the other \(taken - 1) cost time and are dropped: set diagnostics.interval to \(interval * taken) or more\(otherFix)"
                    if let progress { progress.note(text) } else { try? FileHandle.standardError.write(contentsOf: Data("note: \(text)\n".utf8)) }
                    diagnosticColumn = nil
                }
                logUpdateRow()
            }
            if now / evalInterval != before / evalInterval, now < totalSteps { _ = try evaluate() }
            if now / checkpointInterval != before / checkpointInterval, now < totalSteps { try checkpoint() }
            progress?.update(progressIndex, steps: now, episodeReturn: lastEpisodeReturn)
        }
        // The updates since the last log_interval mark (a total that is not a multiple of it): their row,
        // at the last step, so every update reaches updates.csv. None where the loop ended on a mark or
        // a resumed checkpoint had already logged it (its window is then empty).
        if reported, metrics.windowHasUpdates { logUpdateRow() }
        let loopSeconds = Date().timeIntervalSince(loopStart)
        // The final checkpoint is written after the final evaluation: a resume from it (a run stopped
        // before its summary, or whose summary was lost) reads that evaluation back instead of playing
        // a second one with other draws.
        let final: Double
        if stepsAtStart >= totalSteps, !pendingEvaluation, let done = Self.evaluation(atStep: agent.environmentSteps, in: try evals.writtenLines().last) {
            final = done
        } else {
            final = try evaluate()
            try checkpoint()
        }
        var summary: [String: Any] = ["seed": seed, "env": envName, "env_steps": agent.environmentSteps, "updates": agent.updates,
                                      "final_eval_mean_return": final,
                                      // Wall time of this invocation's training loop (periodic evaluations and
                                      // checkpoints included; after a resume, only the resumed part).
                                      "train_seconds": loopSeconds,
                                      // Whose matrix products these bits are (BLAS.gemmKernels).
                                      "gemm": BLAS.gemmKernels]
        // The rate of what this invocation trained; a resume that trained no step has none (a 0 would
        // read as a stalled run to the sweep planner's rate table).
        let trainedSteps = agent.environmentSteps - stepsAtStart
        if trainedSteps > 0 { summary["train_steps_per_second"] = Double(trainedSteps) / max(loopSeconds, 1e-9) }
        // A run that some resume continued under other kernels says so (config.toml's `# resumed`
        // lines name them all).
        if gemmChanged { summary["gemm_changed_on_resume"] = true }
        try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys, .prettyPrinted])
            .write(to: URL(fileURLWithPath: directory + "/summary.json"))
        return final
    }

    /// The mean return of an eval.csv `row` when the row is at `step`, else nil.
    static func evaluation(atStep step: Int, in row: Substring?) -> Double? {
        guard let fields = row?.split(separator: ",", maxSplits: 2) else { return nil }
        guard fields.count >= 2, Int(fields[0]) == step else { return nil }
        return Double(fields[1])
    }
}

extension TrainingRun {
    /// Where `configPath` differs from the settings checkpoint `state` records (`run.settings`), one
    /// "key: trained A, now B" per key; empty when they agree or the checkpoint is from before the record.
    /// Both are read as ``AlgorithmRegistry/completing(_:droppingRetired:)`` reads an older run: a resume
    /// under a newer build records the keys it added, which the config.toml written at the start lacks.
    public static func settingsChanged(since state: StateDictionary, checkpointPath: String, configPath: String) throws -> [String] {
        guard let recorded = try? state.text("run.settings") else { return [] }
        let trained = AlgorithmRegistry.completing(try Settings(text: recorded, source: checkpointPath))
        return trained.differences(from: AlgorithmRegistry.completing(try Settings(contentsOf: configPath)), labels: ("trained", "now"))
    }

    /// What ``settingsChanged(since:checkpointPath:configPath:)`` found, said one way by every reader of
    /// a checkpoint (`train --resume`, `attention`); each caller adds its way out.
    public static func checkpointDisagreement(configPath: String, changed: [String]) -> String {
        "\(configPath) differs from the settings its checkpoint was trained with (\(changed.joined(separator: "; "))): one of the two was changed after the checkpoint (an edited config.toml, or a checkpoint copied from another run)"
    }

    /// Appends `# resumed = DATE, commit = …, gemm = …` (this process's header values) to config.toml,
    /// so the run's provenance names every build that trained it, not only the first. A comment: the
    /// settings, and what `--resume` compares, are unchanged.
    func recordResume(in path: String) throws {
        let build = header.filter { $0.hasPrefix("commit = ") || $0.hasPrefix("gemm = ") }
        let line = "# resumed = " + ([ISO8601DateFormatter().string(from: Date())] + build).joined(separator: ", ") + "\n"
        guard let handle = FileHandle(forWritingAtPath: path) else { return }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
    }
}

/// What a resume under GEMM kernels `now` should tell the user, given the kernels the checkpoint was
/// written with (`nil`: a checkpoint from before the record, "run.gemm", which was written through
/// OpenBLAS) and whether an earlier resume already changed them: `nil` when nothing changes, else the
/// note, with the way back to the checkpoint's kernels or the fact that there is none. A run resumed
/// under other kernels continues correctly, but from there on its bits may differ from an
/// uninterrupted run's.
public func gemmResumeNote(savedKernels: String?, changedBefore: Bool, now: String) -> String? {
    let saved = savedKernels ?? "openblas"
    // An old checkpoint names no core: only a change of backend counts.
    let same = savedKernels == nil ? now.hasPrefix("openblas") : saved == now
    if same { return nil }
    let way: String
    if changedBefore {
        way = "an earlier resume already changed this run's kernels, so no resume reproduces an uninterrupted run now"
    } else if savedKernels == nil {
        way = "for the same bits resume with STACKELBERG_GEMM=openblas and the OPENBLAS_CORETYPE the run started with"
    } else if saved.hasPrefix("mixed: ") {
        // "mixed: libxsmm hsw for k·n ≤ 16384, openblas Zen[, 2 threads] above": both kernels decide the bits.
        let target = saved.components(separatedBy: " ").dropFirst(2).first ?? "?"
        var openblas = saved.components(separatedBy: "openblas ").last ?? ""
        if openblas.hasSuffix(" above") { openblas.removeLast(" above".count) }
        way = "for the same bits resume with STACKELBERG_GEMM=mixed LIBXSMM_TARGET=\(target) " + openblasVariables(openblas)
    } else if saved.hasPrefix("libxsmm ") {
        way = "for the same bits resume with STACKELBERG_GEMM=libxsmm LIBXSMM_TARGET=\(saved.dropFirst("libxsmm ".count))"
    } else {
        way = "for the same bits resume with STACKELBERG_GEMM=openblas " + openblasVariables(String(saved.dropFirst("openblas ".count)))
    }
    return "note: this run was checkpointed with GEMM kernels \"\(saved)\" and resumes with \"\(now)\": training "
        + "continues correctly, but from here on its bits may differ from an uninterrupted run's; \(way)"
}

/// OPENBLAS_CORETYPE and STACKELBERG_BLAS_THREADS for OpenBLAS's part of a kernels string ("Zen" or
/// "Haswell, 2 threads").
private func openblasVariables(_ kernels: String) -> String {
    let parts = kernels.components(separatedBy: ", ")
    let threads = parts.count > 1 ? parts[1].components(separatedBy: " ")[0] : "1"
    return "OPENBLAS_CORETYPE=\(parts[0]) STACKELBERG_BLAS_THREADS=\(threads)"
}

/// Prints `gemmResumeNote` for this process's kernels; returns whether the run's kernels have ever changed.
func noteGEMMChange(savedKernels: String?, changedBefore: Bool) -> Bool {
    guard let note = gemmResumeNote(savedKernels: savedKernels, changedBefore: changedBefore, now: BLAS.gemmKernels) else {
        return changedBefore
    }
    RunMessages.say("note", String(note.dropFirst("note: ".count)))
    return true
}

/// `directory/summary.json` as a JSON object, or nil when it is missing or does not read as one.
public func readableSummary(_ directory: String) -> [String: Any]? {
    guard let data = FileManager.default.contents(atPath: directory + "/summary.json") else { return nil }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
}

/// Whether `directory/summary.json` exists and reads as a JSON object.
public func hasReadableSummary(_ directory: String) -> Bool { readableSummary(directory) != nil }
