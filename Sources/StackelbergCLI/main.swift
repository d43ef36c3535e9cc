import ArgumentParser
import Autodiff
import Foundation

/// The tool's name and release, as reports record it beside the commit.
let toolVersion = "stackelberg 0.1.0"

/// `stackelberg`: leader–follower learning dynamics, from symbolic toy games to deep RL.
struct Stackelberg: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stackelberg",
        abstract: "Analyse leader–follower (Stackelberg) learning dynamics.",
        // `stackelberg --version`: the release and the commit the binary was built from, as every
        // report and config.toml records them.
        version: "\(toolVersion) (commit \(buildCommit))",
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
// An expression such as `---1` reads to the argument parser as a malformed option, which it refuses
// before `expr` sees its words: say how to pass it.
do {
    var command = try Stackelberg.parseAsRoot()
    try command.run()
} catch {
    let message = Stackelberg.message(for: error)
    if arguments.first == "expr", message.hasPrefix("Invalid option") {
        let (sub, rest) = (arguments.dropFirst().first ?? "eval", arguments.dropFirst(2))
        let quoted = rest.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        FileHandle.standardError.write(Data("error: \(message): an expression that reads as an option goes after --, as in stackelberg expr \(sub) -- \(quoted)\n".utf8))
        exit(64)
    }
    Stackelberg.exit(withError: error)
}
