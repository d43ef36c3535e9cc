import Agents

/// Couplings by name, each with its option keys declared once. An algorithm's registry entry lists
/// the ones it accepts; a new coupling is one file in Agents/Couplings plus one entry here.
public enum CouplingRegistry {
    public struct Entry: Sendable {
        public let name: String
        public let summary: String
        /// SCORER forms its losses from TD errors: only value-based models with an encoder play it.
        public let needsTDErrorModel: Bool
        /// The option keys with their help, in order.
        public let settings: [(key: String, help: String)]
        /// The option keys at their defaults.
        public let defaults: Settings
        /// The coupling's choice from resolved settings.
        let makeSpec: @Sendable (Settings) throws -> any CouplingSpec

        init<O: Sendable>(name: String, summary: String, needsTDErrorModel: Bool = false, options: SettingTable<O>, preset: O,
                make: @escaping @Sendable (O) throws -> any CouplingSpec) {
            self.name = name
            self.summary = summary
            self.needsTDErrorModel = needsTDErrorModel
            settings = options.declarations.map { (key: $0.key, help: $0.help) }
            var d = Settings()
            options.write(preset, into: &d)
            defaults = d
            makeSpec = { s in try make(try options.read(s, into: preset)) }
        }
    }

    /// SCORER's option keys, under `scorer.`.
    static let scorerTable = SettingTable<ScorerOptions>([
        .choice("scorer.follower_objective", \.followerObjective, "the follower's loss: Var δ (paper) or mean δ² (ablation)"),
        .choice("scorer.order", \.order, "which player steps first in an update"),
        .choice("scorer.decay", \.decay, "learning-rate schedules of the two players"),
        .int("scorer.follower_steps", \.followerSteps, "follower steps per leader step"),
        .bool("scorer.separate_batches", \.separateBatches, "each player step draws its own minibatch (the paper)"),
    ])

    public static let entries: [Entry] = [
        Entry(name: "monolithic", summary: "one network, one optimizer on the joint loss (the baselines)",
              options: SettingTable<Int>([]), preset: 0, make: { _ in MonolithicSpec() }),
        Entry(name: "scorer", summary: "SCORER: encoder follower on Var δ, Q-head leader on the MSBE, two timescales (arXiv 2508.07452)",
              needsTDErrorModel: true, options: scorerTable, preset: ScorerOptions(), make: { ScorerSpec($0) }),
    ]

    public static var names: [String] { entries.map(\.name) }

    public static func entry(_ name: String) throws -> Entry {
        guard let e = entries.first(where: { $0.name == name }) else {
            throw SettingsError.type("coupling", "one of \(names.joined(separator: ", "))", name)
        }
        return e
    }
}
