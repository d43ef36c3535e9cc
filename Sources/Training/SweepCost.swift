import Environments
import Foundation
import TOMLKit

/// Measured training speeds (environment steps per second of one process on one core), by
/// algorithm-coupling and environment, read from a TOML table that
/// `scripts/sweeps/measure-speed.sh` writes (`configs/sweeps/speed.toml`):
///
/// ```toml
/// measured = "…how and where…"
/// [rates."dqn-scorer"]
/// "minatar/breakout" = 5400.0
/// ```
public struct SpeedTable: Sendable {
    /// How the rates were measured (the file's `measured` text).
    public let measured: String
    /// "algo-coupling" → environment → steps/s.
    public let rates: [String: [String: Double]]

    public init(measured: String, rates: [String: [String: Double]]) {
        self.measured = measured
        self.rates = rates
    }

    /// Reads a speed table. Errors name the file (and TOMLKit's line for a syntax error).
    public init(contentsOf path: String) throws {
        let data: Data
        do { data = try readInputFile(path) } catch {
            if case .tooLarge = error { throw TrainingError.io("the speed table \(path): \(error.reason)") }
            throw TrainingError.io("cannot read the speed table \(path) (\(error.reason)): check the path, or measure one with scripts/sweeps/measure-speed.sh")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TrainingError.io("the speed table \(path) is not UTF-8 text, as TOML is: is it the right file? Measure one with scripts/sweeps/measure-speed.sh")
        }
        let t: TOMLTable
        do { t = try parsedTOML(text) } catch let e as TOMLParseError {
            throw TrainingError.io("\(path):\(e.source.begin.line): TOML syntax: \(e.description)")
        } catch let e as TOMLHeaderError {
            throw TrainingError.io("\(path):\(e.line): TOML syntax: \(e)")
        } catch let e as TOMLNULError {
            throw TrainingError.io("\(path):\(e.line): \(e)")
        }
        // A table without [rates] (another TOML file given by mistake, a plan) priced every run as unmeasured.
        guard let table = t["rates"]?.table, !table.isEmpty else {
            throw TrainingError.io("\(path) has no [rates] table of steps per second (pair.environment = rate): it is not a speed table; measure one with scripts/sweeps/measure-speed.sh")
        }
        var rates = [String: [String: Double]]()
        for (pair, v) in table {
            guard let envs = v.table else { throw TrainingError.io("\(path): rates.\(pair) must be a table of environment = steps per second") }
            // A misspelled pair would never be looked up: its runs would cost nothing, without a word.
            guard Self.isKnownPair(pair) else {
                throw TrainingError.io("\(path): rates.\(pair) is not an algorithm-coupling pair (`stackelberg algo list` lists them, e.g. dqn-scorer)")
            }
            for (env, r) in envs {
                // A rate is one process's steps per second: below 1e-3 (a step per 17 minutes) or above 1e9
                // it is a typo, and an inf or 1e-300 printed a zero or a 300-digit cost.
                guard let x = r.double ?? r.int.map(Double.init), x.isFinite, x >= 1e-3, x <= 1e9 else {
                    throw TrainingError.io("\(path): rates.\(pair).\(env) must be a number of steps per second from 0.001 to 1e9, got \(r)")
                }
                rates[pair, default: [:]][env] = x
            }
        }
        measured = t["measured"]?.string ?? ""
        self.rates = rates
    }

    /// Whether `pair` is ALGO-COUPLING of a registered algorithm and one of its couplings (an
    /// algorithm's name has no "-"; a coupling's may, as `actor-leader`).
    static func isKnownPair(_ pair: String) -> Bool {
        guard let dash = pair.firstIndex(of: "-") else { return false }
        let algo = String(pair[..<dash]), coupling = String(pair[pair.index(after: dash)...])
        return ((try? AlgorithmRegistry.entry(algo))?.couplings.contains(coupling)) ?? false
    }

    /// The rate of `algo-coupling` on `env`, and where it comes from: the measurement on that
    /// environment, else the mean over the same family's measured environments ("family"), else nil.
    public func rate(algo: String, coupling: String, env: String) -> (stepsPerSecond: Double, source: String)? {
        let pair = "\(algo)-\(coupling)"
        guard let byEnv = rates[pair] else { return nil }
        if let r = byEnv[env] { return (r, "measured") }
        let family = EnvironmentFamily(environment: env)
        // A variant spelling (breakout-minimal) runs at its game's speed.
        if let base = env.split(separator: "-").first.map(String.init), let r = byEnv[base] { return (r, "as \(base)") }
        let same = byEnv.filter { EnvironmentFamily(environment: $0.key) == family }.map(\.value)
        guard !same.isEmpty else { return nil }
        return (same.reduce(0, +) / Double(same.count), "\(family.rawValue) mean")
    }
}

/// What a plan costs: runs, environment steps and expected core-hours from a ``SpeedTable``.
public struct SweepCost: Sendable {
    public struct Line: Sendable {
        public let algoCoupling: String
        public let env: String
        public let runs: Int
        public let steps: Double
        /// nil when no rate is known for this pair.
        public let stepsPerSecond: Double?
        public let source: String
        /// steps / rate / 3600 × cores per run; nil without a rate.
        public let coreHours: Double?
    }
    public let lines: [Line]
    public let cpusPerRun: Int

    /// Groups the plan's runs by algorithm-coupling and environment and prices each group.
    public init(plan: SweepPlan, speeds: SpeedTable?) {
        var order = [String](), groups = [String: (algo: String, coupling: String, env: String, runs: Int, steps: Double)]()
        for r in plan.runs {
            let k = "\(r.algo)-\(r.coupling)|\(r.env)"
            if groups[k] == nil { order.append(k); groups[k] = (r.algo, r.coupling, r.env, 0, 0) }
            groups[k]!.runs += 1
            groups[k]!.steps += Double(r.steps)
        }
        cpusPerRun = plan.slurm.cpus
        lines = order.map { k in
            let g = groups[k]!
            let rate = speeds?.rate(algo: g.algo, coupling: g.coupling, env: g.env)
            return Line(algoCoupling: "\(g.algo)-\(g.coupling)", env: g.env, runs: g.runs, steps: g.steps,
                        stepsPerSecond: rate?.stepsPerSecond, source: rate?.source ?? "not measured",
                        coreHours: rate.map { g.steps / $0.stepsPerSecond / 3600 * Double(plan.slurm.cpus) })
        }
    }

    public var runs: Int { lines.map(\.runs).reduce(0, +) }
    public var steps: Double { lines.map(\.steps).reduce(0, +) }
    /// Core-hours of the priced lines (a lower bound when some are unpriced).
    public var coreHours: Double { lines.compactMap(\.coreHours).reduce(0, +) }
    public var unpriced: [Line] { lines.filter { $0.coreHours == nil } }

    /// A text table: one line per algorithm-coupling × environment, then the totals, and the
    /// wall time on `cores` cores of this machine.
    public func report(cores: Int, measured: String?) -> String {
        // Below 1k steps the count itself: a 100-step plan read as "0k".
        func fmt(_ x: Double) -> String {
            x >= 1e9 ? String(format: "%.2fB", x / 1e9) : x >= 1e6 ? String(format: "%.1fM", x / 1e6) : x >= 1e3 ? String(format: "%.0fk", x / 1e3) : String(format: "%.0f", x)
        }
        // Two significant digits below 0.1 (a tiny plan's "0.0 core-hours" read as free).
        func hours(_ x: Double) -> String { x >= 100 ? String(format: "%.0f", x) : x >= 0.1 || x == 0 ? String(format: "%.1f", x) : String(format: "%.2g", x) }
        let w1 = max(14, lines.map(\.algoCoupling.count).max() ?? 0), w2 = max(11, lines.map(\.env.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { s.padding(toLength: max(w, s.count), withPad: " ", startingAt: 0) }
        var s = "cost estimate\n"
        s += "  \(pad("algo-coupling", w1))  \(pad("environment", w2))  runs      steps   steps/s (source)            core-hours\n"
        for l in lines {
            let rate = l.stepsPerSecond.map { String(format: "%.0f", $0) + " (\(l.source))" } ?? "— (not measured)"
            s += "  \(pad(l.algoCoupling, w1))  \(pad(l.env, w2))  \(pad(String(l.runs), 4))  \(pad(fmt(l.steps), 9))  \(pad(rate, 26))  \(l.coreHours.map(hours) ?? "?")\n"
        }
        let perRun = "at \(cpusPerRun) core\(cpusPerRun == 1 ? "" : "s") per run"
        if unpriced.count == lines.count {
            // Nothing priced: a total of 0 core-hours would read as "free", so say it is unknown.
            s += "  total: \(runs) run\(runs == 1 ? "" : "s"), \(fmt(steps)) environment steps; core-hours unknown (no line measured) \(perRun)\n"
        } else {
            let unknown = unpriced.isEmpty ? "" : " (at least: \(unpriced.count) line\(unpriced.count == 1 ? "" : "s") not measured)"
            s += "  total: \(runs) run\(runs == 1 ? "" : "s"), \(fmt(steps)) environment steps, \(hours(coreHours)) core-hours\(unknown) \(perRun)\n"
            s += "  on this machine's \(cores) core\(cores == 1 ? "" : "s") (one run per core): about \(hours(coreHours / Double(max(1, cores / max(1, cpusPerRun))))) hours of wall time\n"
        }
        if let measured, !measured.isEmpty { s += "  rates: \(measured)\n" }
        return s
    }
}
