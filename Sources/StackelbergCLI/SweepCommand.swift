import ArgumentParser
import Foundation
import Training

/// `stackelberg sweep`: experiment grids from a plan file, on this machine or on a Slurm cluster.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a grid of training runs from a plan file (TOML), on this machine or on a Slurm cluster.",
        discussion: """
            A plan lists algorithms, couplings, environments, seeds, a settings grid (lists expand as a product, \
            minus named exclusions), a step budget and an output root; every run is one seed of `stackelberg \
            train` in OUT/VARIANT/ENV/ALGO-COUPLING/seedN. `plan` shows the runs and their cost, `run` trains \
            them (finished runs are skipped, interrupted ones resume exactly), `status` says where each stands. \
            See docs/sweeps.md for the plan format.
            """,
        subcommands: [SweepPlanCommand.self, SweepRunCommand.self, SweepStatusCommand.self])
}

/// Where a sweep's runs go.
enum SweepBackend: String, ExpressibleByArgument, CaseIterable {
    case local, slurm
}

/// The plan's learning rates above 1, one note per key and value with the runs that have it: `train` notes
/// them in each run's own log (`RUN/sweep.log`), where a sweep's user does not look before the runs diverge.
func noteLearningRatesAboveOne(_ p: SweepPlan) {
    var runs = [String: Int](), order = [String]()
    for r in p.runs {
        for k in r.settings.keys where Settings.isLearningRate(k) {
            guard case .number(let x)? = r.settings[k], x > 1 else { continue }
            let said = "\(k) = \(Settings.Value.number(x).description)"
            if runs[said] == nil { order.append(said) }
            runs[said, default: 0] += 1
        }
    }
    for said in order {
        let n = runs[said]!
        try? FileHandle.standardError.write(contentsOf: Data("note: \(n) run\(n == 1 ? "" : "s") of the plan train\(n == 1 ? "s" : "") at \(said), a learning rate above 1: runs with steps that large usually diverge\n".utf8))
    }
}

/// Loads a plan, printing every problem it has (each with its line) and exiting 78 (EX_CONFIG, as
/// `train` for refused settings) when it has any.
func loadPlan(_ path: String) throws -> SweepPlan {
    try checkReadableFile(path, what: "the plan")
    do {
        let plan = try SweepPlan(contentsOf: path)
        // A plan piped in (`<(…)`, /dev/stdin) is named by its path, /dev/fd/63 → "63": a later `sweep
        // status` or rerun through another pipe would look under another output root.
        var info = stat()
        let isRegular = stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG  // through links, as the plan was read
        if !isRegular, plan.outFromFileName {
            try? FileHandle.standardError.write(contentsOf: Data("note: \(path) is not a regular file (a pipe or device), so the plan's default name and output root (\(plan.out)) come from that path; give `name` or `out` in the plan so that `sweep status` and a rerun find the same runs\n".utf8))
        }
        return plan
    } catch let e as SweepPlanErrors {
        for error in e.errors { try? FileHandle.standardError.write(contentsOf: Data("error: \(error)\n".utf8)) }
        try? FileHandle.standardError.write(contentsOf: Data("\(e.errors.count) problem\(e.errors.count == 1 ? "" : "s") in \(path); nothing was written\n".utf8))
        throw ExitCode(78)
    }
}

/// The default speed table, beside the plans.
let defaultSpeedTable = "configs/sweeps/speed.toml"

/// `stackelberg sweep plan PLAN.toml`.
struct SweepPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print a plan's expanded runs (directory and train command) and its cost estimate; writes nothing.",
        discussion: """
            The cost estimate prices each algorithm-coupling × environment at its measured steps per second \
            (one process per core on this machine; --speed, default speed.toml beside the plan, written by \
            scripts/sweeps/measure-speed.sh). A bad plan is refused with every problem and its line.
            """)

    @Argument(help: "The plan file (TOML).") var plan: String
    @Option(help: "Speed table for the cost estimate (default: speed.toml beside the plan, else \(defaultSpeedTable), when it exists).") var speed: String?
    @Flag(help: "Only the counts and the cost estimate, not every run.") var summary = false

    func run() throws {
        try reportingErrors {
            let p = try loadPlan(plan)
            noteLearningRatesAboveOne(p)
            let speeds = try loadSpeeds(speed, plan: plan)
            print(describe(p))
            if !summary {
                let width = String(p.runs.count - 1).count
                for r in p.runs {
                    print("\(String(r.index).leftPadded(width))  \(r.directory)")
                    print("\(String(repeating: " ", count: width))    stackelberg " + r.trainArguments().map(shellQuoted).joined(separator: " "))
                }
                print("")
            }
            print(SweepCost(plan: p, speeds: speeds).report(cores: ProcessInfo.processInfo.activeProcessorCount, measured: speeds?.measured), terminator: "")
            if speeds == nil { print("  (no speed table: measure one with scripts/sweeps/measure-speed.sh, or pass --speed FILE)") }
        }
    }
}

/// The speed table at `path`; without one, `speed.toml` beside the plan (the repository keeps both
/// in configs/sweeps, so a plan given by its full path from elsewhere still finds it), else the
/// default path from the working directory, else none.
func loadSpeeds(_ path: String?, plan: String) throws -> SpeedTable? {
    if let path { return try SpeedTable(contentsOf: path) }
    let beside = URL(fileURLWithPath: plan).deletingLastPathComponent().appendingPathComponent("speed.toml").path
    for candidate in [beside, defaultSpeedTable] where FileManager.default.fileExists(atPath: candidate) {
        return try SpeedTable(contentsOf: candidate)
    }
    return nil
}

/// The plan's counts: runs, variants, environments, algorithms, seeds, exclusions.
func describe(_ p: SweepPlan) -> String {
    let envs = Set(p.runs.map(\.env)).count, pairs = Set(p.runs.map { "\($0.algo)-\($0.coupling)" }).count, seeds = Set(p.runs.map(\.seed)).count
    var s = "plan \(p.path) (\(p.name)): \(p.runs.count) run\(p.runs.count == 1 ? "" : "s") under \(p.out)\n"
    // Variants that fix their coupling pair with one algorithm-coupling each: the product is over
    // the (variant, algorithm-coupling) pairs that occur, not variants × pairs.
    let combos = Set(p.runs.map { "\($0.variant)|\($0.algo)-\($0.coupling)" }).count
    let variantsPart = "\(p.variants.count) variant\(p.variants.count == 1 ? "" : "s") (\(p.variants.joined(separator: ", ")))"
    let pairsPart = combos == p.variants.count * pairs
        ? "\(variantsPart) × \(pairs) algorithm-coupling\(pairs == 1 ? "" : "s")"
        : "\(combos) variant/algorithm-coupling pair\(combos == 1 ? "" : "s") (\(variantsPart), each with the couplings it sets)"
    s += "  \(pairsPart) × \(envs) environment\(envs == 1 ? "" : "s") × \(seeds) seed\(seeds == 1 ? "" : "s")"
    for (name, count) in p.excluded { s += "\n  excluded: \(name) (\(count) run\(count == 1 ? "" : "s"))" }
    return s + "\n"
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

/// This executable's own path, for the runs' subprocesses and the Slurm script.
func ownExecutable() -> String {
    let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
    return link ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
}

/// `stackelberg sweep run PLAN.toml --backend local|slurm`.
struct SweepRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train a plan's runs: a job pool on this machine (local) or one Slurm job array (slurm).",
        discussion: """
            local: each run is `stackelberg train … --seeds N --out OUT/VARIANT` in its own process (this \
            executable), --jobs at a time. A finished run is skipped, an interrupted one resumed from its \
            checkpoint (bit-exact), a run another process holds is left to it. A failed run is reported at the \
            end with its last error and kept in RUN/sweep-failed.txt and OUT/sweep-status.txt; the exit status \
            is 1 if any failed. Ctrl-C stops the pool: every running train checkpoints, and the same command \
            continues (130).
            slurm: writes OUT/slurm/NAME.sbatch, one array task per unfinished run with the plan's [slurm] \
            resources, and submits it with sbatch (job ids in OUT/slurm/jobs.tsv for `sweep status`); \
            --dry-run prints the script and submits nothing.
            """)

    @Argument(help: "The plan file (TOML).") var plan: String
    @Option(help: "Where the runs go: local (this machine) or slurm (a job array).") var backend: SweepBackend = .local
    @Option(parsing: .unconditional, help: "Runs trained at once by the local backend (default: one per core).") var jobs: Int?
    @Flag(help: "slurm: print the array script instead of writing and submitting it.") var dryRun = false

    func run() throws {
        try reportingErrors {
            let p = try loadPlan(plan)
            noteLearningRatesAboveOne(p)
            guard jobs.map({ $0 >= 1 }) ?? true else { throw UsageError("--jobs must be at least 1, got \(jobs!)") }
            if jobs != nil, backend == .slurm { throw UsageError("--jobs is for --backend local; Slurm runs as many tasks as the plan's slurm.max_parallel allows") }
            if dryRun, backend == .local { throw UsageError("--dry-run is for --backend slurm (it prints the array script); `stackelberg sweep plan \(plan)` shows a local run's commands") }
            // Runs trained (or training) with other settings than the plan now gives, refused before anything is
            // written: sweep.json would otherwise state the edited plan for them.
            // All three kinds at once: a user who fixed the one named first was told of the next only on the next try.
            func section(_ problems: [String], _ headline: (Int) -> String) -> String? {
                guard !problems.isEmpty else { return nil }
                return headline(problems.count) + ":\n  " + problems.prefix(5).joined(separator: "\n  ")
                    + (problems.count > 5 ? "\n  (and \(problems.count - 5) more)" : "")
            }
            let finishedChanged = p.runs.filter(\.isFinished).compactMap { r in
                let changed = r.settingsChangedSinceRun
                return changed.isEmpty ? nil : "\(r.directory): \(SweepRun.changedMessage(changed))"
            }
            // Interrupted runs too, before any other run trains: their resume would be refused, and the plan's
            // other runs, trained meanwhile with the new settings, would leave a sweep that neither plan finishes.
            let interruptedChanged = p.runs.filter { !$0.isLocked }.compactMap { r in
                r.interruptedWithOtherSettings.map { "\(r.directory): \(SweepRun.changedWhileInterruptedMessage($0))" }
            }
            // Runs another process trains, started from the plan as it was.
            let runningChanged = p.runs.filter(\.isLocked).compactMap { r in
                let changed = r.settingsChangedSinceRun
                return changed.isEmpty ? nil : "\(r.directory): \(SweepRun.changedWhileRunningMessage(changed))"
            }
            let sections = [
                section(finishedChanged) { n in "\(n) finished run\(n == 1 ? "" : "s") of \(plan) trained with other settings than the plan gives now" },
                section(interruptedChanged) { n in "\(n) interrupted run\(n == 1 ? "" : "s") of \(plan) started with other settings than the plan gives now (nothing was trained)" },
                section(runningChanged) { n in "\(n) run\(n == 1 ? "" : "s") of \(plan) that another process trains \(n == 1 ? "was" : "were") started with other settings than the plan gives now (nothing was trained or written)" },
            ].compactMap { $0 }
            guard sections.isEmpty else { throw InputError(sections.joined(separator: "\n")) }
            switch backend {
            case .local: try runLocal(p)
            case .slurm: try submitSlurm(p)
            }
        }
    }

    private func runLocal(_ p: SweepPlan) throws {
        try p.writeManifest()
        let exe = ownExecutable()
        var todo = [SweepRun](), skipped = 0, elsewhere = [SweepRun]()
        for r in p.runs {
            if r.isFinished { skipped += 1 } else if r.isLocked { elsewhere.append(r) } else { todo.append(r) }
        }
        let workers = max(1, min(jobs ?? ProcessInfo.processInfo.activeProcessorCount, max(1, todo.count)))
        poolReport("sweep \(p.name): \(p.runs.count) run\(p.runs.count == 1 ? "" : "s"); \(skipped) finished (skipped), \(elsewhere.count) trained by another process, \(todo.count) to run, \(workers) at a time")
        for r in elsewhere { poolReport("  running elsewhere (holds run.lock): \(r.directory)") }
        // The runs stop themselves: a second Ctrl-C reaches them from the terminal (and forwarded), and
        // each stops at once; this process waits for them and records how each ended.
        installStopHandlers(atOnceOnRepeat: false)
        let children = ChildProcesses()
        // Forwards each stop signal once to every train process (they also get the terminal's Ctrl-C,
        // a moment apart, which they count as one; a `kill` reaches only this process): the first makes
        // each checkpoint and exit, a second one a second later stops them at once.
        let watcher = Thread {
            var forwarded = 0
            while !children.done {
                if stopSignalCount > forwarded, let signal = stopSignal {
                    forwarded = stopSignalCount
                    children.signalAll(signal == SIGINT ? SIGINT : SIGTERM)
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        watcher.start()
        // Each line is "[k/total, run i]": the pool's count, then the run's number in the plan's order, as
        // `sweep plan` and `sweep status` number it (and Slurm's array index).
        let queue = todo, total = todo.count
        let counter = Counter()
        let results = runConcurrently(queue.count, workers: workers) { i -> RunOutcome in
            let r = queue[i]
            if stopSignal != nil { return .notStarted }
            // Another pool on the same plan may have taken it (or finished it) since this one started:
            // left to it, before this pool writes a line into its log.
            if r.isLocked { poolReport("  running elsewhere (holds run.lock): \(r.directory)"); return .elsewhere }
            // A run that diverged diverges again with the same settings (training is deterministic): not
            // retried; its reason stands as its failure.
            if let why = TrainingRun.divergedReason(in: r.directory) {
                let text = "\(why) (not retried: with these settings it diverges again; change them in the plan, or remove \(TrainingRun.divergedFile) to retry)"
                poolReport("[\(counter.next())/\(total), run \(r.index)] FAILED   \(r.directory): \(text)")
                return .failed(text)
            }
            if r.isFinished { return .elsewhere }
            let n = counter.next()
            let fm = FileManager.default
            try? fm.createDirectory(atPath: r.directory, withIntermediateDirectories: true)
            try? fm.removeItem(atPath: r.directory + "/" + SweepFiles.failure)
            let resume = r.hasCheckpoint
            let logPath = r.directory + "/" + SweepFiles.log
            // A failed create shows up as the FileHandle's nil below, with the message for it.
            if !fm.fileExists(atPath: logPath) { _ = fm.createFile(atPath: logPath, contents: nil) }
            guard let log = FileHandle(forWritingAtPath: logPath) else {
                return .failed("cannot write \(logPath): is the output root writable?")
            }
            defer { try? log.close() }
            log.seekToEndOfFile()
            let stamp = ISO8601DateFormatter().string(from: Date())
            try? log.write(contentsOf: Data("\(stamp) sweep run: \(resume ? "resume" : "start") (run \(r.index))\n".utf8))
            poolReport("[\(n)/\(total), run \(r.index)] \(resume ? "resume" : "start ") \(r.directory)")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: exe)
            process.arguments = r.trainArguments(resume: resume)
            process.standardOutput = log
            process.standardError = log
            let start = Date()
            do { try children.launch(process) } catch {
                return .failed("cannot start \(exe): \(fileErrorReason(error, path: exe))")
            }
            process.waitUntilExit()
            children.finished(process)
            // Whole seconds from 10 s on; tenths below (a short run read "in 0 s").
            let elapsed = Date().timeIntervalSince(start)
            let seconds = elapsed >= 10 ? String(Int(elapsed)) : String(format: "%.1f", elapsed)
            let status = process.terminationStatus, bySignal = process.terminationReason == .uncaughtSignal
            if status == 0, r.isFinished {
                let score: String
                if case .finished(let s?) = r.state { score = String(format: "%.2f", s) } else { score = "?" }
                poolReport("[\(n)/\(total), run \(r.index)] finished \(r.directory) in \(seconds) s: final greedy evaluation \(score)")
                return .finished
            }
            // Stopped: train exits 128 + the signal after its checkpoint.
            if stopSignal != nil, bySignal || status > 128 {
                // After a second stop signal the run may have ended at once, past its last checkpoint.
                poolReport("[\(n)/\(total), run \(r.index)] stopped  \(r.directory) (" + (stopSignalCount > 1 ? "`sweep run` again resumes it from its last checkpoint)" : "checkpointed; `sweep run` again resumes it)"))
                return .stopped
            }
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            // Only this attempt's lines.
            let attempt = text.components(separatedBy: "\(stamp) sweep run:").last ?? text
            // Its train alone was sent a stop signal (a `kill` of that process, a scheduler's preemption): it
            // checkpointed and exited 128 + the signal, as when the pool is stopped. Interrupted, not failed:
            // the next `sweep run` resumes it (a failure record would make status call it failed).
            if !bySignal, [129, 130, 143].contains(status), attempt.contains("interrupted; checkpoint saved in") {
                poolReport("[\(n)/\(total), run \(r.index)] stopped  \(r.directory) (its train was stopped alone, exit \(status), and checkpointed; `sweep run` again resumes it)")
                return .stoppedAlone
            }
            // Taken by another process between the check above and this train's own lock: not a failure.
            if !bySignal, attempt.contains("is being trained by another process") {
                poolReport("[\(n)/\(total), run \(r.index)] running elsewhere (holds run.lock): \(r.directory)")
                return .elsewhere
            }
            let why = bySignal ? "killed by signal \(status)" + (r.hasCheckpoint ? " (its last checkpoint is kept: `sweep run` again resumes it)" : "")
                               : SweepRun.lastError(inLog: attempt, directory: r.directory)
            let exit = bySignal ? 128 + status : status, oneLine = why.replacingOccurrences(of: "\n", with: " | ")
            try? "exit \(exit)\n\(why)\n".write(toFile: r.directory + "/" + SweepFiles.failure, atomically: true, encoding: .utf8)
            // Also in the run's log, which keeps every attempt: sweep-failed.txt goes once the run succeeds, and a
            // death by signal left no line of its own in the log.
            log.seekToEndOfFile()
            try? log.write(contentsOf: Data("\(ISO8601DateFormatter().string(from: Date())) sweep run: FAILED (run \(r.index)), exit \(exit): \(oneLine)\n".utf8))
            poolReport("[\(n)/\(total), run \(r.index)] FAILED   \(r.directory): \(oneLine)")
            return .failed(why)
        }
        children.done = true
        watcher.cancel()
        var failed = [(SweepRun, String)](), stopped = 0, finished = 0, elsewhereNow = 0, stoppedAlone = 0
        for (r, result) in zip(todo, results) {
            switch result {
            case .success(.finished): finished += 1
            case .success(.stopped), .success(.notStarted): stopped += 1
            case .success(.stoppedAlone): stopped += 1; stoppedAlone += 1
            case .success(.elsewhere): elsewhereNow += 1
            case .success(.failed(let why)): failed.append((r, why))
            case .failure(let e): failed.append((r, "\(e)"))
            }
        }
        let statusPath = try writeStatusFile(p)
        poolReport("sweep \(p.name): \(finished) finished now, \(skipped) before; \(stopped) stopped or not started; "
              + (elsewhereNow > 0 ? "\(elsewhereNow) taken by another process meanwhile; " : "") + "\(failed.count) failed; status in \(statusPath)")
        for (r, why) in failed {
            try? FileHandle.standardError.write(contentsOf: Data("error: \(r.directory): \(why.replacingOccurrences(of: "\n", with: " | "))\n".utf8))
        }
        if let signal = stopSignal {
            poolReport(stopSignalCount > 1 ? "stopped at once: `stackelberg sweep run \(plan)` continues each run from its last checkpoint"
                                      : "stopped: the running runs checkpointed; `stackelberg sweep run \(plan)` continues")
            throw ExitCode(128 + signal)
        }
        if !failed.isEmpty {
            try? FileHandle.standardError.write(contentsOf: Data("\(failed.count) run\(failed.count == 1 ? "" : "s") failed; fix the cause and run `stackelberg sweep run \(plan)` again (finished runs are skipped, checkpointed ones resume)\n".utf8))
            throw ExitCode(1)
        }
        // Not every run finished, though none failed: said, and not exit 0.
        if stoppedAlone > 0 {
            try? FileHandle.standardError.write(contentsOf: Data("\(stoppedAlone) run\(stoppedAlone == 1 ? " was" : "s were") stopped by a signal sent to \(stoppedAlone == 1 ? "its" : "their") train alone and checkpointed; `stackelberg sweep run \(plan)` again resumes \(stoppedAlone == 1 ? "it" : "them")\n".utf8))
            throw ExitCode(1)
        }
    }

    /// One line of the pool's report on stdout, written at once (one write(2) per line): stdio's buffer held
    /// every line of a pool whose stdout is a file (`sweep run … > log`) until it exited, so a pool killed
    /// without warning left its log empty. One write per line also keeps the workers' lines whole.
    private func poolReport(_ line: String) {
        ImmediateOutput.writeLine(line)
    }

    private func submitSlurm(_ p: SweepPlan) throws {
        let indices = p.runs.filter { !$0.isFinished }.map(\.index)
        guard !indices.isEmpty else { print("sweep \(p.name): every run has finished; nothing to submit"); return }
        let cwd = FileManager.default.currentDirectoryPath
        let absoluteOut = p.out.hasPrefix("/") ? p.out : cwd + "/" + p.out
        let exe = p.slurm.executable ?? ownExecutable()
        let script = SlurmScript.render(plan: p, indices: indices, executable: exe, workingDirectory: cwd, logDirectory: absoluteOut + "/slurm/logs")
        if dryRun { print(script, terminator: ""); return }
        guard let sbatch = findOnPath("sbatch") else {
            throw InputError("sbatch is not on PATH: submit from a Slurm login node (scripts/slurm/setup-single-node.sh starts a one-node Slurm here), or --dry-run to print the script")
        }
        try p.writeManifest()
        let dir = absoluteOut + "/slurm"
        try FileManager.default.createDirectory(atPath: dir + "/logs", withIntermediateDirectories: true)
        let path = dir + "/\(p.name).sbatch"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = runTool(sbatch, ["--parsable", path])
        guard status == 0, let id = output.split(separator: "\n").last?.split(separator: ";").first.map(String.init), !id.isEmpty else {
            throw InputError("sbatch \(path) failed (exit \(status)): \(output.trimmingCharacters(in: .whitespacesAndNewlines)); the script is kept there")
        }
        let line = "\(id)\t\(ISO8601DateFormatter().string(from: Date()))\t\(SlurmScript.arraySpec(indices))\t\(path)\n"
        let jobs = dir + "/jobs.tsv"
        if let h = FileHandle(forWritingAtPath: jobs) { h.seekToEndOfFile(); h.write(Data(line.utf8)); try? h.close() }
        else { try ("job\tsubmitted\tarray\tscript\n" + line).write(toFile: jobs, atomically: true, encoding: .utf8) }
        print("submitted job array \(id) (\(indices.count) task\(indices.count == 1 ? "" : "s")): \(path); `stackelberg sweep status \(plan)` follows it")
    }
}

/// What one local run came to.
enum RunOutcome: Sendable {
    /// `elsewhere`: another process (a second pool on the plan) took the run after this pool started.
    case finished, stopped, notStarted, elsewhere
    /// The run's train was stopped by a signal sent to it alone (not to the pool), and checkpointed.
    case stoppedAlone
    case failed(String)
}

/// The train processes the pool has started, so that a stop reaches each (by its own pid).
final class ChildProcesses: @unchecked Sendable {
    private let lock = NSLock()
    private var running: [Process] = []
    private var _done = false
    var done: Bool {
        get { lock.lock(); defer { lock.unlock() }; return _done }
        set { lock.lock(); _done = newValue; lock.unlock() }
    }

    /// Starts `process` unless a stop has come (checked under the lock, so none starts after it).
    func launch(_ process: Process) throws {
        lock.lock(); defer { lock.unlock() }
        guard stopSignal == nil else { throw InputError("stopped before it started") }
        try process.run()
        running.append(process)
    }

    func finished(_ process: Process) {
        lock.lock(); running.removeAll { $0 === process }; lock.unlock()
    }

    /// Sends `signal` to each running child (no child starts after a stop: see ``launch(_:)``).
    func signalAll(_ signal: Int32) {
        lock.lock(); defer { lock.unlock() }
        for p in running where p.isRunning { kill(p.processIdentifier, signal) }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
}

/// The first executable `name` on PATH.
func findOnPath(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// Runs a tool to its end: its exit status and its output (stdout and stderr).
func runTool(_ path: String, _ arguments: [String]) -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return (127, "cannot run \(path): \(fileErrorReason(error, path: path))") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Slurm's state of each array task of the plan's submitted jobs (OUT/slurm/jobs.tsv), by run
/// index: from `sacct`, or `squeue` where accounting is off; empty without Slurm or jobs. The
/// second value says which tool answered, or why none did.
func slurmStates(_ p: SweepPlan) -> ([Int: String], String?) {
    guard let text = try? String(contentsOfFile: p.out + "/slurm/jobs.tsv", encoding: .utf8) else { return ([:], nil) }
    let ids = text.split(separator: "\n").dropFirst().compactMap { $0.split(separator: "\t").first.map(String.init) }
    guard !ids.isEmpty else { return ([:], nil) }
    var states = [Int: String]()
    // Later submissions override earlier ones (a resubmitted run's newest job counts).
    func record(_ jobTask: Substring, _ state: Substring) {
        let parts = jobTask.split(separator: "_")
        guard parts.count == 2 else { return }
        let task = parts[1]
        if let i = Int(task) { states[i] = String(state) }
        else if task.hasPrefix("["), let inner = task.dropFirst().split(separator: "]").first {
            // A pending range "[3-5,7%2]".
            for part in inner.split(separator: "%").first?.split(separator: ",") ?? [] {
                let b = part.split(separator: "-").compactMap { Int($0) }
                if b.count == 2 { for i in b[0]...b[1] { states[i] = String(state) } } else if b.count == 1 { states[b[0]] = String(state) }
            }
        }
    }
    if let sacct = findOnPath("sacct") {
        let (status, out) = runTool(sacct, ["-n", "-P", "-X", "-o", "JobID,State", "-j", ids.joined(separator: ",")])
        if status == 0 {
            for line in out.split(separator: "\n") {
                let f = line.split(separator: "|")
                if f.count >= 2 { record(f[0], f[1]) }
            }
            return (states, "sacct")
        }
    }
    guard let squeue = findOnPath("squeue") else { return ([:], "neither sacct nor squeue is on PATH") }
    for id in ids {
        let (status, out) = runTool(squeue, ["-h", "-r", "-j", id, "-o", "%i|%T"])
        guard status == 0 else { continue }
        for line in out.split(separator: "\n") {
            let f = line.split(separator: "|")
            if f.count >= 2 { record(f[0], f[1]) }
        }
    }
    return (states, "squeue (sacct has no accounting here)")
}

/// Writes OUT/sweep-status.txt: one line per run (index, state, directory, detail); returns its path.
@discardableResult
func writeStatusFile(_ p: SweepPlan, states given: [SweepRunState]? = nil, slurm: [Int: String] = [:]) throws -> String {
    let path = p.out + "/sweep-status.txt"
    var s = "# stackelberg sweep status \(p.path), \(ISO8601DateFormatter().string(from: Date()))\n# index\tstate\tdirectory\tdetail\n"
    // The states the caller has read (`sweep status`), else read here, each once.
    let states = given ?? p.runs.map(\.state)
    for (r, state) in zip(p.runs, states) { s += "\(r.index)\t\(state.word)\t\(r.directory)\t\(detail(state, slurm: slurm[r.index]))\n" }
    do {
        try FileManager.default.createDirectory(atPath: p.out, withIntermediateDirectories: true)
        try s.write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
        throw InputError("cannot write \(path): \(fileErrorReason(error, path: path)); check `out` in \(p.path)")
    }
    return path
}

func detail(_ state: SweepRunState, slurm: String?) -> String {
    var d: String
    switch state {
    case .pending: d = ""
    case .running: d = "holds run.lock"
    case .interrupted(let step): d = step.map { "checkpoint near step \($0)" } ?? "checkpoint"
    case .finished(let score): d = score.map { String(format: "final greedy evaluation %.2f", $0) } ?? ""
    case .failed(let why): d = why
    }
    if let slurm { d += (d.isEmpty ? "" : "; ") + "slurm \(slurm)" }
    return d
}

/// `stackelberg sweep status PLAN.toml`.
struct SweepStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Where each run of a plan stands: pending, running, interrupted, finished or failed (with its last error).",
        discussion: """
            Read from the run directories (summary.json, run.lock, checkpoint.state, sweep-failed.txt), with \
            Slurm's state of each array task from sacct (squeue where accounting is off) when the plan was \
            submitted with --backend slurm. Writes OUT/sweep-status.txt. Exit status 1 if any run failed.
            """)

    @Argument(help: "The plan file (TOML).") var plan: String
    @Flag(help: "Only the counts and the runs that are not pending or finished.") var brief = false

    func run() throws {
        try reportingErrors {
            let p = try loadPlan(plan)
            let (slurm, source) = slurmStates(p)
            var counts = [String: Int]()
            // Each run's config.toml read once, for its state and for whether the plan was edited since.
            let changes = p.runs.map(\.settingsChangedSinceRun)
            let states = zip(p.runs, changes).map { $0.state(changed: $1) }
            for (r, state) in zip(p.runs, states) {
                counts[state.word, default: 0] += 1
                let show = !brief || state.word == "failed" || state.word == "running" || state.word == "interrupted"
                if show {
                    let d = detail(state, slurm: slurm[r.index])
                    print("\(String(r.index).leftPadded(String(p.runs.count - 1).count))  \(state.word.padding(toLength: 11, withPad: " ", startingAt: 0))  \(r.directory)\(d.isEmpty ? "" : "  (\(d))")")
                }
            }
            let order = ["finished", "running", "interrupted", "pending", "failed"]
            print("sweep \(p.name): " + order.map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", ") + " of \(p.runs.count)" + (source.map { "; Slurm states from \($0)" } ?? ""))
            // OUT/sweep-status.txt is the status of the plan the runs were trained with: an edited plan's view (its
            // changed runs "failed") is printed, not written over it.
            let edited = changes.contains { !$0.isEmpty }
            if edited {
                let kept = FileManager.default.fileExists(atPath: p.out + "/sweep-status.txt")
                print("not written: runs under \(p.out) were trained with other settings than \(plan) gives (the runs marked failed say which)"
                      + (kept ? "; \(p.out)/sweep-status.txt keeps the status of the plan they ran" : ""))
            } else if FileManager.default.fileExists(atPath: p.out) {
                print("written to \(try writeStatusFile(p, states: states, slurm: slurm))")
            } else {
                // `out` is relative to the directory the command runs in: from another directory a plan that
                // has run reads as never run, so the directory it looked in is named.
                let looked = p.out.hasPrefix("/") ? p.out : FileManager.default.currentDirectoryPath + "/" + p.out
                print("not written: \(looked) does not exist yet (the plan has not run from here\(p.out.hasPrefix("/") ? "" : "; `out` is relative to the directory sweep commands run in, \(FileManager.default.currentDirectoryPath)"))")
            }
            if (counts["failed"] ?? 0) > 0 { throw ExitCode(1) }
        }
    }
}
