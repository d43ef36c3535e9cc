import Environments
import Foundation
import TOMLKit

/// One problem with a sweep plan, located in the plan file where it can be: `PLAN.toml:12: …`.
public struct SweepPlanError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The plan file.
    public let path: String
    /// Its 1-based line, where the problem has one (TOMLKit gives syntax errors' lines; other
    /// problems are located by the key or value they name).
    public let line: Int?
    /// What is wrong and the fix.
    public let message: String

    public init(path: String, line: Int?, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// Every problem a plan has, found before anything is written (each expanded run's settings are
/// resolved, so all the refused pairs and bad values come at once, not one per attempt).
public struct SweepPlanErrors: Error, CustomStringConvertible, Sendable {
    public let errors: [SweepPlanError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// One axis of a plan's settings grid. Either one setting with a list of values (`"stackelberg.unroll"
/// = [1, 80]`: the variant is named `unroll=80`) or named points that set several settings at once
/// (`variant = [{ name = "stac_m80", coupling = "actor-leader", "stackelberg.unroll" = 80 }]`).
public struct SweepAxis: Sendable {
    public struct Point: Sendable {
        /// The point's part of the variant's directory name.
        public let label: String
        /// What exclusions match: the value as written (`80`, `cg`) or the point's name.
        public let match: String
        /// The settings this point sets, in order (a named point may set `coupling`).
        public let settings: [(key: String, value: Settings.Value)]
        /// The plan line that defines it.
        public let line: Int?
    }
    public let name: String
    public let points: [Point]
    public let line: Int?
}

/// The resources each Slurm array task asks for (`[slurm]` in the plan).
public struct SlurmResources: Sendable, Equatable {
    /// `--partition`; nil leaves the cluster's default.
    public var partition: String?
    /// `--time`, Slurm's format (`2-00:00:00`, `12:00:00`); nil leaves the partition's default.
    public var time: String?
    /// `--cpus-per-task` (each run is one process; its BLAS uses one thread unless OPENBLAS_NUM_THREADS says more).
    public var cpus = 1
    /// `--mem` (`4G`); nil leaves the partition's default.
    public var mem: String?
    /// `--account`, `--qos`.
    public var account: String?
    public var qos: String?
    /// At most this many array tasks at once (`--array=0-N%K`); nil: no limit.
    public var maxParallel: Int?
    /// The `stackelberg` executable on the cluster's nodes (absolute); nil: the one writing the script.
    public var executable: String?
    /// Seconds before the time limit at which the task checkpoints and requeues itself.
    public var signalSeconds = 180
    /// Further `#SBATCH` lines, verbatim (`--constraint=avx2`).
    public var extra: [String] = []

    public init() {}
}

/// One run of an expanded plan: one seed of one algorithm-coupling on one environment under one variant.
public struct SweepRun: Sendable {
    /// Its place in the plan's order (seed-major), and its Slurm array index.
    public let index: Int
    /// The variant's name (`default` for a plan without a grid): the directory under the output root.
    public let variant: String
    /// The match values of each axis, by axis name (for exclusions and the report).
    public let axisValues: [String: String]
    public let algo: String
    public let coupling: String
    /// The registry's spelling of the environment.
    public let env: String
    public let seed: UInt64
    /// Environment steps (`total_steps`).
    public let steps: Int
    /// The settings the plan sets beyond algo, coupling, env and steps, in plan order: the run's `--set` arguments.
    public let overrides: [(key: String, value: Settings.Value)]
    /// The run's resolved settings (defaults, then the plan's).
    public let settings: Settings
    /// `train --out`: OUT/VARIANT.
    public let out: String
    /// The seed's run directory, as `train` names it: OUT/VARIANT/ENV/ALGO-COUPLING/seedN.
    public let directory: String

    /// `stackelberg train …` arguments (without the executable) that run this seed; `resume` adds `--resume`.
    public func trainArguments(resume: Bool = false) -> [String] {
        var a = ["train", "--algo", algo, "--coupling", coupling, "--env", env, "--seeds", String(seed), "--steps", String(steps),
                 "--out", out, "--quiet", "--jobs", "1"]
        for (k, v) in overrides { a += ["--set", "\(k)=\(SweepRun.argument(v))"] }
        if resume { a.append("--resume") }
        return a
    }

    /// A value as `--set key=VALUE` reads it back (a string that would read as a number or a
    /// boolean is quoted).
    static func argument(_ v: Settings.Value) -> String {
        if case .string(let s) = v, (try? Settings.parseValue(s, where: "")) == .string(s) { return s }
        return v.description
    }

    /// `ENV · ALGO-COUPLING · VARIANT · seedN`, for messages.
    public var label: String { "\(variant)/\(env)/\(algo)-\(coupling)/seed\(seed)" }
}

/// A sweep plan (TOML): the product of algorithms, couplings, environments, seeds and a settings
/// grid, minus named exclusions, each with a step budget, under one output root. Every expanded
/// run is resolved as `train` resolves it, so a plan that loads trains without a settings error.
///
/// ```toml
/// out = "runs/sweeps/stac_cartpole"   # output root (relative to the directory the command runs in)
/// algorithms = ["ac"]
/// couplings = ["individual", "actor-leader"]   # optional: default each algorithm's baseline
/// environments = ["cartpole"]
/// seeds = "0..4"                     # or [0, 3, 7], "0,3,7", 5
/// steps = 8e5                        # or per environment: { cartpole = 5e5, acrobot = 4e5 }
/// [settings]                         # every run
/// env_max_episode_steps = 200
/// [environment_settings."minatar/freeway-minimal"]   # runs on one environment
/// env_max_episode_steps = 2500
/// [grid]                             # axes, expanded as a product
/// "stackelberg.unroll" = [1, 80]
/// [[exclude]]                        # runs left out, by name
/// name = "critic-leader only at m = 1"
/// coupling = "critic-leader"
/// "stackelberg.unroll" = 80
/// [slurm]
/// partition = "cpu"; time = "2-00:00:00"; cpus = 1; mem = "4G"
/// ```
public struct SweepPlan: Sendable {
    public let path: String
    public let name: String
    /// The output root.
    public let out: String
    public let axes: [SweepAxis]
    /// The expanded runs, seed-major (every configuration gets seed 0 before any gets seed 1, so a
    /// grid cut short still compares every configuration).
    public let runs: [SweepRun]
    /// Each exclusion's name with the number of runs it left out.
    public let excluded: [(name: String, count: Int)]
    public let slurm: SlurmResources

    /// The most runs one plan may expand to: beyond any grid this project runs (its largest is a few
    /// hundred), and where expanding and checking them still takes seconds.
    public static let maximumRuns = 20_000

    /// The keys a plan may have at its top level.
    public static let topKeys = ["name", "description", "out", "algorithms", "couplings", "environments", "seeds", "steps",
                                 "settings", "environment_settings", "grid", "exclude", "slurm"]
    /// The keys of `[slurm]`.
    public static let slurmKeys = ["partition", "time", "cpus", "mem", "account", "qos", "max_parallel", "executable", "signal_seconds", "extra"]

    /// Reads, expands and checks the plan at `path`. Throws ``SweepPlanErrors`` with every problem found,
    /// each with its line: a syntax error (TOMLKit's line and column), an unknown key (with the known
    /// ones), an unknown algorithm, coupling or environment, a repeated value, an exclusion that
    /// matches no run, two runs with one directory, and each run's settings error from
    /// ``AlgorithmRegistry/resolve(_:)`` (a refused pair, an unknown setting, a value out of range).
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw SweepPlanErrors(errors: [SweepPlanError(path: path, line: nil, message: "cannot read the plan file: check the path")])
        }
        try self.init(text: text, path: path)
    }

    /// Parses plan text; `path` names it in errors.
    public init(text: String, path: String) throws {
        let table: TOMLTable
        do { table = try parsedTOML(text) } catch let e as TOMLParseError {
            throw SweepPlanErrors(errors: [SweepPlanError(path: path, line: e.source.begin.line, message: "TOML syntax: \(e.description) (column \(e.source.begin.column))")])
        } catch let e as TOMLHeaderError {
            throw SweepPlanErrors(errors: [SweepPlanError(path: path, line: e.line, message: "TOML syntax: \(e)")])
        } catch {
            throw SweepPlanErrors(errors: [SweepPlanError(path: path, line: nil, message: "TOML syntax: \(error)")])
        }
        var p = PlanParser(path: path, source: PlanSource(text), table: table)
        let result = p.parse()
        guard p.errors.isEmpty, let result else { throw SweepPlanErrors(errors: p.errors) }
        self = result
    }

    init(path: String, name: String, out: String, axes: [SweepAxis], runs: [SweepRun], excluded: [(name: String, count: Int)], slurm: SlurmResources) {
        self.path = path; self.name = name; self.out = out; self.axes = axes; self.runs = runs; self.excluded = excluded; self.slurm = slurm
    }

    /// The variants in order of first appearance.
    public var variants: [String] {
        var seen = [String]()
        for r in runs where !seen.contains(r.variant) { seen.append(r.variant) }
        return seen
    }

    /// The manifest `sweep run` writes under the output root (`sweep.json`): each run's directory with its
    /// variant, algorithm, coupling, environment and seed, which `compare` uses to label groups.
    public var manifest: [String: Any] {
        ["plan": path, "name": name, "out": out,
         "runs": runs.map { r in ["directory": r.directory, "variant": r.variant, "algo": r.algo, "coupling": r.coupling,
                                  "env": r.env, "seed": Int(r.seed), "steps": r.steps] as [String: Any] }]
    }

    /// Writes ``manifest`` to OUT/sweep.json (creating OUT).
    public func writeManifest() throws {
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let data = try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys, .prettyPrinted])
            try data.write(to: URL(fileURLWithPath: out + "/sweep.json"), options: .atomic)
        } catch {
            throw TrainingError.io("cannot write \(out)/sweep.json: \(fileErrorReason(error, path: out + "/sweep.json")); check `out` in \(path) (a writable directory)")
        }
    }
}

// MARK: - Locating keys and values in the plan text

/// Where each key is defined in the plan text, for errors: TOMLKit gives lines for syntax errors
/// only, so keys are found by reading the lines (table headers, `key =`), and values by searching
/// for their text below their key.
struct PlanSource {
    let lines: [String]
    /// Dotted key path ("settings.lr", "exclude[1].coupling") → 1-based line.
    private(set) var keyLines: [String: Int] = [:]
    /// The lines that start a key or a table, sorted.
    private(set) var starts: [Int] = []

    init(_ text: String) {
        lines = text.components(separatedBy: "\n")
        var table = "", arrays: [String: Int] = [:]
        for (i, raw) in lines.enumerated() {
            let line = PlanSource.stripComment(raw).trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            if line.hasPrefix("[[") {
                let name = PlanSource.keyPath(String(line.dropFirst(2).prefix { $0 != "]" }))
                let n = arrays[name, default: -1] + 1
                arrays[name] = n
                table = "\(name)[\(n)]"
                keyLines[table] = keyLines[table] ?? i + 1
                keyLines[name] = keyLines[name] ?? i + 1
                starts.append(i + 1)
            } else if line.hasPrefix("[") {
                table = PlanSource.keyPath(String(line.dropFirst().prefix { $0 != "]" }))
                keyLines[table] = keyLines[table] ?? i + 1
                starts.append(i + 1)
            } else if let eq = PlanSource.keyEnd(line) {
                let key = PlanSource.keyPath(String(line[..<eq]))
                let full = table.isEmpty ? key : table + "." + key
                keyLines[full] = keyLines[full] ?? i + 1
                starts.append(i + 1)
            }
        }
    }

    /// The text before a `#` that is not inside a string.
    static func stripComment(_ s: String) -> String {
        var quote: Character? = nil, out = ""
        for c in s {
            if let q = quote { if c == q { quote = nil } } else if c == "\"" || c == "'" { quote = c } else if c == "#" { break }
            out.append(c)
        }
        return out
    }

    /// The index of the `=` after a key at the line's start (bare, quoted or dotted), if the line starts with one.
    static func keyEnd(_ line: String) -> String.Index? {
        var quote: Character? = nil
        for i in line.indices {
            let c = line[i]
            if let q = quote { if c == q { quote = nil }; continue }
            if c == "\"" || c == "'" { quote = c; continue }
            if c == "=" { return i }
            if !(c.isLetter || c.isNumber || c == "_" || c == "-" || c == "." || c == " ") { return nil }
        }
        return nil
    }

    /// `a.b`, `"a.b"` and `a."b.c"` as the dotted path the plan reader uses (quoted parts kept whole).
    static func keyPath(_ s: String) -> String {
        var parts = [String](), current = "", quote: Character? = nil
        for c in s.trimmingCharacters(in: .whitespaces) {
            if let q = quote { if c == q { quote = nil } else { current.append(c) }; continue }
            if c == "\"" || c == "'" { quote = c; continue }
            if c == "." { parts.append(current.trimmingCharacters(in: .whitespaces)); current = ""; continue }
            current.append(c)
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts.joined(separator: ".")
    }

    func line(of key: String) -> Int? { keyLines[key] }

    /// The line, at or below `key`'s, before the next key, where `value` is written (quoted or bare).
    func line(ofValue value: String, under key: String) -> Int? {
        guard let start = keyLines[key] else { return nil }
        let end = starts.first { $0 > start } ?? lines.count + 1
        for n in start..<end where n - 1 < lines.count {
            let l = PlanSource.stripComment(lines[n - 1])
            if l.contains("\"\(value)\"") || l.contains("'\(value)'") { return n }
        }
        for n in start..<end where n - 1 < lines.count {
            if PlanSource.stripComment(lines[n - 1]).range(of: "(^|[^A-Za-z0-9_.])\(NSRegularExpression.escapedPattern(for: value))($|[^A-Za-z0-9_.])", options: .regularExpression) != nil { return n }
        }
        return start
    }
}

// MARK: - Parsing and expansion

struct PlanParser {
    let path: String
    let source: PlanSource
    let table: TOMLTable
    var errors: [SweepPlanError] = []

    init(path: String, source: PlanSource, table: TOMLTable) {
        self.path = path; self.source = source; self.table = table
    }

    mutating func fail(_ line: Int?, _ message: String) {
        let e = SweepPlanError(path: path, line: line, message: message)
        if !errors.contains(e) { errors.append(e) }
    }

    /// A table's keys in the order the file writes them (TOMLKit's are sorted).
    func orderedKeys(_ t: TOMLTable, prefix: String) -> [String] {
        var keys = [String]()
        for (k, _) in t { keys.append(k) }
        return keys.sorted { (source.line(of: prefix + $0) ?? Int.max, $0) < (source.line(of: prefix + $1) ?? Int.max, $1) }
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
            if out.contains(s) { fail(source.line(ofValue: s, under: key), "`\(key)` lists \"\(s)\" twice: list each once") }
            out.append(s)
        }
        if out.isEmpty { fail(source.line(of: key), "`\(key)` is empty: list at least one") }
        return out
    }

    /// Flattens a table of settings into dotted keys.
    mutating func settingsTable(_ t: TOMLTable, prefix: String, linePrefix: String, skipping: Set<String> = []) -> [(key: String, value: Settings.Value)] {
        var out = [(key: String, value: Settings.Value)]()
        for k in orderedKeys(t, prefix: linePrefix) where !skipping.contains(k) {
            let v = t[k]!
            let full = prefix.isEmpty ? k : prefix + "." + k
            if let inner = v.table { out += settingsTable(inner, prefix: full, linePrefix: linePrefix + k + "."); continue }
            guard let value = PlanParser.settingValue(v) else {
                fail(source.line(of: linePrefix + k), "setting \(full) must be a string, number, boolean or array of numbers, got \(v)")
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
        var out = "runs/sweeps/" + name
        if let v = table["out"] {
            if let s = v.string, !s.isEmpty { out = s } else { fail(source.line(of: "out"), "`out` must be a directory path in quotes, e.g. out = \"runs/sweeps/\(name)\"") }
        }
        while out.count > 1, out.hasSuffix("/") { out.removeLast() }

        // Names, each checked against its registry.
        let algorithms = strings("algorithms", required: true) ?? []
        for a in algorithms where !AlgorithmRegistry.names.contains(a) {
            fail(source.line(ofValue: a, under: "algorithms"), "unknown algorithm \"\(a)\"; known: \(AlgorithmRegistry.names.joined(separator: ", ")) (see `stackelberg algo list`)")
        }
        let couplings = strings("couplings", required: false)
        for c in couplings ?? [] where !CouplingRegistry.names.contains(c) {
            fail(source.line(ofValue: c, under: "couplings"), "unknown coupling \"\(c)\"; known: \(CouplingRegistry.names.joined(separator: ", "))")
        }
        var environments = [String]()
        for e in strings("environments", required: true) ?? [] {
            do { environments.append(try EnvironmentRegistry.entry(e).name) } catch {
                fail(source.line(ofValue: e, under: "environments"), "unknown environment \"\(e)\": \(error) (see `stackelberg env list`)")
            }
        }
        let envSpelling = Dictionary((strings("environments", required: false) ?? []).compactMap { e in (try? EnvironmentRegistry.entry(e).name).map { ($0, e) } },
                                     uniquingKeysWith: { a, _ in a })

        // Seeds: a list of whole numbers, one number, or a string as --seeds takes it ("0..29", "0,3,7").
        var seeds = [UInt64]()
        if let v = table["seeds"] {
            let line = source.line(of: "seeds")
            if let s = v.string {
                do { seeds = try SeedList.parse(s) } catch { fail(line, "`seeds = \"\(s)\"`: \(error.reason)") }
            } else if let i = v.int {
                if i >= 0 { seeds = [UInt64(i)] } else { fail(line, "`seeds = \(i)`: a seed is a whole number ≥ 0") }
            } else if let arr = v.array {
                if arr.isEmpty { fail(line, "`seeds = []` names no seed: list at least one, e.g. [0, 1, 2]") }
                else if let (i, bad) = arr.enumerated().first(where: { ($0.element.int ?? -1) < 0 }) {
                    fail(line, "`seeds`: entry \(i + 1) (\(bad)) is not a whole number ≥ 0: write e.g. [0, 1, 2] or \"0..2\"")
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
                for (k, sv) in t {
                    let env = (try? EnvironmentRegistry.entry(k).name) ?? k
                    guard environments.contains(env) else {
                        fail(source.line(of: "steps.\(k)") ?? source.line(of: "steps"), "`steps` names \"\(k)\", which is not in `environments` (\(environments.joined(separator: ", "))): give a budget per listed environment")
                        continue
                    }
                    guard let n = budget(sv) else { fail(source.line(of: "steps.\(k)") ?? source.line(of: "steps"), "steps for \(k) must be a positive whole number of environment steps (e.g. 5e6), got \(sv)"); continue }
                    steps[env] = n
                }
                for e in environments where steps[e] == nil {
                    fail(source.line(of: "steps"), "`steps` has no budget for \(envSpelling[e] ?? e): add \"\(envSpelling[e] ?? e)\" = 1e6 (or one number for every environment)")
                }
            } else if let n = budget(v) {
                for e in environments { steps[e] = n }
            } else {
                fail(source.line(of: "steps"), "`steps` must be a positive whole number of environment steps (5e6) or a table per environment, got \(v)")
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
        guard errors.isEmpty else { return nil }

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
        var runs = [SweepRun](), counts = Array(repeating: 0, count: exclusions.count)
        var resolved = [String: Settings](), failed = Set<String>(), directories = [String: String]()
        for seed in seeds {
            for env in environments {
                for point in configs {
                    let variant = point.isEmpty ? "default" : point.map(\.label).joined(separator: "+")
                    let pointSettings = point.flatMap(\.settings)
                    let pointCoupling = pointSettings.last { $0.key == "coupling" }.flatMap { if case .string(let s) = $0.value { s } else { nil } }
                    for algo in algorithms {
                        let entryCouplings = (try? AlgorithmRegistry.entry(algo).couplings) ?? []
                        for coupling in pointCoupling.map({ [$0] }) ?? couplings ?? [entryCouplings.first ?? "monolithic"] {
                            var values = ["algorithm": algo, "coupling": coupling, "environment": env, "seed": String(seed)]
                            for (a, p) in zip(axes, point) { values[a.name] = p.match }
                            if let x = exclusions.firstIndex(where: { e in e.fields.allSatisfy { f in f.1.contains(values[f.0] ?? "") } }) {
                                counts[x] += 1
                                continue
                            }
                            let overrides = (common + (perEnv[env] ?? []) + pointSettings).filter { $0.key != "coupling" }
                            var given = Settings()
                            given["algo"] = .string(algo); given["coupling"] = .string(coupling); given["env"] = .string(env)
                            for (k, v) in overrides { given[k] = v }
                            given["total_steps"] = .number(Double(steps[env] ?? 1))
                            let key = "\(variant)|\(env)|\(algo)|\(coupling)|\(steps[env] ?? 0)"
                            if failed.contains(key) { continue }
                            let settings: Settings
                            if let s = resolved[key] { settings = s } else {
                                do { settings = try AlgorithmRegistry.resolve(given); resolved[key] = settings } catch {
                                    failed.insert(key)
                                    locate(error, variant: variant, env: env, algo: algo, coupling: coupling, point: point, axes: axes, envKey: envSpelling[env] ?? env)
                                    continue
                                }
                            }
                            let variantOut = out + "/" + variant
                            let directory = "\(variantOut)/\(env.replacingOccurrences(of: "/", with: "_"))/\(algo)-\(coupling)/seed\(seed)"
                            let label = "\(variant)/\(env)/\(algo)-\(coupling)/seed\(seed)"
                            if let other = directories[directory] {
                                fail(point.last?.line, "\(label) and \(other) would share the run directory \(directory): give distinct values or names")
                                continue
                            }
                            directories[directory] = label
                            runs.append(SweepRun(index: runs.count, variant: variant, axisValues: Dictionary(uniqueKeysWithValues: zip(axes.map(\.name), point.map(\.match))),
                                                 algo: algo, coupling: coupling, env: env, seed: seed, steps: steps[env] ?? 1,
                                                 overrides: overrides, settings: settings, out: variantOut, directory: directory))
                        }
                    }
                }
            }
        }
        for (i, e) in exclusions.enumerated() where counts[i] == 0 {
            fail(e.line, "[[exclude]] \"\(e.name)\" matches no run: check its values against the plan's lists (a typo would leave runs in)")
        }
        if errors.isEmpty, runs.isEmpty { fail(nil, "the plan expands to no run (every run is excluded)") }
        guard errors.isEmpty else { return nil }
        return SweepPlan(path: path, name: name, out: out, axes: axes, runs: runs,
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
                points.append(.init(label: PlanParser.directorySafe(pname), match: pname, settings: settings, line: line))
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
                fail(at, "grid axis `\(name)`: value \(i + 1) must be a string, number, boolean or array of numbers, or a named point, got \(e)")
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
        if let time = r.time, time.range(of: #"^(\d+-)?\d+(:\d+){0,2}$"#, options: .regularExpression) == nil {
            fail(source.line(of: "slurm.time"), "slurm.time \"\(time)\" is not Slurm's format: write MINUTES, HH:MM:SS or DAYS-HH:MM:SS")
        }
        return r
    }

    /// Turns a run's settings error into a located plan error.
    mutating func locate(_ error: Error, variant: String, env: String, algo: String, coupling: String,
                         point: [SweepAxis.Point], axes: [SweepAxis], envKey: String) {
        let run = "\(variant)/\(env)/\(algo)-\(coupling)"
        // The line that sets `key` for this run: the grid point, the environment's table or [settings].
        func settingLine(_ key: String) -> Int? {
            for p in point where p.settings.contains(where: { $0.key == key }) { return p.line }
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
        case SettingsError.unknownKeys(let keys, _, _):
            for k in keys {
                fail(settingLine(k), "unknown setting \(k) for \(algo)-\(coupling): check its spelling against `stackelberg algo list`; a key that only some of the plan's algorithms take belongs in a separate plan")
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
            fail(line, "\(run): setting \(key) must be \(expected), got \(got)")
        default:
            fail(source.line(ofValue: envKey, under: "environments"), "\(run): \(error)")
        }
    }
}

/// `s` as one shell word: unchanged when it holds only safe characters, else in single quotes.
public func shellQuoted(_ s: String) -> String {
    let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:+,@%")
    if !s.isEmpty, s.unicodeScalars.allSatisfy({ safe.contains($0) }) { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
