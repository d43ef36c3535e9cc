import Autodiff
import Foundation

/// Where one run of a sweep stands, read from its run directory alone (so it reads the same
/// whichever machine or backend trains it).
public enum SweepRunState: Equatable, Sendable {
    /// Nothing trained yet.
    case pending
    /// A checkpoint and no process on it: the next `sweep run` (or requeued Slurm task) resumes it
    /// exactly; `step` is the environment step of its last logged update, when it logged one.
    case interrupted(step: Int?)
    /// A process holds its `run.lock`.
    case running
    /// `summary.json` is written; `score` is the final greedy evaluation.
    case finished(score: Double?)
    /// The last attempt failed (`sweep-failed.txt`), with its last error.
    case failed(String)

    /// One word: pending, interrupted, running, finished, failed.
    public var word: String {
        switch self {
        case .pending: return "pending"
        case .interrupted: return "interrupted"
        case .running: return "running"
        case .finished: return "finished"
        case .failed: return "failed"
        }
    }
}

/// The files a sweep keeps beside `train`'s own in a run directory.
public enum SweepFiles {
    /// The last failed attempt: its exit status, then its last error lines. Removed when the run is
    /// started again.
    public static let failure = "sweep-failed.txt"
    /// Everything `train` printed, over every attempt (each attempt starts with a dated line).
    public static let log = "sweep.log"
}

extension SweepRun {
    /// Whether a checkpoint is there to resume from (a complete `.tmp` left by a kill during the
    /// atomic replace counts: `train --resume` takes it).
    public var hasCheckpoint: Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: directory + "/checkpoint.state") || fm.fileExists(atPath: directory + "/checkpoint.state.tmp")
    }

    public var isFinished: Bool { hasReadableSummary(directory) }

    /// Where the settings the run trained with (its config.toml, read as ``AlgorithmRegistry/completing(_:)``
    /// reads an older run's) differ from those the plan gives it now, one "key: ran X, the plan now Y" per
    /// key; empty when they agree or the run has no readable config.toml yet. A finished run whose plan
    /// was edited since is not the plan's run: skipping it as finished would report settings it never had.
    public var settingsChangedSinceRun: [String] {
        guard let saved = try? Settings(contentsOf: directory + "/config.toml") else { return [] }
        return AlgorithmRegistry.completing(saved).differences(from: settings, labels: ("ran", "the plan now"))
    }

    /// What is wrong with a finished run whose settings changed (``settingsChangedSinceRun``), and the way out.
    public static func changedMessage(_ changed: [String]) -> String {
        "finished with other settings than the plan now gives it (\(changed.joined(separator: "; "))): the plan was edited after it ran; restore the plan, or give the edited plan another `out` so that its runs train anew"
    }

    /// The same for an interrupted run (a checkpoint, no summary): resuming it under the edited plan is
    /// refused by `train --resume`, and training the plan's other runs meanwhile would leave a sweep no
    /// plan can finish (some runs with the old settings, some with the new).
    public static func changedWhileInterruptedMessage(_ changed: [String]) -> String {
        "interrupted, and started with other settings than the plan now gives it (\(changed.joined(separator: "; "))): the plan was edited after it started; restore the plan to resume it, or remove its directory to start it anew under the edited plan, or give the edited plan another `out`"
    }

    /// The same for a run another process trains (it holds run.lock) with other settings: a `sweep run` of the
    /// edited plan said "running elsewhere", exit 0, and rewrote sweep.json with settings the run does not have.
    public static func changedWhileRunningMessage(_ changed: [String]) -> String {
        "running in another process, started with other settings than the plan now gives it (\(changed.joined(separator: "; "))): the plan was edited after it started; restore the plan (its run goes on), or give the edited plan another `out`"
    }

    /// The keys whose values differ when the run is interrupted (a checkpoint, no summary) and its config.toml
    /// was written with settings other than the plan's now; nil otherwise (also without a readable config.toml,
    /// as ``settingsChangedSinceRun`` reads it).
    public var interruptedWithOtherSettings: [String]? {
        guard !isFinished, hasCheckpoint else { return nil }
        let changed = settingsChangedSinceRun
        return changed.isEmpty ? nil : changed
    }

    /// Whether another process holds the run's lock (tested with a non-blocking shared lock, released at once).
    public var isLocked: Bool {
        let fd = open(directory + "/run.lock", O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 { flock(fd, LOCK_UN); return false }
        return errno == EWOULDBLOCK
    }

    /// The run's state from its directory: finished, running, failed, interrupted or pending, in that precedence.
    public var state: SweepRunState { state(changed: settingsChangedSinceRun) }

    /// ``state`` given the run's ``settingsChangedSinceRun`` already read: a status of many runs (on a
    /// network file system, hundreds) reads each config.toml once for both.
    public func state(changed: [String]) -> SweepRunState {
        let fm = FileManager.default
        if let summary = readableSummary(directory) {
            // Without its config.toml the run's settings are unknown: not the plan's run, as far as anyone can tell.
            guard fm.fileExists(atPath: directory + "/config.toml") else {
                return .failed("finished, but its config.toml is missing (it says what the run trained with): restore it from a copy, or remove the run directory to train it again")
            }
            guard changed.isEmpty else { return .failed(Self.changedMessage(changed)) }
            return .finished(score: summary["final_eval_mean_return"] as? Double)
        }
        if isLocked {
            // Another process trains it, with the settings of the plan it was started from: not this plan's run if they differ.
            return changed.isEmpty ? .running : .failed(Self.changedWhileRunningMessage(changed))
        }
        if fm.fileExists(atPath: directory + "/summary.json") {
            return .failed("summary.json does not read as JSON: remove it; `sweep run` then resumes the run from its final checkpoint and writes it again")
        }
        // A run killed after a checkpoint (its failure recorded) and started with other settings than the plan's
        // now: its resume is refused for those settings, whatever its failure said ("`sweep run` again resumes it").
        if hasCheckpoint, !changed.isEmpty { return .failed(Self.changedWhileInterruptedMessage(changed)) }
        if let text = try? String(contentsOfFile: directory + "/" + SweepFiles.failure, encoding: .utf8) {
            return .failed(text.split(separator: "\n").map(String.init).joined(separator: " | "))
        }
        if hasCheckpoint {
            // A checkpoint that is not a state file would be refused by the resume: said here, not "interrupted".
            let path = fm.fileExists(atPath: directory + "/checkpoint.state") ? directory + "/checkpoint.state" : directory + "/checkpoint.state.tmp"
            if let handle = FileHandle(forReadingAtPath: path) {
                let head = (try? handle.read(upToCount: 8)) ?? nil
                try? handle.close()
                if head.map({ Array($0) != StateDictionary.magic }) ?? true {
                    return .failed("\(path) is not a state file (damaged): restore it from a copy, or remove the run directory to train it again")
                }
            }
            let last = (try? String(contentsOfFile: directory + "/updates.csv", encoding: .utf8))?
                .split(separator: "\n").last.flatMap { $0.split(separator: ",").first }.flatMap { Int($0) }
            return .interrupted(step: last)
        }
        return .pending
    }

    /// The last error a log holds: its last lines starting with `error:` (at most three), or its
    /// last non-empty line, without their `error: ` and `DIRECTORY: ` prefixes (the sweep's own
    /// report adds both once).
    public static func lastError(inLog text: String, directory: String? = nil) -> String {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let errors = lines.filter { $0.hasPrefix("error:") }.map { line -> String in
            var l = String(line.dropFirst("error:".count)).trimmingCharacters(in: .whitespaces)
            if let d = directory, l.hasPrefix(d + ": ") { l.removeFirst(d.count + 2) }
            return l
        }
        if !errors.isEmpty { return errors.suffix(3).joined(separator: "\n") }
        return lines.last ?? "(no output)"
    }
}

/// Slurm's job-array script for a plan: one array task per run, each running `stackelberg train …`
/// (with `--resume` once its run directory holds a checkpoint), requeued on preemption or node
/// failure (`--requeue`) and, near its time limit, checkpointing and requeueing itself.
public enum SlurmScript {
    /// The sbatch options ``render(plan:indices:executable:workingDirectory:logDirectory:)`` writes itself
    /// (some only when `[slurm]` gives them): a plan's `extra` may not repeat one.
    public static let writtenOptions: Set = ["--job-name", "--array", "--partition", "--time", "--ntasks", "--cpus-per-task",
                                             "--mem", "--account", "--qos", "--requeue", "--signal", "--open-mode", "--output"]

    /// `0-3,7,9-12`: Slurm's array syntax for sorted indices.
    public static func arraySpec(_ indices: [Int]) -> String {
        var parts = [String](), i = 0
        let s = indices.sorted()
        while i < s.count {
            var j = i
            while j + 1 < s.count, s[j + 1] == s[j] + 1 { j += 1 }
            parts.append(i == j ? "\(s[i])" : "\(s[i])-\(s[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    /// An `#SBATCH` option's value as sbatch reads it: sbatch splits a directive line at whitespace
    /// outside quotes, and a backslash escapes the next character even inside quotes (Slurm's
    /// `_get_argument` in src/sbatch/opt.c), so a value with a space, quote or backslash goes in
    /// double quotes with `"` and `\` escaped. Shell-style '\'' quoting would not survive that reader.
    static func slurmQuoted(_ s: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:+,@%")
        if !s.isEmpty, s.unicodeScalars.allSatisfy({ safe.contains($0) }) { return s }
        return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The script. `indices`: the array tasks to run (the plan's run indices); `executable`: the
    /// `stackelberg` binary on the nodes; `workingDirectory`: where relative paths in the plan are
    /// resolved (the directory `sweep run` was started in); `logDirectory`: Slurm's output files.
    public static func render(plan: SweepPlan, indices: [Int], executable: String, workingDirectory: String, logDirectory: String) -> String {
        let r = plan.slurm
        var s = "#!/bin/bash\n"
        s += "# stackelberg sweep: \(plan.path) (\(plan.runs.count) runs; this array runs \(indices.count)).\n"
        s += "# Each task trains one run of the plan (its index is SLURM_ARRAY_TASK_ID), resuming it from its\n"
        s += "# checkpoint when there is one. Preemption, `scontrol requeue` and node failure requeue the task\n"
        s += "# (--requeue); SIGTERM makes train checkpoint before it stops. \(r.signalSeconds) s before the time limit the task\n"
        s += "# checkpoints and requeues itself. `stackelberg sweep status \(plan.path)` reports every run.\n"
        s += "#SBATCH --job-name=\(slurmQuoted("stackelberg-" + plan.name))\n"
        s += "#SBATCH --array=\(arraySpec(indices))\(r.maxParallel.map { "%\($0)" } ?? "")\n"
        if let p = r.partition { s += "#SBATCH --partition=\(slurmQuoted(p))\n" }
        if let t = r.time { s += "#SBATCH --time=\(t)\n" }
        s += "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=\(r.cpus)\n"
        if let m = r.mem { s += "#SBATCH --mem=\(m)\n" }
        if let a = r.account { s += "#SBATCH --account=\(slurmQuoted(a))\n" }
        if let q = r.qos { s += "#SBATCH --qos=\(slurmQuoted(q))\n" }
        s += "#SBATCH --requeue\n"
        s += "#SBATCH --signal=B:USR1@\(r.signalSeconds)\n"
        s += "#SBATCH --open-mode=append\n"
        s += "#SBATCH --output=\(slurmQuoted(logDirectory + "/%A_%a.out"))\n"
        for e in r.extra { s += "#SBATCH \(e)\n" }
        s += """
        set -u
        S=\(shellQuoted(executable))
        cd \(shellQuoted(workingDirectory)) || exit 1
        export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-\(r.cpus)}
        case "${SLURM_ARRAY_TASK_ID:?run this script with sbatch}" in

        """
        for i in indices {
            let run = plan.runs[i]
            s += "  \(i)) dir=\(shellQuoted(run.directory)); args=(\(run.trainArguments().map(shellQuoted).joined(separator: " "))) ;;\n"
        }
        s += """
          *) echo "no run $SLURM_ARRAY_TASK_ID in this plan" >&2; exit 1 ;;
        esac
        stamp() { date -u +%FT%TZ; }
        task="${SLURM_ARRAY_JOB_ID:-?}_${SLURM_ARRAY_TASK_ID} (job ${SLURM_JOB_ID:-?}, restart ${SLURM_RESTART_COUNT:-0}) on $(hostname)"
        if [ -f "$dir/summary.json" ]; then echo "$(stamp) $task: $dir has finished"; exit 0; fi
        mkdir -p "$dir"; rm -f "$dir/\(SweepFiles.failure)"
        resume=(); { [ -f "$dir/checkpoint.state" ] || [ -f "$dir/checkpoint.state.tmp" ]; } && resume=(--resume)
        echo "$(stamp) $task: ${resume[*]:-start} $dir" | tee -a "$dir/\(SweepFiles.log)"
        # Stop (scancel, preemption, requeue): train checkpoints on SIGTERM. Near the time limit (USR1):
        # checkpoint, then requeue this task so that it resumes in a new allocation.
        stopping=0; requeue=0; pid=
        on_term() { stopping=1; [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; }
        on_limit() { stopping=1; requeue=1; [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; }
        trap on_term TERM INT
        trap on_limit USR1
        "$S" "${args[@]}" "${resume[@]}" >> "$dir/\(SweepFiles.log)" 2>&1 &
        pid=$!
        while :; do wait "$pid"; rc=$?; kill -0 "$pid" 2>/dev/null || break; done
        if [ -f "$dir/summary.json" ]; then echo "$(stamp) $task: finished $dir"; exit 0; fi
        if [ "$stopping" = 1 ]; then
          echo "$(stamp) $task: stopped with a checkpoint (train exit $rc)"
          [ "$requeue" = 1 ] && scontrol requeue "${SLURM_JOB_ID}"
          exit 143
        fi
        { echo "exit $rc (slurm task $task)"; grep '^error:' "$dir/\(SweepFiles.log)" | tail -n 3; } > "$dir/\(SweepFiles.failure)"
        echo "$(stamp) $task: FAILED (exit $rc): $(tail -n 1 "$dir/\(SweepFiles.failure)")"
        exit 1

        """
        return s
    }
}
