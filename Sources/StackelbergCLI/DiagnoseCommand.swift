import ArgumentParser
import Foundation
import Plotting
import Training

/// `stackelberg diagnose`: the game diagnostics of training runs, as figures and a report.
struct DiagnoseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Plot and judge the game diagnostics of training runs (runs trained with --set diagnostics.enabled=true).",
        discussion: """
            Give seed directories or any directories above them; runs are grouped by algorithm and coupling, \
            seeds pooled. Writes into --out report.txt and report.json (per run and per group a verdict with \
            its number: rotation of the game Jacobian (and of the regularized Stackelberg field's, for runs \
            trained with diagnostics.stackelberg_spectrum = true), the total derivative's turn of the leader's step, the \
            follower's best-response gap, indefinite follower Hessians, the shape of the parameter path; each \
            run's seed, config and commit) and four figures, each a gnuplot script with its data and the \
            rendered image: gradient_vs_total_derivative, jacobian_spectrum, parameter_path and \
            best_response_gap. The report's commit is the one this binary was built from.
            """)

    @Argument(help: ArgumentHelp("Run directories (a seed's OUT/ENV/ALGO-COUPLING/seedN, or any directory above some).", valueName: "run-dir")) var runs: [String]
    @Option(help: "Directory for the report and figures (default: RUN/diagnosis for one run, results/diagnose for several).") var out: String?
    @Option(help: "Image format of the rendered figures: png or svg.") var format: String = "png"
    @Flag(help: "Write the gnuplot scripts and data without rendering.") var noRender = false

    func run() throws {
        try reportingErrors {
            guard ["png", "svg"].contains(format) else { throw UsageError("--format must be png or svg, got \(format)") }
            if !noRender && Gnuplot.executable == nil { throw PlotError.gnuplotMissing }
            // The runs are read first: a run without diagnostics must not leave an output directory behind.
            let diagnosis = try Diagnosis(paths: runs)
            let target = out ?? (diagnosis.runs.count == 1 && runs.count == 1 ? diagnosis.runs[0].directory + "/diagnosis" : "results/diagnose")
            let dir = try prepareOutputDirectory(target, option: "--out")
            let date = ISO8601DateFormatter().string(from: Date())
            // The commit this binary was built from (embedded by the BuildInfo plugin, as `train`
            // records it), not whatever git repository the current directory is in.
            let report = diagnosis.report(provenance: DiagnosisReport.Provenance(
                tool: toolVersion, commit: buildCommit,
                command: CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " "), date: date))
            try writeReport(text: report.text, json: report, in: dir)
            // One figure that cannot be written does not stop the others.
            var failures: [String] = []
            let figures = DiagnosisFigures.all(diagnosis, report: report)
            var written = Set<String>()
            for var figure in figures {
                // Scripts written without rendering render the format asked for when run by hand.
                figure.defaultFormat = format
                do { written.formUnion(try figure.write(to: dir, formats: noRender ? [] : [format]).map(\.lastPathComponent)) } catch let e as PlotError {
                    failures.append("\(figure.name): \(e)")
                } catch {
                    failures.append("\(figure.name): cannot write \(figure.name).gp and \(figure.name).dat in \(dir.path) (\(fileErrorReason(error, path: dir.appendingPathComponent(figure.name + ".gp").path)))")
                }
            }
            print(report.text)
            try? FileHandle.standardError.write(contentsOf: Data("wrote \(dir.path)/report.txt, report.json and \(figures.map(\.name).joined(separator: ", "))\n".utf8))
            noteEarlierOutputs(in: dir, figures: figures.map(\.name), written: written)
            if !failures.isEmpty {
                throw OutputError("\(failures.count) of \(figures.count) figures could not be written (the others and the reports were):\n  " + failures.joined(separator: "\n  "))
            }
        }
    }
}
