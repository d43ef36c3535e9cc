import ArgumentParser
import Foundation
import Games
import Plotting
import Training

struct GameCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "game",
        abstract: "Analyse two-player leader–follower games.",
        subcommands: [Analyze.self, Check.self, List.self])
}

/// Options shared by `analyze` and `check`.
struct DynamicsOptions: ParsableArguments {
    // `.unconditional` on the numbers: a negative value reaches the range check (and its message)
    // instead of reading as an unknown flag ("Missing value for '--lambda'").
    @Option(parsing: .unconditional, help: "Regularization λ of the regularized Stackelberg dynamic (λ = 0 is always analysed too).")
    var lambda: Double?
    @Option(parsing: .unconditional, help: "Leader learning rate α1.") var lrLeader: Double?
    @Option(parsing: .unconditional, help: "Follower learning rate α2.") var lrFollower: Double?
    @Option(parsing: .unconditional, help: "Two-timescale ratio α1/α2 (sets α1 from α2).") var timescaleRatio: Double?
    @Option(parsing: .unconditional, help: "Follower steps m per leader step (Alg. 2; default: 1).", transform: Count.parse) var unroll: Count = Count(1)
    @Option(parsing: .unconditional, help: "Iterations for the error curves and trajectories (e.g. 2000 or 1e5).", transform: Count.parse) var iterations: Count?
    @Option(parsing: .unconditional, help: "Iterations for the leader's return curve.", transform: Count.parse) var returnIterations: Count?
    @Option(parsing: .unconditional, help: "Start of the error and return curves, e.g. 0.8,0.6.") var start: String?
    @Option(parsing: .unconditional, help: "Starts of the plotted trajectories, x,y;x,y…") var starts: String?
    @Option(parsing: .unconditional, help: "Arrows per axis in the vector-field plots (at most \(AnalysisLimits.maxFieldPoints)).") var grid: Int = 21
    @Option(parsing: .unconditional, help: "Root-finder starts per axis in the equilibrium search (default 9, fewer above 3 variables to keep 4096 starts; at most \(RootSearch.maxStarts) starts in all).") var rootStarts: Int?
    @Option(parsing: .unconditional, help: "Seed of every random draw (sampled gradients of stochastic games; a whole number ≥ 0).") var seed: String = "0"

    func options() throws -> AnalysisOptions {
        var o = AnalysisOptions()
        o.lambda = lambda
        o.leaderLearningRate = lrLeader
        o.followerLearningRate = lrFollower
        o.timescaleRatio = timescaleRatio
        o.unroll = unroll.value
        o.iterations = iterations?.value
        o.returnIterations = returnIterations?.value
        o.start = try start.map { try parsePoints($0, option: "--start").first ?? [] }
        o.trajectoryStarts = try starts.map { try parsePoints($0, option: "--starts") }
        o.fieldPoints = grid
        o.rootStartsPerAxis = rootStarts
        let seed = try seedValue(seed)
        o.seed = seed
        return o
    }
}

extension GameCommand {
    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Derive, find and classify equilibria, iterate every dynamic, and write the report and plots.")

        @OptionGroup var selection: GameSelection
        @OptionGroup var dynamics: DynamicsOptions
        @Option(parsing: .unconditional, help: "Evaluate every dynamic at these points, x,y;x,y… (reported in report.json and report.txt).")
        var points: String?
        @Option(parsing: .unconditional, help: "Point for the spectrum-versus-λ sweep, e.g. 0.2,-0.04.") var spectrumAt: String?
        @Option(parsing: .unconditional, help: "Point the error curves and swept angle measure against, e.g. 1,1 (default: the differential Stackelberg equilibrium nearest the start).")
        var reference: String?
        @Option(help: "Output directory (default: results/NAME for --builtin NAME, results/game for your own).") var out: String?
        @Flag(help: "Also render SVG.") var svg = false
        @Flag(help: "Write the gnuplot scripts and data without rendering.") var noRender = false
        @Flag(help: "No progress messages.") var quiet = false

        func run() throws {
            try reportingErrors {
                let game = try selection.resolve()
                var options = try dynamics.options()
                options.points = try points.map { try parsePoints($0, option: "--points") } ?? []
                options.spectrumPoint = try spectrumAt.map { try parsePoints($0, option: "--spectrum-at").first ?? [] }
                if let p = options.spectrumPoint, p.count != game.dimension {
                    throw ValidationError("--spectrum-at needs \(game.dimension) coordinates (got \(p.count))")
                }
                if let text = reference {
                    let given = try parsePoints(text, option: "--reference")
                    guard given.count == 1 else { throw ValidationError("--reference takes one point, got \(given.count): write it as x,y") }
                    options.reference = given[0]
                }
                let analyzer = try GameAnalyzer(game: game, options: options)
                // Within the limits each option has, their product can still be hours of work: said up front.
                let steps = analyzer.plannedSteps
                if steps > 1e9 {
                    let o = analyzer.options
                    try? FileHandle.standardError.write(contentsOf: Data("note: this analysis takes about \(String(format: "%.2g", steps)) gradient steps (3 dynamics × (\(o.iterations) iterations × \(1 + o.trajectoryStarts.count) runs + \(o.returnIterations) return iterations) × \(1 + o.unroll) steps with --unroll \(o.unroll)): at the order of 10⁷ steps a second (a release build on one core) that is about \(String(format: "%.0f", steps / 1e7 / 60)) minutes; lower --iterations, --return-iterations or --unroll for less\n".utf8))
                }
                // Everything the end of the run needs is checked before the analysis starts.
                if noRender && svg { throw UsageError("--svg renders SVGs and --no-render renders nothing: give one of them") }
                let formats = noRender ? [] : (svg ? ["png", "svg"] : ["png"])
                if !formats.isEmpty && Gnuplot.executable == nil { throw PlotError.gnuplotMissing }
                // Per built-in game, so that analysing two of them without --out keeps both.
                let dir = try prepareOutputDirectory(out ?? "results/\(selection.builtin ?? "game")", option: "--out")
                // A directory where a report or figure file goes would fail the run only at its end.
                let files = ["report.txt", "report.json"] + GameFigures.names.flatMap { n in ["gp", "dat", "png", "svg"].map { "\(n).\($0)" } }
                for name in files {
                    var isDirectory: ObjCBool = false
                    if FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path, isDirectory: &isDirectory), isDirectory.boolValue {
                        throw OutputError("\(dir.appendingPathComponent(name).path) is a directory, where the analysis writes a file: move it away, or choose another --out")
                    }
                }
                let progress: (String) -> Void = { m in if !quiet { try? FileHandle.standardError.write(contentsOf: Data("[\(game.name)] \(m)\n".utf8)) } }
                var (report, series) = try analyzer.run(progress: progress)
                report.provenance = RunProvenance.current(seed: analyzer.options.seed)
                for w in report.warnings { try? FileHandle.standardError.write(contentsOf: Data("warning: \(w)\n".utf8)) }
                try writeReport(text: report.text, json: report, in: dir)
                progress("writing plots")
                // One figure that cannot be written does not stop the others.
                var failures: [String] = []
                let figures = GameFigures.all(report: report, series: series, game: game)
                var written = Set<String>()
                for figure in figures {
                    do { written.formUnion(try figure.write(to: dir, formats: formats).map(\.lastPathComponent)) } catch let e as PlotError {
                        failures.append("\(figure.name): \(e)")
                    } catch {
                        failures.append("\(figure.name): cannot write \(figure.name).gp and \(figure.name).dat in \(dir.path) (\(fileErrorReason(error, path: dir.appendingPathComponent(figure.name + ".gp").path)))")
                    }
                }
                progress("wrote \(dir.path)/report.txt, report.json and \(formats.isEmpty ? "plot scripts" : "plots")")
                noteEarlierOutputs(in: dir, figures: GameFigures.names, written: written)
                print(report.text)
                if !failures.isEmpty {
                    throw OutputError("\(failures.count) of \(figures.count) figures could not be written (the others and the reports were):\n  " + failures.joined(separator: "\n  "))
                }
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the total derivative, Proposition 2 and (for stac) the paper's claims numerically; exits non-zero on any FAIL.")
        @OptionGroup var selection: GameSelection
        @OptionGroup var dynamics: DynamicsOptions

        func run() throws {
            try reportingErrors {
                let game = try selection.resolve()
                let analyzer = try GameAnalyzer(game: game, options: try dynamics.options())
                // Options of `game analyze`'s equilibrium search, return curve and figures, which the
                // checks do not run: accepted (one option group serves both), said when given.
                let unread = [("--root-starts", dynamics.rootStarts != nil), ("--starts", dynamics.starts != nil),
                              ("--return-iterations", dynamics.returnIterations != nil), ("--grid", dynamics.grid != 21)].filter(\.1).map(\.0)
                if !unread.isEmpty {
                    try? FileHandle.standardError.write(contentsOf: Data("note: \(unread.joined(separator: ", ")) shape\(unread.count == 1 ? "s" : "") game analyze's equilibrium search, return curve or figures; game check reads \(unread.count == 1 ? "it" : "none of them")\n".utf8))
                }
                let results = GameChecks(analyzer).run()
                for r in results { print("\(r.notApplicable ? "N/A " : r.passed ? "PASS" : "FAIL") \(r.name): \(r.detail)") }
                let failed = results.filter { !$0.passed && !$0.notApplicable }.count
                let skipped = results.filter(\.notApplicable).count
                print("\(results.count - failed - skipped) passed, \(failed) failed" + (skipped > 0 ? ", \(skipped) not applicable to this game" : ""))
                if failed > 0 { throw ExitCode(1) }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the built-in games.")
        func run() throws {
            for name in BuiltinGames.names {
                let g = try BuiltinGames.named(name)
                print("\(name)\n  leader \(g.leaderVariables.joined(separator: ",")): f1 = \(g.leaderCost.nodeCount > 60 ? "(expectation over ε, see summary)" : g.leaderCost.text)\n  follower \(g.followerVariables.joined(separator: ",")): f2 = \(g.followerCost.nodeCount > 60 ? "(expectation over ε)" : g.followerCost.text)\n  \(g.summary)\n")
            }
        }
    }
}

/// Prints a user error as one clear message and exits non-zero, instead of a stack trace.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch let e as ValidationError {
        // Said like every other error, with EX_USAGE: rethrown, ArgumentParser would print the root
        // command's usage under it, which is not the command the user ran.
        try? FileHandle.standardError.write(contentsOf: Data("error: \(e.message)\n".utf8))
        throw ExitCode(64)
    } catch let e as UsageError {
        // A refused option value of train, attention, compare, diagnose or sweep: a ValidationError's kind.
        try? FileHandle.standardError.write(contentsOf: Data("error: \(e)\n".utf8))
        throw ExitCode(64)
    } catch let e as SettingsRefused {
        try? FileHandle.standardError.write(contentsOf: Data("error: \(e)\n".utf8))
        throw ExitCode(78)
    } catch let e as GameError {
        try? FileHandle.standardError.write(contentsOf: Data("error: \(e)\n".utf8))
        if case .option = e { throw ExitCode(64) }
        throw ExitCode(2)
    } catch let e as PlotError {
        try? FileHandle.standardError.write(contentsOf: Data("error: \(e)\n".utf8))
        throw ExitCode(3)
    } catch let e as OutputError {
        try? FileHandle.standardError.write(contentsOf: Data("error: \(e)\n".utf8))
        throw ExitCode(3)
    } catch {
        try? FileHandle.standardError.write(contentsOf: Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// A file-system problem with the command's outputs, said with the path and the fix.
struct OutputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Makes sure `path` is a directory this process can write, creating it if needed, before any work:
/// an analysis can take minutes, and a bad path used to fail only at its end with a raw Foundation error.
/// With `create: false` (train, whose refused configurations must leave nothing behind) a missing
/// path is only checked: its deepest existing ancestor must be a writable directory.
func prepareOutputDirectory(_ path: String, option: String, create: Bool = true) throws -> URL {
    // An empty path would resolve to the working directory for some calls and "/" for others.
    guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
        // A refused option value (64), as README's Errors section has it; not an output that failed (3).
        throw UsageError("\(option) is empty: give a directory (e.g. \(option) runs)")
    }
    let url = URL(fileURLWithPath: path)
    let fm = FileManager.default
    if let o = PathObstacle.first(on: path) {
        switch o.kind {
        case .file, .linkToFile:
            if o.isWholePath { throw OutputError("\(option) '\(path)' is a file, not a directory: give a directory (it is created if missing) or move the file away") }
            throw OutputError("\(option) '\(path)': '\(o.path)' is a file, not a directory, so the output directory cannot be created under it; give another path")
        case .brokenLink, .linkLoop:
            // "Does not exist" to fileExists, yet nothing can be created in its place.
            throw OutputError("\(option) '\(path)': '\(o.path)' is a symbolic link to a missing target (or a loop of links), so the output directory cannot be created there: remove the link, or point it at a directory")
        }
    }
    // (PathObstacle has refused anything there that is not a directory.)
    if !fm.fileExists(atPath: url.path) {
        // Created one level at a time, so that the message can name the level that failed (with
        // mkdir), or (without `create`) only checked down to the deepest existing level.
        var prefix = path.hasPrefix("/") ? "/" : ""
        var deepest = path.hasPrefix("/") ? "/" : "."
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            if fm.fileExists(atPath: prefix) {
                deepest = prefix
                continue
            }
            guard create else {
                // Checked by creating the first missing level and removing it again: write permission
                // alone says nothing to root, and /proc or a read-only mount refuse only the mkdir.
                if mkdir(prefix, 0o755) != 0 {
                    throw OutputError("\(option) '\(path)': cannot create the directory '\(prefix)' (\(String(cString: strerror(errno)))): give a path where directories can be created")
                }
                rmdir(prefix)
                break
            }
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw OutputError("\(option) '\(path)': cannot create the directory '\(prefix)' (\(String(cString: strerror(errno)))): give a path where directories can be created")
            }
        }
        if !create {
            guard access(deepest, W_OK | X_OK) == 0 else {
                throw OutputError("\(option) '\(path)': cannot create it under '\(deepest)' (\(String(cString: strerror(errno)))): give a path where directories can be created")
            }
            return url
        }
    }
    // Probe with a real file: permissions, read-only file systems and full disks all show up here.
    let probe = url.appendingPathComponent(".stackelberg-write-probe-\(getpid())").path
    let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard fd >= 0 else {
        throw OutputError("\(option) '\(path)' is not writable (\(String(cString: strerror(errno)))): choose a writable directory or change its permissions")
    }
    close(fd)
    unlink(probe)
    return url
}

/// Says which of the files a command may write into `dir` (`names`: figure names, each as .gp, .dat, .png
/// and .svg) are there but were not written by this run (`written`): another game's figure this analysis
/// did not write (a spectrum with no equilibrium to take it at), or a format not rendered this time,
/// would read as this run's. Noted, not removed: they are the user's files until the user says so.
func noteEarlierOutputs(in dir: URL, figures names: [String], written: Set<String>) {
    let candidates = names.flatMap { n in ["gp", "dat", "png", "svg"].map { "\(n).\($0)" } }
    let earlier = candidates.filter { !written.contains($0) && FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path) }
    guard !earlier.isEmpty else { return }
    try? FileHandle.standardError.write(contentsOf: Data("note: \(dir.path) also holds \(earlier.count) file\(earlier.count == 1 ? "" : "s") from an earlier run that this one did not write (\(earlier.prefix(4).joined(separator: ", "))\(earlier.count > 4 ? ", …" : "")): another game's or format's, not this run's; remove them, or give a fresh --out\n".utf8))
}

/// `report.txt` (the text) and `report.json` (pretty, sorted keys, non-finite numbers as "inf",
/// "-inf", "nan") in `dir`: the reports of `game analyze` and `diagnose`.
func writeReport(text: String, json report: some Encodable, in dir: URL) throws {
    try writeFile(dir.appendingPathComponent("report.txt")) { try text.write(to: $0, atomically: true, encoding: .utf8) }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let json = try encoder.encode(report)
    try writeFile(dir.appendingPathComponent("report.json")) { try json.write(to: $0) }
}

/// Runs one write, and names the file and the reason when it fails.
func writeFile(_ url: URL, _ write: (URL) throws -> Void) throws {
    do { try write(url) } catch {
        throw OutputError("cannot write \(url.path) (\(fileErrorReason(error, path: url.path))): check that the directory is writable and has space")
    }
}

enum RunProvenance {
    static func current(seed: UInt64) -> AnalysisReport.Provenance {
        let date = ISO8601DateFormatter().string(from: Date())
        return AnalysisReport.Provenance(tool: toolVersion, commit: commit(), seed: seed,
                     command: CommandLine.arguments.map(shellQuoted).joined(separator: " "), date: date)
    }

    /// The toolkit's own commit, embedded at build time (as `train` records it), or the
    /// STACKELBERG_COMMIT variable when set (tests that compare reports across builds). Never the
    /// current directory's repository, which may be another project's.
    static func commit() -> String {
        ProcessInfo.processInfo.environment["STACKELBERG_COMMIT"] ?? buildCommit
    }
}
