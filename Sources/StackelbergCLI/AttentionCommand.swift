import ArgumentParser
import Foundation
import Plotting
import Training

/// `stackelberg attention`: attention maps of a trained SPRIG (or attention-PPO) run.
struct AttentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attention",
        abstract: "Plot what a trained perception module attends to (gnuplot heat maps over the frames).",
        discussion: """
            Loads RUN (one seed's directory, OUT/ENV/ppo-sprig/seedN, or ppo-monolithic/seedN for PPO \
            with network.layout = attention, with config.toml and checkpoint.state), plays its greedy policy for --steps steps from a reset with --seed, and \
            at --captures evenly spaced steps writes attention_play_stepT.png (T: the step of the play, \
            not of training; the title names the checkpoint's training step, the coupling and the seed), \
            with its .gp script and .dat data, into --out: per stacked frame the frame (Atari's pixels \
            under a red veil of the attention), the attention each cell receives (mean over heads) and \
            the cell gates, then the temporal attention between \
            frames. A module with several attention blocks per level (perception.spatial_blocks, \
            perception.temporal_blocks) is drawn at its last blocks unless --spatial-block or \
            --temporal-block picks another.
            """)

    @Argument(help: ArgumentHelp("A seed's run directory with config.toml and checkpoint.state (--coupling sprig, or any PPO run with network.layout = attention).", valueName: "run")) var runDirectory: String
    @Option(parsing: .unconditional, help: "Greedy steps to play (1 to 100,000, e.g. 400 or 1e3; default: 400).", transform: Count.parse) var steps: Count = Count(400)
    @Option(parsing: .unconditional, help: "Steps captured, evenly spaced (default: 4).") var captures: Int?
    @Option(parsing: .unconditional, help: "Seed of the environment's reset (≥ 0).") var seed: String = "0"
    @Option(parsing: .unconditional, help: "Which spatial attention block to draw, 0-based, when the module has several (perception.spatial_blocks; default: the last).") var spatialBlock: Int?
    @Option(parsing: .unconditional, help: "Which temporal attention block to draw, 0-based (perception.temporal_blocks; default: the last).") var temporalBlock: Int?
    @Option(help: "Directory the figures go in (default: RUN/attention).") var out: String?
    @Flag(help: "Write the gnuplot scripts and data without rendering.") var noRender = false

    func run() throws {
        try reportingErrors {
            let seed = try seedValue(seed)
            // Bounded so that a typo cannot play for hours or write thousands of figures: the longest
            // episode any registered environment allows is Atari's 27,000 agent steps (108,000 frames).
            let steps = self.steps.value
            guard (1...100_000).contains(steps) else { throw UsageError("--steps must be between 1 and 100,000 greedy steps, got \(steps)") }
            let captures = self.captures ?? 4
            guard (1...min(steps, 200)).contains(captures) else {
                throw UsageError(self.captures == nil && steps < 4
                    ? "--steps \(steps) is fewer than the default 4 captures: give --captures \(steps) or fewer, or more --steps"
                    : "--captures must be between 1 and \(min(steps, 200)) (at most --steps, and 200 figures), got \(captures)")
            }
            // Before the play: without gnuplot every figure would fail after it, the first already written.
            if !noRender && Gnuplot.executable == nil { throw PlotError.gnuplotMissing }
            // The run is read first: a wrong RUN must not leave a RUN/attention directory behind.
            let capture: (captures: [AttentionMaps.Capture], shape: [Int], environment: String, play: AttentionMaps.Play, provenance: AttentionMaps.Provenance)
            do {
                capture = try AttentionMaps.capture(runDirectory: runDirectory, steps: steps, captures: captures, seed: seed,
                                                    spatialBlock: spatialBlock, temporalBlock: temporalBlock)
            } catch let e as AttentionMaps.BlockChoiceError { throw UsageError(e.description) }
            let (captured, shape, environment, play, provenance) = capture
            let directory = try prepareOutputDirectory(out ?? runDirectory + "/attention", option: "--out")
            // What the policy did while the maps were taken: a map of an agent that never fires reads
            // differently from one of an agent that plays. Printed last, and also when a figure
            // cannot be written or rendered (the play it reports did happen).
            defer { print(play.summary) }
            // Figures of an earlier capture into the same directory would read as this one's.
            let ours = Set(captured.map { AttentionMaps.figureName(playStep: $0.step) })
            let earlier = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { name in
                AttentionMaps.figurePrefixes.contains { name.hasPrefix($0) } && name.hasSuffix(".gp") && !ours.contains(String(name.dropLast(3)))
            }.sorted()
            if !earlier.isEmpty {
                try? FileHandle.standardError.write(contentsOf: Data("note: \(directory.path) also holds \(earlier.count) figure\(earlier.count == 1 ? "" : "s") of an earlier capture (\(earlier.prefix(3).map { String($0.dropLast(3)) }.joined(separator: ", "))\(earlier.count > 3 ? ", …" : "")), which this one does not replace: remove them, or give another --out\n".utf8))
            }
            for c in captured {
                let figure = AttentionMaps.figure(c, shape: shape, environment: environment, provenance: provenance)
                let written: [URL]
                do { written = try figure.write(to: directory, formats: noRender ? [] : ["png"]) } catch let e as PlotError { throw e } catch {
                    throw OutputError("cannot write \(figure.name).gp and \(figure.name).dat in \(directory.path) (\(fileErrorReason(error, path: directory.appendingPathComponent(figure.name + ".gp").path))): choose another --out")
                }
                print(written.map(\.path).last!)
                // Each path as it is written: a stop (Ctrl-C) while gnuplot renders the next keeps the list.
                fflush(nil)
            }
        }
    }
}
