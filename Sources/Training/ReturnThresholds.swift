import Foundation

/// The training returns `stackelberg compare --threshold` measures steps to, per environment.
///
/// Returns are on each environment's own scale (17 on MinAtar Breakout is a good score, −100 on
/// Acrobot), so a sweep over several environments takes one threshold per environment
/// (`--threshold minatar/breakout=17 --threshold minatar/asterix=20`); a bare value applies to every
/// environment that has none of its own.
public struct ReturnThresholds: Sendable, Equatable {
    /// Thresholds named for one environment (its `env` as the runs' config.toml writes it).
    public private(set) var byEnvironment: [String: Double] = [:]
    /// The threshold for every environment not named.
    public private(set) var everywhere: Double?

    /// A `--threshold` value refused, said with what to write instead (the CLI exits 64).
    public struct Refusal: Error, CustomStringConvertible, Equatable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public init() {}

    /// Parses `--threshold` values: `VALUE` or `ENV=VALUE`, each a finite return, at most one bare value
    /// and one per environment. Errors name the value and say what to write.
    public init(parsing values: [String]) throws(Refusal) {
        for raw in values {
            let text = raw.trimmingCharacters(in: .whitespaces)
            // The environment is everything before the last "=": env names hold "/" and "-", never "=".
            let env: String?, number: Substring
            if let eq = text.lastIndex(of: "=") {
                env = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
                number = text[text.index(after: eq)...]
                if env!.isEmpty { throw Refusal("--threshold \(raw): no environment before \"=\"; write ENV=VALUE (e.g. minatar/breakout=17) or a bare VALUE for every environment") }
            } else {
                env = nil; number = Substring(text)
            }
            guard let value = Double(number.trimmingCharacters(in: .whitespaces)) else {
                throw Refusal("--threshold \(raw): \"\(number)\" is not a number; write a training return, e.g. --threshold 17 or --threshold minatar/breakout=17")
            }
            guard value.isFinite else { throw Refusal("--threshold must be a finite return, got \(raw)") }
            if let env {
                if byEnvironment[env] != nil { throw Refusal("--threshold names \(env) twice: give each environment one threshold") }
                byEnvironment[env] = value
            } else {
                if everywhere != nil { throw Refusal("--threshold is given two bare values (\(fmtReturn(everywhere!)) and \(fmtReturn(value))): give one for every environment, or name each one's (ENV=VALUE)") }
                everywhere = value
            }
        }
    }

    public var isEmpty: Bool { byEnvironment.isEmpty && everywhere == nil }

    /// The threshold for `env`: its own, else the bare one, else none.
    public func value(for env: String) -> Double? { byEnvironment[env] ?? everywhere }

    /// Refuses thresholds named for an environment none of the compared runs trained on (a typo would
    /// otherwise drop that environment's threshold without a word).
    public func check(against environments: [String]) throws(Refusal) {
        let unknown = byEnvironment.keys.filter { !environments.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw Refusal("--threshold names \(unknown.joined(separator: ", ")), which no compared run trained on; the runs' environments are \(environments.joined(separator: ", "))")
        }
    }
}

private func fmtReturn(_ x: Double) -> String { String(format: "%g", x) }
