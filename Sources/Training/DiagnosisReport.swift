import Foundation

/// `stackelberg diagnose`: the game diagnostics of several runs, grouped by coupling (seeds pooled),
/// with a verdict per property and the number behind it (report.txt, report.json) and the figures
/// (``DiagnosisFigures``).
public struct Diagnosis {
    public let runs: [DiagnosticRun]
    /// Group names (algorithm-coupling, prefixed with the environment when several are read), in
    /// the order of their first run.
    public let groups: [String]

    /// Reads every run directory given or found under `paths` (as `compare` does). A run without
    /// diagnostics is refused, naming its directory and the setting that turns them on.
    public init(paths: [String]) throws {
        var runs = [DiagnosticRun]()
        var refused = [String]()
        for dir in try Comparison.runDirectories(paths) {
            do { runs.append(try DiagnosticRun(directory: dir)) } catch let e as TrainingError { refused.append(e.description) }
        }
        guard refused.isEmpty else {
            throw TrainingError.io(refused.count == 1 ? refused[0] : "\(refused.count) runs cannot be diagnosed:\n  " + refused.joined(separator: "\n  "))
        }
        try self.init(runs: runs)
    }

    public init(runs: [DiagnosticRun]) throws {
        guard !runs.isEmpty else { throw TrainingError.io("no run to diagnose") }
        var runs = runs
        if Set(runs.map(\.env)).count > 1 {
            for i in runs.indices { runs[i].group = "\(runs[i].env) \(runs[i].group)" }
        }
        var seen = [String]()
        for r in runs where !seen.contains(r.group) { seen.append(r.group) }
        self.runs = runs
        groups = seen
    }

    public func runs(of group: String) -> [DiagnosticRun] { runs.filter { $0.group == group } }

    /// The report, with `provenance` (the diagnose command's own tool, commit, command and date).
    public func report(provenance: DiagnosisReport.Provenance?) -> DiagnosisReport {
        let t = DiagnosisReport.Thresholds()
        let runReports = runs.map { r -> DiagnosisReport.RunReport in
            let summary = DiagnosisReport.Summary(pooling: [r])
            let path = DiagnosisReport.PathSummary(r)
            return DiagnosisReport.RunReport(
                directory: r.directory, group: r.group, algo: r.algo, coupling: r.coupling, env: r.env, seed: r.seed,
                commit: r.commit, config: r.directory + "/config.toml",
                settings: Dictionary(uniqueKeysWithValues: r.settings.keys.map { ($0, r.settings[$0]!.description) }),
                diagnostics: r.steps.count, firstStep: r.steps.first ?? .nan, lastStep: r.steps.last ?? .nan, columns: r.columns,
                summary: summary, path: path, verdicts: summary.verdicts(t) + (path.map { [$0.verdict(t)] } ?? []))
        }
        let groupReports = groups.map { g -> DiagnosisReport.GroupReport in
            let members = runs(of: g)
            let summary = DiagnosisReport.Summary(pooling: members)
            let paths = members.compactMap { DiagnosisReport.PathSummary($0) }
            let path = paths.isEmpty ? nil : DiagnosisReport.PathSummary(
                sketchDimension: paths[0].sketchDimension, points: paths.map(\.points).reduce(0, +),
                explainedVariance: DiagnosisStatistics.median(paths.map(\.explainedVariance)),
                turns: DiagnosisStatistics.median(paths.map(\.turns)),
                straightness: DiagnosisStatistics.median(paths.map(\.straightness)),
                fieldCosine: DiagnosisStatistics.median(paths.map(\.fieldCosine)), pooledRuns: paths.count)
            return DiagnosisReport.GroupReport(
                name: g, runs: members.map(\.directory), seeds: members.map(\.seed), summary: summary, path: path,
                verdicts: summary.verdicts(t) + (path.map { [$0.verdict(t)] } ?? []))
        }
        var comparisons = [String]()
        if groups.count > 1 {
            func across(_ what: String, _ value: (DiagnosisReport.Summary) -> Double, percent: Bool = false) {
                let values = groupReports.map { (name: $0.name, value: value($0.summary)) }
                guard values.contains(where: { !$0.value.isNaN }) else { return }
                comparisons.append("\(what): " + values.map { "\($0.name) \(percent ? DiagnosisReport.percent($0.value) : DiagnosisReport.fmt($0.value))" }.joined(separator: "; "))
            }
            across("median |Im|/|Re| of eig1 (rotation)", \.rotationMedian)
            across("median cos(∇₁f₁, Df₁)", \.cosineMedian)
            across("median relative loss drop (best-response gap)", \.relativeLossDropMedian, percent: true)
            across("follower Hessian indefinite", \.indefiniteFraction, percent: true)
            let explained = groupReports.map { ($0.name, $0.path?.explainedVariance ?? .nan) }
            if explained.contains(where: { !$0.1.isNaN }) {
                comparisons.append("parameter path, median turns around its end in the PC plane: " + groupReports.map { "\($0.name) \($0.path.map { String(format: "%.2f", abs($0.turns) < 0.005 ? 0 : $0.turns) } ?? "n/a")" }.joined(separator: "; "))
            }
        }
        return DiagnosisReport(thresholds: t, groups: groupReports, comparisons: comparisons, runs: runReports, provenance: provenance)
    }
}

/// What `stackelberg diagnose` writes as report.json (and, as text, report.txt).
public struct DiagnosisReport: Codable, Sendable {
    public struct Provenance: Codable, Sendable {
        public var tool: String
        public var commit: String
        public var command: String
        public var date: String
        public init(tool: String, commit: String, command: String, date: String) {
            self.tool = tool; self.commit = commit; self.command = command; self.date = date
        }
    }

    /// The thresholds the verdicts use (stated in report.txt).
    public struct Thresholds: Codable, Sendable {
        /// A diagnostic rotates when |Im|/|Re| of eig1 exceeds this; the field rotates when its median does.
        public var rotation = 0.1
        /// The follower is near its best response when the median relative loss drop is below this.
        public var bestResponseRelativeDrop = 0.01
        /// The total derivative turns the leader's step when the median cosine is below this (and
        /// reverses it below 0).
        public var cosineTurns = 0.99
        /// The path spirals when it sweeps at least this many turns around its end in the PC plane.
        public var spiralTurns = 0.5
        /// The path goes straight when its net displacement is at least this fraction of its length.
        public var straightness = 0.9
        public init() {}
    }

    public struct Verdict: Codable, Sendable {
        public var key: String
        public var value: Double
        public var text: String
    }

    /// Medians over the diagnostics (rows) of one run or of a group's runs pooled.
    public struct Summary: Codable, Sendable {
        public var diagnostics: Int
        public var rotationMedian: Double
        public var rotationMaxMedian: Double
        /// The fraction of diagnostics with |Im|/|Re| of eig1 above the threshold.
        public var rotatingFraction: Double
        public var leaderGradientNormMedian: Double
        public var totalDerivativeNormMedian: Double
        public var correctionNormMedian: Double
        /// Median over diagnostics of ‖correction‖/‖∇₁f₁‖.
        public var correctionRatioMedian: Double
        public var cosineMedian: Double
        public var lambdaMedian: Double
        public var followerGradientNormMedian: Double
        public var followerLossMedian: Double
        public var lossDropMedian: Double
        /// Median over diagnostics of (f₂ − f₂ after K steps)/|f₂|.
        public var relativeLossDropMedian: Double
        public var hessianMaxMedian: Double
        public var hessianMinMedian: Double
        public var hessianConditionMedian: Double
        /// The mean of the windows' fractions of indefinite Hessians.
        public var indefiniteFraction: Double

        init(pooling runs: [DiagnosticRun]) {
            func pooled(_ name: String) -> [Double] { runs.flatMap { $0.column(name) ?? [] } }
            func ratio(_ a: String, _ b: String) -> [Double] {
                runs.flatMap { r -> [Double] in
                    guard let x = r.column(a), let y = r.column(b) else { return [] }
                    return zip(x, y).map { $1 != 0 ? $0 / abs($1) : .nan }
                }
            }
            let m = DiagnosisStatistics.median
            diagnostics = runs.map(\.steps.count).reduce(0, +)
            let rotation = runs.flatMap(\.rotation)
            rotationMedian = m(rotation)
            rotationMaxMedian = m(runs.flatMap(\.rotationMax))
            rotatingFraction = DiagnosisStatistics.fraction(rotation) { $0 > Thresholds().rotation }
            leaderGradientNormMedian = m(pooled("game_leader_gradient_norm"))
            totalDerivativeNormMedian = m(pooled("game_total_derivative_norm"))
            correctionNormMedian = m(pooled("game_correction_norm"))
            correctionRatioMedian = m(ratio("game_correction_norm", "game_leader_gradient_norm"))
            cosineMedian = m(pooled("game_total_derivative_cosine"))
            lambdaMedian = m(pooled("game_lambda"))
            followerGradientNormMedian = m(pooled("game_follower_gradient_norm"))
            followerLossMedian = m(pooled("game_follower_loss"))
            lossDropMedian = m(pooled("game_follower_loss_drop"))
            relativeLossDropMedian = m(ratio("game_follower_loss_drop", "game_follower_loss"))
            hessianMaxMedian = m(pooled("game_hessian_max"))
            hessianMinMedian = m(pooled("game_hessian_min"))
            hessianConditionMedian = m(pooled("game_hessian_condition"))
            indefiniteFraction = DiagnosisStatistics.mean(pooled("game_hessian_indefinite"))
        }

        /// One verdict per property the diagnostics hold, each with its number.
        func verdicts(_ t: Thresholds) -> [Verdict] {
            var out = [Verdict]()
            let f = DiagnosisReport.fmt, p = DiagnosisReport.percent
            if !rotationMedian.isNaN {
                let rotates = rotationMedian > t.rotation
                out.append(Verdict(key: "rotation", value: rotationMedian, text:
                    "the individual-play field (∇₁f₁, ∇₂f₂) \(rotates ? "rotates" : "hardly rotates"): median |Im|/|Re| = \(f(rotationMedian)) (eig1), \(p(rotatingFraction)) of diagnostics with |Im|/|Re| > \(f(t.rotation))"
                    + (rotationMaxMedian.isNaN ? "" : "; largest of the leading eigenvalues: median \(f(rotationMaxMedian))")))
            }
            if !cosineMedian.isNaN {
                let what = cosineMedian >= t.cosineTurns ? "total derivative follows the leader's own gradient"
                    : cosineMedian > 0 ? "total derivative turns the leader's step" : "total derivative reverses the leader's step"
                var text = "\(what): median cos(∇₁f₁, Df₁) = \(f(cosineMedian))"
                if !correctionRatioMedian.isNaN { text += "; median ‖correction‖/‖∇₁f₁‖ = \(f(correctionRatioMedian))" }
                if !lambdaMedian.isNaN { text += " at median λ = \(f(lambdaMedian))" }
                out.append(Verdict(key: "total_derivative_cosine", value: cosineMedian, text: text))
            }
            if !relativeLossDropMedian.isNaN {
                let near = abs(relativeLossDropMedian) < t.bestResponseRelativeDrop
                var text = "follower \(near ? "near" : "far from") its best response: median loss drop \(p(relativeLossDropMedian)) of f₂ (relative; absolute \(f(lossDropMedian)))"
                if !followerGradientNormMedian.isNaN { text += "; median ‖∇₂f₂‖ = \(f(followerGradientNormMedian))" }
                out.append(Verdict(key: "best_response_gap", value: relativeLossDropMedian, text: text))
            } else if !followerGradientNormMedian.isNaN {
                out.append(Verdict(key: "follower_gradient_norm", value: followerGradientNormMedian, text: "median ‖∇₂f₂‖ = \(f(followerGradientNormMedian)) (no loss drop logged)"))
            }
            if !indefiniteFraction.isNaN {
                var text = indefiniteFraction > 0 ? "follower Hessian indefinite in \(p(indefiniteFraction)) of diagnostics" : "follower Hessian positive semi-definite in every diagnostic"
                if !hessianMinMedian.isNaN { text += "; median extreme eigenvalues λmin = \(f(hessianMinMedian)), λmax = \(f(hessianMaxMedian))" }
                if !hessianConditionMedian.isNaN { text += "; median condition λmax/λmin (where λmin > 0) = \(f(hessianConditionMedian))" }
                out.append(Verdict(key: "hessian_indefinite", value: indefiniteFraction, text: text))
            }
            return out
        }
    }

    /// The sketched parameter path of a run (or, for a group, the medians over its runs).
    public struct PathSummary: Codable, Sendable {
        public var sketchDimension: Int
        public var points: Int
        /// The fraction of the path's variance in the plane of its two leading principal directions.
        public var explainedVariance: Double
        /// Signed turns the projected path sweeps around its last point.
        public var turns: Double
        /// Net displacement over length travelled, in the sketch.
        public var straightness: Double
        /// Median cosine between the sketched individual and Stackelberg fields (nan when either is missing).
        public var fieldCosine: Double
        /// For a group: how many runs the medians pool (1 for a run).
        public var pooledRuns: Int

        init(sketchDimension: Int, points: Int, explainedVariance: Double, turns: Double, straightness: Double, fieldCosine: Double, pooledRuns: Int) {
            self.sketchDimension = sketchDimension; self.points = points; self.explainedVariance = explainedVariance
            self.turns = turns; self.straightness = straightness; self.fieldCosine = fieldCosine; self.pooledRuns = pooledRuns
        }

        init?(_ r: DiagnosticRun) {
            let rows = r.vectors("game_path_").compactMap { $0 }
            guard let pca = PathPCA.fit(rows) else { return nil }
            sketchDimension = rows[0].count
            points = rows.count
            explainedVariance = pca.explainedVariance
            turns = DiagnosisStatistics.windingAngle(rows.map(pca.project)) / (2 * .pi)
            straightness = DiagnosisStatistics.straightness(rows)
            let cosines = zip(r.vectors("game_field_"), r.vectors("game_stackelberg_field_")).compactMap { a, b -> Double? in
                guard let a, let b, sketchNorm(a) > 0, sketchNorm(b) > 0 else { return nil }
                return sketchDot(a, b) / (sketchNorm(a) * sketchNorm(b))
            }
            fieldCosine = DiagnosisStatistics.median(cosines)
            pooledRuns = 1
        }

        func verdict(_ t: Thresholds) -> Verdict {
            let f = DiagnosisReport.fmt
            let shape = abs(turns) >= t.spiralTurns ? "spirals" : straightness >= t.straightness ? "goes straight" : "bends"
            let of = pooledRuns > 1 ? " (medians over \(pooledRuns) runs)" : ""
            var text = "parameter path \(shape)\(of): \(String(format: "%.2f", abs(turns) < 0.005 ? 0 : turns)) turns around its end in the plane of PC1–PC2, which hold \(DiagnosisReport.percent(explainedVariance)) of its variance; net displacement / length = \(f(straightness)) (sketch dimension \(sketchDimension))"
            if !fieldCosine.isNaN { text += "; Stackelberg vs individual field: median cos = \(f(fieldCosine))" }
            return Verdict(key: "parameter_path", value: turns, text: text)
        }
    }

    public struct RunReport: Codable, Sendable {
        public var directory: String
        public var group: String
        public var algo: String
        public var coupling: String
        public var env: String
        public var seed: Int?
        public var commit: String?
        public var config: String
        /// The run's resolved settings, as in its config.toml.
        public var settings: [String: String]
        public var diagnostics: Int
        public var firstStep: Double
        public var lastStep: Double
        public var columns: [String]
        public var summary: Summary
        public var path: PathSummary?
        public var verdicts: [Verdict]
    }

    public struct GroupReport: Codable, Sendable {
        public var name: String
        public var runs: [String]
        public var seeds: [Int?]
        public var summary: Summary
        public var path: PathSummary?
        public var verdicts: [Verdict]
    }

    public var thresholds: Thresholds
    public var groups: [GroupReport]
    /// One line per property across the groups (when there are several).
    public var comparisons: [String]
    public var runs: [RunReport]
    public var provenance: Provenance?

    static func fmt(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "n/a" : (x > 0 ? "∞" : "−∞") }
        let a = abs(x)
        if a != 0 && (a < 1e-3 || a >= 1e5) { return String(format: "%.2e", x) }
        if a >= 100 { return String(format: x == x.rounded() ? "%.0f" : "%.1f", x) }
        return String(format: "%.3g", x)
    }

    static func percent(_ x: Double) -> String {
        guard x.isFinite else { return "n/a" }
        let v = 100 * x
        if abs(v) < 1 && v != 0 { return String(format: "%.2g", v) + "%" }
        if v >= 99.95 && v < 100 { return ">99.9%" }
        return String(format: v > 99 && v < 100 ? "%.1f" : "%.0f", v) + "%"
    }

    /// report.txt: thresholds, the verdicts per coupling group and per run, each with its number,
    /// and each run's seed, config and commit.
    public var text: String {
        var out = [String]()
        func line(_ s: String = "") { out.append(s) }
        let title = "Game diagnostics of \(runs.count) run\(runs.count == 1 ? "" : "s") (stackelberg diagnose)"
        line(title)
        line(String(repeating: "=", count: title.count))
        line("Thresholds: the field rotates when the median |Im|/|Re| of the game Jacobian's leading eigenvalue (eig1) exceeds \(DiagnosisReport.fmt(thresholds.rotation)); "
             + "the follower is near its best response when the median relative loss drop (f₂ − f₂ after K more follower steps on the held minibatch, over |f₂|) is below \(DiagnosisReport.percent(thresholds.bestResponseRelativeDrop)); "
             + "the total derivative turns the leader's step when the median cos(∇₁f₁, Df₁) is below \(DiagnosisReport.fmt(thresholds.cosineTurns)) and reverses it below 0; "
             + "the parameter path spirals when it sweeps at least \(DiagnosisReport.fmt(thresholds.spiralTurns)) turns around its end in its PC1–PC2 plane, and goes straight when its net displacement is at least \(DiagnosisReport.fmt(thresholds.straightness)) of its length. "
             + "Medians are over diagnostics (log windows holding one), seeds pooled within a group; the indefinite fraction is the mean of the windows' fractions.")
        line()
        line("Coupling groups")
        line("---------------")
        for g in groups {
            let seeds = g.seeds.map { $0.map(String.init) ?? "?" }.joined(separator: ", ")
            line("\(g.name) (seed\(g.seeds.count == 1 ? "" : "s") \(seeds); \(g.summary.diagnostics) diagnostics)")
            for v in g.verdicts { line("  - \(v.text)") }
            if g.verdicts.isEmpty { line("  - no diagnostic column the verdicts read") }
        }
        if !comparisons.isEmpty {
            line()
            line("Across groups")
            line("-------------")
            for c in comparisons { line("- \(c)") }
        }
        line()
        line("Runs")
        line("----")
        for r in runs {
            line("\(r.directory): \(r.algo)-\(r.coupling) on \(r.env), seed \(r.seed.map(String.init) ?? "unknown"), commit \(r.commit ?? "unknown")")
            let keys = ["total_steps"] + r.settings.keys.filter { $0.hasPrefix("diagnostics.") }.sorted()
            let shown = keys.compactMap { k in r.settings[k].map { "\(k) = \($0)" } }
            line("  config \(r.config)\(shown.isEmpty ? "" : " (" + shown.joined(separator: ", ") + ")")")
            line("  \(r.diagnostics) diagnostics from step \(DiagnosisReport.fmt(r.firstStep)) to \(DiagnosisReport.fmt(r.lastStep)); columns: \(r.columns.count) game_* (\(r.path.map { "sketch dimension \($0.sketchDimension)" } ?? "no path sketch"))")
            for v in r.verdicts { line("  - \(v.text)") }
        }
        if let p = provenance {
            line()
            line("Provenance: \(p.tool), commit \(p.commit), \(p.date)")
            line("Command: \(p.command)")
        }
        return out.joined(separator: "\n") + "\n"
    }
}
