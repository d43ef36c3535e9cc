import Agents
import Autodiff
import Environments
import Foundation
import Plotting

/// Attention maps of a trained SPRIG (or attention-PPO) agent: its greedy policy played from a
/// run's checkpoint, and at chosen steps a figure of what the perception module attends to
/// (`stackelberg attention`).
///
/// Each figure `attention_play_stepT` (T: the step of the greedy play, not of training) is titled
/// with the environment, the coupling, the run's seed and the environment steps its checkpoint had
/// trained, and has one row per stacked frame (oldest first, named t−(F−1) … t−0): the frame
/// (Atari: grey levels on the fixed range 0–255; MinAtar: each cell in a fixed colour for its first
/// active channel, the colour box naming the channels, empty cells light grey), the attention each
/// stem cell receives (the mean over heads and attending cells of its weights: the cells sum to 1;
/// one colour range [0, max] over every frame's panel, the uniform level 1/P in its label), and the
/// cell gates (range [0, 1]) when the module has them; then the temporal attention between frames
/// (mean over heads, row = the attending frame, tics t−k as the frames). Data (each block's
/// meaning in its comment lines) and script sit beside the PNG. Stem cell
/// (i, j) sees the frame through the stem's receptive field: on MinAtar the 3×3 block of rows
/// i…i+2 and columns j…j+2; on Atari a 20-pixel square starting at pixel (8i, 8j) (8×8 stride 4,
/// then 4×4 stride 2: 8 + 3·4 pixels).
public enum AttentionMaps {
    public struct Capture: Sendable {
        public let step: Int
        public let snapshot: AttentionSnapshot
        /// The raw observation [H, W, F·C].
        public let observation: [Float]

        public init(step: Int, snapshot: AttentionSnapshot, observation: [Float]) {
            self.step = step; self.snapshot = snapshot; self.observation = observation
        }
    }

    /// What the greedy policy did over the steps played: the reward it collected, the returns of the
    /// games it finished (as the evaluation counts them: whole games under Atari's episodic life),
    /// and how often it took each action (discrete spaces; empty for a box).
    public struct Play: Sendable {
        public let steps: Int
        public let reward: Double
        public let finishedReturns: [Double]
        public let actionCounts: [Int]
        /// The environment's names of the actions (``VectorEnvironment/actionNames``), or nil to
        /// print their numbers.
        public var actionNames: [String]? = nil

        /// One line: "400 greedy steps: reward 352, 1 game finished (352); actions NOOP: 12, FIRE: 388"
        /// (with numbers, "0: 12, 1: 388", where the environment does not name its actions).
        public var summary: String {
            var s = "\(steps) greedy step\(steps == 1 ? "" : "s"): reward \(Self.number(reward))"
            s += finishedReturns.isEmpty ? ", no game finished"
                : ", \(finishedReturns.count) game\(finishedReturns.count == 1 ? "" : "s") finished (" + finishedReturns.map(Self.number).joined(separator: ", ") + ")"
            if !actionCounts.isEmpty {
                let names = actionNames.flatMap { $0.count == actionCounts.count ? $0 : nil }
                s += "; actions " + actionCounts.enumerated().map { "\(names?[$0.offset] ?? String($0.offset)): \($0.element)" }.joined(separator: ", ")
            }
            return s
        }

        static func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e9 ? String(Int(x)) : String(format: "%.2f", x) }
    }

    /// Plays `steps` greedy steps of the run in `runDirectory` (a `seedN` directory with
    /// `config.toml` and `checkpoint.state`) from a reset with `seed`, capturing `captures`
    /// evenly spaced steps. Errors: `TrainingError.io` for a missing file or a run without an
    /// attention perception module, naming the fix.
    public static func capture(runDirectory: String, steps: Int, captures: Int, seed: UInt64) throws -> (captures: [Capture], shape: [Int], environment: String, play: Play, provenance: Provenance) {
        guard steps >= 1, captures >= 1, captures <= steps else {
            throw TrainingError.io("--steps (\(steps)) must be ≥ 1 and --captures (\(captures)) between 1 and --steps")
        }
        let fm = FileManager.default
        let configPath = runDirectory + "/config.toml", checkpointPath = runDirectory + "/checkpoint.state"
        var isDirectory: ObjCBool = false
        guard !runDirectory.isEmpty else {
            throw TrainingError.io("the run path is empty (an unset shell variable?): give one seed's run directory (OUT/ENV/ALGO-COUPLING/seedN)")
        }
        guard fm.fileExists(atPath: runDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TrainingError.io("\(runDirectory) is not a directory: give one seed's run directory (OUT/ENV/ALGO-COUPLING/seedN)")
        }
        guard fm.fileExists(atPath: configPath) else {
            let seeds = ((try? fm.contentsOfDirectory(atPath: runDirectory)) ?? []).filter { fm.fileExists(atPath: runDirectory + "/" + $0 + "/config.toml") }.sorted()
            throw TrainingError.io("no config.toml in \(runDirectory): point at one seed's directory (OUT/ENV/ALGO-COUPLING/seedN)"
                + (seeds.isEmpty ? "" : "; it holds \(seeds.joined(separator: ", "))"))
        }
        // A run from before a setting existed reads as it ran (AlgorithmRegistry.completing). A run
        // without the module is said first: a checkpoint would not help it.
        let settings = AlgorithmRegistry.completing(try Settings(contentsOf: configPath))
        // `train` writes every key: one missing is a damaged or hand-written file, not a run without the module.
        let missing = ["algo", "env"].filter { (try? settings.string($0)) == nil }
        guard missing.isEmpty, let algo = try settings.string("algo"), let envName = try settings.string("env") else {
            throw TrainingError.io("\(configPath) has no \(missing.joined(separator: " or ")) key, which `stackelberg train` writes in every run's config.toml: the file is damaged or not a run's; restore it")
        }
        let layout = try settings.string("network.layout")
        guard algo == "ppo", layout == "attention" else {
            throw TrainingError.io("the run in \(runDirectory) has no attention perception module (algo \(algo), network.layout \(layout ?? "none")); attention maps need a run of --algo ppo with --coupling sprig, or with --set network.layout=attention")
        }
        guard fm.fileExists(atPath: checkpointPath) else {
            // A finished run without its checkpoint (a committed run: checkpoints stay out of the repository)
            // can be neither resumed nor trained on: the way out is the same run trained elsewhere.
            if fm.fileExists(atPath: runDirectory + "/summary.json") {
                let command = RunConfigHeader(text: (try? String(contentsOfFile: configPath, encoding: .utf8)) ?? "").value("command")
                throw TrainingError.io("no checkpoint.state in \(runDirectory): the run has finished without one (runs committed to a repository keep no checkpoints), so it can be neither resumed nor mapped; train the same settings and seed into another --out (\(command.map { "its command: \($0)" } ?? "its config.toml's command")) and map that run")
            }
            throw TrainingError.io("no checkpoint.state in \(runDirectory): train (or resume) the run until it writes one")
        }
        let state: StateDictionary
        do { state = try StateDictionary(contentsOf: URL(fileURLWithPath: checkpointPath)) } catch let e as StateError {
            // As `train --resume` says it: the same checkpoint fails the same way every time.
            throw TrainingError.io("\(e): the checkpoint is damaged; restore \(checkpointPath) from a copy if you kept one, or train the run again (its next periodic checkpoint is read the same way)")
        }
        // The module's sizes (perception.heads, …) do not all show in its tensors' shapes, so the
        // settings themselves are compared (checkpoints from before the record are not).
        let changed = try TrainingRun.settingsChanged(since: state, checkpointPath: checkpointPath, configPath: configPath)
        guard changed.isEmpty else {
            throw TrainingError.io(TrainingRun.checkpointDisagreement(configPath: configPath, changed: changed) + "; restore it")
        }
        if (try? state.text("run.settings")) == nil {
            // Its tensors' shapes are still checked as it loads; perception.heads, for one, does not show in them.
            FileHandle.standardError.write(Data("note: \(checkpointPath) predates the checkpoints' record of their settings: a config.toml edited since (perception.heads, …) cannot be told from the one that trained it\n".utf8))
        }
        let options = try AlgorithmRegistry.runOptions(settings)
        let overrides = try options.environmentOverrides()
        // The agent is built on the run's batch (its checkpoint is sized by it); one copy plays.
        let training = try EnvironmentRegistry.make(envName, count: options.numEnvs, overrides: overrides)
        let env = try EnvironmentRegistry.make(envName, count: 1, overrides: overrides)
        let agent = try AlgorithmRegistry.makeAgent(settings, environment: training, seed: seed)
        // The checkpoint's environment snapshot names its environment and batch (checked for checkpoints
        // without run.settings): a config.toml edited after the run would draw maps of a model on a game it
        // never played.
        if let snapshotting = training as? SnapshottingEnvironment, let snapshot = try? state.bytes("run.environment") {
            do { try snapshotting.restore(snapshot: snapshot) } catch {
                throw TrainingError.io("\(checkpointPath) was not written for the environment \(configPath) states (env = \(envName), num_envs = \(options.numEnvs)): \(error); config.toml was changed after the run: restore it")
            }
        }
        // A checkpoint of another run (copied in), or sizes edited in a config.toml older than the checkpoints'
        // settings record: said with the file and the way out, not as a bare missing state entry.
        do { try agent.load(from: state) } catch {
            throw TrainingError.io("\(checkpointPath) does not fit the model \(configPath) describes (\(error)): the checkpoint is another run's, or config.toml was edited after the run; restore the run's own config.toml and checkpoint.state")
        }
        guard let ppo = agent as? PPOAgent else { throw TrainingError.io("the run in \(runDirectory) is not a PPO agent") }
        // For the figures' titles: which run, and how far its checkpoint had trained.
        let provenance = Provenance(coupling: (try? settings.string("coupling")) ?? "monolithic", trainedSteps: ppo.environmentSteps,
                                    totalSteps: try? settings.int("total_steps"), runSeed: (try? state.integer("run.seed")).map { UInt64(bitPattern: $0) },
                                    playSeed: seed, playSteps: steps)
        env.reset(seed: seed)
        let wanted = Set((1...captures).map { k in (k * steps) / (captures + 1) })
        let actions = ActionBatch(space: env.actionSpace, count: 1)
        let size = env.observationSpace.size
        var out = [Capture]()
        var reward = 0.0, finished = [Double]()
        var counts = [Int]()
        if case .discrete(let n) = env.actionSpace { counts = [Int](repeating: 0, count: n) }
        for t in 0..<steps {
            let observation = env.observations.baseAddress!
            if wanted.contains(t), let snapshot = ppo.attentionSnapshot(observation) {
                out.append(Capture(step: t, snapshot: snapshot, observation: Array(UnsafeBufferPointer(start: observation, count: size))))
            }
            agent.act(observation, count: 1, deterministic: true, into: actions)
            if counts.indices.contains(Int(actions.discrete[0])) { counts[Int(actions.discrete[0])] += 1 }
            try actions.step(env)
            reward += Double(env.rewards[0])
            if env.gameOver(copy: 0) { finished.append(Double(env.episodeReturns[0])) }
        }
        return (out, env.observationShape, envName, Play(steps: steps, reward: reward, finishedReturns: finished, actionCounts: counts, actionNames: env.actionNames), provenance)
    }

    /// Where the captures come from, as each figure's title says it: the run (its coupling, its
    /// training seed and the environment steps its checkpoint had trained) and the greedy play.
    public struct Provenance: Sendable {
        /// The run's `coupling` ("sprig", or "monolithic" for PPO with the attention layout).
        public var coupling: String
        /// Environment steps the checkpoint had trained (its `agent.environment_steps`).
        public var trainedSteps: Int
        /// The run's `total_steps`, when known: a checkpoint short of it is a run still training.
        public var totalSteps: Int?
        /// The run's training seed (the checkpoint's `run.seed`), when recorded.
        public var runSeed: UInt64?
        /// The seed of the play's environment reset (`--seed`) and the greedy steps played (`--steps`).
        public var playSeed: UInt64
        public var playSteps: Int

        public init(coupling: String, trainedSteps: Int, totalSteps: Int? = nil, runSeed: UInt64? = nil, playSeed: UInt64, playSteps: Int) {
            self.coupling = coupling; self.trainedSteps = trainedSteps; self.totalSteps = totalSteps
            self.runSeed = runSeed; self.playSeed = playSeed; self.playSteps = playSteps
        }

        /// The coupling as the title says it: which of the two attention variants the maps are of.
        public var couplingText: String {
            switch coupling {
            case "sprig": return "SPRIG (perception module leads)"
            case "monolithic": return "monolithic attention PPO (trained end to end)"
            default: return "coupling \(coupling), attention layout"
            }
        }

        /// "checkpoint after 16,384 env steps of training" (with "of 5,000,000" for a run still training).
        public var checkpointText: String {
            "checkpoint after \(grouped(trainedSteps)) env steps of training"
                + (totalSteps.map { $0 > trainedSteps ? " (of \(grouped($0)))" : "" } ?? "")
        }
    }

    /// The figure's file name (without extension) for the capture at greedy-play step `step`: the
    /// step of the play, not of training (the checkpoint's training step is in the title).
    public static func figureName(playStep step: Int) -> String { "attention_play_step\(step)" }

    /// Prefixes of the figures this command writes, and wrote before the files named the play step
    /// (`attention_stepT`): an `--out` holding either holds an earlier capture.
    public static let figurePrefixes = ["attention_play_step", "attention_step"]

    /// MinAtar's names of its observation channels (``MinAtarGame/channels``) for `environment`
    /// ("minatar/breakout", or its "-minimal" action set), when it has `channels` of them; nil for
    /// any other environment.
    public static func channelNames(environment: String, channels: Int) -> [String]? {
        let games: [any MinAtarGame.Type] = [MinAtarBreakout.self, MinAtarAsterix.self, MinAtarFreeway.self, MinAtarSeaquest.self, MinAtarSpaceInvaders.self]
        let game = environment.hasSuffix("-minimal") ? String(environment.dropLast("-minimal".count)) : environment
        guard let g = games.first(where: { "minatar/\($0.name)" == game }), g.channels.count == channels else { return nil }
        return g.channels
    }

    /// A fixed colour per channel (channel k: the k-th; distinct hues, so that channels read apart
    /// whatever the game), and the colour of a cell where no channel is set.
    public static let channelColours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#000000", "#bcbd22", "#17becf"]
    public static let emptyColour = "#e6e6e6"

    /// The figure of one capture (see the type's documentation), titled with where it comes from.
    public static func figure(_ c: Capture, shape: [Int], environment: String, provenance: Provenance) -> GnuplotFigure {
        let s = c.snapshot, (h, w) = (shape[0], shape[1]), channels = shape[2] / s.frames
        let columns = s.gates == nil ? 2 : 3
        let rows = s.frames + (s.temporal == nil ? 0 : 1)
        let p = s.cells, (gh, gw) = (s.grid.height, s.grid.width)
        let heads = "\(s.heads) head\(s.heads == 1 ? "" : "s")"
        let names: [String]? = channels == 1 ? nil : channelNames(environment: environment, channels: channels) ?? (1...channels).map { "channel \($0 - 1)" }
        let age = { (f: Int) in "t−\(s.frames - 1 - f)" }
        // One colour range for every "attention received" panel: white is 0 in all of them, and a
        // colour means the same weight in every frame.
        let received = (0..<s.frames).map { s.received(frame: $0) }
        let top = max(Double(received.joined().max() ?? 0), 1 / Double(p))
        let uniform = 1 / Double(p)
        var fig = GnuplotFigure(name: figureName(playStep: c.step), width: 420 * columns, height: 340 * rows + 70)
        let title = "\(environment) · \(provenance.couplingText) · run seed \(provenance.runSeed.map(String.init) ?? "?") · \(provenance.checkpointText)"
        let subtitle = "greedy play from reset seed \(provenance.playSeed): play step \(c.step) of \(provenance.playSteps) · attention panels: mean over \(heads), one colour range [0, \(format(top))] for all"
        let field = h <= 16
            ? "stem cell (i, j) sees frame rows i…i+2, columns j…j+2 (3×3 convolution)"
            : "stem cell (i, j) sees the 20-pixel square from pixel (8i, 8j) (8×8 stride 4, then 4×4 stride 2)"
        var body = """
            set termoption noenhanced
            set multiplot layout \(rows),\(columns) title "\(title)\\n\(subtitle)\\n\(field)" font ",11"
            set size ratio -1
            set yrange [*:*] reverse
            set autoscale xfix
            set autoscale yfix
            unset key
            set tics font ",8"
            set cbtics font ",8"
            set xlabel font ",9"
            set ylabel font ",9"
            set cblabel font ",9"

            """
        func matrix(_ title: String, _ header: String, _ height: Int, _ width: Int, _ value: (Int, Int) -> Double) -> Int {
            fig.data.addBlock(title, columns: [header], rows: (0..<height).map { i in (0..<width).map { j in value(i, j) } })
        }
        func tics(_ height: Int, _ width: Int) -> String {
            "set xtics \(width <= 16 ? "1" : "autofreq")\nset ytics \(height <= 16 ? "1" : "autofreq")\n"
        }
        let matrixNote = "matrix (gnuplot `matrix`): line = row (top first), column = column (left first)"
        var header = "\(fig.name): \(title)\n# \(subtitle)\n# \(field)\n# Blocks (gnuplot `index`): per stacked frame, oldest first, its frame, the attention its stem cells receive"
            + (s.gates == nil ? "" : ", its cell gates") + (s.temporal == nil ? "" : "; then the temporal attention between frames") + ". Frame t−k is the one k steps before the current one (t−0). Each block is a \(matrixNote).\n# "
        for f in 0..<s.frames {
            let base = { (i: Int, j: Int) in (i * w + j) * s.frames * channels + f * channels }
            let frame: Int
            if let names {
                // MinAtar: each cell by its first active channel (1 + its index; 0: none).
                let key = names.enumerated().map { "\($0.offset + 1) \($0.element)" }.joined(separator: ", ")
                frame = matrix(header + "frame \(age(f)) (\(h)×\(w) observation cells)",
                               "\(matrixNote); value: 1 + the index of the cell's first active channel, 0 where none is (0 empty, \(key))", h, w) { i, j in
                    Double((0..<channels).first { c.observation[base(i, j) + $0] > 0 }.map { $0 + 1 } ?? 0)
                }
            } else {
                frame = matrix(header + "frame \(age(f)) (\(h)×\(w) pixels)", "\(matrixNote); value: grey level 0 (black) to 255 (white)", h, w) { i, j in
                    Double(c.observation[base(i, j)])
                }
            }
            header = ""
            if let names {
                // Categorical: one fixed colour per channel, named in the colour box (its key).
                var stops = ["-0.5 '\(emptyColour)'", "0.5 '\(emptyColour)'"]
                for k in 1...names.count {
                    let colour = channelColours[(k - 1) % channelColours.count]
                    stops += ["\(Double(k) - 0.5) '\(colour)'", "\(Double(k) + 0.5) '\(colour)'"]
                }
                let labels = (["empty"] + names).enumerated().map { "\"\($0.element)\" \($0.offset)" }.joined(separator: ", ")
                // Cells where several channels are set: the frame shows the first, a cross marks them.
                let several = (0..<h).flatMap { i in (0..<w).compactMap { j -> [Double]? in
                    let n = (0..<channels).filter { c.observation[base(i, j) + $0] > 0 }.count
                    return n > 1 ? [Double(j), Double(i), Double(n)] : nil
                } }
                var overlay = ""
                if !several.isEmpty {
                    let block = fig.data.addBlock("frame \(age(f)): cells where several channels are set (the frame shows the first)", columns: ["column", "row", "channels_set"], rows: several)
                    overlay = ", datafile index \(block) using 1:2 with points pt 2 ps 1.2 lw 2 lc rgb 'white'"
                }
                body += """
                    set title "frame \(age(f)): first active channel\(several.isEmpty ? "" : " (×: several set)")" font ",10"
                    set palette defined (\(stops.joined(separator: ", ")))
                    set cbrange [-0.5:\(Double(names.count) + 0.5)]
                    set cbtics (\(labels)) scale 0
                    set cblabel ""
                    set xlabel "column"
                    set ylabel "row"
                    \(tics(h, w))plot datafile index \(frame) matrix with image\(overlay)

                    """
            } else {
                body += """
                    set title "frame \(age(f)) (grey level)" font ",10"
                    set palette gray
                    set cbrange [0:255]
                    set cbtics autofreq
                    set cblabel "0 black, 255 white"
                    set xlabel "column (pixel)"
                    set ylabel "row (pixel)"
                    \(tics(h, w))plot datafile index \(frame) matrix with image

                    """
            }
            let attention = matrix("attention received, frame \(age(f)) (\(gh)×\(gw) stem cells)",
                                   "\(matrixNote); value: the mean over \(heads) and the \(p) attending cells of the attention weight the cell receives (the cells sum to 1; uniform: 1/\(p) = \(format(uniform)))",
                                   gh, gw) { i, j in Double(received[f][i * gw + j]) }
            body += """
                set title "attention received, \(age(f)) (mean over \(heads))" font ",10"
                set palette defined (0 'white', 0.35 '#fdbb84', 0.7 '#e34a33', 1 '#7f0000')
                set cbrange [0:\(String(format: "%.8g", top))]
                set cbtics autofreq
                set cblabel "uniform level 1/\(p) = \(format(uniform))"
                set xlabel "stem cell column"
                set ylabel "stem cell row"
                \(tics(gh, gw))plot datafile index \(attention) matrix with image

                """
            if let gates = s.gates {
                let gate = matrix("cell gates, frame \(age(f)) (\(gh)×\(gw) stem cells)", "\(matrixNote); value: the cell's gate σ(w·x + b) in (0, 1) (0: closed, 1: open; one per cell, no heads)", gh, gw) { i, j in
                    Double(gates[f * p + i * gw + j])
                }
                body += """
                    set title "cell gates, \(age(f))" font ",10"
                    set palette defined (0 'white', 1 '#08519c')
                    set cbrange [0:1]
                    set cbtics autofreq
                    set cblabel "0 closed, 1 open"
                    set xlabel "stem cell column"
                    set ylabel "stem cell row"
                    \(tics(gh, gw))plot datafile index \(gate) matrix with image

                    """
            }
        }
        if let temporal = s.temporalMean {
            let ages = (0..<s.frames).map(age)
            let block = matrix("temporal attention, mean over \(heads) (\(s.frames)×\(s.frames) frames: \(ages.joined(separator: ", ")))",
                               "\(matrixNote); row = the attending frame, column = the attended frame (both oldest first: \(ages.joined(separator: ", "))); value: the weight, mean over \(heads) (rows sum to 1; uniform: 1/\(s.frames))",
                               s.frames, s.frames) { i, j in Double(temporal[i * s.frames + j]) }
            let ticList = ages.enumerated().map { "\"\($0.element)\" \($0.offset)" }.joined(separator: ", ")
            body += """
                set title "temporal attention (mean over \(heads))" font ",10"
                set palette defined (0 'white', 1 '#54278f')
                set cbrange [0:1]
                set cbtics autofreq
                set cblabel "weight (rows sum to 1; uniform 1/\(s.frames) = \(format(1 / Double(s.frames))))"
                set xtics (\(ticList))
                set ytics (\(ticList))
                set xlabel "attended frame"
                set ylabel "attending frame"
                plot datafile index \(block) matrix with image, datafile index \(block) matrix using 1:2:(sprintf("%.2f", $3)) with labels font ",9"

                """
        }
        fig.body = body + "unset multiplot\n"
        return fig
    }

    /// A weight as the figure prints it: 3 significant digits.
    static func format(_ x: Double) -> String { String(format: "%.3g", x) }
}

/// 16384 → "16,384".
fileprivate func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (k, ch) in digits.enumerated() {
        if k > 0, (digits.count - k) % 3 == 0 { out += "," }
        out.append(ch)
    }
    return (n < 0 ? "-" : "") + out
}
