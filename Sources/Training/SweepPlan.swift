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
        /// A named point's settings' own lines, by key (a refused key is said at its line, not the point's header).
        public var keyLines: [String: Int] = [:]
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
    /// Neither `name` nor `out` is given: both come from the file's name (`runs/sweeps/NAME`), which a
    /// plan read from a pipe (`/dev/fd/63`) does not keep from one reading to the next.
    public let outFromFileName: Bool
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
        let data: Data
        do { data = try readInputFile(path) } catch {
            let message = if case .tooLarge = error { error.reason } else { "cannot read the plan file (\(error.reason)): check the path" }
            throw SweepPlanErrors(errors: [SweepPlanError(path: path, line: nil, message: message)])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SweepPlanErrors(errors: [SweepPlanError(path: path, line: nil, message: "the file is not UTF-8 text, as a TOML plan is: is it the right file?")])
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
        } catch let e as TOMLNULError {
            throw SweepPlanErrors(errors: [SweepPlanError(path: path, line: e.line, message: "\(e)")])
        } catch {
            throw SweepPlanErrors(errors: [SweepPlanError(path: path, line: nil, message: "TOML syntax: \(error)")])
        }
        var p = PlanParser(path: path, source: PlanSource(text), table: table)
        let result = p.parse()
        // In the file's order (found in the order of the checks): problems of the whole plan, with no line, first.
        guard p.errors.isEmpty, let result else {
            throw SweepPlanErrors(errors: p.errors.enumerated().sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }.map(\.element))
        }
        self = result
    }

    init(path: String, name: String, out: String, outFromFileName: Bool, axes: [SweepAxis], runs: [SweepRun], excluded: [(name: String, count: Int)], slurm: SlurmResources) {
        self.path = path; self.name = name; self.out = out; self.outFromFileName = outFromFileName; self.axes = axes; self.runs = runs; self.excluded = excluded; self.slurm = slurm
    }

    /// The variants in order of first appearance.
    public var variants: [String] {
        var seen = [String]()
        for r in runs where !seen.contains(r.variant) { seen.append(r.variant) }
        return seen
    }

    /// The manifest `sweep run` writes under the output root (`sweep.json`): each run's directory with its
    /// variant, algorithm, coupling, environment, seed, steps and the settings the plan gives it (TOML
    /// text by key), which `compare` uses to label groups and checks against each run's config.toml.
    public var manifest: [String: Any] {
        ["plan": path, "name": name, "out": out,
         "runs": runs.map { r in ["directory": r.directory, "variant": r.variant, "algo": r.algo, "coupling": r.coupling,
                                  "env": r.env, "seed": Int(r.seed), "steps": r.steps,
                                  "settings": Dictionary(r.overrides.map { ($0.key, $0.value.description) }, uniquingKeysWith: { $1 })] as [String: Any] }]
    }

    /// Writes ``manifest`` to OUT/sweep.json (creating OUT).
    /// - Throws: `TrainingError.io` when OUT/sweep.json is another plan's (another `name`): the second
    ///   plan overwrote the first's manifest without a word, and `compare` then labelled the first
    ///   plan's runs by their settings only.
    public func writeManifest() throws {
        let manifestPath = out + "/sweep.json"
        if let data = FileManager.default.contents(atPath: manifestPath),
           let existing = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let other = existing["name"] as? String, other != name {
            throw TrainingError.io("\(out) holds the runs of another plan, \"\(other)\" (\(existing["plan"] as? String ?? "its plan file")); two plans under one output root overwrite each other's manifest (sweep.json, which compare reads to label the runs): give \(path) its own `out` (or, if it is that plan renamed, `name = \"\(other)\"`)")
        }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let data = try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys, .prettyPrinted])
            try data.write(to: URL(fileURLWithPath: out + "/sweep.json"), options: .atomic)
        } catch {
            throw TrainingError.io("cannot write \(out)/sweep.json: \(fileErrorReason(error, path: out + "/sweep.json")); check `out` in \(path) (a writable directory)")
        }
    }
}

/// `s` as one shell word: unchanged when it holds only safe characters, else in single quotes.
public func shellQuoted(_ s: String) -> String {
    let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:+,@%")
    if !s.isEmpty, s.unicodeScalars.allSatisfy({ safe.contains($0) }) { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
