import Foundation

/// `stackelberg diagnose`: the game diagnostics of several runs, grouped by coupling and the settings that
/// differ between its runs, as `compare` groups them (seeds pooled),
/// with a verdict per property and the number behind it (report.txt, report.json) and the figures
/// (``DiagnosisFigures``).
public struct Diagnosis {
    public let runs: [DiagnosticRun]
    /// Group names (algorithm-coupling, prefixed with the environment when several are read), in
    /// the order of their first run.
    public let groups: [String]

    /// Reads every run directory given or found under `paths` (as `compare` does). A run without
    /// diagnostics is refused, naming its directory and the setting that turns them on.
    /// Runs that could not be read, each with why: left out of the report, which lists them. (All of them
    /// refused, the paths are refused; one of them refused the whole report, the readable runs with it.)
    public let leftOut: [String]

    public init(paths: [String]) throws {
        var runs = [DiagnosticRun]()
        var refused = [String]()
        for dir in try Comparison.runDirectories(paths) {
            do { runs.append(try DiagnosticRun(directory: dir)) } catch let e as TrainingError { refused.append(e.description) }
        }
        guard !runs.isEmpty else {
            throw TrainingError.io(refused.count == 1 ? refused[0] : "\(refused.count) runs cannot be diagnosed:\n  " + refused.joined(separator: "\n  "))
        }
        for r in refused { try? FileHandle.standardError.write(contentsOf: Data("note: left out: \(r)\n".utf8)) }
        try self.init(runs: runs, leftOut: refused)
    }

    public init(runs: [DiagnosticRun], leftOut: [String] = []) throws {
        self.leftOut = leftOut
        guard !runs.isEmpty else { throw TrainingError.io("no run to diagnose") }
        var runs = runs
        if Set(runs.map(\.env)).count > 1 {
            for i in runs.indices { runs[i].group = "\(runs[i].env) \(runs[i].group)" }
        }
        // Runs of one pair whose settings differ are groups of their own, named by those settings as `compare`
        // names them: pooled, a λ-held ablation's medians joined the main grid's, and runs diagnosed at two
        // diagnostics.lambda were reported at the median λ, which neither used.
        for group in Set(runs.map(\.group)) {
            let members = runs.indices.filter { runs[$0].group == group }
            // As the runs ran: a key added since a run was trained takes the value that run had; and each run
            // here logged diagnostics (its game_* columns), so their settings count even where a hand-written
            // config leaves diagnostics.enabled out.
            let settings = members.map { i -> Settings in
                var s = AlgorithmRegistry.completing(runs[i].settings)
                s["diagnostics.enabled"] = .bool(true)
                return s
            }
            let keys = Comparison.differingKeys(settings: settings)
            guard !keys.isEmpty else { continue }
            for (i, s) in zip(members, settings) { runs[i].group = Comparison.groupName(pair: runs[i].group, keys: keys, settings: s) }
        }
        // Two directories of one seed (a copy) pool as two seeds.
        for group in Set(runs.map(\.group)).sorted() {
            let members = runs.filter { $0.group == group }
            for seed in Set(members.compactMap(\.seed)).sorted() {
                let copies = members.filter { $0.seed == seed }
                if copies.count > 1 {
                    try? FileHandle.standardError.write(contentsOf: Data("note: \(group) has seed \(seed) in \(copies.count) directories (\(copies.map(\.directory).joined(separator: ", "))): copies of one run pool as \(copies.count) seeds; leave all but one out\n".utf8))
                }
            }
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
                finished: r.finished, plannedSteps: r.plannedSteps,
                diagnostics: r.steps.count, firstStep: r.steps.first ?? .nan, lastStep: r.steps.last ?? .nan, columns: r.columns,
                summary: summary, path: path,
                verdicts: summary.verdicts(t) + (path.map { [$0.verdict(t, lambda: summary.lambdaMedian)] } ?? r.pathShortfall.map { [DiagnosisReport.pathShortfallVerdict($0, points: r.pathPoints ?? 0)] } ?? []))
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
            // Without a path in any run, say why when the runs logged too few points for one.
            let shortfall = members.compactMap { r in r.pathShortfall.map { (r, $0) } }
            let most = shortfall.map { $0.0.pathPoints ?? 0 }.max() ?? 0
            let shortVerdict: DiagnosisReport.Verdict? = path != nil || shortfall.isEmpty ? nil
                : members.count == 1 ? DiagnosisReport.pathShortfallVerdict(shortfall[0].1, points: most)
                : DiagnosisReport.pathShortfallVerdict("at most \(DiagnosisReport.count(most, "diagnostic")) per run: too few for a path (\(PathPCA.minimumPoints) needed; one is logged per updates.csv row, every log_interval steps or one update, whichever is longer): lower log_interval (and diagnostics.interval, if it is longer), or train longer", points: most)
            return DiagnosisReport.GroupReport(
                name: g, runs: members.map(\.directory), seeds: members.map(\.seed), summary: summary, path: path,
                verdicts: summary.verdicts(t) + (path.map { [$0.verdict(t, lambda: summary.lambdaMedian)] } ?? shortVerdict.map { [$0] } ?? []))
        }
        var comparisons = [String]()
        if groups.count > 1 {
            func across(_ what: String, _ value: (DiagnosisReport.Summary) -> Double, percent: Bool = false) {
                let values = groupReports.map { (name: $0.name, value: value($0.summary)) }
                guard values.contains(where: { !$0.value.isNaN }) else { return }
                comparisons.append("\(what): " + values.map { "\($0.name) \(percent ? DiagnosisReport.percent($0.value) : DiagnosisReport.fmt($0.value))" }.joined(separator: "; "))
            }
            across("median |Im|/|Re| of eig1 (rotation)", \.rotationMedian)
            // The regularized Stackelberg field's, where some group logged its spectrum; its λ in the
            // label when the groups share one, else beside each group's number.
            if groupReports.contains(where: { $0.summary.stackelbergRotationMedian.map { !$0.isNaN } ?? false }) {
                let lambdas = Set(groupReports.filter { $0.summary.stackelbergRotationMedian != nil }.map { DiagnosisReport.fmt($0.summary.lambdaMedian) })
                let shared = lambdas.count == 1 && lambdas.first != "n/a" ? lambdas.first : nil
                comparisons.append("median |Im|/|Re| of eig1, regularized Stackelberg field\(shared.map { " (λ = \($0))" } ?? ""): " + groupReports.map { g in
                    let value = g.summary.stackelbergRotationMedian.map { DiagnosisReport.fmt($0) } ?? "n/a (not logged)"
                    let lambda = shared == nil && g.summary.stackelbergRotationMedian != nil && !g.summary.lambdaMedian.isNaN ? " (λ = \(DiagnosisReport.fmt(g.summary.lambdaMedian)))" : ""
                    return "\(g.name) \(value)\(lambda)"
                }.joined(separator: "; "))
            }
            across("median cos(∇₁f₁, Df₁)", \.cosineMedian)
            across("median relative loss drop (best-response gap)", \.relativeLossDropMedian, percent: true)
            across("follower Hessian indefinite", \.indefiniteFraction, percent: true)
            let explained = groupReports.map { ($0.name, $0.path?.explainedVariance ?? .nan) }
            if explained.contains(where: { !$0.1.isNaN }) {
                comparisons.append("parameter path, median turns around its final point in the PC plane: " + groupReports.map { g in
                    let turns = g.path.map { DiagnosisReport.turns($0.turns, t) }
                        ?? (g.verdicts.contains { $0.key == "parameter_path_too_short" } ? "n/a (too few diagnostics)" : "n/a")
                    return "\(g.name) \(turns)"
                }.joined(separator: "; "))
            }
        }
        return DiagnosisReport(thresholds: t, groups: groupReports, comparisons: comparisons, runs: runReports, leftOut: leftOut, provenance: provenance)
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
        /// Set by training, stated here: a diagnostic flags the follower Hessian indefinite
        /// (`game_hessian_indefinite`) when its smallest Lanczos Ritz value λmin < −this·|λmax|.
        public var indefiniteRelative = 1e-4
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
        /// How many diagnostics logged a finite loss drop, and how many of those were negative (the
        /// follower's K steps overshot: f₂ rose).
        public var lossDrops: Int
        public var negativeLossDrops: Int
        public var hessianMaxMedian: Double
        public var hessianMinMedian: Double
        public var hessianConditionMedian: Double
        /// The mean of the windows' fractions of indefinite Hessians.
        public var indefiniteFraction: Double
        /// The regularized Stackelberg field (Df₁ at λ = `diagnostics.lambda`, ∇₂f₂)'s median |Im|/|Re|
        /// of eig1, the median of the largest among its leading eigenvalues, and the fraction of
        /// diagnostics with eig1's above the rotation threshold, over the runs that logged its spectrum
        /// (`diagnostics.stackelberg_spectrum = true`); nil (absent from report.json) when none did.
        public var stackelbergRotationMedian: Double?
        public var stackelbergRotationMaxMedian: Double?
        public var stackelbergRotatingFraction: Double?

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
            let drops = pooled("game_follower_loss_drop").filter(\.isFinite)
            lossDrops = drops.count
            negativeLossDrops = drops.filter { $0 < 0 }.count
            hessianMaxMedian = m(pooled("game_hessian_max"))
            hessianMinMedian = m(pooled("game_hessian_min"))
            hessianConditionMedian = m(pooled("game_hessian_condition"))
            indefiniteFraction = DiagnosisStatistics.mean(pooled("game_hessian_indefinite"))
            let spectral = runs.filter(\.hasStackelbergSpectrum)
            if !spectral.isEmpty {
                let stackelberg = spectral.flatMap(\.stackelbergRotation)
                stackelbergRotationMedian = m(stackelberg)
                stackelbergRotationMaxMedian = m(spectral.flatMap(\.stackelbergRotationMax))
                stackelbergRotatingFraction = DiagnosisStatistics.fraction(stackelberg) { $0 > Thresholds().rotation }
            }
        }

        /// One verdict per property the diagnostics hold, each with its number.
        func verdicts(_ t: Thresholds) -> [Verdict] {
            var out = [Verdict]()
            let f: (Double) -> String = DiagnosisReport.fmt, p: (Double) -> String = DiagnosisReport.percent
            if !rotationMedian.isNaN {
                let rotates = rotationMedian > t.rotation
                out.append(Verdict(key: "rotation", value: rotationMedian, text:
                    "the individual-play field (∇₁f₁, ∇₂f₂) \(rotates ? "rotates" : "hardly rotates"): median |Im|/|Re| = \(DiagnosisReport.fmt(rotationMedian, near: t.rotation)) (eig1), \(p(rotatingFraction)) of diagnostics with |Im|/|Re| > \(f(t.rotation))"
                    + (rotationMaxMedian.isNaN ? "" : "; largest |Im|/|Re| over the leading eigenvalues: median \(f(rotationMaxMedian))")))
            }
            if let median = stackelbergRotationMedian, !median.isNaN {
                // The dynamic a total-derivative coupling follows, beside the individual-play field's.
                let rotates = median > t.rotation
                let field = lambdaMedian.isNaN ? "regularized Stackelberg field" : "regularized Stackelberg field (λ = \(f(lambdaMedian)))"
                var text = "the \(field) \(rotates ? "rotates" : "hardly rotates"): median |Im|/|Re| = \(DiagnosisReport.fmt(median, near: t.rotation)) (eig1), \(p(stackelbergRotatingFraction ?? .nan)) of diagnostics above \(f(t.rotation))"
                if let largest = stackelbergRotationMaxMedian, !largest.isNaN { text += "; largest |Im|/|Re| over the leading eigenvalues: median \(f(largest))" }
                out.append(Verdict(key: "stackelberg_rotation", value: median, text: text))
            }
            if !cosineMedian.isNaN {
                // Df₁ is the leader's part of the regularized Stackelberg field (λ > 0).
                let what = cosineMedian >= t.cosineTurns ? "follows the leader's own gradient"
                    : cosineMedian > 0 ? "turns the leader's step" : "reverses the leader's step"
                let field = lambdaMedian.isNaN ? "regularized Stackelberg field" : "regularized Stackelberg field (λ = \(f(lambdaMedian)))"
                var text = "total derivative Df₁ of the \(field) \(what): median cos(∇₁f₁, Df₁) = \(DiagnosisReport.fmt(cosineMedian, near: cosineMedian > 0 ? t.cosineTurns : 0))"
                if !correctionRatioMedian.isNaN { text += "; median ‖correction‖/‖∇₁f₁‖ = \(f(correctionRatioMedian))" }
                // With ∇²₂₂f₂ + λI indefinite the implicit function theorem does not apply there, and
                // CG's answer on an indefinite system is no total derivative to read.
                if !lambdaMedian.isNaN, hessianMinMedian + lambdaMedian < 0 {
                    text += "; but ∇²₂₂f₂ + λI is indefinite in the median diagnostic (λ_min = \(f(hessianMinMedian)) < −λ), where the implicit "
                        + "function theorem does not hold: read this with care, or raise diagnostics.lambda above \(f(-hessianMinMedian))"
                }
                out.append(Verdict(key: "total_derivative_cosine", value: cosineMedian, text: text))
            }
            if !relativeLossDropMedian.isNaN {
                let near = abs(relativeLossDropMedian) < t.bestResponseRelativeDrop
                var text = "follower \(near ? "near" : "far from") its best response: median loss drop \(DiagnosisReport.percent(relativeLossDropMedian, near: t.bestResponseRelativeDrop)) of f₂ (relative; absolute \(f(lossDropMedian)))"
                if !followerGradientNormMedian.isNaN { text += "; median ‖∇₂f₂‖ = \(f(followerGradientNormMedian))" }
                if lossDrops > 0 {
                    text += negativeLossDrops == 0 ? "; no loss drop negative"
                        : "; \(negativeLossDrops) of \(DiagnosisReport.count(lossDrops, "loss drop")) negative (the follower's K steps overshot: f₂ rose)"
                }
                out.append(Verdict(key: "best_response_gap", value: relativeLossDropMedian, text: text))
            } else if !followerGradientNormMedian.isNaN {
                out.append(Verdict(key: "follower_gradient_norm", value: followerGradientNormMedian, text: "median ‖∇₂f₂‖ = \(f(followerGradientNormMedian)) (no loss drop logged: the best-response gap needs diagnostics.follower_steps > 0 extra follower steps)"))
            }
            if !indefiniteFraction.isNaN {
                let cut = "−\(DiagnosisReport.power(t.indefiniteRelative))·|λmax|"
                var text = indefiniteFraction > 0 ? "follower Hessian indefinite in \(p(indefiniteFraction)) of diagnostics (λmin < \(cut))"
                    : "follower Hessian not indefinite in any diagnostic (λmin ≥ \(cut))"
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

        /// `lambda`: the λ of the regularized Stackelberg field (nan when not logged).
        func verdict(_ t: Thresholds, lambda: Double = .nan) -> Verdict {
            let f: (Double) -> String = DiagnosisReport.fmt
            let shape = abs(turns) >= t.spiralTurns ? "spirals" : straightness >= t.straightness ? "goes straight" : "bends"
            let of = pooledRuns > 1 ? " (medians over \(pooledRuns) runs)" : ""
            var text = "parameter path \(shape)\(of): it turns \(DiagnosisReport.turns(turns, t)) times around its final point (not an equilibrium) in the plane of PC1–PC2, which hold \(DiagnosisReport.percent(explainedVariance)) of its variance over \(DiagnosisReport.count(points, "diagnostic")); net displacement / length = \(DiagnosisReport.fmt(straightness, near: t.straightness)) (sketch dimension \(sketchDimension))"
            if !fieldCosine.isNaN {
                text += "; regularized Stackelberg field\(lambda.isNaN ? "" : " (λ = \(f(lambda)))") vs individual field: median cos = \(f(fieldCosine))"
            }
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
        /// Whether the run has finished (summary.json) and the steps its config trains: an unfinished run's
        /// diagnostics stop where it did.
        public var finished: Bool
        public var plannedSteps: Int?
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
    /// Runs that could not be diagnosed, each with why (left out of the groups above).
    public var leftOut: [String] = []
    public var provenance: Provenance?

    public static func fmt(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "n/a" : (x > 0 ? "∞" : "−∞") }
        let a = abs(x)
        if a != 0 && (a < 1e-3 || a >= 1e5) { return String(format: "%.2e", x) }
        if a >= 100 { return String(format: x == x.rounded() ? "%.0f" : "%.1f", x) }
        return String(format: "%.3g", x)
    }

    /// `x` with enough digits that it does not print as `threshold` unless it equals it (a median
    /// of 0.98996 against 0.99 prints 0.98996, not 0.99).
    public static func fmt(_ x: Double, near threshold: Double) -> String {
        let text = fmt(x)
        guard x.isFinite, x != threshold, text == fmt(threshold) else { return text }
        for digits in 4...12 {
            let more = String(format: "%.\(digits)g", x)
            if more != String(format: "%.\(digits)g", threshold) { return more }
        }
        return text
    }

    /// A fraction as a percentage with 3 significant digits (1.19%, 0.3%, 99.4%, 2500%).
    public static func percent(_ x: Double) -> String {
        guard x.isFinite else { return "n/a" }
        let v = 100 * x
        if v >= 99.95 && v < 100 { return ">99.9%" }
        if v != 0 && abs(v) < 0.01 { return String(format: "%.2e", v) + "%" }
        if abs(v) >= 1000 { return String(format: "%.0f", v) + "%" }
        return String(format: "%.3g", v) + "%"
    }

    /// `percent(x)` with enough digits that it does not print as `threshold` unless it equals it.
    public static func percent(_ x: Double, near threshold: Double) -> String {
        let text = percent(x)
        guard x.isFinite, x != threshold, text == percent(threshold) else { return text }
        for digits in 4...12 {
            let more = String(format: "%.\(digits)g", 100 * x)
            if more != String(format: "%.\(digits)g", 100 * threshold) { return more + "%" }
        }
        return text
    }

    /// A power of ten as "1e-4" (other values as ``fmt``).
    public static func power(_ x: Double) -> String {
        let e = log10(x).rounded()
        return x > 0 && pow(10, e) == x ? "1e\(Int(e))" : fmt(x)
    }

    /// "1 diagnostic", "2 diagnostics".
    public static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// Signed turns around the path's final point: 0 below 0.005, else 3 significant digits, more
    /// where that would print the spiral threshold.
    static func turns(_ x: Double, _ t: Thresholds) -> String {
        guard x.isFinite else { return "n/a" }
        if abs(x) < 0.005 { return "0" }
        return fmt(x, near: x < 0 ? -t.spiralTurns : t.spiralTurns)
    }

    /// The verdict for a run (or group) whose sketch holds too few points for a path.
    static func pathShortfallVerdict(_ why: String, points: Int) -> Verdict {
        Verdict(key: "parameter_path_too_short", value: Double(points), text: "parameter path: \(why)")
    }

    /// report.txt: thresholds, the verdicts per coupling group and per run, each with its number,
    /// and each run's seed, config and commit.
    public var text: String {
        var out = [String]()
        func line(_ s: String = "") { out.append(s) }
        let title = "Game diagnostics of \(runs.count) run\(runs.count == 1 ? "" : "s") (stackelberg diagnose)"
        line(title)
        line(String(repeating: "=", count: title.count))
        let stackelbergSpectrum = groups.contains { $0.summary.stackelbergRotationMedian != nil }
        line("Thresholds: the field rotates when the median |Im|/|Re| of the game Jacobian's leading eigenvalue (eig1) exceeds \(DiagnosisReport.fmt(thresholds.rotation))"
             + (stackelbergSpectrum ? " (the individual-play field's, and the same threshold for the regularized Stackelberg field's where diagnostics.stackelberg_spectrum logged it)" : "") + "; "
             + "the follower is near its best response when the median relative loss drop (f₂ − f₂ after K more follower steps on the held minibatch, over |f₂|) is below \(DiagnosisReport.percent(thresholds.bestResponseRelativeDrop)); "
             + "the total derivative Df₁ (the leader's part of the regularized Stackelberg field, at the run's diagnostics.lambda) turns the leader's step when the median cos(∇₁f₁, Df₁) is below \(DiagnosisReport.fmt(thresholds.cosineTurns)) and reverses it below 0; "
             + "a diagnostic's follower Hessian ∇²₂₂f₂ is indefinite when its smallest Lanczos Ritz value λmin < −\(DiagnosisReport.power(thresholds.indefiniteRelative))·|λmax| (the flag game_hessian_indefinite, set during training; a smaller negative λmin counts as round-off); "
             + "the parameter path spirals when it turns at least \(DiagnosisReport.fmt(thresholds.spiralTurns)) times around its final point (the last diagnostic, not an equilibrium) in its PC1–PC2 plane, and goes straight when its net displacement is at least \(DiagnosisReport.fmt(thresholds.straightness)) of its length. "
             + "Medians are over the diagnostics in updates.csv, one per logged row (not every diagnostic taken when diagnostics.interval is shorter than a log window), seeds pooled within a group; the indefinite fraction is the mean of game_hessian_indefinite over those rows.")
        line()
        line("Coupling groups")
        line("---------------")
        for g in groups {
            let seeds = g.seeds.map { $0.map(String.init) ?? "?" }.joined(separator: ", ")
            line("\(g.name) (seed\(g.seeds.count == 1 ? "" : "s") \(seeds); \(DiagnosisReport.count(g.summary.diagnostics, "diagnostic")), one per logged row)")
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
            if !r.finished {
                line("  unfinished (no summary.json): its diagnostics stop at step \(DiagnosisReport.fmt(r.lastStep))\(r.plannedSteps.map { " of the \($0) its config trains" } ?? ""), and its group pools them with the others'")
            }
            line("  \(DiagnosisReport.count(r.diagnostics, "diagnostic")) (one per logged row) from step \(DiagnosisReport.fmt(r.firstStep)) to \(DiagnosisReport.fmt(r.lastStep)); columns: \(r.columns.count) game_* (\(r.path.map { "sketch dimension \($0.sketchDimension)" } ?? "no path sketch"))")
            for v in r.verdicts { line("  - \(v.text)") }
        }
        if !leftOut.isEmpty {
            line()
            line("Left out (cannot be diagnosed)")
            line("------------------------------")
            for why in leftOut { line("- \(why)") }
        }
        if let p = provenance {
            line()
            line("Provenance: \(p.tool), commit \(p.commit), \(p.date)")
            line("Command: \(p.command)")
        }
        return out.joined(separator: "\n") + "\n"
    }
}
