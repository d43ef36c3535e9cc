import ArgumentParser
import Foundation
import Training

/// `stackelberg algo`: what the algorithm registry holds.
struct AlgoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "algo", abstract: "Algorithms: their couplings, action spaces and settings.", subcommands: [List.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every algorithm with the couplings and action spaces it takes and its settings with their defaults.",
            discussion: "Defaults differ by environment family (classic control, MinAtar, Atari, MuJoCo); each family's is shown. Coupling options are listed under their coupling.")
        @Flag(help: "One JSON document instead of text.") var json = false

        func run() throws {
            try reportingErrors {
                if json { print(try jsonListing()) } else { print(try textListing()) }
            }
        }

        /// The families whose defaults an algorithm lists: those with an environment it can act in.
        private func defaultsByFamily(_ entry: AlgorithmRegistry.Entry) throws -> [(family: String, settings: Settings)] {
            let families: [EnvironmentFamily] = entry.actionSpaces.contains(.discrete)
                ? (entry.actionSpaces.contains(.box) ? [.classic, .minAtar, .atari, .muJoCo] : [.classic, .minAtar, .atari])
                : [.classic, .muJoCo]
            return try families.map { f in (family: f.rawValue, settings: try AlgorithmRegistry.defaults(algo: entry.name, coupling: entry.couplings[0], env: f.example)) }
        }

        /// Classic-control environments whose defaults differ from the family's example (Acrobot runs
        /// longer): key → [(environment, value)].
        private func classicExceptions(_ entry: AlgorithmRegistry.Entry) throws -> [String: [(env: String, value: Settings.Value)]] {
            guard entry.actionSpaces.contains(.discrete) else { return [:] }
            let base = try AlgorithmRegistry.defaults(algo: entry.name, coupling: entry.couplings[0], env: EnvironmentFamily.classic.example)
            var out = [String: [(env: String, value: Settings.Value)]]()
            for env in ["acrobot", "mountaincar"] {
                let s = try AlgorithmRegistry.defaults(algo: entry.name, coupling: entry.couplings[0], env: env)
                for k in s.keys where s[k] != base[k] && k != "env" { out[k, default: []].append((env, s[k]!)) }
            }
            return out
        }

        /// Lines naming the run, coupling and algorithm keys whose default this algorithm sets
        /// itself (per family), and the algorithm keys a coupling other than its first changes.
        private func couplingDifferences(_ e: AlgorithmRegistry.Entry) throws -> [String] {
            var lines = [String]()
            let families = try defaultsByFamily(e).map(\.family)
            for family in families {
                let env = EnvironmentFamily(rawValue: family)!.example
                let o = e.overrides(env, e.couplings[0])
                if !o.keys.isEmpty {
                    lines.append("  its own defaults of run and coupling keys on \(family) (listed below with the general ones): "
                        + o.keys.map { "\($0) = \(o[$0]!.description)" }.joined(separator: ", "))
                }
                let base = try AlgorithmRegistry.defaults(algo: e.name, coupling: e.couplings[0], env: env)
                for c in e.couplings.dropFirst() {
                    // Defaults where the coupling cannot run would list what never runs.
                    let runsOn = e.families(c)
                    if !runsOn.contains(where: { $0.rawValue == family }) {
                        lines.append("  under \(c) on \(family): not available (\(c) runs on \(runsOn.map(\.rawValue).joined(separator: ", ")))")
                        continue
                    }
                    let other = try AlgorithmRegistry.defaults(algo: e.name, coupling: c, env: env)
                    let changed = other.keys.filter { $0 != "coupling" && other[$0] != base[$0] }
                    if !changed.isEmpty {
                        lines.append("  under \(c) on \(family): " + changed.map { "\($0) = \(other[$0]!.description)" }.joined(separator: ", "))
                    }
                }
            }
            return lines
        }

        private func takers(_ coupling: String) -> [String] {
            AlgorithmRegistry.entries.filter { $0.couplings.contains(coupling) }.map(\.name)
        }

        private func textListing() throws -> String {
            var out = ""
            for e in AlgorithmRegistry.entries {
                out += "\(e.name): \(e.summary)\n"
                out += "  couplings: \(e.couplings.joined(separator: ", "))\n"
                out += "  action spaces: \(e.actionSpaces.map(\.rawValue).joined(separator: ", "))\n"
                let byFamily = try defaultsByFamily(e)
                out += "  settings (defaults: \(byFamily.map(\.family).joined(separator: " / "))):\n"
                let exceptions = try classicExceptions(e)
                for (key, help) in e.settings {
                    let values = byFamily.map { $0.settings[key]?.description ?? "-" }
                    var shown = Set(values).count == 1 ? values[0] : values.joined(separator: " / ")
                    if let x = exceptions[key] { shown += " (" + x.map { "\($0.env): \($0.value.description)" }.joined(separator: ", ") + ")" }
                    out += "    \(key) = \(shown)    # \(help)\n"
                }
                for line in try couplingDifferences(e) { out += line + "\n" }
                out += "\n"
            }
            out += "run settings, every algorithm (defaults: classic and mujoco / minatar and atari):\n"
            let small = RunOptions.preset(for: .classic), large = RunOptions.preset(for: .minAtar)
            var a = Settings(), b = Settings()
            RunOptions.table.write(small, into: &a); RunOptions.table.write(large, into: &b)
            for d in RunOptions.table.declarations {
                let (x, y) = (a[d.key]!.description, b[d.key]!.description)
                out += "    \(d.key) = \(x == y ? x : x + " / " + y)    # \(d.help)\n"
            }
            out += "\ngame diagnostics settings, every algorithm and coupling (`stackelberg diagnose` reads what they log):\n"
            for (key, help, value) in try diagnosticsDefaults() { out += "    \(key) = \(value)    # \(help)\n" }
            out += "\ncouplings (their keys are accepted by every algorithm that takes the coupling):\n"
            for c in CouplingRegistry.entries {
                let by = takers(c.name)
                out += "  \(c.name): \(c.summary)\n    taken by: \(by.isEmpty ? "no algorithm yet" : by.joined(separator: ", "))\n"
                for (key, help) in c.settings { out += "    \(key) = \(c.defaults[key]!.description)    # \(help)\n" }
            }
            return out
        }

        /// The diagnostics' keys with their defaults; the interval, which differs by algorithm, as
        /// `algo: value` pairs.
        private func diagnosticsDefaults() throws -> [(key: String, help: String, value: String)] {
            var first = Settings()
            DiagnosticsSettings.table.write(DiagnosticsSettings.preset(algo: "dqn", env: "cartpole"), into: &first)
            return DiagnosticsSettings.table.declarations.map { d in
                if d.key == "diagnostics.interval" {
                    let byAlgo = AlgorithmRegistry.names.map { algo in
                        let small = DiagnosticsSettings.defaultInterval(algo: algo, family: .classic)
                        let large = DiagnosticsSettings.defaultInterval(algo: algo, family: .minAtar)
                        return "\(algo): " + (small == large ? "\(small)" : "\(small) / \(large) (minatar, atari)")
                    }
                    return (d.key, d.help, byAlgo.joined(separator: ", "))
                }
                return (d.key, d.help, first[d.key]!.description)
            }
        }

        private func jsonValue(_ v: Settings.Value?) -> Any {
            switch v {
            case nil: return NSNull()
            case .string(let s)?: return s
            case .number(let x)?: return x
            case .bool(let b)?: return b
            case .numbers(let xs)?: return xs
            }
        }

        private func jsonListing() throws -> String {
            let algorithms: [[String: Any]] = try AlgorithmRegistry.entries.map { e in
                let byFamily = try defaultsByFamily(e)
                let exceptions = try classicExceptions(e)
                return ["name": e.name, "summary": e.summary, "couplings": e.couplings, "action_spaces": e.actionSpaces.map(\.rawValue),
                        "environment_defaults": Dictionary(uniqueKeysWithValues: exceptions.map { k, v in
                            (k, Dictionary(uniqueKeysWithValues: v.map { ($0.env, jsonValue($0.value)) })) }),
                        "settings": e.settings.map { k, help in
                            ["key": k, "help": help,
                             "defaults": Dictionary(uniqueKeysWithValues: byFamily.map { ($0.family, jsonValue($0.settings[k])) })] as [String: Any]
                        }]
            }
            var small = Settings(), large = Settings()
            RunOptions.table.write(RunOptions.preset(for: .classic), into: &small)
            RunOptions.table.write(RunOptions.preset(for: .minAtar), into: &large)
            let run: [[String: Any]] = RunOptions.table.declarations.map { d in
                ["key": d.key, "help": d.help, "defaults": ["classic": jsonValue(small[d.key]), "mujoco": jsonValue(small[d.key]),
                                                            "minatar": jsonValue(large[d.key]), "atari": jsonValue(large[d.key])]]
            }
            let diagnostics: [[String: Any]] = try diagnosticsDefaults().map { ["key": $0.key, "help": $0.help, "default": $0.value] }
            let couplings: [[String: Any]] = CouplingRegistry.entries.map { c in
                ["name": c.name, "summary": c.summary, "needs_td_error_model": c.needsTDErrorModel, "taken_by": takers(c.name),
                 "settings": c.settings.map { k, help in ["key": k, "help": help, "default": jsonValue(c.defaults[k])] as [String: Any] }]
            }
            let data = try JSONSerialization.data(withJSONObject: ["algorithms": algorithms, "run_settings": run, "diagnostics_settings": diagnostics, "couplings": couplings], options: [.prettyPrinted, .sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }
}
