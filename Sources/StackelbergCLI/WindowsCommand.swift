import ArgumentParser
import Foundation
import Training

/// `stackelberg windows`: a run's per-update diagnostics summarized per window of environment
/// steps, with its headline scores (final greedy, final-10% training score, mean and best greedy).
struct WindowsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "windows",
        abstract: "Summarize runs' update logs per window of environment steps: the median of each diagnostic, with greedy and training returns.",
        discussion: """
            For each run (a seed directory, or any directory above seed directories) prints its final greedy (for a run still training, its latest) \
            evaluation, final-10% training score, mean greedy evaluation from --from, best greedy evaluation, \
            then one row per window (lo, lo + width] of environment steps: the median (or --quantile, or --mean) of each \
            column of updates.csv over the window's rows, and the mean greedy evaluation and training-episode \
            return in it. A column written a/b is a per-row ratio, e.g. correction_norm/leader_gradient_norm \
            (the implicit correction against the leader's own gradient). Empty and nan cells are skipped. \
            --csv prints the windows of all the runs as one CSV table instead, for a notebook to read \
            (without the headline scores). Infinite cells count (a diverging diagnostic shows as inf). \
            Example: stackelberg windows runs/stac_mujoco/mujoco_hopper/sac-actor-leader/seed1 --columns \
            lambda,cosine,negative_curvature,correction_norm/leader_gradient_norm
            """)

    @Argument(help: "Run directories.") var runs: [String]
    @Option(parsing: .unconditional, help: "Window width in environment steps (e.g. 5e4; default: 50000).", transform: Count.parse) var width: Count = Count(50_000)
    @Option(help: "Comma-separated updates.csv columns, a/b for a per-row ratio (default: every diagnostic column, and correction_norm/leader_gradient_norm where logged).") var columns: String?
    @Option(parsing: .unconditional, help: "The quantile taken in each window, in [0, 1] (default 0.5, the median; 0.9: the 90th percentile).") var quantile: Double?
    @Flag(help: "Take the mean in each window instead: for a column that is a share of the updates in its row (negative_curvature), the window's share.") var mean = false
    @Option(parsing: .unconditional, help: "Average the greedy evaluations from this step on (default: a quarter of each run's total_steps).", transform: Count.parse) var from: Count?
    @Flag(help: "Print one CSV table over all the runs instead (run, pair, env, seed, lo, hi, statistic, rows, the columns, greedy, training; numbers in full, an empty cell for no value; no headline scores).") var csv = false

    func run() throws {
        try reportingErrors {
            guard width.value > 0 else { throw UsageError("--width must be a positive number of environment steps, got \(width.value)") }
            if let quantile, !(quantile.isFinite && (0...1).contains(quantile)) { throw UsageError("--quantile must be in [0, 1] (0.5 is the median), got \(quantile)") }
            if mean, quantile != nil { throw UsageError("--mean and --quantile each choose the statistic: give one") }
            if let from, from.value < 0 { throw UsageError("--from must be a step count ≥ 0, got \(from.value)") }
            if csv, from != nil {
                throw UsageError("--from sets the report's mean greedy evaluation, which --csv leaves out (the CSV holds the windows; the report without --csv, or stackelberg compare, gives the scores): drop --from or --csv")
            }
            let chosen = columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            if let chosen, chosen.isEmpty { throw UsageError("--columns names no column; give updates.csv column names separated by commas, or leave it out") }
            if let chosen, let twice = chosen.enumerated().first(where: { chosen[..<$0.offset].contains($0.element) })?.element {
                throw UsageError("--columns names \(twice) twice: name each column once")
            }
            if let bad = chosen?.first(where: { UpdateWindows.columnNames($0) == nil }) {
                throw UsageError("--columns: \"\(bad)\" is neither a column name nor a ratio a/b of two")
            }
            // A run directory that lost its config.toml is reported with the others, as a damaged log is.
            let directories = try Comparison.runDirectories(runs, keepingOrphans: true)
            // One unreadable run (a damaged log, logs stored compressed) is reported and the others
            // still print; the exit status says some failed.
            var summaries = [UpdateWindows](), failed = 0
            for dir in directories {
                do {
                    summaries.append(try UpdateWindows(directory: dir, width: width.value, columns: chosen, quantile: mean ? nil : (quantile ?? 0.5), from: from?.value))
                } catch {
                    failed += 1
                    try? FileHandle.standardError.write(contentsOf: Data("error: \(error)\n".utf8))
                }
            }
            // Runs of several couplings log different columns: a column no run logs is a typo and
            // refused; one that only some runs log prints "–" for the others.
            let logged = Set(summaries.flatMap(\.header))
            if !logged.isEmpty, let unknown = summaries.flatMap(\.missing).first(where: { !logged.contains($0) }) {
                throw UsageError("--columns: no run given logs a column \"\(unknown)\"; they log: \(logged.sorted().joined(separator: ", "))")
            }
            print(csv ? UpdateWindows.csv(summaries) : summaries.map { $0.markdown() }.joined(separator: "\n"), terminator: "")
            // A --from past a run's last evaluation averages nothing ("– (0 evaluations)"): say why, and
            // the step that would average something.
            if let from {
                for s in summaries where s.evaluationsFrom == 0 {
                    let reason = s.run.evaluations.last.map { "its last greedy evaluation is at step \($0.step); give --from \($0.step) or less" }
                        ?? "it has no greedy evaluation yet"
                    try? FileHandle.standardError.write(contentsOf: Data("note: --from \(from.value) averages no evaluation of \(s.run.directory): \(reason)\n".utf8))
                }
            }
            if failed > 0 {
                if directories.count > 1 {
                    try? FileHandle.standardError.write(contentsOf: Data("error: \(failed) of \(directories.count) runs could not be read (above)\(failed < directories.count ? "; the others are printed" : "")\n".utf8))
                }
                throw ExitCode(1)
            }
        }
    }
}
