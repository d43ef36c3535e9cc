import ArgumentParser
import Foundation
import Training

/// `stackelberg sweep`: experiment grids from a plan file, on this machine or on a Slurm cluster.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a grid of training runs from a plan file (TOML), on this machine or on a Slurm cluster.",
        discussion: """
            A plan lists algorithms, couplings, environments, seeds, a settings grid (lists expand as a product, \
            minus named exclusions), a step budget and an output root; every run is one seed of `stackelberg \
            train` in OUT/VARIANT/ENV/ALGO-COUPLING/seedN. `plan` shows the runs and their cost, `run` trains \
            them (finished runs are skipped, interrupted ones resume exactly), `status` says where each stands. \
            See the README's "Sweeps" section for the plan format.
            """,
        subcommands: [SweepPlanCommand.self, SweepRunCommand.self, SweepStatusCommand.self])
}

/// Where a sweep's runs go.
enum SweepBackend: String, ExpressibleByArgument, CaseIterable {
    case local, slurm
}

/// Loads a plan, printing every problem it has (each with its line) and exiting 1 when it has any.
func loadPlan(_ path: String) throws -> SweepPlan {
    do { return try SweepPlan(contentsOf: path) } catch let e as SweepPlanErrors {
        for error in e.errors { FileHandle.standardError.write(Data("error: \(error)\n".utf8)) }
        FileHandle.standardError.write(Data("\(e.errors.count) problem\(e.errors.count == 1 ? "" : "s") in \(path); nothing was written\n".utf8))
        throw ExitCode(1)
    }
}

/// The default speed table, beside the plans.
let defaultSpeedTable = "configs/sweeps/speed.toml"

/// `stackelberg sweep plan PLAN.toml`.
struct SweepPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print a plan's expanded runs (directory and train command) and its cost estimate; writes nothing.",
        discussion: """
            The cost estimate prices each algorithm-coupling × environment at its measured steps per second \
            (one process per core on this machine; --speed, default \(defaultSpeedTable), written by \
            scripts/sweeps/measure-speed.sh). A bad plan is refused with every problem and its line.
            """)

    @Argument(help: "The plan file (TOML).") var plan: String
    @Option(help: "Speed table for the cost estimate (default \(defaultSpeedTable) when it exists).") var speed: String?
    @Flag(help: "Only the counts and the cost estimate, not every run.") var summary = false

    func run() throws {
        try reportingErrors {
            let p = try loadPlan(plan)
            let speeds = try loadSpeeds(speed)
            print(describe(p))
            if !summary {
                let width = String(p.runs.count - 1).count
                for r in p.runs {
                    print("\(String(r.index).leftPadded(width))  \(r.directory)")
                    print("\(String(repeating: " ", count: width))    stackelberg " + r.trainArguments().map(shellQuoted).joined(separator: " "))
                }
                print("")
            }
            print(SweepCost(plan: p, speeds: speeds).report(cores: ProcessInfo.processInfo.activeProcessorCount, measured: speeds?.measured), terminator: "")
            if speeds == nil { print("  (no speed table: measure one with scripts/sweeps/measure-speed.sh, or pass --speed FILE)") }
        }
    }
}

/// The speed table at `path`, or the default one when it exists.
func loadSpeeds(_ path: String?) throws -> SpeedTable? {
    if let path { return try SpeedTable(contentsOf: path) }
    return FileManager.default.fileExists(atPath: defaultSpeedTable) ? try SpeedTable(contentsOf: defaultSpeedTable) : nil
}

/// The plan's counts: runs, variants, environments, algorithms, seeds, exclusions.
func describe(_ p: SweepPlan) -> String {
    let envs = Set(p.runs.map(\.env)).count, pairs = Set(p.runs.map { "\($0.algo)-\($0.coupling)" }).count, seeds = Set(p.runs.map(\.seed)).count
    var s = "plan \(p.path) (\(p.name)): \(p.runs.count) run\(p.runs.count == 1 ? "" : "s") under \(p.out)\n"
    s += "  \(p.variants.count) variant\(p.variants.count == 1 ? "" : "s") (\(p.variants.joined(separator: ", "))) × \(envs) environment\(envs == 1 ? "" : "s") × \(pairs) algorithm-coupling\(pairs == 1 ? "" : "s") × \(seeds) seed\(seeds == 1 ? "" : "s")"
    for (name, count) in p.excluded { s += "\n  excluded: \(name) (\(count) run\(count == 1 ? "" : "s"))" }
    return s + "\n"
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

// Placeholders replaced in the next steps.
struct SweepRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a plan's grid.")
    @Argument(help: "The plan file (TOML).") var plan: String
    func run() throws { throw ValidationError("not yet") }
}

struct SweepStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Where each run of a plan stands.")
    @Argument(help: "The plan file (TOML).") var plan: String
    func run() throws { throw ValidationError("not yet") }
}
