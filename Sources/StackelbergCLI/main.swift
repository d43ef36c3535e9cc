import ArgumentParser

/// `stackelberg`: leader–follower learning dynamics, from symbolic toy games to deep RL.
struct Stackelberg: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stackelberg",
        abstract: "Analyse leader–follower (Stackelberg) learning dynamics.",
        subcommands: [GameCommand.self, ExprCommand.self, EnvCommand.self, TrainCommand.self, AlgoCommand.self, CompareCommand.self, AttentionCommand.self, DiagnoseCommand.self, SweepCommand.self])
}

Stackelberg.main()
