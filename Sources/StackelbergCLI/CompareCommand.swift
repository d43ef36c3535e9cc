import ArgumentParser
import Foundation
import Plotting
import Training

/// `stackelberg compare`: aggregate the seeds of several runs into a Markdown table and learning
/// curves (gnuplot script, data and PNG).
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare runs of `stackelberg train`: IQM with bootstrap intervals, probability of improvement, curves.",
        discussion: """
            Give seed directories or any directories above them; runs are grouped by algorithm and coupling. \
            Over a sweep's output root (or runs on several environments) the table has one row per variant \
            (named by the sweep's sweep.json) and one column per environment, then each environment's comparison. \
            A seed's score is its mean training-episode return over the last 10% of training (the SCORER paper's \
            rule); its greedy score is the final greedy evaluation. IQMs come with 95% percentile-bootstrap \
            intervals from 2,000 resamples.
            """)

    @Argument(help: "Run directories.") var runs: [String]
    @Option(help: "Directory for comparison.md and the curves figure (default: print the table only).") var out: String?
    @Option(parsing: .unconditionalSingleValue, help: ArgumentHelp("Report the steps each group needs to reach this training return, judged on a 50-episode rolling mean of training-episode returns (e.g. 17 for Breakout, -100 for Acrobot). Repeatable: ENV=VALUE gives one environment's (e.g. minatar/breakout=17), a bare VALUE every other's.", valueName: "[ENV=]VALUE")) var threshold: [String] = []
    @Option(parsing: .unconditional, help: "Points per learning curve (2 to 10,000).") var points: Int = 100
    @Flag(help: "Pool seeds that have not finished (no summary.json) with the finished ones, their last evaluation taken as final.") var includeUnfinished = false
    @Option(parsing: .unconditional, help: ArgumentHelp("Compare each run's first STEPS environment steps, finished or not (e.g. 1e6: the first million steps of longer runs, or of runs still training): its logs cut at the end of the batch that reaches STEPS, its score the mean return of the training episodes that ended after 0.9 × STEPS and by that cut, its greedy score the last evaluation made by then, its curve cut there. Runs that have not trained through that batch are left out and named.", valueName: "steps"), transform: Count.parse) var at: Count?

    func run() throws {
        try reportingErrors {
            guard (2...10_000).contains(points) else { throw UsageError("--points must be between 2 and 10,000 (curve points per run), got \(points)") }
            if let at, at.value < 1 { throw UsageError("--at must be a positive number of environment steps, got \(at)") }
            // Scored at one step, every run counted has trained to it; one that has not cannot be scored there.
            if at != nil, includeUnfinished {
                throw UsageError("--at scores runs that have trained that far, finished or not; --include-unfinished (runs as they stand) does not combine with it: drop one of the two")
            }
            let thresholds: ReturnThresholds
            do throws(ReturnThresholds.Refusal) { thresholds = try ReturnThresholds(parsing: threshold) } catch { throw UsageError(error.description) }
            // Before any work: a bad --out used to fail after the table, with a raw Foundation error.
            // Checked, not created: runs that do not read must not leave an empty --out behind.
            if let out { _ = try prepareOutputDirectory(out, option: "--out", create: false) }
            // A sweep's output root, or runs on several environments: the variant × environment table.
            let fm = FileManager.default
            // (A sweep's root goes to its table first, which says of its manifest what is not on disk.)
            let isSweep = runs.contains(where: { fm.fileExists(atPath: $0 + "/sweep.json") })
            if try isSweep || Set(Comparison.runDirectories(runs).compactMap { try? Settings(contentsOf: $0 + "/config.toml").string("env") }).count > 1 {
                let sweep = try SweepComparison(paths: runs, curvePoints: points, includeUnfinished: includeUnfinished, at: at?.value)
                do throws(ReturnThresholds.Refusal) { try thresholds.check(against: sweep.environments) } catch { throw UsageError(error.description) }
                let report = sweep.markdown(thresholds: thresholds)
                print(report)
                if let out {
                    try writeReport(report, into: out)
                    var written = ["comparison.md"]
                    for c in sweep.comparisons {
                        let name = "curves_" + c.env.replacingOccurrences(of: "/", with: "_")
                        written += try writeFigure(c.curvesFigure(name: name, threshold: thresholds.value(for: c.env)), into: out)
                    }
                    print("wrote \(out)/" + written.joined(separator: ", "))
                }
                return
            }
            let comparison = try Comparison(paths: runs, curvePoints: points, includeUnfinished: includeUnfinished, at: at?.value)
            do throws(ReturnThresholds.Refusal) { try thresholds.check(against: [comparison.env]) } catch { throw UsageError(error.description) }
            let threshold = thresholds.value(for: comparison.env)
            let report = comparison.markdown(threshold: threshold)
            print(report)
            if let out {
                try writeReport(report, into: out)
                let name = "curves_" + comparison.env.replacingOccurrences(of: "/", with: "_")
                let files = try writeFigure(comparison.curvesFigure(name: name, threshold: threshold), into: out)
                print("wrote \(out)/comparison.md, " + files.joined(separator: ", "))
            }
        }
    }
}

/// Writes OUT/comparison.md; a failure is an output error (exit 3) with the system's reason.
private func writeReport(_ report: String, into out: String) throws {
    let path = out + "/comparison.md"
    do {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try report.write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
        throw OutputError("cannot write \(path) (\(fileErrorReason(error, path: path))): choose another --out, or move it away")
    }
}

/// Writes a curves figure into OUT; the names written. A file error is an output error (exit 3).
private func writeFigure(_ figure: GnuplotFigure, into out: String) throws -> [String] {
    do {
        return try figure.write(to: URL(fileURLWithPath: out)).map(\.lastPathComponent)
    } catch let error as NSError where error.domain == NSCocoaErrorDomain || error.domain == NSPOSIXErrorDomain {
        throw OutputError("cannot write \(figure.name).gp and \(figure.name).dat in \(out) (\(fileErrorReason(error, path: out + "/" + figure.name + ".gp"))): choose another --out")
    }
}
