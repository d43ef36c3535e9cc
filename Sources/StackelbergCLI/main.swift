import ArgumentParser
import Autodiff
import Foundation

/// `stackelberg`: leader–follower learning dynamics, from symbolic toy games to deep RL.
struct Stackelberg: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stackelberg",
        abstract: "Analyse leader–follower (Stackelberg) learning dynamics.",
        subcommands: [GameCommand.self, ExprCommand.self, EnvCommand.self, TrainCommand.self, AlgoCommand.self, CompareCommand.self, WindowsCommand.self, AttentionCommand.self, DiagnoseCommand.self, SweepCommand.self])
}

// The commands that run the tensor core refuse an unknown STACKELBERG_GEMM (or a bad
// STACKELBERG_BLAS_THREADS) before any work: the core would otherwise fall back to its default
// silently. Help, and the commands that do no matrix products, are left alone.
let tensorCommands: Set = ["train", "attention", "sweep"]
let arguments = CommandLine.arguments.dropFirst()
if let command = arguments.first, tensorCommands.contains(command), !arguments.contains(where: { $0 == "--help" || $0 == "-h" }) {
    do { _ = try BLAS.gemmBackendFromEnvironment() } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(2)
    }
}
Stackelberg.main()
