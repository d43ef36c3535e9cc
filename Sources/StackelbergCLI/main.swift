import ArgumentParser
import Autodiff
import Foundation

/// `stackelberg`: leader–follower learning dynamics, from symbolic toy games to deep RL.
struct Stackelberg: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stackelberg",
        abstract: "Analyse leader–follower (Stackelberg) learning dynamics.",
        subcommands: [GameCommand.self, ExprCommand.self, EnvCommand.self, TrainCommand.self, AlgoCommand.self, CompareCommand.self, AttentionCommand.self, DiagnoseCommand.self, SweepCommand.self])
}

// An unknown STACKELBERG_GEMM is refused before any command runs (the tensor core would otherwise
// fall back to its default silently).
do { _ = try BLAS.gemmBackendFromEnvironment() } catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(2)
}
Stackelberg.main()
