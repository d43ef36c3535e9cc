import Foundation

/// One run's per-update diagnostics summarized per window of environment steps, with its headline
/// scores: what `stackelberg windows` prints.
///
/// For each window (lo, lo + width] of environment steps it takes a quantile (the median by
/// default) of each chosen `updates.csv` column over the rows logged in the window, skipping empty
/// and nan cells. A column written `a/b` is the ratio of two columns taken row by row before the
/// quantile (so `correction_norm/leader_gradient_norm` is the median of the per-update ratios, not
/// a ratio of medians). Beside them: the mean greedy evaluation and the mean training-episode return
/// whose step falls in the window. These are the figures docs/results/ quotes as "median per 50k-step
/// window" for STAC's and SPRIG's diagnostics (λ, the implicit correction against the leader's own
/// gradient, their cosine, how often CG met negative curvature, actor saturation, attention cost).
public struct UpdateWindows: Sendable {
    /// A column asked for that is neither a name nor a ratio `a/b` of two.
    public struct MalformedColumn: Error, CustomStringConvertible {
        public let description: String
    }

    public struct Window: Sendable {
        /// The window is (`lo`, `hi`] in environment steps.
        public let lo: Int, hi: Int
        /// Update-log rows in the window.
        public let rows: Int
        /// The quantile of each of ``UpdateWindows/columns`` over the window's rows (nan: no value).
        public let values: [Double]
        /// Mean greedy evaluation return of the evaluations in the window (nan: none).
        public let greedy: Double
        /// Mean training-episode return of the episodes that ended in the window (nan: none).
        public let training: Double
    }

    public let run: SeedLog
    /// The columns summarized, as asked (`a/b` for a row-by-row ratio).
    public let columns: [String]
    public let width: Int
    /// The quantile taken in each window, in [0, 1] (0.5: the median), with linear interpolation
    /// between order statistics (NumPy's default); nil: the mean.
    public let quantile: Double?
    /// Windows that hold an update row, an evaluation or an episode, in order.
    public let windows: [Window]
    /// The columns this run's `updates.csv` logs (empty for a run that has logged nothing yet).
    public let header: [String]
    /// Columns asked for that this run does not log (its cells print as "–"): runs of several
    /// couplings log different diagnostics, so the caller decides whether that is a typo.
    public let missing: [String]
    /// The step from which ``meanGreedyFrom`` averages the greedy evaluations.
    public let from: Int
    /// The last step any of the run's logs reaches (an update row, an evaluation or an episode): how
    /// far an unfinished run has come.
    public let stepsReached: Int

    /// The columns summarized when none are asked for: every column but the bookkeeping ones
    /// (`env_step`, `updates`, learning rates) and the diagnostics' sketch coordinates (`game_path_K`,
    /// `game_field_K`, `game_stackelberg_field_K`: a random projection's, whose medians mean nothing; `diagnose`
    /// reads them), and the implicit correction over the leader's own gradient where the run logs both.
    public static func defaultColumns(header: [String]) -> [String] {
        let sketch = ["game_path_", "game_field_", "game_stackelberg_field_"]
        var out = header.filter { c in
            !["env_step", "updates", "lr"].contains(c) && !c.hasSuffix("_lr") && !sketch.contains { c.hasPrefix($0) }
        }
        if header.contains("correction_norm"), header.contains("leader_gradient_norm") {
            out.append("correction_norm/leader_gradient_norm")
        }
        return out
    }

    /// Reads `directory`'s logs. `columns` nil takes ``defaultColumns(header:)``; `quantile` nil takes
    /// the mean, which is the right summary of a column that is itself a share of the updates logged
    /// in its row (`negative_curvature`: the window's mean is the share of its updates); `from` nil is
    /// a quarter of the run's `total_steps`.
    /// - Throws: ``MalformedColumn`` for a column that is neither a name nor `a/b`;
    ///   `TrainingError.io` for a missing or damaged log (a half-written last row of a run still
    ///   training is skipped).
    public init(directory: String, width: Int, columns: [String]? = nil, quantile: Double? = 0.5, from: Int? = nil) throws {
        precondition(width > 0 && quantile.map { (0...1).contains($0) } ?? true, "checked by the caller")
        run = try SeedLog(directory: directory)
        self.width = width
        self.quantile = quantile
        let (header, rows) = try Self.readUpdates(directory: directory, finished: run.finished,
                                                  maxStep: run.lastStep)
        let chosen = columns ?? Self.defaultColumns(header: header)
        // Each column as one or two indices into the row: a ratio divides the first by the second.
        var picks = [(Int, Int?)?]()
        var missing = [String]()
        for spec in chosen {
            guard let names = Self.columnNames(spec) else {
                throw MalformedColumn(description: "column \"\(spec)\" is neither a column name nor a ratio a/b of two")
            }
            let idx = names.compactMap { header.firstIndex(of: $0) }
            guard idx.count == names.count else {
                for n in names where !header.contains(n) && !missing.contains(n) { missing.append(n) }
                picks.append(nil); continue
            }
            picks.append((idx[0], idx.count == 2 ? idx[1] : nil))
        }
        self.header = header
        self.columns = chosen
        self.missing = missing
        self.from = from ?? run.totalSteps / 4
        let stepIndex = header.firstIndex(of: "env_step") ?? 0
        stepsReached = max(run.stepsTrained, rows.last.map { Int($0[stepIndex]) } ?? 0,
                           run.evaluations.last?.step ?? 0, run.episodes.last?.step ?? 0)
        let last = max(run.totalSteps, stepsReached)
        var out = [Window]()
        var r = 0, e = 0, p = 0
        var lo = 0
        while lo < last {
            let hi = lo + width
            var samples = [[Double]](repeating: [], count: picks.count)
            var n = 0
            while r < rows.count, Int(rows[r][stepIndex]) <= hi {
                if Int(rows[r][stepIndex]) > lo {
                    n += 1
                    for (k, pick) in picks.enumerated() {
                        guard let (a, b) = pick else { continue }
                        let v = b.map { rows[r][a] / rows[r][$0] } ?? rows[r][a]
                        // An infinite value (a diverging diagnostic, a ratio over 0) counts: dropping it
                        // would make the window look tame. Only nan (no value) is skipped.
                        if !v.isNaN { samples[k].append(v) }
                    }
                }
                r += 1
            }
            // Both logs are in step order: each cursor moves past the window once.
            func values(_ log: [(step: Int, value: Double)], from k: inout Int) -> [Double] {
                var v = [Double]()
                while k < log.count, log[k].step <= hi {
                    if log[k].step > lo { v.append(log[k].value) }
                    k += 1
                }
                return v
            }
            let greedy = values(run.evaluations, from: &e), training = values(run.episodes, from: &p)
            if n > 0 || !greedy.isEmpty || !training.isEmpty {
                // The last window ends where the run does: 5M–6M read as steps a 5,005,312-step run never took.
                out.append(Window(lo: lo, hi: Swift.min(hi, last), rows: n, values: samples.map { x in quantile.map { Self.quantile(x, $0) } ?? Self.mean(x) },
                                  greedy: Self.mean(greedy), training: Self.mean(training)))
            }
            // A window with no row, evaluation or episode is not reported, so the next one to visit is
            // the one holding the next logged step: a log with a long gap (or a step far past the
            // others) costs one window, not one per width of the gap.
            let next = [r < rows.count ? Int(rows[r][stepIndex]) : nil, e < run.evaluations.count ? run.evaluations[e].step : nil,
                        p < run.episodes.count ? run.episodes[p].step : nil].compactMap { $0 }.min()
            guard let next else { break }
            lo = max(hi, (next - 1) / width * width)
        }
        windows = out
    }

    /// What each window's column values are: "median", "quantile 0.9" or "mean".
    public var statisticName: String { quantile.map { $0 == 0.5 ? "median" : "quantile \($0)" } ?? "mean" }

    /// The mean of the greedy evaluations at or after ``from`` (nan: none).
    public var meanGreedyFrom: Double { Self.mean(run.evaluations.filter { $0.step >= from }.map(\.value)) }
    /// How many evaluations ``meanGreedyFrom`` averages.
    public var evaluationsFrom: Int { run.evaluations.filter { $0.step >= from }.count }
    /// The best greedy evaluation and its step (the first, on a tie); nil without evaluations.
    public var bestGreedy: (value: Double, step: Int)? {
        var best: (value: Double, step: Int)?
        for x in run.evaluations where best == nil || x.value > best!.value { best = (x.value, x.step) }
        return best
    }

    /// The q-quantile of `x` (``RobustStatistics/quantile(sorted:_:)``: NumPy's linear interpolation).
    public static func quantile(_ x: [Double], _ q: Double) -> Double { RobustStatistics.quantile(sorted: x.sorted(), q) }

    /// The column names in a column spec: one name, or the two of a ratio `a/b` (blanks around them
    /// dropped); nil for anything else (`a/`, `a//b`, `a/b/c`).
    public static func columnNames(_ spec: String) -> [String]? {
        let names = spec.split(separator: "/", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        return (1...2).contains(names.count) && names.allSatisfy({ !$0.isEmpty }) ? names : nil
    }

    static func mean(_ x: [Double]) -> Double { x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count) }

    /// The header and the numeric rows of `updates.csv` (cells read by ``logNumber(_:_:)``: empty and "nan" cells are nan).
    static func readUpdates(directory: String, finished: Bool, maxStep: Int? = nil) throws -> ([String], [[Double]]) {
        // One row per log step: a repeated row counted twice.
        let (header, rows) = try readLogRows(directory: directory, file: "updates.csv", finished: finished,
                                             maxStep: maxStep, distinctSteps: true, parse: logNumbers)
        // A run that has just started has an empty log: no rows yet, not damage.
        if header.isEmpty && !finished { return ([], []) }
        guard header.contains("env_step") else {
            throw TrainingError.io("\(directory)/\(storedLogName(directory: directory, file: "updates.csv")) has no env_step column: the log is damaged; restore it")
        }
        return (header, rows)
    }
}

extension UpdateWindows {
    /// The run's headline scores, then one table row per window.
    public func markdown() -> String {
        // An unfinished run's progress is against the steps its config trains (whole batches), the
        // step its last log row can reach. Logs that reach it without a summary.json are a run that
        // stopped as it wrote its end, or whose summary was removed: said so, not "N of N steps".
        let planned = run.lastStep ?? run.totalSteps
        let name: String
        if run.finished { name = "finished" }
        else if let diverged = TrainingRun.divergedReason(in: run.directory) { name = "diverged, not finished: \(diverged) (\(TrainingRun.divergedFile))" }
        else if stepsReached >= planned {
            name = "unfinished: no summary.json, though its logs reach its last step, \(planned): the run stopped as it wrote its end, or the file was removed; `compare` leaves it out unless --include-unfinished"
        } else { name = "unfinished: \(stepsReached) of \(planned) steps" }
        var s = "### \(run.directory)\n\n\(run.pair) on \(run.env), seed \(run.seed >= 0 ? String(run.seed) : "unknown") (\(name))\n\n"
        // An unfinished run's last evaluation is its latest, not its final; its last 10% (of the
        // budget) is not reached yet, so that score says why it is missing.
        var head = ["\(run.finished ? "final" : "latest") greedy eval \(Self.number(run.finalEvaluation))",
                    "final-10% training score " + (run.finished || !run.finalTrainingScore.isNaN
                        ? Self.number(run.finalTrainingScore) : "– (not reached)"),
                    "mean greedy eval from \(Self.steps(from)) \(Self.number(meanGreedyFrom)) (\(evaluationsFrom) evaluation\(evaluationsFrom == 1 ? "" : "s"))"]
        if let best = bestGreedy { head.append("best greedy eval \(Self.number(best.value)) at \(Self.steps(best.step))") }
        s += head.joined(separator: " · ") + "\n\n"
        if !missing.isEmpty { s += "Not logged by this run (–): \(missing.joined(separator: ", ")).\n\n" }
        s += "Per \(Self.steps(width))-step window: the \(statisticName) of each column over the window's update rows (a/b: per row, then the \(statisticName)); greedy and training: means.\n\n"
        guard !windows.isEmpty else { return s + "(nothing logged yet)\n" }
        s += "| env steps | rows | " + columns.map { $0 + " | " }.joined() + "greedy | training |\n"
        s += "|" + String(repeating: "---|", count: columns.count + 4) + "\n"
        for w in windows {
            s += "| \(Self.steps(w.lo))–\(Self.steps(w.hi)) | \(w.rows) | "
                + w.values.map { Self.number($0) + " | " }.joined()
                + "\(Self.number(w.greedy)) | \(Self.number(w.training)) |\n"
        }
        return s
    }

    /// Four significant digits, "–" for no value.
    static func number(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "–" : (x > 0 ? "inf" : "-inf") }
        if x == 0 { return "0" }
        let a = abs(x)
        if a >= 1e-3 && a < 1e6 {
            // Whole digits beyond four significant ones are kept rather than written as exponents.
            let decimals = max(0, 3 - Int(log10(a).rounded(.down)))
            return String(format: "%.\(decimals)f", x)
        }
        return String(format: "%.3e", x)
    }

    /// A step count as the results pages write windows: 50k, 1.5M, 1024.
    static func steps(_ n: Int) -> String {
        if n >= 1_000_000 {
            let m = Double(n) / 1e6
            if m == m.rounded() { return "\(Int(m))M" }
            // Up to three decimals, trailing zeros dropped: 1.5M, 4.75M, 4.751M; a step just past a
            // million (PPO's whole batches: 1,000,448) rounds to 1M, not "1.M".
            var s = String(format: "%.3f", m)
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
            return s + "M"
        }
        if n >= 1_000, n % 1_000 == 0 { return "\(n / 1_000)k" }
        if n >= 10_000 { return String(format: "%.1fk", Double(n) / 1e3) }
        return String(n)
    }
}
