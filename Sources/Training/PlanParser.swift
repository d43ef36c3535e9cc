import Agents
import Environments
import Foundation
import TOMLKit

// A sweep plan's parsing and expansion: every problem found in one pass, each with its line.

struct PlanParser {
    let path: String
    let source: PlanSource
    let table: TOMLTable
    var errors: [SweepPlanError] = []

    init(path: String, source: PlanSource, table: TOMLTable) {
        self.path = path; self.source = source; self.table = table
    }

    /// Problems said once however many items they gather (runs, algorithm-coupling pairs, spellings), by a
    /// key naming the problem: where its error is and the items so far (``failGathering``).
    var gathered: [String: (index: Int, items: [String])] = [:]
    /// `[slurm] mem`, when given: the memory each run's task gets, which the runs' memory check judges
    /// against (the machine writing the plan is not the one that trains).
    var taskMemory: MemoryLimit?
    /// How the plan first wrote each listed name ("environments|cartpole" → "CartPole"), for `appendOnce`.
    var firstSpelling = [String: String]()

    mutating func fail(_ line: Int?, _ message: String) {
        let e = SweepPlanError(path: path, line: line, message: message)
        if !errors.contains(e) { errors.append(e) }
    }

    /// One problem said once, at `line`, however many items it holds: the first call appends its error, each
    /// later one with the same `key` adds `item` (once, where `distinct`) and rewrites that error's message
    /// from all the items (`message`). `first` are items known before the first call.
    mutating func failGathering(_ line: Int?, key: String, first: [String] = [], item: String, distinct: Bool = true,
                                _ message: ([String]) -> String) {
        var (index, items) = gathered[key] ?? (errors.count, first)
        if gathered[key] == nil {
            errors.append(SweepPlanError(path: path, line: line, message: ""))
        } else if distinct, items.contains(item) {
            return
        }
        items.append(item)
        gathered[key] = (index, items)
        errors[index] = SweepPlanError(path: path, line: errors[index].line, message: message(items))
    }

    /// A problem with one configuration's settings (`run` is VARIANT/ENV/ALGO-COUPLING, which every seed
    /// shares): said once, naming every configuration it holds for (the first three, and how many), not
    /// once per grid point.
    mutating func fail(_ line: Int?, run: String, _ message: String, unit: String = "configurations, every seed") {
        failGathering(line, key: "\(line ?? -1)|\(message)", item: run) { runs in
            guard runs.count > 1 else { return "\(runs[0]): \(message)" }
            let named = runs.prefix(3).joined(separator: ", ") + (runs.count > 3 ? ", …" : "")
            return "\(message) (in \(runs.count) \(unit): \(named))"
        }
    }

    /// An unknown key (`naming`: the key and the names it may mean) for one algorithm-coupling pair: said once
    /// at its line, naming every pair that does not take it (said once per pair before).
    mutating func failUnknown(_ line: Int?, _ naming: String, pair: String) {
        failGathering(line, key: "unknown|\(line ?? -1)|\(naming)", item: pair) { pairs in
            let listed = pairs.count == 1 ? pairs[0] : pairs.dropLast().joined(separator: ", ") + " and " + pairs.last!
            return "unknown setting \(naming) for \(listed): check its spelling against `stackelberg algo list`; a key that only some of the plan's algorithms take belongs in a separate plan"
        }
    }

    /// A table's keys in the order the file writes them (TOMLKit's are sorted).
    func orderedKeys(_ t: TOMLTable, prefix: String) -> [String] {
        var keys = [String]()
        for (k, _) in t { keys.append(k) }
        return keys.sorted { (source.line(of: prefix + $0) ?? Int.max, $0) < (source.line(of: prefix + $1) ?? Int.max, $1) }
    }

    /// A value as a refusal echoes it: a number as the settings write numbers (`5e13` was echoed as
    /// `50000000000000.0`), anything else as TOMLKit writes it.
    static func echo(_ v: TOMLValueConvertible) -> String {
        if let i = v.int { return String(i) }
        if let x = v.double { return Settings.format(x) }
        return "\(v)"
    }

    /// A scalar TOML value as a setting (strings, numbers, booleans) or an array of numbers.
    static func settingValue(_ v: TOMLValueConvertible) -> Settings.Value? {
        if let b = v.bool { return .bool(b) }
        if let i = v.int { return .number(Double(i)) }
        if let x = v.double { return x.isFinite ? .number(x) : nil }
        if let s = v.string { return .string(s) }
        if let a = v.array {
            var xs = [Double]()
            for e in a {
                if let i = e.int { xs.append(Double(i)) } else if let x = e.double, x.isFinite { xs.append(x) } else { return nil }
            }
            return .numbers(xs)
        }
        return nil
    }

    /// Whether `v` is a TOML nan or ±inf, or an array holding one: a number ``settingValue(_:)``
    /// refuses, said as such rather than as a value of the wrong type.
    static func isNonFinite(_ v: TOMLValueConvertible) -> Bool {
        if let x = v.double { return !x.isFinite }
        return (v.array ?? []).contains { $0.double.map { !$0.isFinite } ?? false }
    }

    /// A list of strings (`algorithms = ["dqn", "ddqn"]`, or one string).
    mutating func strings(_ key: String, required: Bool) -> [String]? {
        guard let v = table[key] else {
            if required { fail(nil, "`\(key)` is missing: add e.g. \(key) = [\(key == "environments" ? "\"cartpole\"" : "\"dqn\"")]") }
            return nil
        }
        if let s = v.string { return [s] }
        guard let a = v.array else { fail(source.line(of: key), "`\(key)` must be a list of names, e.g. \(key) = [\"…\"]"); return nil }
        var out = [String]()
        for e in a {
            guard let s = e.string else { fail(source.line(of: key), "`\(key)` must hold names in quotes, got \(e)"); return nil }
            // A name listed more than once is said by `appendOnce`, once whatever its spellings.
            out.append(s)
        }
        if out.isEmpty { fail(source.line(of: key), "`\(key)` is empty: list at least one") }
        return out
    }

    /// Appends `name` (the registry's spelling of `written`) to `names` unless it is there already: a name
    /// listed more than once, in one spelling or several ("cartpole", "CartPole"), is one problem, said once at
    /// its first repeat's line with every spelling as written (they were said as two runs sharing a
    /// directory, without a line; then a third listing was said again).
    mutating func appendOnce(_ name: String, written: String, to names: inout [String], key: String) {
        let k = "\(key)|\(name)"
        guard names.contains(name) else {
            firstSpelling[k] = written
            names.append(name)
            return
        }
        failGathering(source.line(ofValue: written, under: key), key: "listed|\(k)", first: [firstSpelling[k] ?? name],
                      item: written, distinct: false) { all in
            let times = all.count == 2 ? "twice" : "\(all.count) times"
            let quoted = all.map { "\"\($0)\"" }
            guard Set(all).count > 1 else { return "`\(key)` lists \(quoted[0]) \(times): list each once" }
            return "`\(key)` lists \(name) \(times), as "
                + (all.count == 2 ? "\(quoted[0]) and as \(quoted[1])" : quoted.dropLast().joined(separator: ", ") + " and " + quoted.last!)
                + ": list each once"
        }
    }

    /// Flattens a table of settings into dotted keys.
    mutating func settingsTable(_ t: TOMLTable, prefix: String, linePrefix: String, skipping: Set<String> = []) -> [(key: String, value: Settings.Value)] {
        var out = [(key: String, value: Settings.Value)]()
        for k in orderedKeys(t, prefix: linePrefix) where !skipping.contains(k) {
            let v = t[k]!
            let full = prefix.isEmpty ? k : prefix + "." + k
            if let inner = v.table { out += settingsTable(inner, prefix: full, linePrefix: linePrefix + k + "."); continue }
            guard let value = PlanParser.settingValue(v) else {
                fail(source.line(of: linePrefix + k), PlanParser.isNonFinite(v)
                     ? "setting \(full) = \(v) is not a finite number: give a finite value"
                     : "setting \(full) must be a string, number, boolean or array of numbers, got \(v)")
                continue
            }
            out.append((full, value))
        }
        return out
    }

    mutating func parse() -> SweepPlan? {
        var topKeys = [String]()
        for (k, _) in table { topKeys.append(k) }
        for k in topKeys where !SweepPlan.topKeys.contains(k) {
            fail(source.line(of: k), "unknown key `\(k)`; a plan's keys are \(SweepPlan.topKeys.joined(separator: ", ")) (a run setting goes under [settings])")
        }
        let name = table["name"]?.string ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        // The name names files (OUT/slurm/NAME.sbatch) and the default output root: one path component.
        if name.isEmpty || name.contains("/") || name.allSatisfy({ $0 == "." }) || name.contains("\n") {
            fail(source.line(of: "name"), "`name = \"\(name)\"` must be one file name (no `/`, not `.` or `..`): it names OUT/slurm/NAME.sbatch and the default output root")
        }
        var out = "runs/sweeps/" + name
        if let v = table["out"] {
            if let s = v.string, !s.isEmpty { out = s } else { fail(source.line(of: "out"), "`out` must be a directory path in quotes, e.g. out = \"runs/sweeps/\(name)\"") }
        }
        while out.count > 1, out.hasSuffix("/") { out.removeLast() }
        // A line break in the root split the Slurm script's `#SBATCH --output=` line, and the rest ran
        // as a shell line; no directory worth a plan needs one.
        if let c = out.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            fail(source.line(of: "out"), "`out` holds a control character (U+\(String(format: "%04X", c.value)), a line break or the like), which would split the lines of the Slurm script and the run logs that name it: give a plain directory path")
        }
        // An output root under a file (or a link to nothing) cannot be created: said here, with the plan's other problems.
        let outObstacle = PathObstacle.first(on: out)
        if let o = outObstacle {
            fail(source.line(of: "out"), o.isWholePath ? "`out` = \(out) \(o.what): \(o.fix), or choose another output root"
                 : "`out` lies under \(o.path), which \(o.what): \(o.fix), or choose another output root")
        }

        // Names, each checked against its registry.
        // Algorithms and couplings in any case, written in the registry's spelling (which names the run
        // directories, as `train` writes them), as environments are.
        let givenAlgorithms = strings("algorithms", required: true) ?? []
        for a in givenAlgorithms where AlgorithmRegistry.spelling(of: a) == nil {
            fail(source.line(ofValue: a, under: "algorithms"), "unknown algorithm \"\(a)\"; known: \(AlgorithmRegistry.names.joined(separator: ", ")) (see `stackelberg algo list`)")
        }
        var algorithms = [String]()
        for a in givenAlgorithms { appendOnce(AlgorithmRegistry.spelling(of: a) ?? a, written: a, to: &algorithms, key: "algorithms") }
        let givenCouplings = strings("couplings", required: false)
        for c in givenCouplings ?? [] where CouplingRegistry.spelling(of: c) == nil {
            fail(source.line(ofValue: c, under: "couplings"), "unknown coupling \"\(c)\"; known: \(CouplingRegistry.names.joined(separator: ", "))")
        }
        var couplings: [String]? = givenCouplings == nil ? nil : []
        for c in givenCouplings ?? [] { appendOnce(CouplingRegistry.spelling(of: c) ?? c, written: c, to: &couplings!, key: "couplings") }
        // Each environment in the registry's spelling, and as the plan first writes it (for messages).
        var environments = [String](), envSpelling = [String: String](), unknownEnvironments = 0
        for e in strings("environments", required: true) ?? [] {
            do {
                let name = try EnvironmentRegistry.entry(e).name
                envSpelling[name] = envSpelling[name] ?? e
                appendOnce(name, written: e, to: &environments, key: "environments")
            } catch {
                fail(source.line(ofValue: e, under: "environments"), "\(error) (see `stackelberg env list`)")
                unknownEnvironments += 1
            }
        }

        // Seeds: a list of whole numbers, one number, or a string as --seeds takes it ("0..29", "0,3,7").
        var seeds = [UInt64]()
        if let v = table["seeds"] {
            let line = source.line(of: "seeds")
            if let s = v.string {
                do { seeds = try SeedList.parse(s) } catch { fail(line, "`seeds = \"\(s)\"`: \(error.reason)") }
            } else if let i = v.int {
                if i >= 0 { seeds = [UInt64(i)] } else { fail(line, "`seeds = \(i)`: a seed is a whole number ≥ 0") }
            } else if let x = v.double, x.isFinite, x >= 0, x == x.rounded() {
                // A count's number form (seeds = 1e3): said as --seeds says it.
                fail(line, "`seeds = \(source.writtenValue(of: "seeds") ?? "\(v)")`: " + (x > Double(SeedList.maximum) ? "a seed is at most \(SeedList.maximum) (2^63 − 1)"
                    : "write the seed in digits, as seeds = \(UInt64(x)) (a seed names a random stream; number forms such as 5e6 are for counts)"))
            } else if let arr = v.array {
                if arr.isEmpty { fail(line, "`seeds = []` names no seed: list at least one, e.g. [0, 1, 2]") }
                else if let (i, bad) = arr.enumerated().first(where: { ($0.element.int ?? -1) < 0 }) {
                    let whole = bad.double.map { $0.isFinite && $0 >= 0 && $0 == $0.rounded() } ?? false
                    fail(line, "`seeds`: entry \(i + 1) (\(bad)) is not a whole number ≥ 0\(whole ? " written in digits" : ""): write e.g. [0, 1, 2] or \"0..2\"")
                } else {
                    seeds = arr.map { UInt64($0.int!) }
                    if let r = SeedList.firstRepeat(seeds) { fail(line, "`seeds` repeats seed \(r): list each once") }
                }
            } else {
                fail(line, "`seeds` must be a list of whole numbers ≥ 0 ([0, 1, 2]), one number, or a string as --seeds takes it (\"0..29\", \"0,3,7\"); got \(v)")
            }
        } else { fail(nil, "`seeds` is missing: add e.g. seeds = \"0..4\"") }

        // Steps: one budget, or one per environment.
        var steps = [String: Int]()
        func budget(_ v: TOMLValueConvertible) -> Int? {
            let x = v.int.map(Double.init) ?? v.double
            // Whole steps, as `train --steps` takes them (1.5 used to become 2 silently).
            guard let x, x.isFinite, x >= 1, x <= 1e13, x == x.rounded() else { return nil }
            return Int(x.rounded())
        }
        if let v = table["steps"] {
            if let t = v.table {
                var given = Set<String>()
                for (k, sv) in t {
                    let env = (try? EnvironmentRegistry.entry(k).name) ?? k
                    guard environments.contains(env) else {
                        fail(source.line(of: "steps.\(k)") ?? source.line(of: "steps"), "`steps` names \"\(k)\", which is not in `environments` (\(environments.joined(separator: ", "))): give a budget per listed environment")
                        continue
                    }
                    given.insert(env)
                    guard let n = budget(sv) else { fail(source.line(of: "steps.\(k)") ?? source.line(of: "steps"), "steps for \(k) must be a whole number of environment steps from 1 to 1e13 (e.g. 5e6), got \(Self.echo(sv))"); continue }
                    steps[env] = n
                }
                // (A budget given but refused above is not also missing.)
                for e in environments where !given.contains(e) {
                    fail(source.line(of: "steps"), "`steps` has no budget for \(envSpelling[e] ?? e): add \"\(envSpelling[e] ?? e)\" = 1e6 (or one number for every environment)")
                }
            } else if let n = budget(v) {
                for e in environments { steps[e] = n }
            } else {
                fail(source.line(of: "steps"), "`steps` must be a whole number of environment steps from 1 to 1e13 (5e6), or a table per environment, got \(Self.echo(v))")
            }
        } else { fail(nil, "`steps` is missing: add the step budget per run, e.g. steps = 1e6") }

        // Settings for every run, and per environment.
        var common = [(key: String, value: Settings.Value)]()
        if let v = table["settings"] {
            if let t = v.table { common = settingsTable(t, prefix: "", linePrefix: "settings.") }
            else { fail(source.line(of: "settings"), "`settings` must be a table: write [settings] and one key = value a line") }
        }
        for (k, _) in common where ["algo", "coupling", "env", "total_steps"].contains(k) {
            fail(source.line(of: "settings.\(k)"), "\(k) is not a setting here: use the plan's `\(k == "total_steps" ? "steps" : k == "algo" ? "algorithms" : k == "env" ? "environments" : "couplings")`")
        }
        var perEnv = [String: [(key: String, value: Settings.Value)]]()
        var perEnvSpelling = [String: String]()   // registry name → the plan's table name, for errors
        if let v = table["environment_settings"] {
            if let t = v.table {
                for (k, sv) in t {
                    let env = (try? EnvironmentRegistry.entry(k).name) ?? k
                    guard environments.contains(env), let st = sv.table else {
                        fail(source.line(of: "environment_settings.\(k)") ?? source.line(of: "environment_settings"),
                             "[environment_settings.\"\(k)\"] must be a table for an environment in `environments` (\(environments.joined(separator: ", ")))")
                        continue
                    }
                    perEnv[env] = settingsTable(st, prefix: "", linePrefix: "environment_settings.\(k).")
                    perEnvSpelling[env] = k
                }
            } else { fail(source.line(of: "environment_settings"), "`environment_settings` must hold one table per environment: [environment_settings.\"minatar/freeway\"]") }
        }

        // The grid's axes.
        var axes = [SweepAxis]()
        if let v = table["grid"] {
            guard let t = v.table else { fail(source.line(of: "grid"), "`grid` must be a table of axes: [grid] then key = [values]"); return nil }
            for k in orderedKeys(t, prefix: "grid.") {
                if let axis = parseAxis(k, t[k]!) { axes.append(axis) }
            }
        }
        // Short labels: a setting axis is labelled by its key's last part unless two axes share it.
        let lasts = axes.map { $0.name.split(separator: ".").last.map(String.init) ?? $0.name }
        axes = axes.enumerated().map { i, a in
            let short = lasts.filter { $0 == lasts[i] }.count == 1 ? lasts[i] : a.name
            return SweepAxis(name: a.name, points: a.points.map { p in
                p.label.hasPrefix("\u{0}") ? .init(label: "\(short)=\(p.match)", match: p.match, settings: p.settings, line: p.line) : p
            }, line: a.line)
        }
        let setsCoupling = axes.filter { $0.points.contains { $0.settings.contains { $0.key == "coupling" } } }
        if couplings != nil, let a = setsCoupling.first {
            fail(a.line, "grid axis `\(a.name)` sets coupling and `couplings` lists them too: set the coupling in one place")
        }
        for a in axes { for p in a.points { for (k, _) in p.settings where ["algo", "env", "total_steps"].contains(k) {
            fail(p.line, "grid axis `\(a.name)`: \(k) cannot vary in the grid: use the plan's `\(k == "algo" ? "algorithms" : k == "env" ? "environments" : "steps")`")
        } } }
        // A setting the grid varies and a table also sets: the grid's value would replace the table's
        // in every run, so the table's line does nothing. Refused, as is one setting in two axes
        // (the later axis would win without a word).
        var gridKeys = [String: String]()   // setting → the first axis that sets it
        for a in axes {
            for k in Set(a.points.flatMap { $0.settings.map(\.key) }) where k != "coupling" {
                if let other = gridKeys[k], other != a.name {
                    fail(a.line, "`\(k)` is set by grid axes `\(other)` and `\(a.name)`: set it in one axis")
                }
                gridKeys[k] = gridKeys[k] ?? a.name
            }
        }
        for (k, _) in common where gridKeys[k] != nil {
            fail(source.line(of: "settings.\(k)") ?? source.line(of: "settings"),
                 "`\(k)` is set in [settings] and varied by grid axis `\(gridKeys[k]!)`: the grid's values replace it in every run; remove it from [settings]")
        }
        for (env, list) in perEnv.sorted(by: { $0.key < $1.key }) {
            for (k, _) in list where gridKeys[k] != nil {
                let spelled = perEnvSpelling[env] ?? env
                fail(source.line(of: "environment_settings.\(spelled).\(k)") ?? source.line(of: "environment_settings.\(spelled)"),
                     "`\(k)` is set in [environment_settings.\"\(spelled)\"] and varied by grid axis `\(gridKeys[k]!)`: the grid's values replace it in every run; remove one")
            }
        }

        let slurm = parseSlurm()
        taskMemory = slurm.mem.flatMap(MemoryLimit.init(slurmMem:))

        // The exclusions.
        struct Exclusion { let name: String; let fields: [(String, [String])]; let line: Int? }
        var exclusions = [Exclusion]()
        let fieldNames = ["algorithm", "coupling", "environment", "seed"] + axes.map(\.name)
        if let v = table["exclude"] {
            guard let arr = v.array else { fail(source.line(of: "exclude"), "`exclude` must be tables: write [[exclude]] with name = \"why\" and the values to leave out"); return nil }
            for (i, e) in arr.enumerated() {
                let at = source.line(of: "exclude[\(i)]")
                guard let t = e.table else { fail(at, "each [[exclude]] must be a table"); continue }
                guard let name = t["name"]?.string, !name.isEmpty else { fail(at, "[[exclude]] number \(i + 1) has no name: add name = \"why these runs are left out\""); continue }
                var fields = [(String, [String])]()
                for k in orderedKeys(t, prefix: "exclude[\(i)].") where k != "name" {
                    guard fieldNames.contains(k) else {
                        fail(source.line(of: "exclude[\(i)].\(k)") ?? at, "[[exclude]] \"\(name)\": unknown field `\(k)`; it can match \(fieldNames.joined(separator: ", "))")
                        continue
                    }
                    let raw = t[k]!
                    let values: [TOMLValueConvertible] = raw.array.map { Array($0) } ?? [raw]
                    var texts = values.map { PlanParser.settingValue($0).map { v -> String in if case .string(let s) = v { return s }; return v.description } ?? "\($0)" }
                    if k == "environment" { texts = texts.map { (try? EnvironmentRegistry.entry($0).name) ?? $0 } }
                    fields.append((k, texts))
                }
                if fields.isEmpty { fail(at, "[[exclude]] \"\(name)\" names no values: add e.g. algorithm = \"dqn\" and coupling = \"scorer\"") }
                exclusions.append(Exclusion(name: name, fields: fields, line: at))
            }
        }
        // An unknown environment leaves the rest of the plan to check: its other environments' runs are
        // resolved too, so that their problems are said now and not after the name is fixed.
        guard errors.count == unknownEnvironments else { return nil }

        // The product, seed-major; then each configuration resolved once (the seed is not a setting).
        // Counted before expanding, so that a mistyped grid is refused at once rather than expanded
        // for minutes (a product of three 100-value axes and 10 seeds is ten million runs).
        let upperBound = ([seeds.count, environments.count, algorithms.count, couplings?.count ?? 1] + axes.map(\.points.count))
            .reduce(1.0) { $0 * Double($1) }
        if upperBound > Double(SweepPlan.maximumRuns) {
            fail(nil, String(format: "the plan expands to %.0f runs before exclusions; one plan holds at most %d: split it (fewer seeds, environments or grid values per plan)", upperBound, SweepPlan.maximumRuns))
            return nil
        }
        var configs = [[SweepAxis.Point]]()
        configs.append([])
        for a in axes { configs = configs.flatMap { c in a.points.map { c + [$0] } } }
        var runs = [SweepRun](), counts = Array(repeating: 0, count: exclusions.count), shadowedBy = [Int: Int]()
        var resolved = [String: (settings: Settings, shape: [Int])](), failed = Set<String>(), directories = [String: (label: String, written: String, line: Int?)]()
        // Runs whose settings differ only in keys their algorithm and coupling do not read would train the
        // same thing twice under two variant names (and `compare` would list the copies as two results).
        var trained = [String: (variant: String, settings: Settings)](), reportedTwins = Set<String>()
        // Each field's values over the plan's runs (before exclusions), against which an exclusion's values are checked.
        var seen = [String: Set<String>]()
        for seed in seeds {
            for env in environments {
                for point in configs {
                    let variant = point.isEmpty ? "default" : point.map(\.label).joined(separator: "+")
                    // The variant names a directory: past the file system's 255 bytes a name cannot be created,
                    // which would surface at `sweep run` as an unwritable output root.
                    if variant.utf8.count > 255 {
                        fail(point.compactMap(\.line).first, "the variant name \(variant.prefix(40))… is \(variant.utf8.count) bytes, more than the 255 a directory name may have: give its grid points shorter names (name = \"…\")")
                        continue
                    }
                    // OUT/slurm holds the Slurm backend's scripts and logs; OUT/sweep.json and OUT/sweep-status.txt are files.
                    if ["slurm", "sweep.json", "sweep-status.txt"].contains(variant) {
                        fail(point.compactMap(\.line).first, "the variant name \(variant) is taken: \(out)/\(variant) is where the sweep keeps its \(variant == "slurm" ? "Slurm scripts and logs" : "own file"); give its grid point another name (name = \"…\")")
                        continue
                    }
                    let pointSettings = point.flatMap(\.settings)
                    let pointCoupling = pointSettings.last { $0.key == "coupling" }.flatMap { if case .string(let s) = $0.value { CouplingRegistry.spelling(of: s) ?? s } else { nil } }
                    for algo in algorithms {
                        let entryCouplings = (try? AlgorithmRegistry.entry(algo).couplings) ?? []
                        for coupling in pointCoupling.map({ [$0] }) ?? couplings ?? [entryCouplings.first ?? "monolithic"] {
                            var values = ["algorithm": algo, "coupling": coupling, "environment": env, "seed": String(seed)]
                            for (a, p) in zip(axes, point) { values[a.name] = p.match }
                            for (k, v) in values { seen[k, default: []].insert(v) }
                            let matching = exclusions.indices.filter { i in exclusions[i].fields.allSatisfy { f in f.1.contains(values[f.0] ?? "") } }
                            if let x = matching.first {
                                counts[x] += 1
                                // A later exclusion that matches only what an earlier one took is a repeat, not a typo.
                                for j in matching.dropFirst() { shadowedBy[j] = shadowedBy[j] ?? x }
                                continue
                            }
                            let overrides = (common + (perEnv[env] ?? []) + pointSettings).filter { $0.key != "coupling" }
                            var given = Settings()
                            given["algo"] = .string(algo); given["coupling"] = .string(coupling); given["env"] = .string(env)
                            for (k, v) in overrides { given[k] = v }
                            given["total_steps"] = .number(Double(steps[env] ?? 1))
                            let key = "\(variant)|\(env)|\(algo)|\(coupling)|\(steps[env] ?? 0)"
                            if failed.contains(key) { continue }
                            let settings: Settings, shape: [Int]
                            if let s = resolved[key] { (settings, shape) = s } else {
                                do {
                                    let probed = try AlgorithmRegistry.resolveProbing(given, memory: taskMemory)
                                    (settings, shape) = (probed.settings, probed.shapes.observationShape)
                                    resolved[key] = (settings, shape)
                                } catch {
                                    failed.insert(key)
                                    locateAll(error, given: given, variant: variant, env: env, algo: algo, coupling: coupling, point: point, axes: axes, envKey: envSpelling[env] ?? env)
                                    continue
                                }
                            }
                            let variantOut = out + "/" + variant
                            let directory = "\(variantOut)/\(env.replacingOccurrences(of: "/", with: "_"))/\(algo)-\(coupling)/seed\(seed)"
                            let label = "\(variant)/\(env)/\(algo)-\(coupling)/seed\(seed)"
                            // Named as written: a directory name keeps only letters, digits and . _ - = +,
                            // so "ü" and "é" (or "a/b" and "a_b") both became "_".
                            let written = point.map(\.match).joined(separator: "+")
                            if let other = directories[directory] {
                                let asWritten = written == other.written ? "" : " (variants \"\(other.written)\" and \"\(written)\" as written; a directory name keeps ASCII letters, digits and . _ = + , - only)"
                                // Said at the later point's line; the earlier one's line is named, as either may be the one to change.
                                let earlier = other.line.flatMap { $0 == point.last?.line ? nil : " (the first is at line \($0))" } ?? ""
                                fail(point.last?.line, "\(label) and \(other.label) would share the run directory \(directory)\(asWritten)\(earlier): give distinct values or names")
                                continue
                            }
                            directories[directory] = (label, written, point.last?.line)
                            // A file where the run's directory (or a level of it under `out`) goes: the run
                            // could not start, and `sweep status` would call it pending. (A file above `out`
                            // is said once, above.)
                            if outObstacle == nil, let o = PathObstacle.first(on: directory) {
                                fail(point.last?.line, run: label, "\(o.path) \(o.what), \(o.isWholePath ? "where the run's directory goes" : "and the run's directory goes under it"): \(o.fix)", unit: "runs")
                                continue
                            }
                            let pair = "\(algo)-\(coupling)"
                            let inertNotes = AlgorithmRegistry.keysWithoutEffect(in: settings)
                            let inert = Set(inertNotes.keys)
                            let same = AlgorithmRegistry.identity(of: settings, observationShape: shape)
                            let fingerprint = "\(env)|\(pair)|\(seed)|" + same.keys.filter { !inert.contains($0) }.sorted()
                                .map { "\($0)=\(same[$0]!)" }.joined(separator: "\n")
                            if let twin = trained[fingerprint] {
                                let report = "\(twin.variant)|\(variant)|\(env)|\(pair)"
                                if reportedTwins.insert(report).inserted {
                                    let keys = settings.differingKeys(from: twin.settings)
                                    let apart = keys.prefix(3) + (keys.count > 3 ? ["…"] : [])
                                    // Keys the run reads whose two values name one choice here (`auto` and the stem it picks).
                                    let aliased = keys.filter { !inert.contains($0) }
                                    if !aliased.isEmpty {
                                        let said = aliased.map { "\($0) = \(twin.settings[$0]?.description ?? "?") and \(settings[$0]?.description ?? "?") are both \(same[$0]?.description ?? "?") on \(env)" }
                                        fail(point.last?.line, "variants \(twin.variant) and \(variant) train the same \(pair) runs on \(env): \(said.joined(separator: "; ")): drop one of the values, or leave one out with [[exclude]]")
                                        continue
                                    }
                                    if keys.isEmpty {
                                        fail(point.last?.line, "variants \(twin.variant) and \(variant) give the same settings, and would train the same \(pair) runs on \(env) twice: remove one, or make them differ")
                                        continue
                                    }
                                    fail(point.last?.line, "variants \(twin.variant) and \(variant) train the same \(pair) runs on \(env): what tells them apart (\(apart.joined(separator: ", "))) has no effect on \(pair) (\(keys.first.flatMap { inertNotes[$0] } ?? "`stackelberg train` notes it")); set a key \(pair) reads, or leave one out with [[exclude]]")
                                }
                                continue
                            }
                            trained[fingerprint] = (variant, settings)
                            runs.append(SweepRun(index: runs.count, variant: variant, axisValues: Dictionary(uniqueKeysWithValues: zip(axes.map(\.name), point.map(\.match))),
                                                 algo: algo, coupling: coupling, env: env, seed: seed, steps: steps[env] ?? 1,
                                                 overrides: overrides, settings: settings, out: variantOut, directory: directory))
                        }
                    }
                }
            }
        }
        // A value of a list that matches no run: [[exclude]] lr = [0.1, 0.5] with lr = [0.1, 0.2, 0.3] left out 0.1's
        // runs and passed, though 0.5 (a typo for 0.2?) left its runs in.
        for e in exclusions {
            for (field, texts) in e.fields where texts.count > 1 {
                let known = seen[field] ?? []
                let dead = texts.filter { !known.contains($0) }
                guard !dead.isEmpty else { continue }
                let listed = known.sorted().prefix(12).joined(separator: ", ")
                fail(e.line, "[[exclude]] \"\(e.name)\": \(field) \(dead.map { "\"\($0)\"" }.joined(separator: ", ")) \(dead.count == 1 ? "matches" : "match") no run (the plan's \(field) values: \(listed)\(known.count > 12 ? ", …" : "")): a typo would leave runs in; remove \(dead.count == 1 ? "it" : "them") or correct the value")
            }
        }
        for (i, e) in exclusions.enumerated() where counts[i] == 0 {
            if let earlier = shadowedBy[i] {
                fail(e.line, "[[exclude]] \"\(e.name)\" leaves out only runs that the earlier [[exclude]] \"\(exclusions[earlier].name)\"\(exclusions[earlier].line.map { " (line \($0))" } ?? "") leaves out already: remove one of the two")
                continue
            }
            fail(e.line, "[[exclude]] \"\(e.name)\" matches no run: check its values against the plan's lists (a typo would leave runs in)")
        }
        if errors.isEmpty, runs.isEmpty { fail(exclusions.first?.line, "the plan expands to no run (every run is excluded\(exclusions.count > 1 ? " by the [[exclude]] tables from here on" : " by this [[exclude]]")): narrow the exclusions") }
        guard errors.isEmpty else { return nil }
        return SweepPlan(path: path, name: name, out: out, outFromFileName: table["name"] == nil && table["out"] == nil, axes: axes, runs: runs,
                         excluded: exclusions.enumerated().map { ($0.element.name, counts[$0.offset]) }, slurm: slurm)
    }

    /// One grid axis: a setting's list of values, or named points (inline tables or [[grid.NAME]]).
    mutating func parseAxis(_ name: String, _ v: TOMLValueConvertible) -> SweepAxis? {
        let at = source.line(of: "grid.\(name)")
        if let inner = v.table {
            // `stackelberg.unroll = [1, 80]` under [grid] is TOML's dotted key: a table `stackelberg`
            // holding `unroll`, not an axis named "stackelberg.unroll".
            let leaf = inner.keys.sorted().first ?? "KEY"
            fail(source.line(of: "grid.\(name).\(leaf)") ?? at,
                 "grid axis `\(name)` is a table, not a list: a setting with a dot must be quoted in [grid] (\"\(name).\(leaf)\" = [a, b]); named points are [[grid.\(name)]] tables with a name each")
            return nil
        }
        guard let arr = v.array, arr.count > 0 else {
            fail(at, "grid axis `\(name)` must be a non-empty list: \(name) = [a, b] (a setting's values) or named points [{ name = \"…\", key = value }]")
            return nil
        }
        var points = [SweepAxis.Point]()
        for (i, e) in arr.enumerated() {
            if let t = e.table {
                let line = source.line(of: "grid.\(name)[\(i)]") ?? (t["name"]?.string).flatMap { source.line(ofValue: $0, under: "grid.\(name)") } ?? at
                guard let pname = t["name"]?.string, !pname.isEmpty else {
                    fail(line, "grid axis `\(name)`: point \(i + 1) has no name: add name = \"…\" (it names the variant's directory)")
                    continue
                }
                // "." or ".." would name the output root itself or its parent: runs outside the sweep.
                if pname.allSatisfy({ $0 == "." }) {
                    fail(line, "grid axis `\(name)`: point name \"\(pname)\" would be a directory outside the sweep's output root: give it a name with a letter or digit")
                    continue
                }
                let settings = settingsTable(t, prefix: "", linePrefix: "grid.\(name)[\(i)].", skipping: ["name"])
                if settings.isEmpty { fail(line, "grid axis `\(name)`: point \"\(pname)\" sets nothing: add the settings it stands for") }
                var point = SweepAxis.Point(label: PlanParser.directorySafe(pname), match: pname, settings: settings, line: line)
                for (key, _) in settings { point.keyLines[key] = source.line(of: "grid.\(name)[\(i)].\(key)") }
                points.append(point)
            } else if let value = PlanParser.settingValue(e) {
                let text: String
                switch value {
                case .string(let s): text = s
                case .numbers(let xs): text = xs.isEmpty ? "none" : xs.map(Settings.format).joined(separator: "x")
                default: text = value.description
                }
                let line = source.line(ofValue: text, under: "grid.\(name)") ?? at
                if name == "algo" || name == "env" || name == "total_steps" {
                    fail(line, "grid axis `\(name)`: \(name) cannot vary in the grid: use the plan's `\(name == "algo" ? "algorithms" : name == "env" ? "environments" : "steps")`")
                    return nil
                }
                // Labelled once every axis is known ("\0" marks it).
                points.append(.init(label: "\u{0}", match: PlanParser.directorySafe(text), settings: [(name, value)], line: line))
            } else {
                fail(at, PlanParser.isNonFinite(e)
                     ? "grid axis `\(name)`: value \(i + 1) (\(e)) is not a finite number: give finite values"
                     : "grid axis `\(name)`: value \(i + 1) must be a string, number, boolean or array of numbers, or a named point, got \(e)")
            }
        }
        for (i, p) in points.enumerated() where points[..<i].contains(where: { $0.match == p.match }) {
            fail(p.line, "grid axis `\(name)` lists \(p.match) twice: list each value once")
        }
        return SweepAxis(name: name, points: points, line: at)
    }

    /// Directory-safe text: anything but letters, digits and `._=+-,` becomes `_`.
    static func directorySafe(_ s: String) -> String {
        let safe = String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._=+-,".contains($0)) ? $0 : "_" })
        // A value of only dots ("." or "..") would name the parent or the directory itself.
        return safe.allSatisfy { $0 == "." } ? String(repeating: "_", count: safe.count) : safe
    }

    mutating func parseSlurm() -> SlurmResources {
        var r = SlurmResources()
        guard let v = table["slurm"] else { return r }
        guard let t = v.table else { fail(source.line(of: "slurm"), "`slurm` must be a table: [slurm] then partition = \"…\", time = \"…\", cpus = 1, mem = \"4G\""); return r }
        for (k, x) in t {
            let at = source.line(of: "slurm.\(k)") ?? source.line(of: "slurm")
            switch k {
            case "partition": r.partition = x.string
            case "time": r.time = x.string
            case "mem": r.mem = x.string
            case "account": r.account = x.string
            case "qos": r.qos = x.string
            case "executable": r.executable = x.string
            case "cpus":
                guard let n = x.int, n >= 1 else { fail(at, "slurm.cpus must be a whole number ≥ 1, got \(x)"); continue }
                r.cpus = n
            case "max_parallel":
                guard let n = x.int, n >= 1 else { fail(at, "slurm.max_parallel must be a whole number ≥ 1, got \(x)"); continue }
                r.maxParallel = n
            case "signal_seconds":
                guard let n = x.int, n >= 10 else { fail(at, "slurm.signal_seconds must be a whole number ≥ 10 (time to checkpoint before the limit), got \(x)"); continue }
                r.signalSeconds = n
            case "extra":
                guard let a = x.array, a.allSatisfy({ $0.string != nil }) else { fail(at, "slurm.extra must be a list of sbatch options in quotes, e.g. [\"--constraint=avx2\"]"); continue }
                r.extra = a.map { $0.string! }
            default:
                fail(at, "unknown key `\(k)` in [slurm]; its keys are \(SweepPlan.slurmKeys.joined(separator: ", "))")
                continue
            }
            if ["partition", "time", "mem", "account", "qos", "executable"].contains(k), x.string == nil {
                fail(at, "slurm.\(k) must be text in quotes, got \(x)")
            }
        }
        // Each value is written into one `#SBATCH` line of the array script: a line break would start a
        // line of its own, run as a command.
        for (k, x) in t {
            let texts = x.string.map { [$0] } ?? (x.array ?? []).compactMap(\.string)
            if texts.contains(where: { $0.contains(where: \.isNewline) }) {
                fail(source.line(of: "slurm.\(k)") ?? source.line(of: "slurm"), "slurm.\(k) holds a line break, which would put a line of its own into the array script: give it on one line")
            }
        }
        if let mem = r.mem, mem.range(of: #"^\d+[KMGT]?$"#, options: .regularExpression) == nil {
            fail(source.line(of: "slurm.mem"), "slurm.mem \"\(mem)\" is not Slurm's format: write a size such as \"4G\", \"500M\" or \"4096\" (megabytes)")
        }
        if let time = r.time, time.range(of: #"^(\d+-)?\d+(:\d+){0,2}$"#, options: .regularExpression) == nil {
            fail(source.line(of: "slurm.time"), "slurm.time \"\(time)\" is not Slurm's format: write MINUTES, HH:MM:SS or DAYS-HH:MM:SS")
        } else if let time = r.time, let limit = Self.slurmSeconds(time), limit <= r.signalSeconds {
            // The checkpoint signal comes signal_seconds before the limit: at or past the start, every
            // task would checkpoint and requeue itself at once, forever.
            fail(source.line(of: "slurm.time") ?? source.line(of: "slurm.signal_seconds"),
                 "slurm.time \"\(time)\" (\(limit) s) is not longer than slurm.signal_seconds (\(r.signalSeconds) s, when a task checkpoints and requeues itself before its limit): every task would requeue at once and never train; give a longer time or a smaller signal_seconds")
        }
        // An empty value wrote `--partition=""` (or an empty executable, which every task would fail to run);
        // an empty time or mem is refused by its format above.
        for k in ["partition", "account", "qos", "executable"] where t[k]?.string?.trimmingCharacters(in: .whitespaces).isEmpty == true {
            fail(source.line(of: "slurm.\(k)") ?? source.line(of: "slurm"), "slurm.\(k) is empty: leave it out for Slurm's (or this build's) default")
        }
        // `extra` lines are sbatch options; those the script writes itself would conflict with its own.
        for e in r.extra {
            let option = e.trimmingCharacters(in: .whitespaces)
            let name = String(option.split(whereSeparator: { $0 == "=" || $0 == " " }).first ?? "")
            let isShort = name.count == 2 && name.hasPrefix("-") && name.last!.isLetter
            if !(name.hasPrefix("--") && name.count > 2) && !isShort {
                fail(source.line(of: "slurm.extra") ?? source.line(of: "slurm"), "slurm.extra \"\(e)\" is not an sbatch option (--name=value, e.g. \"--constraint=avx2\")")
            } else if SlurmScript.writtenOptions.contains(name) {
                let key = ["--partition": "partition", "--time": "time", "--cpus-per-task": "cpus", "--mem": "mem", "--account": "account", "--qos": "qos"][name]
                fail(source.line(of: "slurm.extra") ?? source.line(of: "slurm"), "slurm.extra \"\(e)\" sets an option the array script writes itself\(key.map { " (give it as slurm.\($0))" } ?? ""): leave it out of extra")
            }
        }
        return r
    }

    /// Locates `error` and every other problem of the same run's settings: resolving stops at the first
    /// bad key, so the settings are resolved again without each key found bad (back at its default)
    /// until they resolve or fail on something that is not another key the plan sets (a refused pair, an agent's
    /// own check, a default).
    /// Without this a second bad value hid behind the first, and the runs a problem holds for were undercounted.
    mutating func locateAll(_ error: Error, given: Settings, variant: String, env: String, algo: String, coupling: String,
                            point: [SweepAxis.Point], axes: [SweepAxis], envKey: String) {
        let memory = taskMemory
        for e in AlgorithmRegistry.everyRefusal(after: error, given: given, resolve: { _ = try AlgorithmRegistry.resolveProbing($0, memory: memory) }) {
            locate(e, variant: variant, env: env, algo: algo, coupling: coupling, point: point, axes: axes, envKey: envKey)
        }
    }

    /// Turns a run's settings error into a located plan error.
    mutating func locate(_ error: Error, variant: String, env: String, algo: String, coupling: String,
                         point: [SweepAxis.Point], axes: [SweepAxis], envKey: String) {
        let run = "\(variant)/\(env)/\(algo)-\(coupling)"
        // The line that sets `key` for this run: the grid point, the environment's table or [settings].
        func settingLine(_ key: String) -> Int? {
            for p in point where p.settings.contains(where: { $0.key == key }) { return p.keyLines[key] ?? p.line }
            let lk = source.keyLines.keys
            if let l = source.line(of: "environment_settings.\(envKey).\(key)") { return l }
            if let l = source.line(of: "settings.\(key)") { return l }
            // A nested table's key ([settings.stackelberg] unroll = …).
            if let k = lk.first(where: { $0.hasPrefix("settings.") && $0.hasSuffix(key) && $0.dropFirst("settings.".count) == key }) { return source.line(of: k) }
            return nil
        }
        let couplingLine = point.first { $0.settings.contains { $0.key == "coupling" } }?.line
            ?? source.line(ofValue: coupling, under: "couplings") ?? source.line(ofValue: algo, under: "algorithms")
        switch error {
        case SettingsError.unknownKeys(let keys, let known, let elsewhere):
            for k in keys {
                failUnknown(settingLine(k), SettingsError.naming(unknownKey: k, known: known, elsewhere: elsewhere), pair: "\(algo)-\(coupling)")
            }
        case SettingsError.refusedPair(let why):
            // Refused whatever the settings: said once per pair, not once per variant.
            if (try? AlgorithmRegistry.entry(algo).couplings.contains(coupling)) == true {
                fail(source.line(ofValue: envKey, under: "environments"),
                     "\(env)/\(algo)-\(coupling): \(why). Drop the pair, or leave it out with [[exclude]] name = \"…\", algorithm = \"\(algo)\", environment = \"\(envKey)\"")
            } else {
                fail(couplingLine, "\(algo)-\(coupling): \(why). Drop the pair, or leave it out with [[exclude]] name = \"…\", algorithm = \"\(algo)\", coupling = \"\(coupling)\"")
            }
        case SettingsError.type(let key, let expected, let got):
            let line = key == "algo" ? source.line(ofValue: algo, under: "algorithms") : key == "coupling" ? couplingLine
                : key == "env" ? source.line(ofValue: envKey, under: "environments") : settingLine(key)
            fail(line, run: run, "setting \(key) must be \(expected), got \(got)")
        case let agent as AgentError where agent.reasons.count > 1:
            // Every refusal of an agent's check, each at its own line.
            for reason in agent.reasons { locate(AgentError.badConfig(reason), variant: variant, env: env, algo: algo, coupling: coupling, point: point, axes: axes, envKey: envKey) }
        default:
            // An agent's own check (`invalid configuration: … rollout_length …`) names the keys it weighs:
            // the line is that of the first one the plan sets, else the environment's.
            let message = "\(error)"
            let prefixes = ["settings.", "environment_settings.\(envKey)."]
            let planKeys = Set(point.flatMap { $0.settings.map(\.key) } + source.keyLines.keys.compactMap { k in
                prefixes.first(where: { k.hasPrefix($0) }).map { String(k.dropFirst($0.count)) }
            })
            // A key this run's grid point sets comes first: it is what the refused runs have and the others lack
            // (`minibatches` in [settings] refused only with the grid's `rollout_length` that it does not divide).
            let mentioned = planKeys.compactMap { k in Settings.firstMention(k, in: message).map { (key: k, at: $0) } }
            let byPoint = mentioned.filter { m in point.contains { $0.settings.contains { $0.key == m.key } } }
            let named = (byPoint.isEmpty ? mentioned : byPoint).min { $0.at < $1.at }
            fail(named.flatMap { settingLine($0.key) } ?? source.line(ofValue: envKey, under: "environments"), run: run, message)
        }
    }
}

extension PlanParser {
    /// Slurm's `--time` in seconds: MINUTES, MINUTES:SECONDS, HOURS:MINUTES:SECONDS, DAYS-HOURS,
    /// DAYS-HOURS:MINUTES or DAYS-HOURS:MINUTES:SECONDS (sbatch's manual); nil when it does not read.
    static func slurmSeconds(_ time: String) -> Int? {
        let dayParts = time.split(separator: "-", omittingEmptySubsequences: false)
        guard dayParts.count <= 2 else { return nil }
        let days = dayParts.count == 2 ? Int(dayParts[0]) : 0
        let fields = (dayParts.last ?? "").split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard let days, fields.allSatisfy({ $0 != nil }) else { return nil }
        let f = fields.map { $0! }
        // Far past any limit (and past overflow in the sums below): longer than any signal.
        guard days <= 1_000_000, f.allSatisfy({ $0 <= 1_000_000_000 }) else { return Int.max }
        let seconds: Int
        if dayParts.count == 2 {
            switch f.count {
            case 1: seconds = f[0] * 3600
            case 2: seconds = f[0] * 3600 + f[1] * 60
            case 3: seconds = f[0] * 3600 + f[1] * 60 + f[2]
            default: return nil
            }
        } else {
            switch f.count {
            case 1: seconds = f[0] * 60
            case 2: seconds = f[0] * 60 + f[1]
            case 3: seconds = f[0] * 3600 + f[1] * 60 + f[2]
            default: return nil
            }
        }
        return days * 86_400 + seconds
    }
}
