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
// silently. Help, and the commands that do no matrix products, are left alone. Exit 78 (EX_CONFIG), as
// for any refused setting: the environment variables are the run's configuration too.
let tensorCommands: Set = ["train", "attention", "sweep"]
let arguments = CommandLine.arguments.dropFirst()
if let command = arguments.first, tensorCommands.contains(command), !arguments.contains(where: { $0 == "--help" || $0 == "-h" }) {
    do { _ = try BLAS.gemmBackendFromEnvironment() } catch {
        try? FileHandle.standardError.write(contentsOf: Data("error: \(error)\n".utf8))
        exit(78)
    }
}
// An expression such as `---1` reads to the argument parser as a malformed option, which it refuses
// before `expr` sees its words: say how to pass it.
do {
    var command = try Stackelberg.parseAsRoot()
    try command.run()
    // What the command printed reached its output, or the command fails (exit 3, as an output that failed).
    do { try checkStandardOutput() } catch {
        try? FileHandle.standardError.write(contentsOf: Data("error: \(error)\n".utf8))
        exit(3)
    }
} catch {
    let message = Stackelberg.message(for: error)
    if arguments.first == "expr", message.hasPrefix("Invalid option") {
        let (sub, rest) = (arguments.dropFirst().first ?? "eval", Array(arguments.dropFirst(2)))
        // The command's own options go before --: everything after it is the expression.
        let optionsTakingValues: Set = ["--at", "--wrt", "--format"]
        var options = [String](), expression = [String](), k = 0
        while k < rest.count {
            let word = rest[k]
            if optionsTakingValues.contains(word), k + 1 < rest.count {
                options += [word, rest[k + 1]]; k += 2
            } else if let eq = word.firstIndex(of: "="), optionsTakingValues.contains(String(word[..<eq])) {
                options.append(word); k += 1
            } else {
                expression.append(word); k += 1
            }
        }
        let quoted = { (words: [String]) in
            words.map { optionsTakingValues.contains($0) ? $0 : "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        }
        let suggestion = (["stackelberg", "expr", sub] + quoted(options) + ["--"] + quoted(expression)).joined(separator: " ")
        try? FileHandle.standardError.write(contentsOf: Data("error: \(message): an expression that reads as an option goes after --, with the command's options before it, as in \(suggestion)\n".utf8))
        exit(64)
    }
    Stackelberg.exit(withError: error)
}
