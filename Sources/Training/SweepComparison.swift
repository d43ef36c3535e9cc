import Foundation

/// `stackelberg compare` over runs on several environments (a sweep's output root): one
/// ``Comparison`` per environment, and the paper-style table of IQM scores with 95% bootstrap
/// intervals, one row per group (a sweep's variant and algorithm-coupling, named by the
/// `sweep.json` manifest `sweep run` writes; otherwise the algorithm-coupling and the settings
/// that differ) and one column per environment.
public struct SweepComparison {
    /// Per environment: a sweep's in its plan's order, others' in order of first appearance.
    public let comparisons: [Comparison]
    /// Runs a `sweep.json` names that have no directory or no config.toml in it (not started yet, failed
    /// as they started, or removed): the table holds the runs on disk, and says how many the manifest
    /// names beside them.
    public let notOnDisk: [String]
    /// Runs under a sweep's output root that its `sweep.json` does not name: an earlier version of the
    /// plan's (a variant renamed, a seed dropped). They are compared, grouped by their settings as runs
    /// outside any sweep are, and named in the report, since they are not the plan's.
    public let notInManifest: [String]
    /// Every environment a run found trained on, in order of first appearance, with those left out of the
    /// table for having no comparable run yet (`comparisons` holds the others).
    public let environments: [String]
    /// `compare --at`: the step every run is scored at; nil: each run as it trained.
    public let steps: Int?
    /// Environments with runs on disk but none that can be compared yet, and why.
    public let environmentsLeftOut: [(env: String, why: String)]

    /// Reads every run under `paths`. A `sweep.json` in a given directory labels its runs
    /// `VARIANT · ALGO-COUPLING` (just `ALGO-COUPLING` for a plan without a grid). `steps`
    /// (`compare --at`) scores every run at that step, as ``Comparison`` does.
    public init(paths: [String], curvePoints: Int = 100, includeUnfinished: Bool = false, at steps: Int? = nil) throws {
        self.steps = steps
        var labels = [String: String](), notOnDisk = [String](), manifestRoots = [String](), planEnvironments = [String]()
        for p in paths {
            guard let data = FileManager.default.contents(atPath: p + "/sweep.json") else { continue }
            manifestRoots.append(URL(fileURLWithPath: p).standardizedFileURL.path)
            // A manifest that does not read would drop every variant's label, and so pool the variants
            // of one algorithm-coupling whose settings agree: refused like a damaged log.
            guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let runs = json["runs"] as? [[String: Any]] else {
                throw TrainingError.io("\(p)/sweep.json is not the manifest `stackelberg sweep run` writes (it does not read as one): it names the sweep's variants; \(Self.rewriteAdvice)")
            }
            // The manifest's directories are as the plan wrote them (relative to where the sweep ran):
            // matched by their part under the output root.
            let root = URL(fileURLWithPath: p).standardizedFileURL.path
            // Spelled as written (relative to where the sweep ran), or tidied (`a/./b`, a trailing `/`) when absolute.
            func tidy(_ path: String) -> String { path.hasPrefix("/") ? URL(fileURLWithPath: path).standardizedFileURL.path : path }
            let out = tidy((json["out"] as? String) ?? "")
            for r in runs {
                guard let raw = r["directory"] as? String, let variant = r["variant"] as? String,
                      let algo = r["algo"] as? String, let coupling = r["coupling"] as? String else { continue }
                let dir = tidy(raw)
                let rest = !out.isEmpty && dir.hasPrefix(out + "/") ? String(dir.dropFirst(out.count + 1))
                    : dir.split(separator: "/").suffix(4).joined(separator: "/")
                let local = URL(fileURLWithPath: root + "/" + rest).standardizedFileURL.path
                if labels[local] != nil {
                    throw TrainingError.io("\(p)/sweep.json lists the run \(dir) twice: it is not the manifest `stackelberg sweep run` writes; \(Self.rewriteAdvice)")
                }
                // A run's directory is OUT/VARIANT/ENV/ALGO-COUPLING/seedN: an entry naming another variant or
                // seed than its directory's (labels swapped between runs) would misname it.
                let parts = rest.split(separator: "/").map(String.init)
                let seedName = (r["seed"] as? Int).map { "seed\($0)" }
                if parts.count == 4, parts[0] != variant || (seedName != nil && parts[3] != seedName) {
                    throw TrainingError.io("\(p)/sweep.json names \(dir) variant \"\(variant)\"\(seedName.map { ", \($0)" } ?? ""), but the directory is variant \"\(parts[0])\", \(parts[3]): the manifest would misname the run; \(Self.rewriteAdvice)")
                }
                if !FileManager.default.fileExists(atPath: local + "/config.toml") { notOnDisk.append((p.hasSuffix("/") ? p : p + "/") + rest) }
                try Self.checkManifestEntry(r, against: local, manifest: p + "/sweep.json")
                labels[local] = variant == "default" ? "\(algo)-\(coupling)" : "\(variant) · \(algo)-\(coupling)"
                if let env = r["env"] as? String, !planEnvironments.contains(env) { planEnvironments.append(env) }
            }
        }
        self.notOnDisk = notOnDisk
        let dirs: [String]
        do { dirs = try Comparison.runDirectories(paths) } catch TrainingError.noRunDirectories where !notOnDisk.isEmpty && notOnDisk.count == labels.count {
            throw TrainingError.io("none of the \(labels.count) runs the sweep's manifest (sweep.json) names has started (no config.toml in \(notOnDisk.count == 1 ? "its directory" : "their directories"), or they were removed): `stackelberg sweep run PLAN` trains them, `stackelberg sweep status PLAN` says what is left")
        }
        var notInManifest = [String]()
        for d in dirs {
            let local = URL(fileURLWithPath: d).standardizedFileURL.path
            guard labels[local] == nil, let root = manifestRoots.first(where: { local.hasPrefix($0 + "/") }) else { continue }
            notInManifest.append(d)
            // Named by its directory's variant (OUT/VARIANT/ENV/ALGO-COUPLING/seedN), marked as outside the
            // manifest: labelled by its settings alone it read as another algorithm beside the plan's variants.
            let parts = local.dropFirst(root.count + 1).split(separator: "/").map(String.init)
            if parts.count == 4 { labels[local] = "\(parts[0]) (not in sweep.json) · \(parts[2])" }
        }
        self.notInManifest = notInManifest
        var byEnv = [(String, [String])]()
        for d in dirs {
            let env = (try? Settings(contentsOf: d + "/config.toml").string("env")) ?? nil ?? "?"
            if let i = byEnv.firstIndex(where: { $0.0 == env }) { byEnv[i].1.append(d) } else { byEnv.append((env, [d])) }
        }
        // A sweep's columns in its plan's order (the manifest lists runs as the plan gives environments);
        // the runs' directories, found sorted by name, would put them in alphabetical order.
        let planOrder = { (env: String) in planEnvironments.firstIndex(of: env) ?? planEnvironments.count }
        byEnv = byEnv.enumerated().sorted { (planOrder($0.element.0), $0.offset) < (planOrder($1.element.0), $1.offset) }.map(\.element)
        environments = byEnv.map(\.0)
        var comparisons = [Comparison](), leftOut = [(env: String, why: String)]()
        for (env, group) in byEnv {
            do { comparisons.append(try Comparison(paths: group, curvePoints: curvePoints, includeUnfinished: includeUnfinished, at: steps, labels: labels)) }
            catch let error as TrainingError {
                switch error { case .noComparableRun, .allDiverged, .noneAtSteps, .noEpisodeByStep: break; default: throw error }
                // An environment none of whose runs has finished yet (or reached --at): left out of the table,
                // said on the terminal and in the report (comparison.md otherwise dropped it without a word).
                try? FileHandle.standardError.write(contentsOf: Data("note: \(env): \(error)\n".utf8))
                leftOut.append((env, "\(error)"))
            }
        }
        environmentsLeftOut = leftOut
        guard !comparisons.isEmpty else {
            if let steps { throw TrainingError.io("no run under \(paths.joined(separator: ", ")) can be compared at step \(steps) (--at): the notes above say why, environment by environment") }
            throw TrainingError.io("no run under \(paths.joined(separator: ", ")) has finished; --include-unfinished compares them as they stand")
        }
        // One name per setup across the table: a pair is named by every setting that differs
        // between its runs in any environment (the union of each environment's own), so a pair
        // whose runs differ in one environment only (a longer run, a variant not yet run on the
        // others) is not split into two half-empty rows.
        var union = [String: [String]]()
        for c in comparisons {
            for (pair, keys) in Comparison.differingKeys(c.runs) { union[pair] = Array(Set(union[pair, default: []]).union(keys)).sorted() }
        }
        self.comparisons = comparisons.map {
            Comparison(runs: $0.runs, empty: $0.empty, unfinished: $0.unfinished, curvePoints: $0.curvePoints, labels: labels, keysByPair: union,
                       at: $0.steps, shortOfSteps: $0.shortOfSteps)
        }
        // The table's rows follow one environment's rule over all of them (pairs by first
        // appearance, a pair's numeric values as numbers), so a value met only in a later
        // environment takes its place among the others instead of going to the end.
        groups = Comparison(runs: self.comparisons.flatMap(\.runs), empty: [], unfinished: [], curvePoints: curvePoints,
                            labels: labels, keysByPair: union).groups
    }

    /// What to do about a manifest that does not match its runs.
    static let rewriteAdvice = "restore it, or write it again with `stackelberg sweep run PLAN` (finished runs are skipped)"

    /// Refuses a manifest entry that contradicts its run's config.toml (its algorithm, coupling,
    /// environment, steps, or a setting the plan gives it): its label would misname the run. A run not
    /// there yet, or without a config.toml, is left to the comparison's own checks; manifests written
    /// before entries held their settings are checked on the rest.
    static func checkManifestEntry(_ entry: [String: Any], against directory: String, manifest: String) throws {
        // A run not on disk (no config.toml, listed apart by the caller) has nothing to contradict.
        guard let config = try? AlgorithmRegistry.completing(Settings(contentsOf: directory + "/config.toml"), droppingRetired: true) else { return }
        var expected = [(String, String)]()
        for key in ["algo", "coupling", "env"] { if let v = entry[key] as? String { expected.append((key, Settings.Value.string(v).description)) } }
        if let steps = entry["steps"] as? Int { expected.append(("total_steps", Settings.Value.number(Double(steps)).description)) }
        for (key, value) in ((entry["settings"] as? [String: String]) ?? [:]).sorted(by: { $0.key < $1.key }) { expected.append((key, value)) }
        for (key, value) in expected {
            let actual = config[key]?.description ?? "unset"
            guard actual == value else {
                throw TrainingError.io("\(manifest) says \(directory) has \(key) = \(value) (variant \"\(entry["variant"] as? String ?? "?")\"), but its config.toml has \(key) = \(actual): the manifest would misname the run; \(rewriteAdvice)")
            }
        }
    }

    /// The table's rows: pairs in order of first appearance over every environment; within a pair
    /// whose naming settings are numbers, by them as numbers across all environments.
    public let groups: [String]

    /// The table: IQM of the seeds' scores (mean training return over the last 10% of training)
    /// with its 95% percentile-bootstrap interval and the seed count, group × environment; then each
    /// environment's full comparison.
    public func markdown(thresholds: ReturnThresholds = .init()) -> String {
        func f(_ x: Double) -> String { x.isNaN ? "–" : String(format: "%.2f", x) }
        let score = steps.map { "mean return of the training episodes that ended after step 0.9 × \($0) and by the end of the batch that reaches it (--at)" }
            ?? "mean training-episode return over the last 10% of training"
        var s = "# Sweep comparison\n\nIQM of the seeds' scores (\(score)) with a 95% percentile-bootstrap interval (2,000 resamples); n seeds.\n\n"
        s += "| variant | " + comparisons.map(\.env).joined(separator: " | ") + " |\n|---|" + comparisons.map { _ in "---|" }.joined() + "\n"
        for g in groups {
            s += "| \(g) |"
            for c in comparisons {
                // Seeds without a score (an unfinished run with no episode in its last 10% yet, or a
                // diverged one) are counted apart, as each environment's own table counts them.
                let all = c.scores(g), sc = all.filter { !$0.isNaN }
                if sc.isEmpty { s += all.isEmpty ? " – |" : " – (n=0 of \(all.count)) |"; continue }
                let ci = RobustStatistics.percentileInterval([sc]) { RobustStatistics.iqm($0[0]) }
                s += " \(f(RobustStatistics.iqm(sc))) [\(f(ci.low)), \(f(ci.high))] (n=\(sc.count)\(sc.count < all.count ? " of \(all.count)" : "")) |"
            }
            s += "\n"
        }
        if !notOnDisk.isEmpty {
            s += "\nNot on disk: \(notOnDisk.count) run\(notOnDisk.count == 1 ? "" : "s") the sweep's manifest (sweep.json) names \(notOnDisk.count == 1 ? "has" : "have") no directory or no config.toml (not started yet, failed as \(notOnDisk.count == 1 ? "it" : "they") started, or removed), so n is below the plan's seeds where they belong: "
                + notOnDisk.prefix(5).joined(separator: ", ") + (notOnDisk.count > 5 ? ", …" : "") + ". `stackelberg sweep status PLAN` lists what is left to run.\n"
        }
        if !notInManifest.isEmpty {
            s += "\nNot in the manifest: \(notInManifest.count) run\(notInManifest.count == 1 ? "" : "s") under the sweep's output root that its sweep.json does not name (an earlier version of the plan's: a variant renamed, a seed or a setting dropped), compared above as \"VARIANT (not in sweep.json)\", apart from the plan's variants: "
                + notInManifest.prefix(5).joined(separator: ", ") + (notInManifest.count > 5 ? ", …" : "") + ". Move them out of the root to compare the plan's runs alone.\n"
        }
        for (env, why) in environmentsLeftOut { s += "\nNot in the table: \(env), \(why).\n" }
        for c in comparisons { s += "\n" + c.markdown(threshold: thresholds.value(for: c.env)) }
        return s
    }
}
