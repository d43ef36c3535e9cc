import Environments
import Foundation
import Plotting
import Seeding

/// One seed's logs, read back from its run directory.
public struct SeedLog: Sendable {
    public let directory: String
    /// "algo-coupling", e.g. "dqn-scorer"; ``Comparison`` adds the settings that tell apart runs
    /// of one algorithm-coupling pair.
    public internal(set) var group: String
    /// "algo-coupling", the pair the run belongs to whatever its settings.
    public let pair: String
    /// Every setting of the run, from its config.toml.
    public let settings: Settings
    public let env: String
    public let seed: Int
    public internal(set) var totalSteps: Int
    /// The environment steps it trained: summary.json's `env_steps` for a finished run (which can
    /// exceed `totalSteps`: steps come in whole batches), else the step of its last logged episode.
    public internal(set) var stepsTrained: Int
    /// (environment step at the episode's end, return), in order.
    public internal(set) var episodes: [(step: Int, value: Double)]
    /// (environment step, mean greedy return).
    public internal(set) var evaluations: [(step: Int, value: Double)]
    /// The GEMM kernels that trained the run, from config.toml's `# gemm = …` header line and its
    /// `# resumed = …` lines, in order and without repeats; empty for runs from before the record.
    public let gemmKernels: [String]
    /// Whether the run has finished (it has a summary.json).
    public internal(set) var finished: Bool
    /// The last step any of the run's logs may hold: the steps its config trains (``stepsTrained``
    /// once finished); nil for a config that does not say.
    public internal(set) var lastStep: Int?
    /// The toolkit commit that started the run, from config.toml's `# commit = …` line (nil for a
    /// config without it).
    public let commit: String?
    /// The environment steps the run trains between updates (`num_envs`, or `num_envs × rollout_length`):
    /// it trains whole batches, so `total_steps` = N trains to the first multiple of this at or past N.
    public let batchSteps: Int

    public init(directory: String) throws {
        self.directory = directory
        if !FileManager.default.fileExists(atPath: directory + "/config.toml"), FileManager.default.fileExists(atPath: directory + "/episodes.csv") {
            throw TrainingError.io(Comparison.orphanMessage(directory))
        }
        // Keys added since the run read as what it ran with (so a run from before a key never differs
        // from a newer one run the same way); keys since retired are left out (so they split nothing).
        let config = AlgorithmRegistry.completing(try Settings(contentsOf: directory + "/config.toml"), droppingRetired: true)
        var kernels = [String]()
        let configText = (try? String(contentsOfFile: directory + "/config.toml", encoding: .utf8)) ?? ""
        let header = configText.split(separator: "\n")
        for line in header
        where line.hasPrefix("# gemm = ") || line.hasPrefix("# resumed = ") {
            guard let r = line.range(of: "gemm = ") else { continue }
            let k = String(line[r.upperBound...])
            if kernels.last != k { kernels.append(k) }
        }
        gemmKernels = kernels
        commit = header.first { $0.hasPrefix("# commit = ") }.map { String($0.dropFirst("# commit = ".count)) }
        settings = config
        let (algo, coupling, env) = try Self.checkedNames(config, directory: directory)
        group = "\(algo)-\(coupling)"
        pair = group
        self.env = env
        // The scores and windows are fractions of total_steps: a value `train` would refuse is damage.
        let total: Int?
        do { total = try config.int("total_steps") } catch {
            throw TrainingError.io("\(directory)/config.toml: \(error): it is not a config written by `stackelberg train` (restore it, or leave the run out)")
        }
        guard let total, total >= 1 else {
            throw TrainingError.io("\(directory)/config.toml " + (total == nil ? "does not say the run's total_steps" : "has total_steps = \(total!)")
                + ", which `stackelberg train` never writes: restore it, or leave the run out")
        }
        totalSteps = total
        seed = RunConfigHeader(text: configText).seed(directory: directory) ?? -1
        let (finished, trained, planned) = try Self.trainedSteps(directory: directory, config: config)
        self.finished = finished
        batchSteps = planned?.batch ?? 1
        let lastStep = trained ?? planned?.steps
        self.lastStep = lastStep
        // Steps are whole numbers and returns numbers (an infinite or nan return is damage: no episode
        // returns one, and it would move every mean and threshold it enters); the other cells
        // (eval.csv's list of returns) are not read.
        func rows(_ file: String, value: Int, named: String) throws -> [(step: Int, value: Double)] {
            // Evaluations come one per step: a repeated row would count one evaluation twice.
            let (header, rows) = try readLogRows(directory: directory, file: file, finished: finished, maxStep: lastStep,
                                                 distinctSteps: file == "eval.csv") { f throws(UnreadableCell) in
                guard let step = Int(f[0]) else { throw UnreadableCell(column: 0, expected: "a whole number of steps") }
                let x = try logNumber(f, value)
                guard x.isFinite else { throw UnreadableCell(column: value, expected: "a finite return") }
                return (step: step, value: x)
            }
            // The column is read by place: a header that names another there is not the runner's.
            guard header.isEmpty || (header.count > value && header[value] == named) else {
                throw TrainingError.io("\(directory)/\(storedLogName(directory: directory, file: file)) has \(header.count > value ? "\(header[value])" : "no column") where the runner writes \(named) (column \(value + 1)): the log is damaged; restore it, or leave the run out")
            }
            // A finished run wrote its header and at least its final evaluation.
            if finished, header.isEmpty {
                throw TrainingError.io("\(directory)/\(storedLogName(directory: directory, file: file)) is empty, but the run has finished (summary.json): the log is damaged; restore it, or leave the run out")
            }
            return rows
        }
        episodes = try rows("episodes.csv", value: 2, named: "return")
        evaluations = try rows("eval.csv", value: 1, named: "mean_return")
        // An unfinished run has trained to its last update row, past its last finished episode (windows
        // counts the same way; the episode's step read 1,278,648 where the run had reached 1,280,000).
        if let trained { stepsTrained = trained } else {
            let updates = (try? readLogRows(directory: directory, file: "updates.csv", finished: false, maxStep: lastStep) { f throws(UnreadableCell) in
                guard let step = Int(f[0]) else { throw UnreadableCell(column: 0, expected: "a whole number of steps") }
                return step
            })?.1.last
            stepsTrained = Swift.max(updates ?? 0, episodes.last?.step ?? 0, evaluations.last?.step ?? 0)
        }
    }

    /// Whether the run in `directory` has finished (it has a summary.json), the steps its summary says
    /// it trained, and the steps `config` trains (nil where it does not say): together they bound every
    /// step the logs may hold. The steps the config trains are what a finished run's summary records,
    /// so a config edited since, or a damaged summary, would move every score: both are refused.
    /// - Throws: `TrainingError.io` naming summary.json when it does not read as a JSON object, holds
    ///   an `env_steps` that is not a number of steps, or one other than the config's.
    static func trainedSteps(directory: String, config: Settings) throws -> (finished: Bool, trained: Int?, planned: (steps: Int, batch: Int)?) {
        let finished = FileManager.default.fileExists(atPath: directory + "/summary.json")
        let planned = try AlgorithmRegistry.stepsTrained(config)
        guard finished else { return (false, nil, planned) }
        let summary = FileManager.default.contents(atPath: directory + "/summary.json")
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        guard let summary else {
            throw TrainingError.io("\(directory)/summary.json does not read as a JSON object: it is damaged; restore it, or leave the run out")
        }
        // The summary names the environment it trained on; a config saying another was edited since.
        if let trainedOn = summary["env"] as? String, let configured = (try? config.string("env")) ?? nil,
           ((try? EnvironmentRegistry.entry(trainedOn))?.name ?? trainedOn) != ((try? EnvironmentRegistry.entry(configured))?.name ?? configured) {
            throw TrainingError.io("\(directory)/summary.json says the run trained on \(trainedOn), where config.toml says env = \"\(configured)\": one of the two was changed after the run; restore it, or leave the run out")
        }
        guard let value = summary["env_steps"] else { return (true, nil, planned) }
        guard let steps = value as? Int, steps >= 0 else {
            throw TrainingError.io("\(directory)/summary.json has env_steps \(value), not a number of steps: it is damaged; restore it, or leave the run out")
        }
        if let planned, steps != planned.steps {
            let total = (try? config.int("total_steps")).flatMap { $0 }.map(String.init) ?? "?"
            throw TrainingError.io("\(directory)/summary.json has env_steps \(steps), where config.toml's total_steps = \(total) trains \(planned.steps) (whole batches of \(planned.batch)): one of the two was changed after the run; restore it, or leave the run out")
        }
        return (true, steps, planned)
    }

    /// The paper's score: the mean training-episode return over the last 10% of training.
    public var finalTrainingScore: Double {
        let from = Double(totalSteps) * 0.9
        let last = episodes.filter { Double($0.step) > from }.map(\.value)
        return last.isEmpty ? .nan : last.reduce(0, +) / Double(last.count)
    }

    public var finalEvaluation: Double { evaluations.last?.value ?? .nan }

    /// The end of the batch that reaches environment step `steps` (runs train whole batches of
    /// ``batchSteps``): where a run of `total_steps = steps` stops.
    public func batchEnd(reaching steps: Int) -> Int { AlgorithmRegistry.wholeBatches(steps, of: batchSteps) }

    /// The run's first `steps` environment steps: its logs cut at ``batchEnd(reaching:)``, so that its
    /// score is the mean return of the episodes that ended after 0.9·`steps` and by that batch's end
    /// (the window a run of `total_steps = steps` is scored on), and its greedy score the last
    /// evaluation made by then. A finished run cut at its own `total_steps` is itself. (It is not the
    /// run `total_steps = steps` would have trained: a learning rate annealed over the run's length,
    /// and its final evaluation, differ.) Nil where the run has not trained through that batch: a
    /// finished one shorter, or an unfinished one that has logged nothing past the batch's end (a run
    /// stopped inside the evaluation due there has logged the batch but not the evaluation yet; past
    /// it, its logs to the batch's end are final).
    public func cut(at steps: Int) -> SeedLog? {
        guard steps >= 1 else { return nil }
        let end = batchEnd(reaching: steps)
        guard finished ? stepsTrained >= end : stepsTrained > end else { return nil }
        var run = self
        run.totalSteps = steps
        run.stepsTrained = end
        run.lastStep = end
        run.episodes = episodes.filter { $0.step <= end }
        run.evaluations = evaluations.filter { $0.step <= end }
        run.finished = true
        return run
    }

    /// At each of `steps` (ascending), the mean return of the last `window` training episodes
    /// finished by then (nan before the first, and, for a run not finished, past the last step it has
    /// logged: held there, its last value read as a plateau out to the full budget).
    public func curve(at steps: [Int], window: Int = 50) -> [Double] {
        var out = [Double](), k = 0, recent = [Double]()
        let reach = finished ? Int.max : Swift.max(episodes.last?.step ?? 0, evaluations.last?.step ?? 0)
        for upTo in steps {
            if upTo > reach { out.append(.nan); continue }
            while k < episodes.count, episodes[k].step <= upTo {
                recent.append(episodes[k].value)
                if recent.count > window { recent.removeFirst() }
                k += 1
            }
            out.append(recent.isEmpty ? .nan : recent.reduce(0, +) / Double(recent.count))
        }
        return out
    }
}

/// Aggregate statistics across seeds, as the SCORER paper reports them (after Agarwal et al. 2021).
public enum RobustStatistics {
    /// The interquartile mean: the mean after cutting ⌊n/4⌋ values from each end (scipy's
    /// `trim_mean(x, 0.25)`).
    public static func iqm(_ x: [Double]) -> Double {
        let v = x.filter { !$0.isNaN }.sorted()
        guard !v.isEmpty else { return .nan }
        let cut = v.count / 4
        let mid = v[cut..<(v.count - cut)]
        return mid.reduce(0, +) / Double(mid.count)
    }

    /// P(X > Y) + ½ P(X = Y) over all pairs of runs.
    /// Seeds without a score (nan) take no part; with none left on a side, nan.
    public static func probabilityOfImprovement(_ x: [Double], over y: [Double]) -> Double {
        let x = x.filter { !$0.isNaN }, y = y.filter { !$0.isNaN }
        guard !x.isEmpty, !y.isEmpty else { return .nan }
        var s = 0.0
        for a in x { for b in y { s += a > b ? 1 : (a == b ? 0.5 : 0) } }
        return s / Double(x.count * y.count)
    }

    /// The 2.5% and 97.5% percentiles of `statistic` over `resamples` bootstrap resamples of the
    /// runs (with replacement), from a fixed seed so reports are reproducible.
    public static func percentileInterval(_ samples: [[Double]], resamples: Int = 2_000, seed: UInt64 = 0,
                                          _ statistic: ([[Double]]) -> Double) -> (low: Double, high: Double) {
        var rng = SeededGenerator(seed: seed)
        var stats = [Double]()
        stats.reserveCapacity(resamples)
        for _ in 0..<resamples {
            let drawn = samples.map { s in s.isEmpty ? s : (0..<s.count).map { _ in s[Int(rng.next() % UInt64(s.count))] } }
            let v = statistic(drawn)
            if !v.isNaN { stats.append(v) }
        }
        guard !stats.isEmpty else { return (.nan, .nan) }
        stats.sort()
        return (quantile(sorted: stats, 0.025), quantile(sorted: stats, 0.975))
    }

    /// The q-quantile of ascending `sorted` with linear interpolation between order statistics
    /// (NumPy's default); nan for no values. Interpolating towards an infinity gives that infinity
    /// (NumPy gives nan from −inf to +inf).
    public static func quantile(sorted s: [Double], _ q: Double) -> Double {
        guard !s.isEmpty else { return .nan }
        let h = q * Double(s.count - 1)
        let i = Int(h.rounded(.down)), frac = h - Double(i)
        guard i + 1 < s.count, frac > 0, s[i + 1] != s[i] else { return s[i] }
        if s[i] == -.infinity { return s[i] }
        if s[i + 1] == .infinity { return s[i + 1] }
        return s[i] + frac * (s[i + 1] - s[i])
    }
}

/// `stackelberg compare`: per group (algorithm-coupling) the IQM of the seeds' scores with 95%
/// bootstrap intervals, the probability of improvement between groups, steps to a threshold,
/// and learning curves with interval bands.
public struct Comparison {
    public let runs: [SeedLog]
    public let groups: [String]
    public let curvePoints: Int
    /// Run directories left out because they hold no finished training episode (a run that failed
    /// at its start, or one too short to end an episode): named in the report, never scored as 0.
    public let empty: [String]
    /// Run directories left out because they have not finished (no summary.json): a mid-run
    /// evaluation is not a final one. Named in the report; `includeUnfinished` pools them.
    public let unfinished: [String]
    /// `compare --at`: the step every run is scored at (each cut there by ``SeedLog/cut(at:)``); nil:
    /// each run as it trained.
    public let steps: Int?
    /// `compare --at`: the runs left out because they have not trained through the batch that reaches
    /// ``steps`` (``SeedLog/cut(at:)``).
    public let shortOfSteps: [ShortRun]

    /// A run `compare --at` leaves out: the steps it has trained (logged, if unfinished), whether it
    /// has finished, and the end of the batch that reaches the step, which it must train through.
    public struct ShortRun: Sendable {
        public let directory: String
        public let stepsTrained: Int
        public let finished: Bool
        public let batchEnd: Int
    }

    /// Run settings that change no training result (logging and checkpoint cadence): they never
    /// tell groups apart.
    static let bookkeepingKeys: Set<String> = ["checkpoint_interval", "log_interval", "tensorboard"]

    /// Reads every run directory under `paths` (a seed directory, or any directory above some).
    /// Runs of one algorithm-coupling pair whose settings differ are told apart: each group is named
    /// by the pair and the settings whose values differ within it (e.g. `ac-individual
    /// [individual.unroll=80]`), so seeds are pooled only with runs of the same settings. Options
    /// of other couplings (`stackelberg.*` under `individual`) do not count: they change nothing.
    /// `labels` (run directory → group name, e.g. a sweep's variant) names those runs' groups
    /// instead of the settings that differ.
    /// `keysByPair` (pair → settings) names groups by those settings' values instead of the ones
    /// that differ here: a sweep over several environments passes the union over them, so a pair
    /// with the same settings has the same name in every environment.
    /// `steps` (`compare --at`) compares each run's first `steps` steps, finished or not (a common
    /// budget: the first 2M steps of runs still training, or the 1M-step mark of 5M-step runs), each
    /// cut by ``SeedLog/cut(at:)``; runs it cannot cut yet are left out and named (``shortOfSteps``).
    /// - Throws: `TrainingError.noneAtSteps` where no run has trained through the batch that reaches
    ///   `steps`; `TrainingError.noEpisodeByStep` where none has an episode that ended by then.
    public init(paths: [String], curvePoints: Int = 100, includeUnfinished: Bool = false, at steps: Int? = nil,
                labels: [String: String] = [:], keysByPair: [String: [String]]? = nil) throws {
        let read = try Self.runDirectories(paths).map { try SeedLog(directory: $0) }
        var all = read, short = [ShortRun]()
        if let steps {
            let cuts = read.map { $0.cut(at: steps) }
            all = cuts.compactMap { $0 }
            short = zip(read, cuts).filter { $0.1 == nil }.map { r, _ in
                ShortRun(directory: r.directory, stepsTrained: r.stepsTrained, finished: r.finished, batchEnd: r.batchEnd(reaching: steps))
            }
        }
        let empty = all.filter { $0.episodes.isEmpty }.map(\.directory)
        let notDone = all.filter { !$0.episodes.isEmpty && !$0.finished }.map(\.directory)
        let leftOut = Set(includeUnfinished ? [] : notDone)
        let unfinished = includeUnfinished ? [] : notDone
        let runs = all.filter { !$0.episodes.isEmpty && !leftOut.contains($0.directory) }
        guard !runs.isEmpty else {
            if !read.isEmpty, read.allSatisfy({ TrainingRun.divergedReason(in: $0.directory) != nil }) {
                throw TrainingError.allDiverged(read.map(\.directory))
            }
            if let steps, all.isEmpty, let furthest = read.map(\.stepsTrained).max() {
                throw TrainingError.noneAtSteps(paths, steps: steps, furthest: furthest)
            }
            if let steps { throw TrainingError.noEpisodeByStep(paths, steps: steps) }
            throw TrainingError.noComparableRun(paths, unfinishedLeftOut: !leftOut.isEmpty)
        }
        let envs = Set(runs.map(\.env))
        guard envs.count == 1 else {
            throw TrainingError.io("the runs are on different environments (\(envs.sorted().joined(separator: ", "))); compare one environment at a time")
        }
        self.init(runs: runs, empty: empty, unfinished: unfinished, curvePoints: curvePoints, labels: labels,
                  keysByPair: keysByPair ?? Self.differingKeys(runs), at: steps, shortOfSteps: short)
        if let why = Self.labelPoolingDifferentSettings(self.runs, labels: labels) { throw TrainingError.io(why) }
    }

    /// Where `labels` (a sweep's manifest) names runs whose settings differ as one group, what differs:
    /// their seeds would be pooled as one variant's. A manifest `sweep run` wrote cannot do this (one
    /// variant is one set of settings); an edited or foreign one can. Settings that change no result
    /// (bookkeeping, keys the run does not read) do not count.
    static func labelPoolingDifferentSettings(_ runs: [SeedLog], labels: [String: String]) -> String? {
        let labelled = runs.filter { labels[URL(fileURLWithPath: $0.directory).standardizedFileURL.path] != nil }
        var seen = Set<String>()
        for group in labelled.map(\.group) where seen.insert(group).inserted {
            let members = labelled.filter { $0.group == group }
            // The rule that names groups by the settings that differ (`differingKeys`); it compares runs of
            // one pair, so runs of two pairs under one label differ in their algorithm or coupling.
            let pairs = Set(members.map(\.pair))
            let keys = pairs.count > 1 ? ["algo", "coupling"] : Self.differingKeys(members)[members[0].pair] ?? []
            let other = members[0]
            guard let run = members.first(where: { m in keys.contains { m.settings[$0] != other.settings[$0] } }) else { continue }
            let differing = keys.filter { run.settings[$0] != other.settings[$0] }
            let shown = differing.prefix(3).map { k in
                "\(k) = \(other.settings[k]?.description ?? "unset") and \(run.settings[k]?.description ?? "unset")"
            }.joined(separator: "; ")
            return "the sweep's manifest (sweep.json) names \(other.directory) and \(run.directory) as one variant, \"\(group)\", "
                + "but their settings differ (\(shown)\(differing.count > 3 ? "; …" : "")): compare would pool their seeds; "
                + SweepComparison.rewriteAdvice
        }
        return nil
    }

    /// Groups read runs (of one environment): each run's group is its pair and the values of
    /// `keysByPair[pair]` that the run reads, or its `labels` entry; groups are ordered by pair (first appearance),
    /// then, where those values are all numbers, by them as numbers (α = 0, 0.3, 0.7, 1, where the
    /// directories' names sort "0.3" before "0"), else in the order the runs were given.
    init(runs: [SeedLog], empty: [String], unfinished: [String], curvePoints: Int, labels: [String: String],
         keysByPair: [String: [String]], at steps: Int? = nil, shortOfSteps: [ShortRun] = []) {
        var runs = runs
        var values = [[String]](repeating: [], count: runs.count)
        for i in runs.indices {
            let keys = keysByPair[runs[i].pair] ?? []
            // A key this run does not read (CG's budget in a Neumann run) names nothing about it.
            let unread = Set(AlgorithmRegistry.keysWithoutEffect(in: runs[i].settings).keys)
            values[i] = keys.map { unread.contains($0) ? "—" : runs[i].settings[$0]?.description ?? "—" }
            runs[i].group = Self.groupName(pair: runs[i].pair, keys: keys, settings: runs[i].settings)
            if let label = labels[URL(fileURLWithPath: runs[i].directory).standardizedFileURL.path] { runs[i].group = label }
        }
        var pairs = [String]()
        for r in runs where !pairs.contains(r.pair) { pairs.append(r.pair) }
        // A pair whose naming settings are all numbers (a sweep's α, λ) is ordered by them; any other
        // keeps the order its runs were given in (the paths' order, then the directories' names).
        let numeric = Set(pairs.filter { pair in runs.indices.allSatisfy { runs[$0].pair != pair || values[$0].allSatisfy { Double($0) != nil } } })
        let order = runs.indices.sorted { a, b in
            let pa = pairs.firstIndex(of: runs[a].pair)!, pb = pairs.firstIndex(of: runs[b].pair)!
            if pa != pb { return pa < pb }
            if numeric.contains(runs[a].pair) {
                for (x, y) in zip(values[a], values[b]) where x != y { return Double(x)! < Double(y)! }
            }
            return a < b
        }
        var seen = [String]()
        for i in order where !seen.contains(runs[i].group) { seen.append(runs[i].group) }
        self.runs = runs
        self.groups = seen
        self.empty = empty
        self.unfinished = unfinished
        self.curvePoints = curvePoints
        self.steps = steps
        self.shortOfSteps = shortOfSteps
    }

    /// Per algorithm-coupling pair among `runs`, the settings whose values differ between its runs,
    /// sorted (settings come in hash order, which changes from process to process, and a group's
    /// name must be the same on every run). Options of couplings a pair does not use change nothing
    /// and never count, nor do a solver's options where no run uses that solver, nor logging and
    /// checkpoint cadences.
    static func differingKeys(_ runs: [SeedLog]) -> [String: [String]] {
        var out = [String: [String]]()
        for pair in Set(runs.map(\.pair)) {
            let differing = differingKeys(settings: runs.filter { $0.pair == pair }.map(\.settings))
            if !differing.isEmpty { out[pair] = differing }
        }
        return out
    }

    /// A group's name: the pair, and the values of `keys` that a run with `settings` reads
    /// (`ac-individual [individual.unroll=80]`); a key the run does not read (CG's budget in a Neumann
    /// run) names nothing about it. `compare` and `diagnose` name their groups so.
    static func groupName(pair: String, keys: [String], settings: Settings) -> String {
        let unread = Set(AlgorithmRegistry.keysWithoutEffect(in: settings).keys)
        let named = keys.filter { !unread.contains($0) }.map { "\($0)=\(settings[$0]?.description ?? "—")" }
        return named.isEmpty ? pair : pair + " [" + named.joined(separator: " ") + "]"
    }

    /// The settings whose values differ among runs of one pair, sorted: a key counts unless no run reads
    /// it (a solver's keys count among runs of that solver), and logging and checkpoint cadences never do.
    /// `compare` and `diagnose` split groups by them.
    static func differingKeys(settings members: [Settings]) -> [String] {
        guard let first = members.first else { return [] }
        let inert = members.dropFirst().reduce(Set(AlgorithmRegistry.keysWithoutEffect(in: first).keys)) {
            $0.intersection(AlgorithmRegistry.keysWithoutEffect(in: $1).keys)
        }
        let keys = Set(members.flatMap(\.keys)).filter { !inert.contains($0) && !Self.bookkeepingKeys.contains($0) }
        return keys.filter { k in Set(members.map { $0[k]?.description ?? "—" }).count > 1 }.sorted()
    }

    public var env: String { runs[0].env }

    /// The seed directories (those holding a config.toml) given or found under `paths`, each once:
    /// a directory given twice, or inside another one given, is one run. Errors name a path that is
    /// not a directory, or paths holding no run.
    public static func runDirectories(_ paths: [String], keepingOrphans: Bool = false) throws -> [String] {
        var dirs = [String]()
        let fm = FileManager.default
        for p in paths {
            guard !p.isEmpty else {
                throw TrainingError.io("a run path is empty (an unset shell variable?); give run directories written by `stackelberg train`")
            }
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue else {
                throw TrainingError.io("\(p) is not a directory; give run directories written by `stackelberg train`")
            }
            // `runs/` and `runs` name the same runs (`runs//env/…` read oddly in every message).
            var p = p
            while p.count > 1, p.hasSuffix("/") { p.removeLast() }
            if fm.fileExists(atPath: p + "/config.toml") { dirs.append(p); continue }
            let files = filesBelow(p)
            func holding(_ file: String) -> [String] {
                files.filter { ($0 as NSString).lastPathComponent == file }.map {
                    let d = parentPath(of: $0)
                    return d.isEmpty ? p : p + "/" + d
                }
            }
            let found = holding("config.toml")
            // A run directory that lost its config.toml still holds its logs: passing over it would
            // drop a seed from every statistic without a word.
            // With `keepingOrphans` (a command that reports run by run) such a directory is returned
            // with the others, and reading it says what it lacks.
            let logs = Set(holding("episodes.csv"))
            let orphans = logs.subtracting(found).sorted()
            if let orphan = orphans.first, !keepingOrphans {
                throw TrainingError.io(orphanMessage(orphan))
            }
            guard !found.isEmpty || paths.count == 1 else {
                throw TrainingError.io("\(p) holds no run (no config.toml in it or below it); give run directories written by `stackelberg train`")
            }
            dirs += (found + (keepingOrphans ? orphans : [])).sorted()
        }
        guard !dirs.isEmpty else { throw TrainingError.noRunDirectories(paths) }
        var seenPaths = Set<String>()
        return dirs.filter { seenPaths.insert(URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path).inserted }
    }

    /// The files under `root`, as paths relative to it, following links to directories (train writes
    /// through a linked output root, environment or seed directory, so compare reads through them), each
    /// directory once (a link back up the tree is not followed round).
    static func filesBelow(_ root: String) -> [String] {
        var files = [String](), seen = Set<[UInt64]>()
        func walk(_ relative: String) {
            let path = relative.isEmpty ? root : root + "/" + relative
            var st = stat()
            guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR,
                  seen.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted,
                  let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
            for name in names.sorted() {
                let child = relative.isEmpty ? name : relative + "/" + name
                var cs = stat()
                guard stat(root + "/" + child, &cs) == 0 else { continue }
                if cs.st_mode & S_IFMT == S_IFDIR { walk(child) } else { files.append(child) }
            }
        }
        walk("")
        return files
    }

    /// What a run directory that holds logs but no config.toml is told.
    static func orphanMessage(_ directory: String) -> String {
        "\(directory) holds a run's logs but no config.toml, which says its algorithm, settings and seed: restore it, or leave the run out (give the other run directories)"
    }

    public func runs(of group: String) -> [SeedLog] { runs.filter { $0.group == group } }

    public func scores(_ group: String) -> [Double] { runs(of: group).map(\.finalTrainingScore) }
    public func evaluations(_ group: String) -> [Double] { runs(of: group).map(\.finalEvaluation) }

    /// Per seed, the first step at which its 50-episode rolling mean reaches `threshold` (nil: never).
    public func stepsTo(_ threshold: Double, _ group: String) -> [Int?] {
        runs(of: group).map { r in
            var recent = [Double]()
            for e in r.episodes {
                recent.append(e.value)
                if recent.count > 50 { recent.removeFirst() }
                if recent.count == 50, recent.reduce(0, +) / 50 >= threshold { return e.step }
            }
            return nil
        }
    }

    /// The IQM curve across seeds and its 95% bootstrap band, one point per 1/curvePoints of training.
    public func curve(_ group: String) -> [(step: Double, iqm: Double, low: Double, high: Double)] {
        let rs = runs(of: group)
        // Up to the last step any seed trained (past total_steps when steps come in whole batches).
        let end = Double(rs.map { Swift.max($0.totalSteps, $0.stepsTrained) }.max() ?? 0)
        let grid = (1...curvePoints).map { Int(end * Double($0) / Double(curvePoints)) }
        let curves = rs.map { $0.curve(at: grid) }
        return (0..<curvePoints).map { p in
            let values = curves.map { $0[p] }.filter { !$0.isNaN }
            let ci = RobustStatistics.percentileInterval([values], resamples: 2_000, seed: UInt64(p)) { RobustStatistics.iqm($0[0]) }
            return (Double(grid[p]), RobustStatistics.iqm(values), ci.low, ci.high)
        }
    }

    private func f(_ x: Double) -> String { x.isNaN ? "–" : String(format: "%.2f", x) }

    /// What the report's score and greedy columns are, at `steps` (`compare --at`) or at each run's end.
    static func scoreRule(at steps: Int?) -> String {
        guard let steps else {
            return "Score: a seed's mean training-episode return over the last 10% of training; IQM across seeds with a 95% percentile-bootstrap interval (2,000 resamples). Greedy: the final greedy evaluation."
        }
        return "Each run's first \(steps) environment steps (--at), finished or not: its logs cut at the end of the batch that reaches step \(steps) (the steps trained below). Score: a seed's mean return over the training episodes that ended after step 0.9 × \(steps) and by that cut, the window a run of total_steps = \(steps) is scored on; IQM across seeds with a 95% percentile-bootstrap interval (2,000 resamples). Greedy: the last greedy evaluation made by the cut (its step after each seed's score below)."
    }

    /// The Markdown report.
    public func markdown(threshold: Double?) -> String {
        // Each group's seed scores once; the improvement table pairs every group with every other.
        let score = Dictionary(uniqueKeysWithValues: groups.map { ($0, scores($0)) })
        var s = "## \(env)\n\n"
        // A run train stopped on a non-finite value (its diverged.txt) is said to have diverged, not to be
        // unfinished: it will not finish with these settings.
        let divergedRuns = (empty + unfinished + shortOfSteps.map(\.directory)).compactMap { d in TrainingRun.divergedReason(in: d).map { (d, $0) } }
        let isDiverged = Set(divergedRuns.map(\.0))
        if !divergedRuns.isEmpty {
            s += "Left out (diverged: train stopped \(divergedRuns.count == 1 ? "it" : "them") on a non-finite value; the reason is in each one's \(TrainingRun.divergedFile)): "
                + divergedRuns.map { "\($0.0) (\($0.1))" }.joined(separator: ", ") + "\n\n"
        }
        let emptyLeft = empty.filter { !isDiverged.contains($0) }, unfinishedLeft = unfinished.filter { !isDiverged.contains($0) }
        if !emptyLeft.isEmpty {
            s += "Left out (no finished training episode\(steps.map { " by step \($0)" } ?? "")): " + emptyLeft.joined(separator: ", ") + "\n\n"
        }
        if !unfinishedLeft.isEmpty {
            s += "Left out (not finished: no summary.json; --include-unfinished pools them): " + unfinishedLeft.joined(separator: ", ") + "\n\n"
        }
        let shortLeft = shortOfSteps.filter { !isDiverged.contains($0.directory) }
        if let steps, !shortLeft.isEmpty {
            s += "Left out (not trained through the batch that reaches step \(steps)): " + shortLeft.map {
                $0.finished ? "\($0.directory) (finished at \($0.stepsTrained); its batch would end at \($0.batchEnd))"
                    : "\($0.directory) (not finished; logged to \($0.stepsTrained), counts once it has logged past \($0.batchEnd))"
            }.joined(separator: ", ") + "\n\n"
        }
        // Copies of one seed (the same run trained twice, or copied between output roots) are not
        // independent draws: pooled, they inflate n and narrow every interval.
        for g in groups {
            let repeated = Dictionary(grouping: runs(of: g), by: \.seed).filter { $0.value.count > 1 }
            for seed in repeated.keys.sorted() {
                s += "Warning: seed \(seed) appears \(repeated[seed]!.count) times in \(g) (\(repeated[seed]!.map(\.directory).joined(separator: ", "))): copies of one seed are not independent, yet each counts in n and in the intervals; compare one copy of each seed.\n\n"
            }
        }
        if groups.contains(where: { score[$0]!.filter { !$0.isNaN }.count == 1 }) {
            s += "Groups with one seed have no spread: their intervals are a single point and a probability of improvement between single seeds is 0 or 1.\n\n"
        }
        // Seeds pool whatever their GEMM kernels (they differ by rounding), but a reader should know.
        let kernelSets = Dictionary(grouping: runs.filter { !$0.gemmKernels.isEmpty }, by: { $0.gemmKernels.joined(separator: " → ") })
        if kernelSets.count > 1 {
            s += "GEMM kernels differ between runs (seeds pool regardless: the kernels change rounding, not the algorithm): "
                + kernelSets.keys.sorted().map { "\($0): \(kernelSets[$0]!.count) run\(kernelSets[$0]!.count == 1 ? "" : "s")" }.joined(separator: "; ") + "\n\n"
        }
        s += Self.scoreRule(at: steps) + "\n\n"
        s += "| algorithm | seeds | steps trained | IQM score | 95% CI | IQM greedy | 95% CI |" + (threshold.map { " steps to \(String(format: "%.6g", $0)) (IQM of seeds reaching it) | seeds reaching it |" } ?? "") + "\n"
        s += "|---|---|---|---|---|---|---|" + (threshold == nil ? "" : "---|---|") + "\n"
        for g in groups {
            let sc = score[g]!, ev = evaluations(g)
            let ci = RobustStatistics.percentileInterval([sc]) { RobustStatistics.iqm($0[0]) }
            let ce = RobustStatistics.percentileInterval([ev]) { RobustStatistics.iqm($0[0]) }
            let steps = runs(of: g).map(\.stepsTrained).max() ?? 0
            let scored = sc.filter { !$0.isNaN }.count
            s += "| \(g) | \(scored == sc.count ? "\(sc.count)" : "\(scored) (of \(sc.count))") | \(steps) | \(f(RobustStatistics.iqm(sc))) | [\(f(ci.low)), \(f(ci.high))] | \(f(RobustStatistics.iqm(ev))) | [\(f(ce.low)), \(f(ce.high))] |"
            if let threshold {
                let reached = stepsTo(threshold, g).compactMap { $0 }
                s += " \(reached.isEmpty ? "never" : stepCount(RobustStatistics.iqm(reached.map(Double.init)))) | \(reached.count)/\(sc.count) |"
            }
            s += "\n"
        }
        // Each seed's own numbers: with the few seeds deep-RL runs have, an IQM and its interval hide
        // which seed carries a lead (SPRIG's Space Invaders mean rests on one of its two seeds).
        // Under --at the greedy evaluation is the last one made by the cut, which can be well before it: its step says which.
        s += "\nPer seed (seed: score (greedy\(steps == nil ? "" : " at its step"))):\n\n| algorithm | seeds |\n|---|---|\n"
        for g in groups {
            let seeds = runs(of: g).sorted { ($0.seed, $0.directory) < ($1.seed, $1.directory) }
            s += "| \(g) | " + seeds.map { r in
                let at = steps != nil ? r.evaluations.last.map { " at \($0.step)" } ?? "" : ""
                return "\(r.seed): \(f(r.finalTrainingScore)) (\(f(r.finalEvaluation))\(at))"
            }.joined(separator: ", ") + " |\n"
        }
        if groups.contains(where: { g in score[g]!.contains { $0.isNaN } }) {
            let window = steps.map { "in its window (after step 0.9 × \($0) and by the cut)" } ?? "in the last 10% of its total_steps yet (an unfinished run)"
            s += "\n–: a seed with no training episode \(window), or with a non-finite return there (nan in episodes.csv: the run diverged), has no score; with no evaluation \(steps == nil ? "yet" : "by the cut"), no greedy value. IQMs and probabilities of improvement use the seeds that have one.\n"
        }
        if threshold != nil {
            s += "\nSteps to the threshold: the first step at which a seed's mean over its last 50 training episodes reaches it (full windows only, where the curves also draw the first 49 episodes' partial means); the IQM is over the seeds that reach it.\n"
        }
        let unfinishedPooled = runs.filter { !$0.finished }.count
        let commits = Dictionary(grouping: runs, by: { $0.commit.map { String($0.prefix(10)) + ($0.hasSuffix("+dirty") ? "+dirty" : "") } ?? "unrecorded" })
        s += "\nRuns: \(runs.count) seed\(runs.count == 1 ? "" : "s") of \(env)\(unfinishedPooled > 0 ? " (\(unfinishedPooled) not finished, pooled by --include-unfinished)" : ""), trained at commit " + commits.keys.sorted().map { "\($0) (\(commits[$0]!.count))" }.joined(separator: ", ") + " (config.toml of each run states its seed, settings and command).\n"
        if groups.count > 1 {
            s += "\nProbability of improvement P(row > column) on the score, with a 95% bootstrap interval:\n\n"
            s += "| | " + groups.joined(separator: " | ") + " |\n|---|" + groups.map { _ in "---|" }.joined() + "\n"
            for a in groups {
                s += "| \(a) |"
                for b in groups {
                    if a == b { s += " – |"; continue }
                    let p = RobustStatistics.probabilityOfImprovement(score[a]!, over: score[b]!)
                    let ci = RobustStatistics.percentileInterval([score[a]!, score[b]!]) { RobustStatistics.probabilityOfImprovement($0[0], over: $0[1]) }
                    s += " \(f(p)) [\(f(ci.low)), \(f(ci.high))] |"
                }
                s += "\n"
            }
        }
        return s
    }

    /// Learning curves: IQM across seeds of the 50-episode rolling mean return, with 95% bands.
    public func curvesFigure(name: String = "curves", threshold: Double?) -> GnuplotFigure {
        // The key goes below the plot, one entry a line (inside, it covered the curves, and long group
        // names ran off the canvas's left edge): the canvas grows with the entries and the longest name.
        // Each group's key entry, with its seeds: those still training end where they have got to, said in the
        // key since the band narrows there.
        let titles = groups.map { g -> String in
            let seeds = runs(of: g), reach = seeds.filter { !$0.finished }.map(\.stepsTrained).sorted()
            let count = "\(seeds.count) seed\(seeds.count == 1 ? "" : "s")" + (reach.isEmpty ? ""
                : ", \(reach.count) unfinished at \(stepCount(Double(reach.first!)))" + (reach.count > 1 && reach.last! != reach.first! ? "–\(stepCount(Double(reach.last!)))" : ""))
            return "\(g) (\(count))"
        }
        let thresholdTitle = threshold.map { "threshold \(f($0))" }
        let longest = (titles + [thresholdTitle ?? ""]).map(\.count).max() ?? 0
        var fig = GnuplotFigure(name: name, width: Swift.max(900, 7 * longest + 120), height: 560 + 20 * (titles.count + (threshold == nil ? 0 : 1)))
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]
        var plots = [String]()
        for (i, (g, title)) in zip(groups, titles).enumerated() {
            let rows = curve(g).map { [$0.step, $0.iqm, $0.low, $0.high] as [Double]? }
            let idx = fig.data.addBlock(g, columns: ["env_step", "iqm", "ci_low", "ci_high"], rows: rows)
            let c = colors[i % colors.count]
            plots.append("datafile index \(idx) using 1:3:4 with filledcurves fc rgb '\(c)' fs transparent solid 0.12 noborder notitle")
            plots.append("datafile index \(idx) using 1:2 with lines lw 2 lc rgb '\(c)' title '\(title)'")
        }
        if let threshold, let thresholdTitle { plots.append("\(threshold) with lines dt 2 lc rgb '#555555' title '\(thresholdTitle)'") }
        fig.body = """
        set termoption noenhanced
        set title "\(env): training return (IQM over seeds of the 50-episode rolling mean, 95% bootstrap band)"
        set xlabel "environment steps"
        set ylabel "return"
        set grid
        set key below left Left reverse maxcols 1 samplen 2
        set format x "%.1s%c"
        set xrange [0:\(Swift.max(1, runs.map(\.stepsTrained).max() ?? 1))]
        plot \(plots.joined(separator: ", \\\n     "))
        """
        return fig
    }
}

/// Steps as the tables write them: millions from `millionsFrom` ("0.44M", "1.90M"; 100k in tables,
/// 1M on the progress line), thousands below ("33.5k"), whole steps below 10,000, so a short run's
/// threshold does not read "0.00M".
func stepCount(_ steps: Double, millionsFrom: Double = 1e5) -> String {
    steps >= millionsFrom ? String(format: "%.2fM", steps / 1e6) : steps >= 1e4 ? String(format: "%.1fk", steps / 1e3) : String(format: "%.0f", steps)
}

extension SeedLog {
    /// The run's algorithm, coupling and environment from its config.toml, refused where the toolkit does not
    /// have them, or the algorithm does not take the coupling: an edit or damage, which would make a group or a
    /// column of its own. Read alike by `compare`, `windows` and `diagnose`.
    static func checkedNames(_ config: Settings, directory: String) throws -> (algo: String, coupling: String, env: String) {
        let missing = ["algo", "coupling", "env"].filter { (try? config.string($0)) ?? nil == nil }
        guard missing.isEmpty else {
            throw TrainingError.io("\(directory)/config.toml does not say the run's \(missing.joined(separator: ", ")): it is not a config written by `stackelberg train` (restore it, or leave the run out)")
        }
        let algo = try config.string("algo")!, coupling = try config.string("coupling")!, env = try config.string("env")!
        guard AlgorithmRegistry.names.contains(algo) else {
            throw TrainingError.io("\(directory)/config.toml names the algorithm \"\(algo)\", which `stackelberg train` does not have (it has \(AlgorithmRegistry.names.joined(separator: ", "))): restore it, or leave the run out")
        }
        guard CouplingRegistry.names.contains(coupling) || CouplingRegistry.retiredNames.contains(coupling) else {
            throw TrainingError.io("\(directory)/config.toml names the coupling \"\(coupling)\", which `stackelberg train` does not have (it has \(CouplingRegistry.names.joined(separator: ", "))): restore it, or leave the run out")
        }
        if CouplingRegistry.names.contains(coupling), let takes = try? AlgorithmRegistry.entry(algo).couplings, !takes.contains(coupling) {
            throw TrainingError.io("\(directory)/config.toml names \(algo) with the coupling \(coupling), which \(algo) does not take (it takes \(takes.joined(separator: ", "))): restore it, or leave the run out")
        }
        guard (try? EnvironmentRegistry.entry(env)) != nil else {
            throw TrainingError.io("\(directory)/config.toml names the environment \"\(env)\", which `stackelberg env list` does not list: restore it, or leave the run out")
        }
        return (algo, coupling, env)
    }
}
